"""The long USBP southwest-border series (KHSM, then CBP) and the audit of the months both sources cover."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import date

import pytest
from python_calamine import CalamineWorkbook

from claimwatch.claims.catalog import indicator_sql

KHSM = "dhs_ohss_khsm_usbp_encounters/KHSM Encounters (USBP) fy25m11.xlsx"
CBP_NEWEST = "cbp_southwest_land_border_encounters/sbo-encounters-fy22-fy25-aug.csv"
FISCAL = ("OCT", "NOV", "DEC", "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP")
CALENDAR = ("October", "November", "December", "January", "February", "March", "April", "May", "June", "July",
            "August", "September")


def calendar_month(fiscal_year: int, index: int) -> date:
    """The index-th month (0 = October) of a fiscal year as a calendar month."""
    return date(fiscal_year - 1, index + 10, 1) if index < 3 else date(fiscal_year, index - 2, 1)


@pytest.fixture(scope="module")
def khsm_southwest(shared_data) -> dict[date, int]:
    """KHSM's Southwest Land Border region per month, straight from the workbook."""
    rows = CalamineWorkbook.from_path(str(shared_data / KHSM)).get_sheet_by_name("Monthly Region").to_python()[1:]
    return {calendar_month(int(fy), CALENDAR.index(m.split()[1])): int(q)
            for fy, m, region, q in rows if region == "Southwest Land Border"}


@pytest.fixture(scope="module")
def cbp_usbp(shared_data) -> dict[date, int]:
    """USBP encounters per month in CBP's newest recorded southwest land border file."""
    out: Counter = Counter()
    with (shared_data / CBP_NEWEST).open(newline="", encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            if row["Component"] == "U.S. Border Patrol":
                fiscal_year = int(row["Fiscal Year"].split()[0])
                out[calendar_month(fiscal_year, FISCAL.index(row["Month (abbv)"]))] += int(row["Encounter Count"])
    return dict(out)


def months_between(first: date, last: date) -> list[date]:
    out = [first]
    while out[-1] < last:
        m = out[-1]
        out.append(date(m.year + m.month // 12, m.month % 12 + 1, 1))
    return out


def test_long_series_is_khsm_then_cbp_with_no_gap_and_no_duplicate(built_con, khsm_southwest, cbp_usbp):
    rows = built_con.execute(
        f"select month, encounters, series from ({indicator_sql('usbp_southwest_encounters_long')})").fetchall()
    months = [m for m, _, _ in rows]
    khsm_last = max(khsm_southwest)
    assert months == months_between(date(1999, 10, 1), max(cbp_usbp))  # every month once, in order
    assert khsm_last == date(2024, 11, 1) and max(cbp_usbp) == date(2025, 8, 1)
    assert {m: v for m, v, s in rows if s == "dhs_khsm_usbp"} == khsm_southwest
    assert {m: v for m, v, s in rows if s == "cbp_southwest_encounters"} == {
        m: v for m, v in cbp_usbp.items() if m > khsm_last
    }
    assert [s for m, _, s in rows if m > khsm_last] == ["cbp_southwest_encounters"] * 9


def test_overlap_lists_both_series_for_every_month_they_share(built_con, khsm_southwest, cbp_usbp):
    rows = built_con.execute(indicator_sql("usbp_southwest_encounters_overlap")).fetchall()
    shared = sorted(set(khsm_southwest) & set(cbp_usbp))
    assert [r[0] for r in rows] == shared
    assert rows == [(m, khsm_southwest[m], cbp_usbp[m], cbp_usbp[m] - khsm_southwest[m]) for m in shared]
    assert (len(rows), shared[0], shared[-1]) == (38, date(2021, 10, 1), date(2024, 11, 1))


def test_khsm_and_cbp_agree_within_rounding_except_where_cbp_revised(built_con):
    """KHSM rounds to 10 (±5); a larger difference only where CBP revised the month after KHSM took its figure."""
    rows = built_con.execute(indicator_sql("usbp_southwest_encounters_overlap")).fetchall()
    beyond = {m: d for m, _, _, d in rows if abs(d) > 5}
    revised = {m for (m,) in built_con.execute(
        "select distinct month from cbp_southwest_encounters__monthly_revisions where component = 'U.S. Border Patrol'"
    ).fetchall()}
    assert set(beyond) <= revised
    assert max(abs(d) for *_, d in rows) == 10 and beyond == {date(2024, 10, 1): -10}  # measured on the recorded files


def test_the_30_year_claim_holds_only_over_the_years_the_joined_series_cover(built_con, khsm_southwest, cbp_usbp):
    from dataclasses import replace

    from claim_support import OPED, catalog_by_id
    from claimwatch.claims.evaluate import evaluate_catalog

    catalog = catalog_by_id(OPED)
    claim = catalog.claim("lowest_illegal_crossings_30_years")
    joined = {**{m: v for m, v in cbp_usbp.items() if m > max(khsm_southwest)}, **khsm_southwest}
    june = date(2025, 6, 1)
    window = [m for m in joined if m <= june]
    earlier = {m: joined[m] for m in window if m < june}
    overlap = [m for m in khsm_southwest if m in cbp_usbp]
    gap = max(abs(cbp_usbp[m] - khsm_southwest[m]) for m in overlap)
    stated, latest = evaluate_catalog(built_con, catalog, claims=[claim])
    assert (stated.observed, stated.claimed) == (joined[june], min(earlier.values()))
    assert stated.verdict == "holds_over_coverage"  # never a plain "holds" on 25.8 years for a 30-year claim
    assert stated.window == {"needed_years": 30, "covered_years": round(len(window) / 12, 1), "since": "October 1999"}
    assert round(len(window) / 12, 1) == 25.8
    assert f"holds over the {len(window) / 12:.1f} years the data cover, since October 1999 (claim: 30 years)" in stated.sentence
    assert stated.explanation == (
        f"DHS OHSS KHSM (rounded to 10) October 1999 to November 2024, then CBP's southwest border file from December "
        f"2024; the two agree within {gap} encounters in the {len(overlap)} months both cover (October 2021 to "
        f"November 2024)")
    assert set(stated.vintages) == {r for (r,) in built_con.execute(
        "select release_id from releases where source in ('dhs_khsm_usbp', 'cbp_southwest_encounters')"
        " and status = 'published' and release_id in (select release_id from dhs_khsm_usbp__monthly_latest"
        " union select release_id from cbp_southwest_encounters__monthly_latest)").fetchall()}
    assert latest.verdict == "fails" and latest.window["covered_years"] >= 25.8
    # the join is checked: series that disagree beyond the tolerance make the verdict unknown, never a record
    strict = replace(claim, readings=(replace(claim.readings[0], observe=claim.observe.replace("gap > 10", "gap > 5")),))
    (unknown,) = [v for v in evaluate_catalog(built_con, catalog, claims=[strict]) if v.mode == "as_stated"]
    assert unknown.verdict == "unknown" and unknown.explanation.startswith(
        f"data problem: the two series differ by {gap} encounters in a month both cover")
