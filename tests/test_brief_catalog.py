"""The second catalog, the fictional border brief: each claim judges as intended on the store built from
../shared/data, with figures computed here straight from the recorded files (not through the store's SQL)."""

from __future__ import annotations

import csv
from collections import Counter

import pytest

from claim_support import BRIEF, catalog_by_id, cbp_monthly_totals, census_trade_by_partner
from claimwatch.claims.evaluate import evaluate_catalog
from claimwatch.claims.judge import overall

CATALOG = catalog_by_id(BRIEF)
CENSUS_2025_04 = "census_trade_country_xlsx/release-2025-04_data-through-2025-02/country.xlsx"
CBP_FY22_FY25 = "cbp_nationwide_encounters_state/nationwide-encounters-fy22-fy25-state.csv"
SBO_AUG = "cbp_southwest_land_border_encounters/sbo-encounters-fy22-fy25-aug.csv"
DRUGS = ("cbp_nationwide_drug_seizures/nationwide-drugs-fy19-fy22.csv",
         "cbp_nationwide_drug_seizures/nationwide-drugs-fy23-fy26-dec.csv")
MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")

# claim -> (its primary reading's verdict as stated, the claim's verdict over every reading as stated)
INTENDED = {
    "fy2025_nationwide_encounters": ("holds", "holds"),
    "fy2025_encounters_drop": ("holds", "holds"),
    "july_2025_usbp_encounters": ("holds", "holds"),
    "july_2025_usbp_lowest_25_years": ("holds", "holds"),
    "fy2025_fentanyl_seizures": ("holds", "holds"),
    "fentanyl_less_than_half_fy2024": ("fails", "fails"),  # 1.82 times, not more than double: a correction
    "mexico_national_guard_10000": ("not_checkable", "not_checkable"),
    "mexico_top_trading_partner_2024": ("holds", "depends_on_reading"),  # first by total trade, second by exports
    "imports_from_mexico_2024": ("holds", "holds"),
    "imports_exports_ratio_mexico_2024": ("holds", "holds"),
    "mexico_more_than_double_china_2024": ("holds", "holds"),
}


@pytest.fixture(scope="module")
def verdicts(built_db):
    from claimwatch.store import open_store

    with open_store(built_db, read_only=True) as store:
        return evaluate_catalog(store.con, CATALOG)


@pytest.fixture(scope="module")
def stated(verdicts):
    """Each claim's primary reading as stated."""
    return {v.claim_id: v for v in verdicts if v.primary and v.mode == "as_stated"}


@pytest.fixture(scope="module")
def trade_2024(shared_data):
    return census_trade_by_partner(shared_data / CENSUS_2025_04, 2024)  # $ millions


@pytest.fixture(scope="module")
def fentanyl_pounds(shared_data) -> dict[int, float]:
    """CBP's fentanyl seizures by fiscal year, in pounds, summed from the two recorded releases' rows."""
    pounds: Counter = Counter()
    for name in DRUGS:
        with (shared_data / name).open(newline="", encoding="utf-8-sig") as handle:
            for row in csv.DictReader(handle):
                if row["Drug Type"] == "Fentanyl":
                    pounds[int(row["FY"][:4])] += float(row["Sum Qty (lbs)"])
    return dict(pounds)


@pytest.fixture(scope="module")
def usbp_southwest(shared_data) -> dict[tuple[int, int], int]:
    """USBP encounters per calendar (year, month) in CBP's newest recorded southwest land border file."""
    out: Counter = Counter()
    with (shared_data / SBO_AUG).open(newline="", encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            if row["Component"] == "U.S. Border Patrol":
                fiscal_year, month = int(row["Fiscal Year"].split()[0]), MONTHS.index(row["Month (abbv)"]) + 1
                out[fiscal_year - 1 if month >= 10 else fiscal_year, month] += int(row["Encounter Count"])
    return dict(out)


def test_every_claim_judges_as_intended_as_stated(verdicts, stated):
    assert set(stated) == {c.id for c in CATALOG.claims} == set(INTENDED)
    for claim in CATALOG.claims:
        readings = [v for v in verdicts if v.claim_id == claim.id and v.mode == "as_stated"]
        assert (stated[claim.id].verdict, overall(readings)[0]) == INTENDED[claim.id], claim.id
    kinds = {claim.kind for claim in CATALOG.claims}
    assert kinds == {"approximately", "nearly_percent", "stated_amount", "is_extreme", "more_than_multiple",
                     "times_ratio", "not_checkable"}


def test_nationwide_encounters_in_fiscal_2025_and_the_fall_from_2024(stated, shared_data):
    months = cbp_monthly_totals(shared_data / CBP_FY22_FY25)
    fy = {year: sum(n for (y, m), n in months.items() if (y + (m >= 10)) == year) for year in (2024, 2025)}
    assert (fy[2024], fy[2025]) == (2_901_142, 691_906)  # FY2024 as CBP publishes it (PROVENANCE.md)
    total = stated["fy2025_nationwide_encounters"]
    assert (total.verdict, total.observed, total.claimed) == ("holds", fy[2025], 692_000)  # rounds to 692,000
    drop = stated["fy2025_encounters_drop"]
    assert drop.observed == pytest.approx(100 * (1 - fy[2025] / fy[2024])) and round(drop.observed, 1) == 76.2
    assert (drop.verdict, drop.claimed) == ("holds", 80)  # "nearly 80%": 75% to 80%
    assert drop.figures == {"fiscal 2025": fy[2025], "fiscal 2024": fy[2024]}


def test_july_2025_border_patrol_count_and_its_25_year_low(stated, usbp_southwest):
    july, june = usbp_southwest[2025, 7], usbp_southwest[2025, 6]
    assert (july, june) == (4_596, 6_068)
    count = stated["july_2025_usbp_encounters"]
    assert (count.verdict, count.observed, count.claimed) == ("holds", july, 4_596)
    low = stated["july_2025_usbp_lowest_25_years"]
    assert (low.verdict, low.observed, low.claimed) == ("holds", july, june)  # June 2025 is the runner-up
    assert low.window == {"needed_years": 25, "covered_years": 25.0, "since": "August 2000"}  # the data cover it all
    assert low.record_broken is None  # August 2025 (6,321) did not go below it


def test_fentanyl_seizures_fell_but_not_to_less_than_half(stated, fentanyl_pounds):
    fy2024, fy2025 = fentanyl_pounds[2024], fentanyl_pounds[2025]
    assert (round(fy2024), round(fy2025)) == (21_889, 12_027)
    seized = stated["fy2025_fentanyl_seizures"]
    assert (seized.verdict, seized.claimed) == ("holds", 12_000) and seized.observed == pytest.approx(fy2025)
    half = stated["fentanyl_less_than_half_fy2024"]
    assert (half.verdict, half.claimed, half.supported) == ("fails", 2, "1.8 times")
    assert half.observed == pytest.approx(fy2024 / fy2025) and round(half.observed, 2) == 1.82
    assert half.sentence.startswith("The data give 1.82 times for fiscal 2024's fentanyl seizures over fiscal 2025's")


def test_mexico_trade_in_2024(verdicts, stated, trade_2024):
    mexico, canada, china = trade_2024["Mexico"], trade_2024["Canada"], trade_2024["China"]
    partner = {v.reading: v for v in verdicts if v.claim_id == "mexico_top_trading_partner_2024" and v.mode == "as_stated"}
    assert (partner["total_trade"].verdict, partner["exports"].verdict) == ("holds", "fails")
    assert partner["total_trade"].observed == pytest.approx(mexico["total"] / 1000)
    assert partner["total_trade"].claimed == pytest.approx(canada["total"] / 1000)  # $839.9 billion against $762.1
    assert (partner["exports"].observed, partner["exports"].claimed) == pytest.approx(
        (mexico["exports"] / 1000, canada["exports"] / 1000))  # $334.0 billion against Canada's $349.4
    imports = stated["imports_from_mexico_2024"]
    assert (imports.verdict, imports.claimed) == ("holds", 506)
    assert imports.observed == pytest.approx(mexico["imports"] / 1000) and round(mexico["imports"], 1) == 505_850.6
    ratio = stated["imports_exports_ratio_mexico_2024"]
    assert (ratio.verdict, ratio.claimed) == ("holds", 1.5)
    assert ratio.observed == pytest.approx(mexico["imports"] / mexico["exports"]) and round(ratio.observed, 2) == 1.51
    double = stated["mexico_more_than_double_china_2024"]
    assert (double.verdict, double.claimed) == ("holds", 2)
    assert double.observed == pytest.approx(mexico["exports"] / china["exports"]) and round(double.observed, 2) == 2.33


def test_latest_forms(verdicts):
    latest = {v.claim_id: v for v in verdicts if v.primary and v.mode == "latest"}
    assert "july_2025_usbp_encounters" not in latest  # latest: false, a count of one month
    low = latest["july_2025_usbp_lowest_25_years"]
    assert (low.period, low.verdict, low.observed, low.supported) == ("August 2025", "fails", 6_321, "3rd lowest")
    assert {latest[c].period for c in ("fy2025_nationwide_encounters", "fy2025_fentanyl_seizures")} == {"fiscal year 2025"}
    assert latest["imports_from_mexico_2024"].period == "calendar 2024"
