"""A CBP file cut at a line end inside its newest month (half of September 2025's rows gone) is quarantined."""

from __future__ import annotations

import csv
import io
import os
import statistics
from collections import Counter

import pytest

from bad_input_support import SOURCES
from claimwatch.pipeline import ingest_recorded
from claimwatch.store import open_store

CBP = SOURCES["cbp_encounters"]
NEWEST = "nationwide-encounters-fy22-fy25-state.csv"
PREVIOUS = "nationwide-encounters-fy21-fy24-state.csv"
CUT_LINES = 364  # half of September 2025's 728 rows, the file's last lines
MONTHS = ("OCT", "NOV", "DEC", "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP")


def by_month(content: bytes) -> tuple[Counter, Counter]:
    """Rows and total encounters per (calendar year, month) of a CBP encounters CSV."""
    rows, totals = Counter(), Counter()
    for r in csv.DictReader(io.StringIO(content.decode("utf-8-sig"))):
        fiscal_year, month = int(r["Fiscal Year"][:4]), MONTHS.index(r["Month (abbv)"]) + 10
        key = (fiscal_year - 1, month) if month <= 12 else (fiscal_year, month - 12)
        rows[key] += 1
        totals[key] += int(r["Encounter Count"].replace(",", ""))
    return rows, totals


@pytest.fixture(scope="module")
def cut(shared_data, tmp_path_factory):
    """The real FY22-FY25 file minus its last 364 lines, ingested after every older file of its folder."""
    folder = shared_data / CBP.recorded_folder
    content = (folder / NEWEST).read_bytes()
    lines = content.splitlines(keepends=True)
    cut_content = b"".join(lines[:-CUT_LINES])
    tmp = tmp_path_factory.mktemp("cut")
    releases = tmp / "releases" / CBP.recorded_folder
    releases.mkdir(parents=True)
    for path in sorted(folder.glob("*.csv")):
        if path.name != NEWEST:
            os.symlink(path, releases / path.name)
    (releases / NEWEST).write_bytes(cut_content)
    with open_store(tmp / "c.duckdb") as store:
        outcomes = ingest_recorded(store, tmp / "releases", [CBP])
        findings = {
            (frame, column): (severity, sample)
            for frame, column, severity, sample in store.con.execute(
                "select frame, column_name, severity, unexpected_sample from validation_findings where release_id = ?",
                [outcomes[-1].release_id],
            ).fetchall()
        }
        newest = store.con.execute("select max(month) from cbp_encounters__monthly_latest").fetchone()[0]
    return {
        "outcomes": outcomes, "findings": findings, "newest": newest, "full": by_month(content),
        "cut": by_month(cut_content), "previous": by_month((folder / PREVIOUS).read_bytes()),
    }


def test_the_cut_is_quarantined_and_the_last_good_data_stay(cut):
    *older, last = cut["outcomes"]
    assert [o.status for o in older] == ["published"] * 10
    assert last.status == "quarantined", last
    assert str(cut["newest"]) == "2024-09-01"  # fy21-fy24 stays in force
    rows, totals = cut["cut"]
    full_rows, full_totals = cut["full"]
    assert (rows[2025, 9], totals[2025, 9], full_rows[2025, 9], full_totals[2025, 9]) == (364, 9_735, 728, 26_002)


def test_newest_month_rows_against_the_months_before_it(cut):
    rows, _ = cut["cut"]
    median = statistics.median(rows[2025, m] for m in (6, 7, 8))
    severity, sample = cut["findings"]["newest_period", "row_ratio"]
    assert severity == "error" and rows[2025, 9] / median < 0.55
    assert f"row_ratio {rows[2025, 9] / median:.6}"[:14] in sample and "newest_period 2025-09" in sample


def test_newest_month_total_against_the_months_before_it_is_reported(cut):
    _, totals = cut["cut"]
    median = statistics.median(totals[2025, m] for m in (6, 7, 8))
    severity, sample = cut["findings"]["newest_period", "total_ratio"]
    assert severity == "warning" and totals[2025, 9] / median < 0.5
    assert f"total {totals[2025, 9]}" in sample and f"earlier_median_total {median}" in sample


def test_newest_month_rows_against_the_previous_vintage(cut):
    rows, _ = cut["cut"]
    previous_rows, _ = cut["previous"]
    severity, sample = cut["findings"]["newest_period", "row_ratio_to_previous_newest"]
    assert severity == "error" and rows[2025, 9] / previous_rows[2024, 9] < 0.5
    assert f"row_count {rows[2025, 9]}" in sample and f"previous_newest_rows {previous_rows[2024, 9]}" in sample


def test_newest_month_cells_against_the_months_before_it(cut):
    """The cut takes every Southwest Land Border row of September 2025: most of the earlier months' volume."""
    severity, sample = cut["findings"]["newest_period", "carried_share"]
    assert severity == "error"
    assert "Southwest Land Border / TX" in sample
