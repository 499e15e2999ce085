"""The claim catalog: what it must cover, and clear errors for a malformed one."""

from __future__ import annotations

import pytest
import yaml

from claimwatch.claims.catalog import indicator_path, load_catalog, load_catalogs
from claimwatch.errors import FormatError

(CATALOG,) = load_catalogs()


def test_catalog_covers_the_claims_the_issue_lists():
    ids = {c.id for c in CATALOG.claims}
    assert {
        "mexico_exports_2024", "mexico_china_ratio_2024", "mexico_largest_buyer", "mexico_canada_vs_next_10",
        "per_capita_mexicans_canadians_worldbank", "per_capita_mexicans_canadians_idb", "per_capita_chinese_worldbank",
        "per_capita_chinese_idb", "june_2025_lowest_nationwide_encounters", "june_2025_vs_2021_2024_average",
        "lowest_illegal_crossings_30_years", "mexican_vs_usbp_encounters_may2024_mar2025", "fentanyl_lethal_doses",
        "small_business_exports_110b", "mexican_components_10x_chinese",
        # every checkable sentence: the opening claim, the small-business sentence as its three comparisons
        "strongest_trade_relationship", "small_business_double_china", "small_business_more_than_six_combined",
        "mexico_fentanyl_seizures_increased", "constellation_brands_billions",
    } <= ids
    for claim_id in ("small_business_double_china", "small_business_more_than_six_combined",
                     "mexico_fentanyl_seizures_increased", "constellation_brands_billions"):
        assert set(CATALOG.claim(claim_id).not_checkable) == {"reason", "source_needed"}
    assert [r.id for r in CATALOG.claim("mexico_canada_vs_next_10").readings] == ["total_trade", "exports"]
    assert CATALOG.claim("mexico_canada_vs_next_10").primary.id == "total_trade"
    assert CATALOG.article["id"] == "us_mexico_trade_oped_2025"


def test_every_sentence_is_quoted_from_the_article(shared_data):
    text = (shared_data.parent / "article.md").read_text()
    for claim in CATALOG.claims:
        assert claim.sentence.replace("'", "’") in text or claim.sentence in text, claim.id


def test_every_indicator_file_says_what_it_is():
    for claim in CATALOG.claims:
        if claim.indicator:
            first = indicator_path(claim.indicator).read_text().splitlines()[0]
            assert first.startswith(f"-- {claim.indicator}: ") and "http" in first, claim.indicator


def test_a_malformed_catalog_names_the_claim(tmp_path):
    doc = yaml.safe_load(CATALOG.path.read_text())
    doc["claims"][1]["rule"]["kind"] = "roughly"
    path = tmp_path / "us_mexico_trade_oped_2025.yaml"
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(FormatError, match=r"claim 2 \(mexico_china_ratio_2024\): rule kind 'roughly', expected one of"):
        load_catalog(path)
    del doc["claims"][1]["rule"]
    doc["claims"][0]["indicator"] = "no_such_indicator"
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(FormatError, match=r"claim 1 \(mexico_exports_2024\): indicator 'no_such_indicator': no file"):
        load_catalog(path)


def test_a_malformed_chart_names_the_claim(tmp_path):
    doc = yaml.safe_load(CATALOG.path.read_text())
    path = tmp_path / "us_mexico_trade_oped_2025.yaml"
    exports = doc["claims"][0]
    for chart, problem in [
        ({**exports["chart"], "colour": "red"}, r"chart has unknown key\(s\) \['colour'\], expected some of"),
        ({k: v for k, v in exports["chart"].items() if k != "query"}, r"chart needs a non-empty 'query'"),
        ({**exports["chart"], "level": "335"}, r"chart 'level' must be a number, not '335'"),
        ({**exports["chart"], "level_label": "claimed: {amount}"}, r"chart 'level_label' may only use the field"),
    ]:
        path.write_text(yaml.safe_dump({**doc, "claims": [{**exports, "chart": chart}]}))
        with pytest.raises(FormatError, match=rf"claim 1 \(mexico_exports_2024\): {problem}"):
            load_catalog(path)
    doses = next(c for c in doc["claims"] if c["id"] == "fentanyl_lethal_doses")
    path.write_text(yaml.safe_dump({**doc, "claims": [{**doses, "chart": {"query": "select 1 as x, 1 as y"}}]}))
    with pytest.raises(FormatError, match=r"claim 1 \(fentanyl_lethal_doses\): a chart needs the claim's 'indicator'"):
        load_catalog(path)


def test_charts_are_optional_and_loaded():
    charted = {c.id: c.chart for c in CATALOG.claims if c.chart}
    assert charted["mexico_exports_2024"]["level"] == 335
    assert CATALOG.claim("fentanyl_lethal_doses").chart is None
