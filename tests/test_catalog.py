"""The claim catalog: what it must cover, and clear errors for a malformed one."""

from __future__ import annotations

import re

import pytest
import yaml

from claim_support import BRIEF, OPED, article_text, catalog_by_id, catalog_ids

from claimwatch.claims.catalog import indicator_path, load_catalog
from claimwatch.errors import FormatError

CATALOG = catalog_by_id(OPED)  # the op-ed: the tests below that name its claims are about its figures


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


def test_every_catalog_is_one_article_with_its_own_claims():
    assert OPED in catalog_ids() and BRIEF in catalog_ids()
    every = [c.path for c in map(catalog_by_id, catalog_ids())]
    assert len(set(every)) == len(every)
    for article_id in catalog_ids():
        catalog = catalog_by_id(article_id)
        assert catalog.path.stem == catalog.article["id"] == article_id
        assert catalog.claims and len({c.id for c in catalog.claims}) == len(catalog.claims)
        assert {"id", "title", "author", "published", "url"} <= set(catalog.article), article_id


def test_the_brief_is_marked_fictional_and_names_its_desk():
    brief = catalog_by_id(BRIEF).article
    assert brief["note"] == ("Fictional newsroom brief written by the claimwatch developers to exercise a second "
                             "article; not a published piece.")
    assert brief["owner"] == "S0BORDERDESK" and brief["channel"] == "C0BORDERDESK"
    assert brief["url"] is None and "fictional" in brief["author"]


def test_every_sentence_is_quoted_from_the_article(catalog, shared_data):
    text = article_text(catalog, shared_data)
    for claim in catalog.claims:
        assert claim.sentence.replace("'", "’") in text or claim.sentence in text, claim.id


def test_every_figure_sentence_of_the_brief_is_a_claim():
    """Take every claim's sentence out of the brief's text: no figure (digit) is left uncovered."""
    catalog = catalog_by_id(BRIEF)
    body = " ".join(line for line in catalog.path.with_suffix(".md").read_text().splitlines()
                    if line and not line.startswith(("#", "*")))  # the title and the byline carry no claims
    assert all(c.sentence in body for c in catalog.claims)
    for sentence in sorted({c.sentence for c in catalog.claims}, key=len, reverse=True):
        body = body.replace(sentence, "")
    assert not re.search(r"\d", body), body


def test_every_indicator_file_says_what_it_is(catalog):
    for claim in catalog.claims:
        for reading in claim.readings:
            if reading.indicator:
                first = indicator_path(reading.indicator).read_text().splitlines()[0]
                assert first.startswith(f"-- {reading.indicator}: ") and "http" in first, reading.indicator


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
