"""Write, audit, publish: releases are staged, validated by the GX suites, then published or quarantined."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from bad_input_support import (
    SOURCES, Workbook, build_store, field, fingerprint, ingest_quarantined_release, with_field, without_month,
)
from claimwatch.audit import Auditor
from claimwatch.errors import ClaimwatchError
from claimwatch.ingest import stage_candidate
from claimwatch.pipeline import ingest_recorded
from claimwatch.store import open_store
from test_cli import claimwatch_command

WIDE = {**os.environ, "COLUMNS": "300"}
CBP = SOURCES["cbp_encounters"]
CENSUS = SOURCES["census_trade"]
FEB, MAR, APR = (f"nationwide-encounters-fy21-fy24-{m}-state.csv" for m in ("feb", "mar", "apr"))
CENSUS_OLD, CENSUS_NEW = "release-2024-10_data-through-2024-08", "release-2025-04_data-through-2025-02"


@pytest.fixture(scope="module")
def base_db(shared_data, tmp_path_factory):
    """A store holding the March 2024 CBP encounters release and the 2024-10 Census release, published."""
    return build_store(tmp_path_factory.mktemp("audit") / "base.duckdb", [
        ("cbp_encounters", shared_data / CBP.recorded_folder / MAR),
        ("census_trade", shared_data / CENSUS.recorded_folder / CENSUS_OLD),
    ])


@pytest.fixture(scope="module")
def apr(shared_data) -> bytes:
    return (shared_data / CBP.recorded_folder / APR).read_bytes()


def test_census_world_total_no_longer_matching_its_countries_is_quarantined(shared_data, base_db, tmp_path):
    book = Workbook(shared_data / CENSUS.recorded_folder / CENSUS_NEW / "country.xlsx")
    row = book.row_of["2024", "0015"]  # World, not seasonally adjusted
    march = book.sheet.cell(row, book.header.index("EMAR") + 1).value
    content = book.with_cell(row, "EMAR", round(march * 1.1, 1))  # +10% in one month: ~0.8% on the year
    reason = ingest_quarantined_release(
        tmp_path, base_db, "census_trade", f"{CENSUS_NEW}/country.xlsx", content,
        ("census_trade__monthly", "world_total", "expect_column_values_to_be_between", "relative_gap_from_1992"),
    )
    assert "world_total" in reason and "relative_gap_from_1992" in reason


def test_cbp_negative_count_is_quarantined(base_db, apr, tmp_path):
    content = with_field(apr, 2, "Encounter Count", "-5")
    reason = ingest_quarantined_release(
        tmp_path, base_db, "cbp_encounters", APR, content,
        ("cbp_encounters__monthly", "rows", "expect_column_values_to_be_between", "encounter_count"),
    )
    assert "-5" in reason
    year, _, month, region, state, demographic, citizenship, title, _ = field(apr, 2)
    number = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"].index(month) + 1
    calendar = f"{int(year) - (number >= 10)}-{number:02d}"  # CBP's fiscal year starts in October
    assert (f"encounter_count -5 at land_border_region {region}, state {state}, demographic {demographic}, "
            f"citizenship {citizenship}, title_of_authority {title}, month {calendar}") in reason, reason


def test_cbp_month_missing_in_the_middle_is_quarantined(base_db, apr, tmp_path):
    content = without_month(apr, "2022", "JUN")
    reason = ingest_quarantined_release(
        tmp_path, base_db, "cbp_encounters", APR, content,
        ("cbp_encounters__monthly", "release_summary", "expect_column_values_to_be_between", "missing_periods"),
    )
    assert "missing_periods 1 (missing 2022-06)" in reason, reason  # fiscal 2022's June is calendar June 2022


def test_release_older_than_the_stored_one_is_quarantined(shared_data, base_db, tmp_path):
    """The real February 2024 file arriving after March's: its newest month is older than the stored one."""
    reason = ingest_quarantined_release(
        tmp_path, base_db, "cbp_encounters", FEB, (shared_data / CBP.recorded_folder / FEB).read_bytes(),
        ("cbp_encounters__monthly", "release_summary", "expect_column_values_to_be_between", "periods_newer_than_previous"),
    )
    assert '["-1"]' in reason and "Freshness" in reason  # one month behind, and the rule's note


def test_staged_release_is_invisible_until_published(shared_data, base_db, tmp_path):
    db = tmp_path / "c.duckdb"
    shutil.copyfile(base_db, db)
    with open_store(db) as store:
        before = fingerprint(store.con)["cbp_encounters__monthly_latest"]
        staged = stage_candidate(store, CBP, CBP.recorded(shared_data / CBP.recorded_folder / APR))
        assert staged.status == "staged" and store.staged() == [staged.release_id]
        assert fingerprint(store.con)["cbp_encounters__monthly_latest"] == before
        # the run stops here; the next one audits what was left staged, then publishes it
    with open_store(db) as store:
        releases = tmp_path / "releases" / CBP.recorded_folder
        releases.mkdir(parents=True)
        (outcome,) = ingest_recorded(store, releases.parent, [CBP])
        assert (outcome.release_id, outcome.status, outcome.detail) == (staged.release_id, "published", "left staged by an earlier run")
        assert store.staged() == []
        latest = store.con.execute(
            "select max(month), count(distinct release_id) from cbp_encounters__monthly_latest"
        ).fetchone()
        assert str(latest[0]) == "2024-04-01"


def test_validate_command_revalidates_and_builds_data_docs(base_db, apr, tmp_path):
    db = tmp_path / "c.duckdb"
    shutil.copyfile(base_db, db)
    bad = tmp_path / "releases" / CBP.recorded_folder / APR
    bad.parent.mkdir(parents=True)
    bad.write_bytes(with_field(apr, 2, "Encounter Count", "-5"))
    with open_store(db) as store:
        auditor = Auditor(store, tmp_path / "docs")
        (outcome,) = ingest_recorded(store, tmp_path / "releases", [CBP], auditor)
        docs = auditor.finish()
    assert outcome.status == "quarantined"
    assert docs == tmp_path / "docs" / "index.html" and docs.is_file()
    pages = [p.name for p in (tmp_path / "docs" / "validations").rglob("*.html")]
    assert len(pages) == 5, pages  # one page per frame of the cbp_encounters__monthly suite
    assert any("fy21-fy24-apr" in str(p) for p in (tmp_path / "docs" / "validations").rglob("*.html"))

    run = subprocess.run([claimwatch_command(), "validate", "cbp_encounters/fy21-fy24-apr", "--db", str(db)],
                         capture_output=True, text=True, env=WIDE)
    assert run.returncode == 1, run.stderr
    assert "quarantined" in run.stdout and "was quarantined" in run.stdout
    assert "Data Docs of this run:" in run.stdout
    with open_store(db, read_only=True) as store:
        validations = store.con.execute(
            "select outcome, errors from validations where release_id = ? order by validated_at", [outcome.release_id]
        ).fetchall()
    assert validations == [("failed", 1), ("failed", 1)]

    run = subprocess.run([claimwatch_command(), "validate", "cbp_encounters/", "--db", str(db)],
                         capture_output=True, text=True, env=WIDE)
    assert run.returncode == 2 and "names 2 releases" in run.stderr
    run = subprocess.run([claimwatch_command(), "validate", "--db", str(db)], capture_output=True, text=True, env=WIDE)
    assert run.returncode == 0 and "Nothing to validate" in run.stdout


@pytest.mark.parametrize("column, value, frame, expectation, observed", [
    # a land border region CBP has never used: reported for review, not rejected
    ("Land Border Region", "Maritime Border", "rows", "land_border_region", "Maritime Border"),
    # April 2021 revised from 196,190 to 206,189 (+9,999, 5.1% of the month's total): flagged for review
    ("Encounter Count", "10000", "period_revisions", "revision_share", "0.05096"),
])
def test_warnings_publish_and_are_reported(base_db, apr, tmp_path, column, value, frame, expectation, observed):
    db = tmp_path / "c.duckdb"
    shutil.copyfile(base_db, db)
    target = tmp_path / "releases" / CBP.recorded_folder / APR
    target.parent.mkdir(parents=True)
    target.write_bytes(with_field(apr, 2, column, value))
    with open_store(db) as store:
        (outcome,) = ingest_recorded(store, tmp_path / "releases", [CBP])
        findings = store.con.execute(
            "select severity, frame, column_name, unexpected_sample from validation_findings where release_id = ?",
            [outcome.release_id],
        ).fetchall()
        newest = store.con.execute("select max(month) from cbp_encounters__monthly_latest").fetchone()[0]
    assert (outcome.status, outcome.warnings) == ("published", 1)
    assert outcome.detail.startswith(f"warning: cbp_encounters__monthly/{frame} ")
    ((severity, found_frame, found_column, sample),) = findings
    assert (severity, found_frame, found_column) == ("warning", frame, expectation)
    assert observed in sample
    assert str(newest) == "2024-04-01"


def test_a_rejected_release_cannot_be_validated(tmp_path):
    empty = tmp_path / APR
    empty.write_bytes(b"")
    with open_store(tmp_path / "c.duckdb") as store:
        rejected = stage_candidate(store, CBP, CBP.recorded(empty))
        assert rejected.status == "rejected"
        with pytest.raises(ClaimwatchError, match=r"fy21-fy24-apr@.* was rejected when parsed \(.*\): it has no rows"):
            Auditor(store).validate(rejected.release_id)
        with pytest.raises(ClaimwatchError, match=r"has never been validated"):
            Auditor(store).publish(rejected.release_id)
