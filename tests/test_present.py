"""claimwatch/present.py: every figure printed from its catalog rule, on figures from the recorded releases.

The numbers are the ones the store built from ../shared/data holds for calendar 2024 and June-September 2025 (Census
FT-900 of April 2025, CBP nationwide encounters); the last test reads them from that store itself.
"""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from claim_support import OPED

from claimwatch import present
from claimwatch.claims.judge import Verdict
from claimwatch.claims.steps import current_verdicts

MONEY = {"kind": "stated_amount", "display": "${value:,.1f} billion", "claimed": 335, "tolerance": 0.01,
         "published": {"scale": 1000, "display": "${value:,.1f}M"}}
BUYER = {"kind": "is_extreme", "display": "${value:,.1f} billion", "lowest": False, "subject": "Mexico",
         "published": {"scale": 1000, "display": "${value:,.1f}M"}}
ENCOUNTERS = {"kind": "is_extreme", "display": "{value:,.0f} encounters", "lowest": True}
MEXICO_2024, CANADA_2024 = 334.041359045, 349.359939946  # $ billion of U.S. goods exports, Census 2025-04


def verdict(**fields) -> Verdict:
    return Verdict("claim", "as_stated", fields.pop("verdict", "holds"), fields.pop("period", "calendar 2024"), **fields)


def test_figures_print_through_the_catalog_display_rounding_half_up():
    assert present.figure(MEXICO_2024, MONEY) == "$334.0 billion"
    assert present.figure(25185.0, ENCOUNTERS) == "25,185 encounters"
    assert present.figure(2.3270726124805012, {"display": "{value:.2f} times"}) == "2.33 times"
    assert present.figure(0.25, {"display": "{value:.1f}"}) == "0.3"  # half up, where format() gives 0.2
    assert present.figure(None, MONEY) == "?"
    assert present.figure(3969.8104158948818, {"display": "${value:,.0f} a person"}) == "$3,970 a person"


def test_the_article_figure_keeps_only_its_own_digits_and_revisions_use_the_published_unit():
    assert present.stated(335, MONEY) == "$335 billion"  # not "$335.0 billion"
    assert present.stated(2.3, {"display": "{value:.2f} times"}) == "2.3 times"
    assert present.stated(90, {"display": "{value:.1f}% lower"}) == "90% lower"
    assert present.published(MEXICO_2024, MONEY) == "$334,041.4M"  # Census publishes $ millions to one decimal
    assert present.published(25185, ENCOUNTERS) == "25,185 encounters"  # no published unit: as displayed


def test_a_difference_too_small_for_the_display_is_said_at_the_published_unit():
    assert present.amount(-0.958640955, MONEY) == "$1.0 billion"
    assert present.amount(0.0041, MONEY) == "$4.1M"


def test_every_comparison_names_whose_figure_it_is():
    assert present.whose("Canada", "$349.4 billion") == "Canada's $349.4 billion"
    assert present.whose("2025-07", "24,589 encounters") == "July 2025's 24,589 encounters"
    assert present.whose("Mexico 2023", "$798.0 billion") == "Mexico's $798.0 billion in 2023"
    assert present.whose("Netherlands", "$89.6 billion") == "Netherlands' $89.6 billion"


def test_margins_are_said_in_words_with_their_unit():
    exports = verdict(observed=MEXICO_2024, claimed=335.0, subject="exports to Mexico")
    assert present.margin_phrase(exports, MONEY) == ("$1.0 billion below the claimed $335 billion, within the ±1% the "
                                                     "rule allows")
    buyer = verdict(verdict="fails", observed=MEXICO_2024, claimed=CANADA_2024, subject="Mexico",
                    figures={"Mexico": MEXICO_2024, "Canada": CANADA_2024})
    assert present.compared_phrase(buyer, BUYER) == "Canada's $349.4 billion"
    assert present.margin_phrase(buyer, BUYER) == "$15.3 billion below Canada's $349.4 billion"
    september = verdict(verdict="fails", period="September 2025", observed=26002.0, claimed=24589.0, subject="2025-09",
                        figures={"2025-09": 26002, "2025-07": 24589})
    assert present.margin_phrase(september, ENCOUNTERS) == "1,413 encounters above July 2025's 24,589 encounters"
    june = replace(september, verdict="holds", period="June 2025", observed=25185.0, claimed=28613.0, subject="2025-06",
                   figures={"2025-06": 25185, "2025-02": 28613})
    assert present.margin_phrase(june, ENCOUNTERS) == ("3,428 encounters below the next lowest, February 2025's "
                                                       "28,613 encounters")
    pooled = verdict(verdict="fails", observed=3969.8104158948818, claimed=4000.0, subject="Mexicans and Canadians together")
    rule = {"kind": "over_bound", "display": "${value:,.0f} a person", "bound": 4000}
    assert present.margin_phrase(pooled, rule) == "$30 a person short of the $4,000 a person the claim must exceed"
    average = verdict(observed=88.95513824350078, claimed=90.0)
    nearly = {"kind": "nearly_percent", "display": "{value:.1f}% lower", "claimed": 90, "band": 5}
    assert present.margin_phrase(average, nearly) == "within the 85% to 90% that “nearly 90%” allows"


def test_the_paste_ready_sentence_is_prose_and_its_sources_a_footer():
    exports = verdict(observed=MEXICO_2024, claimed=335.0, subject="exports to Mexico",
                      vintages=("census_trade/2025-04@b06b33b6",), explanation="12 of 12 months published")
    text = present.sentence(exports, MONEY)
    assert text == ("In calendar 2024, the data give $334.0 billion for exports to Mexico, $1.0 billion below the claimed "
                    "$335 billion, within the ±1% the rule allows: the claim holds.")
    assert "census_trade" not in text and "stated_amount" not in text and "±1% (" not in text
    assert present.footer(exports) == "Source: census_trade/2025-04@b06b33b6; 12 of 12 months published"


def test_the_summary_line_counts_claims_by_verdict():
    codes = ["holds", "holds_over_coverage", "fails", "depends_on_reading", "unknown", "not_checkable", "fails"]
    assert present.summary_line(codes) == ("7 claims: 2 hold, 2 fail, 1 depends on the reading, 1 unknown, "
                                           "1 not checkable")


def test_every_verdict_of_the_recorded_store_prints_without_raw_floats(catalog, built_con):
    verdicts, _ = current_verdicts(built_con, catalog)
    checked = 0
    for v in verdicts:
        claim = next(c for c in catalog.claims if c.id == v.claim_id)
        rule = claim.reading(v.reading).rule if claim.readings else {}
        texts = present.figure_texts(v, rule)
        if v.observed is None:
            continue
        checked += 1
        for text in (texts["observed"], texts["margin"], texts["sentence"]):
            assert not re.search(r"\d\.\d{3,}|\de[+-]\d", text), text  # never 2.518e+04 or 334.041359
        assert texts["sentence"].endswith(".") and "@" not in texts["sentence"]
    assert checked >= 20
    if catalog.article_id == OPED:
        stated = next(v for v in verdicts if v.claim_id == "mexico_exports_2024" and v.mode == "as_stated")
        assert stated.observed == pytest.approx(MEXICO_2024)  # the figures above are the store's own
