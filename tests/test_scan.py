"""claimwatch/scan.py and scan_cues.py: sentences, the cues that make one a candidate claim, and claim matching."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from claim_support import BRIEF, OPED, catalog_by_id
from claimwatch.claims.catalog import Catalog, Claim, load_catalog
from claimwatch.errors import CatalogError
from claimwatch.scan import MATCH_SHARE, match_score, matches, scan, split_sentences, unquoted
from claimwatch.scan_cues import cues
from claimwatch.skeleton import skeleton, slug, stub_id


def texts(markdown: str) -> list[str]:
    return [s.text for s in split_sentences(markdown)]


def cue_texts(sentence: str) -> list[str]:
    return [c.text for c in cues(sentence)]


def test_sentences_do_not_end_at_abbreviations_amounts_or_decimals():
    text = ("Mexico bought $335 billion in U.S. goods. Exports rose 4.5% in Jan. and the U.S. Border Patrol saw "
            "fewer. The No. 1 partner paid $4.5 billion. Dr. Smith agreed! Did he? Yes.")
    assert texts(text) == ["Mexico bought $335 billion in U.S. goods.",
                           "Exports rose 4.5% in Jan. and the U.S. Border Patrol saw fewer.",
                           "The No. 1 partner paid $4.5 billion.", "Dr. Smith agreed!", "Did he?", "Yes."]


def test_an_initialism_ends_a_sentence_only_before_a_sentence_opener():
    assert texts("Jobs moved to the U.S. In 2024 they grew.") == ["Jobs moved to the U.S.", "In 2024 they grew."]
    assert texts("Trade with the U.S. Border Patrol.") == ["Trade with the U.S. Border Patrol."]


def test_markdown_marks_are_stripped_and_blocks_split():
    text = ("# A *heading* about trade ##\n\nSome **bold** and _emphasised_ [linked text](https://x.org/a) here.\n"
            "It goes on\nover two lines.\n\n- A list item with 3 things\n- Another\n  continued.\n1. Numbered.\n\n"
            "```\ncode 55 here.\n```\n> Quoted 45% text.\n\n---\n[ref]: https://x.org\n")
    found = split_sentences(text)
    assert [s.text for s in found] == ["A heading about trade", "Some bold and emphasised linked text here.",
                                       "It goes on over two lines.", "A list item with 3 things",
                                       "Another continued.", "Numbered.", "Quoted 45% text."]
    assert [s.line for s in found] == [1, 3, 4, 7, 8, 10, 15]


@pytest.mark.parametrize("sentence, expected", [
    ("On June 3, 2025, the minister spoke.", []),  # a date is not a figure
    ("In January, talks resumed.", []),
    ("In 2024, talks resumed.", []),  # a bare year alone is not a figure claim
    ("In 2024, exports rose 5%.", ["rose", "5%"]),  # a year in a sentence with a figure: the sentence counts
    ("Mexico is the second-largest buyer.", ["second-largest"]),
    ("For the first time, Mexico led.", ["For the first time"]),
    ("First, we must talk.", []),  # a discourse word
    ("It is America-first policy.", []),
    ("Each spends over $4,000 a year.", ["over $4,000"]),
    ("It is 2.3 times larger.", ["2.3 times"]),
    ("Nearly 90% said no.", ["Nearly 90%"]),
    ("They seized nearly 258 kilograms.", ["nearly 258 kilograms"]),
    ("It was the lowest in 30 years.", ["lowest", "in 30 years"]),
    ("One in five workers is Mexican.", ["One in five"]),
    ("Exports grew three times faster.", ["grew", "three times"]),
    ("They sold a million cars.", ["a million"]),
    ("Two-thirds of exports go north.", ["Two-thirds"]),
    ("Exports doubled.", ["doubled"]),
    ("It was more than double what China buys.", ["more than", "double"]),
    ("A record 5 million crossed.", ["record", "5 million"]),
    ("Prices are higher than ever.", ["higher than ever"]),
    ("It is more critical than ever.", []),  # a judgement, not an amount
    ("It was more expensive than oil.", ["more expensive than"]),
    ("We sold more cars to them than Japan did.", ["more cars … than"]),
    ("Mexico is America’s most important consumer.", ["America’s most important"]),
    ("Mexico ranks first among partners.", ["ranks first"]),
    ("It is the No. 1 partner.", ["No. 1"]),
    ("Title 42 ended and COVID-19 faded in the 20th century.", []),  # numbers that name things, ordinals
    ("We met on Jan. 5 at 10 a.m.", []),
    ("At least they tried, competing as one.", []),
    ("At least 5 people came.", ["At least 5 people"]),
    ("They move billions of dollars.", ["billions"]),
    ("The next 10 partners.", ["10"]),
])
def test_cues(sentence, expected):
    assert cue_texts(sentence) == expected


def test_each_cue_says_its_kind():
    kinds = {c.text: c.kind for c in cues("In 2024, Mexico bought $335 billion in U.S. goods, 2.3 times more than "
                                          "China, the largest buyer, and exports rose.")}
    assert kinds == {"$335 billion": "figure", "2.3 times": "figure", "more than": "comparison",
                     "largest": "superlative", "rose": "change"}


SENTENCE = "In 2024, Mexico bought $335 billion in U.S. goods, 2.3 times more than China."


def test_a_quote_contained_either_way_matches_fully():
    assert match_score("Mexico bought $335 billion in U.S. goods", SENTENCE) == 1.0  # a fragment
    assert match_score(SENTENCE + " In fact, more.", SENTENCE) == 1.0  # a quote spanning two sentences
    assert match_score("Mexico is America's most important consumer.", "Mexico is America’s most important "
                       "consumer.") == 1.0  # straight and curly apostrophes, case
    assert match_score("the 2021-2024 average", "The 2021–2024 *average*") == 1.0


def test_a_lightly_edited_quote_matches_and_a_different_sentence_does_not():
    assert MATCH_SHARE == 0.7
    edited = "In 2024, Mexico purchased $335 billion in U.S. goods, 2.3 times more than China."  # one word
    assert 0.8 < match_score(edited, SENTENCE) < 1.0
    twice = "In 2024, Mexico purchased $335 billion of U.S. products, 2.3 times more than China."  # three words
    assert match_score(twice, SENTENCE) < MATCH_SHARE
    other = "In 2024, Canada bought $349 billion in U.S. goods, more than Mexico."
    assert match_score(other, SENTENCE) < MATCH_SHARE
    assert match_score("2.3 times", SENTENCE) == 1.0 and match_score("Mexico bought", "Canada bought") == 0.0


def catalog(*claims: tuple[str, str, bool], article_id: str = "test_article") -> Catalog:
    return Catalog({"id": article_id}, tuple(Claim(cid, sentence, "m", (), not_checkable=None if checkable else {
        "reason": "r", "source_needed": "s"}) for cid, sentence, checkable in claims), Path(f"{article_id}.yaml"))


def test_scan_says_covered_not_checkable_or_not_covered():
    text = ("Mexico bought $335 billion in 2024. Mexico seized nearly 258 kilograms. "
            "Exports to Peru fell 3%. The weather was pleasant.")
    cat = catalog(("exports", "Mexico bought $335 billion in 2024.", True),
                  ("ratio", "Mexico bought $335 billion", True),
                  ("seizures", "Mexico seized nearly 258 kilograms.", False),
                  ("gone", "A sentence the article no longer has.", True))
    found = scan(text, [cat])
    assert [(s.sentence.text, s.status, [m.claim_id for m in s.matches]) for s in found] == [
        ("Mexico bought $335 billion in 2024.", "covered", ["exports", "ratio"]),
        ("Mexico seized nearly 258 kilograms.", "not_checkable", ["seizures"]),
        ("Exports to Peru fell 3%.", "not_covered", []),
    ]
    assert unquoted(text, [cat, catalog(("x", "Other article.", True), article_id="other")]) == [("test_article", "gone")]


def test_matches_name_the_catalog_and_checkability():
    cat = catalog(("a", "Mexico seized nearly 258 kilograms.", False))
    (m,) = matches("Mexico seized nearly 258 kilograms.", [cat])
    assert (m.catalog, m.claim_id, m.checkable, m.score) == ("test_article", "a", False, 1.0)


# The monitored article: every detected sentence (by its opening words) with the catalog claims covering it.
PINNED = {
    "The United States and Mexico have built the strongest": ["strongest_trade_relationship"],
    "Trade with Mexico creates jobs in the U.S.: Every new": ["factory_job_link"],
    "Mexico is America’s most important consumer": ["mexico_largest_buyer"],
    "In 2024, Mexico bought $335 billion": ["mexico_exports_2024", "mexico_china_ratio_2024"],
    "In fact, Mexico and Canada together purchase": ["mexico_canada_vs_next_10"],
    "Mexico remains the biggest buyer": ["mexico_biggest_small_business_buyer"],
    "Mexican consumers buy more than $110 billion": ["small_business_exports_110b", "small_business_double_china",
                                                     "small_business_more_than_six_combined"],
    "On a per capita basis": ["per_capita_mexicans_canadians_worldbank", "per_capita_mexicans_canadians_idb",
                              "per_capita_chinese_worldbank", "per_capita_chinese_idb"],
    "Everything made in Mexico is full of American parts": ["mexican_components_10x_chinese"],
    "American companies, like Constellation Brands": ["constellation_brands_invests_millions"],
    "For example, they partner with Mexican authorities": ["constellation_brands_billions"],
    "The Mexican government’s renewed, collaborative approach": ["lowest_illegal_crossings_30_years"],
    "In June 2025, Customs and Border Protection": ["june_2025_lowest_nationwide_encounters",
                                                    "june_2025_vs_2021_2024_average"],
    "Between May 2024 and March 2025": ["mexican_vs_usbp_encounters_may2024_mar2025"],
    "Mexico has also increased fentanyl seizures dramatically.": ["mexico_fentanyl_seizures_increased"],
    "Since February 2025, Mexican authorities": ["fentanyl_lethal_doses", "mexico_fentanyl_seizures_258kg"],
    "This trade deal created the strongest economic bloc": ["usmca_strongest_economic_bloc"],
}
NOT_CHECKABLE = {"Trade with", "Mexico remains", "Mexican consumers", "Everything made", "American companies",
                 "For example", "Mexico has", "This trade"}  # covered only by not_checkable claims


def test_the_monitored_article_is_fully_covered(shared_data):
    article = shared_data.parent / "article.md"
    if not article.is_file():
        pytest.fail(f"the monitored article is missing: {article}")
    catalogs = [catalog_by_id(OPED)]  # the op-ed's own catalog (the brief quotes none of its sentences)
    found = scan(article.read_text(), catalogs)
    assert len(found) == len(PINNED)
    for opening, ids in PINNED.items():
        (scanned,) = [s for s in found if s.sentence.text.startswith(opening)]
        assert sorted(m.claim_id for m in scanned.matches) == sorted(ids), opening
        checkable = not any(opening.startswith(o) for o in NOT_CHECKABLE)
        assert scanned.status == ("covered" if checkable else "not_checkable"), opening
    assert unquoted(article.read_text(), catalogs) == []  # every claim quotes a sentence the article has
    assert {m.claim_id for s in found for m in s.matches} == {c.id for c in catalogs[0].claims}


def test_the_fictional_brief_is_fully_covered_by_its_own_catalog():
    brief = catalog_by_id(BRIEF)
    found = scan(brief.path.with_suffix(".md").read_text(), [brief])
    assert found and all(s.status in ("covered", "not_checkable") for s in found)
    assert {m.claim_id for s in found for m in s.matches} == {c.id for c in brief.claims}
    assert [m.claim_id for s in found if s.status == "not_checkable" for m in s.matches] == ["mexico_national_guard_10000"]


def test_slug_and_stub_ids():
    assert slug("U.S.–Mexico trade: an op-ed (2025)") == "us_mexico_trade_an_op_ed_2025"
    taken: set[str] = set()
    assert stub_id(SENTENCE, taken) == "2024_mexico_bought_335_billion"
    assert stub_id(SENTENCE, taken) == "2024_mexico_bought_335_billion_2"


def test_the_skeleton_loads_as_an_empty_catalog_and_a_stub_uncomments_to_a_claim(tmp_path):
    text = "Mexico bought $335 billion in 2024. It rained. Mexico seized nearly 258 kilograms."
    cat = catalog(("seizures", "Mexico seized nearly 258 kilograms.", False), article_id="older")
    written = skeleton("new_oped", 'An "op-ed": trade', "article.md", "claims/new_oped.yaml", scan(text, [cat]))
    path = tmp_path / "new_oped.yaml"
    path.write_text(written)
    loaded = load_catalog(path)
    assert loaded.claims == () and loaded.article["title"] == 'An "op-ed": trade'
    assert {k: loaded.article[k] for k in ("url", "author", "published", "owner", "channel")} == dict.fromkeys(
        ("url", "author", "published", "owner", "channel"))
    assert "# already covered in the catalog older: seizures (not_checkable)" in written
    assert "cues: $335 billion (figure)" in written
    # uncomment the first stub under `claims:` (without its `[]`): a claim with the quoted sentence and placeholders
    lines = written.splitlines()
    first = lines.index("#  - id: mexico_bought_335_billion_2024")
    stub = [line[1:] for line in lines[first:first + 9]]
    edited = written.replace("claims: []", "claims:\n" + "\n".join(stub), 1)
    doc = yaml.safe_load(edited)
    (claim,) = doc["claims"]
    assert claim["sentence"] == "Mexico bought $335 billion in 2024." and claim["rule"]["kind"] == "TODO"
    assert set(claim) == {"id", "sentence", "meaning", "indicator", "observe", "rule", "as_stated"}
    path.write_text(edited)
    with pytest.raises(CatalogError, match="mexico_bought_335_billion_2024"):  # the TODOs cannot slip through
        load_catalog(path)
