"""Every catalog claim evaluated on the store built from ../shared/data, against figures computed from the files."""

from __future__ import annotations

import pytest

from claim_support import cbp_monthly_totals, census_exports_by_partner, worldbank_population
from claimwatch.claims.catalog import load_catalogs
from claimwatch.claims.evaluate import evaluate_catalog
from claimwatch.claims.judge import VERDICTS
from claimwatch.store import open_store

(CATALOG,) = load_catalogs()
CENSUS_2025_04 = "census_trade_country_xlsx/release-2025-04_data-through-2025-02/country.xlsx"
CBP_FY22_FY25 = "cbp_nationwide_encounters_state/nationwide-encounters-fy22-fy25-state.csv"
CBP_FY21_FY24 = "cbp_nationwide_encounters_state/nationwide-encounters-fy21-fy24-state.csv"


@pytest.fixture(scope="module")
def verdicts(built_db):
    with open_store(built_db, read_only=True) as store:
        result = evaluate_catalog(store.con, CATALOG)
    return {(v.claim_id, v.mode): v for v in result}


@pytest.fixture(scope="module")
def exports_2024(shared_data):
    return census_exports_by_partner(shared_data / CENSUS_2025_04, 2024)


def test_every_claim_evaluates_in_every_mode(verdicts):
    assert {claim.id for claim in CATALOG.claims} == {cid for cid, _ in verdicts}
    assert all(v.verdict in VERDICTS and v.sentence for v in verdicts.values())
    for claim in CATALOG.claims:
        if claim.not_checkable:
            assert verdicts[claim.id, "as_stated"].verdict == "not_checkable"


def test_exports_to_mexico_and_the_ratio_to_china(verdicts, exports_2024):
    mexico, china = exports_2024["2010"][1], exports_2024["5700"][1]
    assert round(mexico, 1) == 334_041.4  # $ millions, from the workbook
    v = verdicts["mexico_exports_2024", "as_stated"]
    assert (v.verdict, v.period, v.vintages) == ("holds", "calendar 2024", ("census_trade/2025-04@b06b33b6",))
    assert v.observed == pytest.approx(mexico / 1000)
    assert "$334.0 billion against the claimed $335.0 billion" in v.sentence and "): holds. Note: 12 of 12 months" in v.sentence
    ratio = verdicts["mexico_china_ratio_2024", "as_stated"]
    assert ratio.verdict == "holds" and ratio.observed == pytest.approx(mexico / china)
    assert round(mexico / china, 1) == 2.3


def test_mexico_is_not_the_largest_buyer_in_2024(verdicts, exports_2024):
    countries = {name: value for code, (name, value) in exports_2024.items() if int(code) >= 1000}
    assert max(countries, key=countries.get) == "Canada"
    v = verdicts["mexico_largest_buyer", "as_stated"]
    assert (v.verdict, v.supported) == ("fails", "2nd highest")
    assert v.claimed == pytest.approx(countries["Canada"] / 1000)


def test_mexico_and_canada_against_the_next_ten(verdicts, exports_2024):
    countries = {name: value for code, (name, value) in exports_2024.items() if int(code) >= 1000}
    both = countries.pop("Mexico") + countries.pop("Canada")
    next_ten = sum(sorted(countries.values(), reverse=True)[:10])
    next_nine = sum(sorted(countries.values(), reverse=True)[:9])
    assert next_nine < both < next_ten
    v = verdicts["mexico_canada_vs_next_10", "as_stated"]
    assert (v.verdict, v.supported) == ("fails", "more than the next 9 combined")
    assert (v.observed, v.claimed) == (pytest.approx(both / 1000), pytest.approx(next_ten / 1000))


def test_per_capita_with_world_bank_population(verdicts, exports_2024, shared_data):
    people = worldbank_population(shared_data / "worldbank_population_datahub/commit-2026-03-06/population.csv", 2024)
    both = (exports_2024["2010"][1] + exports_2024["1220"][1]) * 1e6 / (people["MEX"] + people["CAN"])
    chinese = exports_2024["5700"][1] * 1e6 / people["CHN"]
    v = verdicts["per_capita_mexicans_canadians_worldbank", "as_stated"]
    assert v.observed == pytest.approx(both) and 3_900 < both < 4_000 and v.verdict == "fails"
    c = verdicts["per_capita_chinese_worldbank", "as_stated"]
    assert c.observed == pytest.approx(chinese) and 95 <= chinese < 150 and c.verdict == "holds"
    assert verdicts["per_capita_chinese_idb", "as_stated"].verdict == "unknown"  # no IDB recording


def test_june_2025_encounters(verdicts, shared_data):
    newer, older = cbp_monthly_totals(shared_data / CBP_FY22_FY25), cbp_monthly_totals(shared_data / CBP_FY21_FY24)
    months = {**older, **newer}  # each month from the newest file covering it, as the _latest view does
    june = months[2025, 6]
    average = sum(months[y, m] for y in range(2021, 2025) for m in range(1, 13)) / 48
    v = verdicts["june_2025_vs_2021_2024_average", "as_stated"]
    assert v.observed == pytest.approx(100 * (1 - june / average)) and v.verdict == "holds"
    low = verdicts["june_2025_lowest_nationwide_encounters", "as_stated"]
    earlier = {k: n for k, n in months.items() if k < (2025, 6)}
    assert low.observed == june and low.claimed == min(earlier.values()) and low.verdict == "holds"


def test_partly_checkable_claims_say_what_is_missing(verdicts):
    v = verdicts["mexican_vs_usbp_encounters_may2024_mar2025", "as_stated"]
    assert v.verdict == "unknown" and "Mexican monthly encounter counts" in v.explanation
    assert "11 of 11 months" in v.explanation
    crossings = verdicts["lowest_illegal_crossings_30_years", "as_stated"]
    assert "recorded series reach back to October 2021 only, not 30 years" in crossings.explanation
    doses = verdicts["fentanyl_lethal_doses", "as_stated"]
    assert (doses.verdict, doses.observed) == ("holds", 129_000_000)
