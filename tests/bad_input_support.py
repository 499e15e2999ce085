"""Shared by the bad-input tests: corrupted copies of recorded releases, store fingerprints, and the checks
every rejected release must pass (rejected with a clear reason, bytes kept, nothing else changed)."""

from __future__ import annotations

import csv
import hashlib
import io
import shutil
from pathlib import Path

import openpyxl

from claimwatch.claims.catalog import load_catalogs
from claimwatch.pipeline import evaluate, ingest_candidate, ingest_recorded
from claimwatch.store import open_store
from claimwatch.sources import all_sources, all_tables

SOURCES = all_sources()
NORMALISED = [t.name for t in all_tables()]
PER_RELEASE = ("releases", "raw_files")

# What CBP's CDN (Akamai) and census.gov send instead of a file when something goes wrong.
CBP_ERROR_PAGE = b"""<HTML><HEAD>
<TITLE>Access Denied</TITLE>
</HEAD><BODY>
<H1>Access Denied</H1>

You don't have permission to access "http&#58;&#47;&#47;www&#46;cbp&#46;gov&#47;sites&#47;default&#47;files&#47;2024&#45;May&#47;nationwide&#45;encounters&#45;fy21&#45;fy24&#45;apr&#45;state&#46;csv" on this server.<P>
Reference&#32;&#35;18&#46;5c2f1002&#46;1716300000&#46;1a2b3c4d
</BODY>
</HTML>
"""
CENSUS_ERROR_PAGE = b"""
<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Page Not Found | Census.gov</title></head>
<body><h1>404 - Page Not Found</h1><p>The page you requested could not be found.</p></body>
</html>
"""


def build_store(path: Path, releases: list[tuple[str, Path]]) -> Path:
    """Create a store at `path` holding the given recorded releases (source name, entry), all published, with the
    claims evaluated as a run leaves them."""
    with open_store(path) as store:
        for name, entry in releases:
            source = SOURCES[name]
            outcome = ingest_candidate(store, source, source.recorded(entry))
            assert outcome.status == "published", outcome
        evaluate(store, load_catalogs())
    return path


def fingerprint(con, *, leave_out: str | None = None) -> dict[str, tuple[int, int]]:
    """Row count and an order-independent hash of all rows of every table and `_latest` view.

    `leave_out` ignores one release's rows in `releases` and `raw_files` (the rows a rejection adds).
    """
    tables = [r[0] for r in con.execute("select table_name from duckdb_tables() order by 1").fetchall()]
    assert set(NORMALISED) | set(PER_RELEASE) <= set(tables), tables
    result = {}
    for name in tables + [f"{t}_latest" for t in NORMALISED]:
        where, params = ("where release_id <> ?", [leave_out]) if leave_out and name in PER_RELEASE else ("", [])
        result[name] = con.execute(
            f"select count(*), coalesce(sum(hash(t)::hugeint), 0) from {name} as t {where}", params
        ).fetchone()
    return result


def place_release(tmp_path: Path, base_db: Path, source_name: str, relpath: str, content: bytes) -> tuple[Path, Path, Path]:
    """Write `content` as a recorded release of the source and copy `base_db`: (releases folder, file, database)."""
    releases = tmp_path / "releases"
    target = releases / SOURCES[source_name].recorded_folder / relpath
    target.parent.mkdir(parents=True)
    target.write_bytes(content)
    db = tmp_path / "claimwatch.duckdb"
    shutil.copyfile(base_db, db)
    return releases, target, db


def ingest_bad_release(
    tmp_path: Path, base_db: Path, source_name: str, relpath: str, content: bytes, where: str, expected: list[str]
) -> str:
    """Ingest one corrupted release into a copy of `base_db`; check it is rejected with a reason starting with
    `where` and containing every `expected` text, that its bytes are kept, that nothing else changed and that
    ingesting it again changes nothing. Return the reason."""
    source = SOURCES[source_name]
    releases, target, db = place_release(tmp_path, base_db, source_name, relpath, content)

    with open_store(db) as store:
        con = store.con
        before = fingerprint(con)
        for table in source.tables:
            assert before[table.name][0] > 0, f"the store should already hold a good {source_name} release"

        outcomes = ingest_recorded(store, releases, SOURCES.values())
        assert len(outcomes) == 1, outcomes
        (outcome,) = outcomes
        assert outcome.status == "rejected", outcome
        reason, release_id = outcome.detail, outcome.release_id
        assert reason.startswith(f"{where}: "), reason
        for text in expected:
            assert text in reason, f"{text!r} not in {reason!r}"

        # The release is recorded as rejected, with the reason and its raw bytes, and no rows.
        row = con.execute(
            "select source, status, reason, data_through, row_count, sha256, size_bytes from releases where release_id = ?",
            [release_id],
        ).fetchone()
        assert row == (source_name, "rejected", reason, None, None, hashlib.sha256(content).hexdigest(), len(content))
        raw = con.execute("select file_name, content from raw_files where release_id = ?", [release_id]).fetchall()
        assert [(name, bytes(blob)) for name, blob in raw] == [(target.name, content)]
        for table in NORMALISED:
            assert con.execute(f"select count(*) from {table} where release_id = ?", [release_id]).fetchone() == (0,)

        # Everything else is exactly as before: every table, every _latest view, the other releases and files.
        assert fingerprint(con, leave_out=release_id) == before
        after = fingerprint(con)
        for name in PER_RELEASE:
            assert after[name][0] == before[name][0] + 1

        # The same bad file again: recognised by its sha256, nothing written.
        (again,) = ingest_recorded(store, releases, SOURCES.values())
        assert (again.status, again.release_id, again.detail) == ("unchanged", release_id, "already stored as rejected")
        assert fingerprint(con) == after

    with open_store(db, read_only=True) as store:  # what was committed is what is on disk
        assert fingerprint(store.con) == after
    return reason


# --- corrupting CSV bytes; lines are physical lines, the header is line 1 ---


def _ending(line: str) -> str:
    return line[len(line.rstrip("\r\n")):]


def with_field(content: bytes, line: int, column: str, value: str) -> bytes:
    """`content` with the field under header `column` on `line` set to `value` (other bytes unchanged)."""
    lines = content.splitlines(keepends=True)
    header = next(csv.reader([lines[0].decode("utf-8-sig")]))
    text = lines[line - 1].decode()
    fields = next(csv.reader([text.rstrip("\r\n")]))
    index = [h.strip() for h in header].index(column)
    assert fields[index] != value
    fields[index] = value
    out = io.StringIO()
    csv.writer(out, lineterminator=_ending(text)).writerow(fields)
    lines[line - 1] = out.getvalue().encode()
    return b"".join(lines)


def field(content: bytes, line: int) -> list[str]:
    """The fields of one line."""
    return next(csv.reader([content.splitlines()[line - 1].decode("utf-8-sig")]))


def without_column(content: bytes, column: str) -> bytes:
    """`content` with one column dropped from the header and every row."""
    text = content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    index = rows[0].index(column)
    out = io.StringIO()
    csv.writer(out, lineterminator=_ending(text.splitlines(keepends=True)[0])).writerows(
        [r[:index] + r[index + 1:] for r in rows]
    )
    return out.getvalue().encode()


def duplicated(content: bytes, line: int, after: int) -> bytes:
    """`content` with a copy of `line` inserted after line `after` (so the copy is line `after` + 1)."""
    lines = content.splitlines(keepends=True)
    return b"".join(lines[:after] + [lines[line - 1]] + lines[after:])


def truncated_within(content: bytes, line: int) -> bytes:
    """`content` cut off in the middle of `line`."""
    lines = content.splitlines(keepends=True)
    return b"".join(lines[: line - 1]) + lines[line - 1][: len(lines[line - 1]) // 2]


class Workbook:
    """The real 2025-04 country.xlsx, loaded once, from which modified copies are written."""

    def __init__(self, path):
        self.original = path.read_bytes()
        self.book = openpyxl.load_workbook(io.BytesIO(self.original))
        self.sheet = self.book.worksheets[0]
        rows = self.sheet.iter_rows(values_only=True)
        self.header = list(next(rows))
        # worksheet row number (header = 1) of each (year, CTY_CODE)
        self.row_of = {(str(r[0]), str(r[1])): n for n, r in enumerate(rows, start=2)}

    def with_cell(self, row: int, column: str, value) -> bytes:
        """The workbook's bytes with one cell (row number, header name) set to `value`."""
        cell = self.sheet.cell(row, self.header.index(column) + 1)
        old, cell.value = cell.value, value
        assert old != value
        try:
            out = io.BytesIO()
            self.book.save(out)
            return out.getvalue()
        finally:
            cell.value = old


def without_month(content: bytes, fiscal_year: str, month: str) -> bytes:
    """A CBP CSV with every row of one month (Fiscal Year, Month (abbv)) removed."""
    lines = content.splitlines(keepends=True)
    kept = [lines[0]] + [ln for ln in lines[1:] if field(ln, 1)[0] != fiscal_year or field(ln, 1)[2] != month]
    assert len(kept) < len(lines)
    return b"".join(kept)


def ingest_quarantined_release(
    tmp_path: Path, base_db: Path, source_name: str, relpath: str, content: bytes, failing: tuple[str, str, str, str]
) -> str:
    """Ingest one release that parses but breaks a rule into a copy of `base_db`; check it is quarantined by the
    `failing` (suite, frame, expectation, column) error, kept with its rows and results, and that the published
    data (every `_latest` view, the other releases) is untouched, also after ingesting it again. Return the reason."""
    source = SOURCES[source_name]
    releases, _, db = place_release(tmp_path, base_db, source_name, relpath, content)

    def published(con):
        views = {k: v for k, v in fingerprint(con).items() if k.endswith("_latest")}
        return views, con.execute("select release_id, status from releases order by 1").fetchall()

    with open_store(db) as store:
        con = store.con
        before = published(con)
        (outcome,) = ingest_recorded(store, releases, SOURCES.values())
        assert outcome.status == "quarantined", outcome
        suite, frame, expectation, column = failing
        assert f"{suite}/{frame} {expectation}({column})" in outcome.detail, outcome.detail
        status, reason, rows = con.execute(
            "select status, reason, row_count from releases where release_id = ?", [outcome.release_id]
        ).fetchone()
        assert (status, reason) == ("quarantined", outcome.detail) and rows > 0
        kept = sum(con.execute(f"select count(*) from {t.name} where release_id = ?", [outcome.release_id]).fetchone()[0]
                   for t in source.tables)
        assert kept == rows, "a quarantined release keeps its rows for inspection"
        errors = con.execute(
            "select suite, frame, expectation, column_name from validation_findings where release_id = ? and severity = 'error'",
            [outcome.release_id],
        ).fetchall()
        assert failing in errors, errors
        views, statuses = published(con)
        assert views == before[0], "the _latest views changed"
        assert [s for s in statuses if s[0] != outcome.release_id] == before[1]

        (again,) = ingest_recorded(store, releases, SOURCES.values())
        assert (again.status, again.detail) == ("unchanged", "already stored as quarantined")
        assert published(con)[0] == before[0]
    return reason
