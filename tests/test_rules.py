"""The rule registry: every wrong catalog entry is a catalog error naming the file, the claim and the field."""

from __future__ import annotations

import pytest

from claim_support import catalog_entry, write_catalog
from claimwatch.claims import rules
from claimwatch.claims.catalog import load_catalog
from claimwatch.errors import CatalogError, FormatError


def test_every_rule_in_every_catalog_is_well_formed(catalog):
    for claim in catalog.claims:
        for reading in claim.readings:
            assert rules.problems(reading.rule) == [], (claim.id, reading.id)


def test_a_misspelt_parameter_names_the_field_and_what_is_expected():
    ratio = catalog_entry("mexico_china_ratio_2024")
    ratio["rule"]["decimal"] = ratio["rule"].pop("decimals")
    assert rules.problems(ratio["rule"]) == [
        "rule.decimal is not a parameter of times_ratio; expected some of " + str(sorted(
            {**rules.COMMON, **rules.RULES["times_ratio"].params}))]


def test_a_claimed_value_the_rule_cannot_express_is_a_catalog_error(tmp_path):
    ratio = catalog_entry("mexico_china_ratio_2024")
    ratio["rule"]["claimed"] = 2.35
    with pytest.raises(CatalogError, match=r"claim 1 \(mexico_china_ratio_2024\): rule.claimed 2.35 cannot be stated "
                                           r"at 1 decimal\(s\)"):
        load_catalog(write_catalog(tmp_path, [ratio]))
    chinese = catalog_entry("per_capita_chinese_worldbank")
    chinese["rule"]["claimed"] = 105
    with pytest.raises(CatalogError, match=r"rule.claimed 105 has more than 1 significant figure"):
        load_catalog(write_catalog(tmp_path, [chinese]))


def test_wrong_types_and_missing_parameters(tmp_path):
    exports = catalog_entry("mexico_exports_2024")
    exports["rule"]["tolerance"] = "1%"
    del exports["rule"]["claimed"]
    with pytest.raises(CatalogError) as caught:
        load_catalog(write_catalog(tmp_path, [exports]))
    assert caught.value.problems == [
        "claim 1 (mexico_exports_2024): rule.claimed is required for stated_amount",
        "claim 1 (mexico_exports_2024): rule.tolerance must be an integer or a number, got '1%'",
    ]


def test_every_problem_is_reported_at_once(tmp_path):
    ratio, buyer, low = catalog_entry("mexico_china_ratio_2024"), catalog_entry("mexico_largest_buyer"), catalog_entry("lowest_illegal_crossings_30_years")
    ratio["rule"]["claimed"] = 2.35
    buyer["readings"][1]["rule"]["lowest"] = "no"
    buyer["readings"][1]["primary"] = True  # two primaries
    low["rule"]["window"] = -30
    low["colour"] = "red"
    with pytest.raises(CatalogError) as caught:
        load_catalog(write_catalog(tmp_path, [ratio, buyer, low]))
    problems = caught.value.problems
    assert problems == [
        "claim 1 (mexico_china_ratio_2024): rule.claimed 2.35 cannot be stated at 1 decimal(s) (rule.decimals); "
        "give the ratio as the article rounds it",
        "claim 2 (mexico_largest_buyer): reading 2 (total_trade): rule.lowest must be true/false, got 'no'",
        "claim 2 (mexico_largest_buyer): exactly one reading must be 'primary: true', found ['exports', 'total_trade']",
        "claim 3 (lowest_illegal_crossings_30_years): unknown field(s) ['colour']",
        "claim 3 (lowest_illegal_crossings_30_years): rule.window must be a number of years or \"all\", got -30",
    ]
    assert str(caught.value).startswith(f"{tmp_path / 'us_mexico_trade_oped_2025.yaml'}: 5 problems:\n  - claim 1")
    assert isinstance(caught.value, FormatError)  # callers that report file errors report these too


def test_readings_need_a_label_a_primary_and_why(tmp_path):
    buyer = catalog_entry("mexico_largest_buyer")
    del buyer["primary_why"]
    del buyer["readings"][0]["label"]
    with pytest.raises(CatalogError) as caught:
        load_catalog(write_catalog(tmp_path, [buyer]))
    assert caught.value.problems == [
        "claim 1 (mexico_largest_buyer): reading 1 (exports) needs a non-empty 'label'",
        "claim 1 (mexico_largest_buyer): primary_why must say why the primary reading is the primary one",
    ]


def test_latest_can_be_turned_off(tmp_path):
    exports = catalog_entry("mexico_exports_2024")
    exports["latest"] = False
    (claim,) = load_catalog(write_catalog(tmp_path, [exports])).claims
    assert claim.latest is None
    exports["latest"] = {"label": "calendar {year}"}
    with pytest.raises(CatalogError, match="latest needs a 'query' and a 'label', or is false"):
        load_catalog(write_catalog(tmp_path, [exports]))


def test_a_reading_names_real_sources(tmp_path):
    chinese = catalog_entry("per_capita_chinese_idb")
    chinese["sources"] = ["census_trade", "census_idb_population"]
    with pytest.raises(CatalogError, match=r"sources \['census_trade', 'census_idb_population'\]: expected a list of "
                                           r"source names among"):
        load_catalog(write_catalog(tmp_path, [chinese]))
