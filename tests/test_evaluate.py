"""Every catalog claim evaluated on the store built from ../shared/data, against figures computed from the files."""

from __future__ import annotations

import pytest

from claim_support import (OPED, catalog_by_id, cbp_monthly_totals, census_exports_by_partner, census_trade_by_partner,
                           worldbank_population)
from claimwatch.claims.evaluate import evaluate_catalog
from claimwatch.claims.judge import VERDICTS, overall
from claimwatch.store import open_store

CATALOG = catalog_by_id(OPED)  # the tests below pin the op-ed's figures; the brief's are in test_brief_catalog.py
CENSUS_2025_04 = "census_trade_country_xlsx/release-2025-04_data-through-2025-02/country.xlsx"
CBP_FY22_FY25 = "cbp_nationwide_encounters_state/nationwide-encounters-fy22-fy25-state.csv"
CBP_FY21_FY24 = "cbp_nationwide_encounters_state/nationwide-encounters-fy21-fy24-state.csv"
CBP_FY20_FY23 = "cbp_nationwide_encounters_state/nationwide-encounters-fy20-fy23-state.csv"


@pytest.fixture(scope="module")
def all_verdicts(built_db):
    with open_store(built_db, read_only=True) as store:
        return evaluate_catalog(store.con, CATALOG)


@pytest.fixture(scope="module")
def verdicts(all_verdicts):
    """Each claim's primary reading, by (claim, mode)."""
    return {(v.claim_id, v.mode): v for v in all_verdicts if v.primary}


@pytest.fixture(scope="module")
def readings(all_verdicts):
    """Every reading, by (claim, reading, mode)."""
    return {(v.claim_id, v.reading, v.mode): v for v in all_verdicts}


@pytest.fixture(scope="module")
def exports_2024(shared_data):
    return census_exports_by_partner(shared_data / CENSUS_2025_04, 2024)


def test_every_claim_evaluates_in_every_mode(catalog, built_con):
    every = evaluate_catalog(built_con, catalog)
    verdicts = {(v.claim_id, v.mode): v for v in every if v.primary}
    readings = {(v.claim_id, v.reading, v.mode): v for v in every}
    assert {claim.id for claim in catalog.claims} == {cid for cid, _ in verdicts}
    assert all(v.verdict in VERDICTS and v.sentence for v in readings.values())
    for claim in catalog.claims:
        for reading in claim.readings:
            assert (claim.id, reading.id, "as_stated") in readings
            assert (claim.id, reading.id, "latest") in readings or not claim.latest
    for claim in catalog.claims:
        if claim.not_checkable:
            assert verdicts[claim.id, "as_stated"].verdict == "not_checkable"


def test_exports_to_mexico_and_the_ratio_to_china(verdicts, exports_2024):
    mexico, china = exports_2024["2010"][1], exports_2024["5700"][1]
    assert round(mexico, 1) == 334_041.4  # $ millions, from the workbook
    v = verdicts["mexico_exports_2024", "as_stated"]
    assert (v.verdict, v.period, v.vintages) == ("holds", "calendar 2024", ("census_trade/2025-04@b06b33b6",))
    assert v.observed == pytest.approx(mexico / 1000)
    assert v.sentence == ("In calendar 2024, the data give $334.0 billion for exports to Mexico, $1.0 billion below the "
                          "claimed $335 billion, within the ±1% the rule allows: the claim holds.")  # no release ids
    assert v.explanation == "12 of 12 months published"
    ratio = verdicts["mexico_china_ratio_2024", "as_stated"]
    assert ratio.verdict == "holds" and ratio.observed == pytest.approx(mexico / china)
    assert round(mexico / china, 1) == 2.3


def test_the_largest_buyer_depends_on_the_reading(readings, shared_data):
    trade = census_trade_by_partner(shared_data / CENSUS_2025_04, 2024)
    by_exports = max(trade, key=lambda n: trade[n]["exports"])
    by_total = max(trade, key=lambda n: trade[n]["total"])
    assert (by_exports, by_total) == ("Canada", "Mexico")
    exports = readings["mexico_largest_buyer", "exports", "as_stated"]
    assert (exports.verdict, exports.supported, exports.primary) == ("fails", "2nd highest", True)
    assert exports.claimed == pytest.approx(trade["Canada"]["exports"] / 1000)
    assert exports.compared_with == f"Canada's ${trade['Canada']['exports'] / 1000:,.1f} billion"
    total = readings["mexico_largest_buyer", "total_trade", "as_stated"]
    assert (total.verdict, total.primary) == ("holds", False)
    assert total.observed == pytest.approx(trade["Mexico"]["total"] / 1000)
    runner_up = max((n for n in trade if n != "Mexico"), key=lambda n: trade[n]["total"])
    assert total.compared_with == f"{runner_up}'s ${trade[runner_up]['total'] / 1000:,.1f} billion"
    code, words = overall([exports, total])
    assert code == "depends_on_reading" and words.startswith("depends on the reading: fails by U.S. goods exports")


def test_mexico_and_canada_hold_by_total_trade_and_fail_by_exports(readings, shared_data):
    trade = census_trade_by_partner(shared_data / CENSUS_2025_04, 2024)
    both = trade.pop("Mexico")["exports"] + trade.pop("Canada")["exports"]
    by_total = sorted(trade, key=lambda n: trade[n]["total"], reverse=True)[:10]
    by_exports = sorted(trade, key=lambda n: trade[n]["exports"], reverse=True)[:10]
    assert by_total[:3] == ["China", "Germany", "Japan"]  # as the sentence names them
    next_total = sum(trade[n]["exports"] for n in by_total)
    next_exports = sum(trade[n]["exports"] for n in by_exports)
    assert round(both / 1000, 1) == 683.4 and round(next_total / 1000, 1) == 647.8 and round(next_exports / 1000, 1) == 715.6
    total = readings["mexico_canada_vs_next_10", "total_trade", "as_stated"]
    assert (total.verdict, total.primary) == ("holds", True)
    assert (total.observed, total.claimed) == (pytest.approx(both / 1000), pytest.approx(next_total / 1000))
    exports = readings["mexico_canada_vs_next_10", "exports", "as_stated"]
    assert (exports.verdict, exports.supported) == ("fails", "more than the next 9 combined")
    assert (exports.observed, exports.claimed) == (pytest.approx(both / 1000), pytest.approx(next_exports / 1000))
    assert set(total.figures) == {"Mexico", "Canada", *by_total}  # whose figures the verdict rests on
    code, words = overall([total, exports])
    assert code == "depends_on_reading"
    assert words == (
        "depends on the reading: holds next 10 by total trade (Census's top trading partners), compared by what they "
        "buy (Mexico and Canada together: $683.4 billion vs the next 10 by total trade combined (China, Germany, "
        "Japan, …): $647.8 billion); fails next 10 by U.S. goods exports (Mexico and Canada together: $683.4 billion "
        "vs the next 10 by exports combined (China, Netherlands, United Kingdom, …): $715.6 billion)")


def test_every_per_capita_reading_with_its_figure(readings, exports_2024, shared_data):
    people = worldbank_population(shared_data / "worldbank_population_datahub/commit-2026-03-06/population.csv", 2024)
    mexico = exports_2024["2010"][1] * 1e6 / people["MEX"]
    canada = exports_2024["1220"][1] * 1e6 / people["CAN"]
    pooled = (exports_2024["2010"][1] + exports_2024["1220"][1]) * 1e6 / (people["MEX"] + people["CAN"])
    claim = "per_capita_mexicans_canadians_worldbank"
    expected = {"pooled": (pooled, "fails"), "each_alone": (min(mexico, canada), "fails"),
                "mean_of_two": ((mexico + canada) / 2, "holds")}
    for reading, (figure, verdict) in expected.items():
        v = readings[claim, reading, "as_stated"]
        assert (v.observed, v.verdict) == (pytest.approx(figure), verdict), reading
        assert v.figures == {"Mexico": pytest.approx(mexico), "Canada": pytest.approx(canada)}
    assert 3_900 < pooled < 4_000 and mexico < 4_000 < canada
    # the wording the data support never contradicts the verdict: not "about $4,000" for a figure under it
    assert readings[claim, "pooled", "as_stated"].supported == f"about ${round(pooled, -1):,.0f}, not over $4,000"
    assert readings[claim, "each_alone", "as_stated"].subject == "Mexico (the lower of the two)"
    assert readings[claim, "pooled", "as_stated"].primary and not readings[claim, "mean_of_two", "as_stated"].primary
    c = readings["per_capita_chinese_worldbank", None, "as_stated"]
    chinese = exports_2024["5700"][1] * 1e6 / people["CHN"]
    assert c.observed == pytest.approx(chinese) and 95 <= chinese < 150 and c.verdict == "holds"
    for claim_id in ("per_capita_chinese_idb", "per_capita_mexicans_canadians_idb"):  # no IDB recording
        for v in (v for k, v in readings.items() if k[0] == claim_id):
            assert v.verdict == "unknown" and all(r.startswith("census_trade/") for r in v.vintages)
            assert v.vintages or v.mode == "latest"  # the latest form finds no complete IDB year at all
    assert any(r.startswith("worldbank_population/") for r in c.vintages)


def test_june_2025_encounters(verdicts, shared_data):
    newer, older = cbp_monthly_totals(shared_data / CBP_FY22_FY25), cbp_monthly_totals(shared_data / CBP_FY21_FY24)
    oldest = cbp_monthly_totals(shared_data / CBP_FY20_FY23)
    months = {**oldest, **older, **newer}  # each month from the newest file covering it, as the _latest view does
    june = months[2025, 6]
    average = sum(months[y, m] for y in range(2021, 2025) for m in range(1, 13)) / 48
    v = verdicts["june_2025_vs_2021_2024_average", "as_stated"]
    assert v.observed == pytest.approx(100 * (1 - june / average)) and v.verdict == "holds"
    low = verdicts["june_2025_lowest_nationwide_encounters", "as_stated"]
    earlier = {k: n for k, n in months.items() if k < (2025, 6)}
    assert low.observed == june and low.claimed == min(earlier.values())
    # a record over the series, which starts in October 2019: holds since then, never a plain "holds"
    covered = sum(1 for k in months if k <= (2025, 6))
    assert min(months) == (2019, 10) and low.verdict == "holds_over_coverage"
    assert low.window == {"needed_years": None, "covered_years": round(covered / 12, 1), "since": "October 2019"}
    assert "holds since October 2019, the start of the series (5.8 years of data)" in low.sentence
    # July 2025 went below June 2025: the stated record has been broken, and the verdict says so
    later = {k: n for k, n in months.items() if k > (2025, 6)}
    new_low = min(later, key=later.get)
    assert new_low == (2025, 7) and later[new_low] < june
    assert low.record_broken == (f"July 2025 ({later[new_low]:,} encounters) went below June 2025 ({june:,} encounters)"
                                 " and is the new low")


def test_partly_checkable_claims_say_what_is_missing(verdicts):
    v = verdicts["mexican_vs_usbp_encounters_may2024_mar2025", "as_stated"]
    assert v.verdict == "unknown" and "Mexican monthly encounter counts" in v.explanation
    assert "11 of 11 months" in v.explanation
    doses = verdicts["fentanyl_lethal_doses", "as_stated"]
    assert (doses.verdict, doses.observed) == ("holds", 129_000_000)


def test_close_to_failing_is_the_catalogs_share_of_the_threshold(built_con, exports_2024):
    from dataclasses import replace

    claim = CATALOG.claim("mexico_exports_2024")
    mexico = exports_2024["2010"][1] / 1000
    margin = 0.01 * 335 - abs(mexico - 335)  # the ±1% the rule allows, less the gap
    assert claim.rule["close_share"] * 335 < margin < 0.01 * 335
    (as_catalogued, _) = evaluate_catalog(built_con, CATALOG, claims=[claim])
    assert as_catalogued.verdict == "holds" and not as_catalogued.close and as_catalogued.margin == pytest.approx(margin)
    closer = replace(claim, readings=(replace(claim.primary, rule={**claim.rule, "close_share": 0.01}),))
    (near, _) = evaluate_catalog(built_con, CATALOG, claims=[closer])
    assert near.verdict == "holds" and near.close
