"""Broken CSV releases (CBP encounters, World Bank population) are rejected with a clear reason and change
nothing else; a crash in the middle of a database write is rolled back. Census xlsx: test_bad_input_census.py."""

from __future__ import annotations

import shutil
from datetime import datetime, timezone

import duckdb
import pandas as pd
import pytest

from bad_input_support import (
    CBP_ERROR_PAGE, SOURCES, build_store, duplicated, field, fingerprint, ingest_bad_release,
    truncated_within, with_field, without_column,
)
from claimwatch.sources.base import ParsedRelease
from claimwatch.sources.cbp_release import fiscal_month_start
from claimwatch.store import open_store

CBP = SOURCES["cbp_encounters"]
APR = "nationwide-encounters-fy21-fy24-apr-state.csv"  # the release that arrives broken
MAR = "nationwide-encounters-fy21-fy24-mar-state.csv"  # the good release already stored
WB = SOURCES["worldbank_population"]
WB_NEW = "commit-2026-03-06/population.csv"


@pytest.fixture(scope="module")
def base_db(shared_data, tmp_path_factory):
    """A store holding one good CBP encounters release and one good World Bank release (copy it per test)."""
    return build_store(tmp_path_factory.mktemp("bad_input") / "base.duckdb", [
        ("cbp_encounters", shared_data / CBP.recorded_folder / MAR),
        ("worldbank_population", shared_data / WB.recorded_folder / "commit-2025-04-01"),
    ])


@pytest.fixture(scope="module")
def apr(shared_data) -> bytes:
    return (shared_data / CBP.recorded_folder / APR).read_bytes()


def duplicate_key(content: bytes, line: int) -> str:
    """The key of a CBP encounters row as the duplicate-row message shows it."""
    fy, _, month, region, state, demographic, citizenship, title, _ = field(content, line)
    start = fiscal_month_start(int(fy[:4]), month)
    return f"({start:%Y-%m-%d}, {region}, {state}, {demographic}, {citizenship}, {title})"


HEADER_LIST = "expected ['Fiscal Year', 'Month Grouping', 'Month (abbv)', 'Land Border Region', 'State', " \
    "'Demographic', 'Citizenship', 'Title of Authority', 'Encounter Count']"

# case -> corrupt(apr bytes) -> (bad bytes, where the reason must start, texts it must contain)
CBP_CASES = {
    "truncated mid-row": lambda c: (
        truncated_within(c, 20_000), f"{APR}, line 20000", ["truncated", "expected a final newline"]),
    # Cut exactly at a line end the file still parses; the file name's data-through month catches it here
    # (not always: the newest month is not at the end of the file, so cutting only the last rows goes unnoticed).
    "truncated at a line end": lambda c: (
        b"".join(c.splitlines(keepends=True)[:20_000]), APR,
        ["the file name says data through 2024-04 but its newest month is 2022-08"]),
    "empty file": lambda c: (b"", APR, ["the file is empty", "expected a CSV file"]),
    "HTML error page": lambda c: (
        CBP_ERROR_PAGE, APR, ["HTML page instead of a CSV file", "error page"]),
    "renamed column": lambda c: (
        c.replace(b",Encounter Count\r\n", b",Encounter Cnt\r\n", 1), f"{APR}, line 1",
        ["header does not match", "missing ['Encounter Count']", "unexpected ['Encounter Cnt']", HEADER_LIST]),
    "missing column": lambda c: (
        without_column(c, "Citizenship"), f"{APR}, line 1",
        ["header does not match", "missing ['Citizenship']", HEADER_LIST]),
    "non-numeric count": lambda c: (
        with_field(c, 1234, "Encounter Count", "12a"), f"{APR}, line 1234, column 'Encounter Count'",
        ["expected a whole number, got '12a'"]),
    "duplicated row": lambda c: (
        duplicated(c, 500, after=700), f"{APR}, line 701",
        [f"duplicate row: same key {duplicate_key(c, 500)} as line 500"]),
    "month that does not parse": lambda c: (
        with_field(c, 3000, "Month (abbv)", "SPT"), f"{APR}, line 3000, column 'Month (abbv)'",
        ["expected a month abbreviation OCT..SEP, got 'SPT'"]),
    "fiscal year FY24": lambda c: (
        with_field(c, 41_000, "Fiscal Year", "FY24"), f"{APR}, line 41000, column 'Fiscal Year'",
        ["expected a fiscal year like 2024 or '2024 (FYTD)', got 'FY24'"]),
}


@pytest.mark.parametrize("case", CBP_CASES)
def test_broken_cbp_release_is_rejected_and_changes_nothing(case, tmp_path, base_db, apr):
    content, where, expected = CBP_CASES[case](apr)
    assert content != apr
    ingest_bad_release(tmp_path, base_db, "cbp_encounters", APR, content, where, expected)


def test_corruption_helpers_touch_only_what_they_say(apr):
    """The corrupted copies differ from the real file only where intended (so the rejection is for that)."""
    assert with_field(apr, 1234, "Encounter Count", "12a").splitlines()[1233].endswith(b",12a")
    assert field(apr, 1234)[6] == "CHINA, PEOPLES REPUBLIC OF"  # quoted field survives the rewrite
    modified = with_field(apr, 1234, "Encounter Count", "12a")
    assert len(modified) == len(apr) + 1
    assert [i for i, (a, b) in enumerate(zip(apr.splitlines(), modified.splitlines())) if a != b] == [1233]
    assert duplicated(apr, 500, after=700).splitlines()[700] == apr.splitlines()[499]
    assert without_column(apr, "Citizenship").splitlines()[0] == (
        b"Fiscal Year,Month Grouping,Month (abbv),Land Border Region,State,Demographic,Title of Authority,Encounter Count")


@pytest.mark.parametrize("value", ["41.3m", "NaN", "inf"])
def test_bad_world_bank_value_is_rejected(value, tmp_path, base_db, shared_data):
    good = (shared_data / WB.recorded_folder / WB_NEW).read_bytes()
    assert field(good, 2341) == ["Canada", "CAN", "2024", "41288599"]
    content = with_field(good, 2341, "Value", value)
    ingest_bad_release(tmp_path, base_db, "worldbank_population", WB_NEW, content,
                       "population.csv, line 2341, column 'Value'", [f"expected a number, got {value!r}"])


class RecordingConnection:
    """A DuckDB connection that remembers the first words of every statement it executes."""

    def __init__(self, con):
        self.con, self.statements = con, []

    def execute(self, sql, *args):
        if not sql.lstrip().lower().startswith("select"):  # writes and transaction control; reads may come between
            self.statements.append(" ".join(sql.split()[:3]))
        return self.con.execute(sql, *args)

    def __getattr__(self, name):
        return getattr(self.con, name)


@pytest.fixture(scope="module")
def apr_parsed(shared_data):
    candidate = CBP.recorded(shared_data / CBP.recorded_folder / APR)
    return candidate, CBP.parse(candidate)


def wrong_column(good: pd.DataFrame) -> dict:
    """A second table whose frame has a column the table does not have."""
    return {"worldbank__population": pd.DataFrame(
        {"country_code": ["CAN"], "country_name": ["Canada"], "year": [2024], "populaton": [41288599.0]})}


def null_in_not_null_column(good: pd.DataFrame) -> dict:
    """A second table whose frame has no value in a NOT NULL column."""
    return {"worldbank__population": pd.DataFrame(
        {"country_code": ["CAN"], "country_name": [None], "year": [2024], "population": [41288599.0]})}


@pytest.mark.parametrize("broken", [wrong_column, null_in_not_null_column])
def test_crash_during_database_write_leaves_store_unchanged(broken, tmp_path, base_db, apr_parsed):
    candidate, parsed = apr_parsed
    good = parsed.tables["cbp_encounters__monthly"]
    bad = ParsedRelease(parsed.data_through, {"cbp_encounters__monthly": good, **broken(good)})
    db = tmp_path / "claimwatch.duckdb"
    shutil.copyfile(base_db, db)
    now = datetime.now(timezone.utc)
    with open_store(db) as store:
        before = fingerprint(store.con)
        store.con = recording = RecordingConnection(store.con)
        with pytest.raises(duckdb.Error, match="populaton|NOT NULL"):
            store.save(candidate, CBP.grain, bad, None, now)
        # The crash came after the release row, its raw file and 41,733 encounter rows were written.
        assert recording.statements[:4] == [
            "begin transaction", "insert into releases", "insert into raw_files", "insert into cbp_encounters__monthly"]
        assert recording.statements[-2:] == ["insert into worldbank__population", "rollback"]
        store.con = recording.con
        assert fingerprint(store.con) == before
        assert store.find(candidate) is None
    with open_store(db) as store:
        assert fingerprint(store.con) == before
        # Nothing half-written blocks a retry of the same release, and the fingerprint does see a change.
        assert store.save(candidate, CBP.grain, parsed, None, now) == candidate.release_id
        assert store.con.execute(
            "select count(*) from cbp_encounters__monthly where release_id = ?", [candidate.release_id]
        ).fetchone() == (len(good),)
        after = fingerprint(store.con)
        assert after != before
        assert after["worldbank__population"] == before["worldbank__population"]
