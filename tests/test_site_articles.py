"""A site of two articles on one store (issue #16), read in headless Chromium at 1280 and 390 px.

The second article is written here: three claims of the shipped op-ed under a new article id, one of them with the
same claim id (`mexico_exports_2024`) and its own headline, so anything keyed by claim id alone would collide.
Screenshots of the index (index-articles-desktop/-phone) and of the second article's section
(article-phone) are saved in test-artifacts/site/.
"""

from __future__ import annotations

import copy
import json
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml

from claimwatch.alerts.links import CLAIM_PAGE, claim_page_url
from claimwatch.claims.catalog import claims_dir, load_catalog
from claimwatch.claims.steps import current_verdicts
from claimwatch.site.build import build_site
from claimwatch.site.front import attention
from claimwatch.store import open_store
from test_site import ARTIFACTS, broken_images, browser, open_page  # noqa: F401  (the module's Chromium)

SHARED = "mexico_exports_2024"  # a claim id both articles use
RENAMED = {"mexico_largest_buyer": "largest_buyer_of_us_goods", "lowest_illegal_crossings_30_years": "fewest_crossings"}
SECOND = "border_trade_explainer_2025"
SECOND_HEADLINE = "Explainer: Mexico bought $335 billion of U.S. goods"


def second_catalog(folder: Path, shipped) -> Path:
    """Three claims of the shipped catalog under a new article: one with the same id, two renamed."""
    doc = yaml.safe_load(shipped.path.read_text())
    claims = []
    for entry in doc["claims"]:
        if entry["id"] == SHARED:
            claims.append({**copy.deepcopy(entry), "headline": SECOND_HEADLINE})
        elif entry["id"] in RENAMED:
            claims.append({**copy.deepcopy(entry), "id": RENAMED[entry["id"]]})
    article = {"id": SECOND, "title": "Explainer: trade and the border in numbers", "author": "A. Reporter",
               "published": 2025, "url": None}
    path = folder / f"{SECOND}.yaml"
    path.write_text(yaml.safe_dump({"article": article, "claims": claims}, allow_unicode=True, sort_keys=False))
    return path


@pytest.fixture(scope="module")
def two(built_db, tmp_path_factory) -> dict:
    """The recorded store's site with the shipped op-ed and the second article, passed explicitly."""
    folder = tmp_path_factory.mktemp("articles")
    shipped = load_catalog(claims_dir() / "us_mexico_trade_oped_2025.yaml")
    second = load_catalog(second_catalog(folder, shipped))
    catalogs = [shipped, second]
    with open_store(built_db, read_only=True) as store:
        build_site(store.con, catalogs, folder / "site", built_db.name)
        needs = {c.article_id: attention(store.con, c, current_verdicts(store.con, c)[0], date.today()) for c in catalogs}
    return {"site": folder / "site", "catalogs": catalogs, "needs": needs}


def page_file(site: Path, article_id: str, claim_id: str) -> Path:
    return site / CLAIM_PAGE.format(article_id=article_id, claim_id=claim_id)


@pytest.mark.parametrize("width", [1280, 390])
def test_the_index_lists_both_articles_with_their_counts(two, browser, width):  # noqa: F811
    site = two["site"]
    page, errors = open_page(browser, (site / "index.html").as_uri(), width=width)
    assert page.locator("h1").inner_text() == "2 articles checked against official statistics"
    rows = page.locator("section#articles tbody tr")
    assert rows.evaluate_all("rs => rs.map(r => r.id)") == [f"article-{c.article_id}" for c in two["catalogs"]]
    for catalog in two["catalogs"]:
        row = page.locator(f"tr#article-{catalog.article_id}")
        link = row.locator("td[data-label=article] a")
        assert link.inner_text() == catalog.article["title"]
        assert link.get_attribute("href") == f"articles/{catalog.article_id}/index.html"
        needs = two["needs"][catalog.article_id]
        kinds = [a.kind for a in needs]
        assert row.locator("td.claim-count").inner_text().startswith(str(len(catalog.claims)))
        assert row.locator("td.corrections").inner_text().split(" ")[0] == str(kinds.count("correction"))
        assert row.locator("td.updates").inner_text() == str(kinds.count("update"))
        assert row.locator("td.attention-count").inner_text() == str(len(needs))
    second = page.locator(f"tr#article-{SECOND}")
    assert second.locator("td.claim-count").inner_text().startswith("3")
    assert second.locator("td.corrections").inner_text() == "1"  # the largest buyer fails as published
    # the attention list spans both articles, each item naming its own; the second's link into its section
    items = page.locator("section#attention ol.attention > li").evaluate_all(
        "ls => ls.map(l => [l.querySelector('a').getAttribute('href'), l.querySelector('.in-article').innerText])")
    assert len(items) == sum(len(n) for n in two["needs"].values())
    assert (f"articles/{SECOND}/index.html#largest_buyer_of_us_goods",
            "(in Explainer: trade and the border in numbers)") in [tuple(i) for i in items]
    assert page.locator("ol.claims").count() == 0  # several articles: the claims are in each article's section
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert errors == [] and broken_images(page) == []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"index-articles-{'phone' if width == 390 else 'desktop'}.png", full_page=True)


@pytest.mark.parametrize("width", [1280, 390])
def test_each_article_section_lists_its_own_claims(two, browser, width):  # noqa: F811
    for catalog in two["catalogs"]:
        url = (two["site"] / "articles" / catalog.article_id / "index.html").as_uri()
        page, errors = open_page(browser, url, width=width)
        assert page.locator("h1").inner_text() == catalog.article["title"]
        assert page.locator("li.claim").evaluate_all("ls => ls.map(l => l.id)") == [c.id for c in catalog.claims]
        titles = page.locator("li.claim h3").all_inner_texts()
        assert titles == [c.title for c in catalog.claims]
        attention_links = page.locator("section#attention ol.attention > li > a").evaluate_all(
            "as => as.map(a => a.getAttribute('href'))")
        assert attention_links == [f"#{a.claim_id}" for a in two["needs"][catalog.article_id]]  # entries on the page
        assert page.locator("header a.article-link").inner_text() == catalog.article["title"]
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert errors == [] and broken_images(page) == []
        if catalog.article_id == SECOND and width == 390:
            page.screenshot(path=ARTIFACTS / "article-phone.png", full_page=True)
    second = (two["site"] / "articles" / SECOND / "index.html").read_text()
    assert SECOND_HEADLINE in second and "Mexico bought $335 billion of U.S. goods in 2024" not in second


def test_the_same_claim_id_in_two_articles_gets_two_pages_charts_and_downloads(two, browser):  # noqa: F811
    site = two["site"]
    first, second = (page_file(site, c.article_id, SHARED) for c in two["catalogs"])
    assert first.is_file() and second.is_file() and first != second
    assert "Mexico bought $335 billion of U.S. goods in 2024" in first.read_text()
    assert SECOND_HEADLINE in second.read_text() and "Mexico bought $335 billion of U.S. goods in 2024" not in second.read_text()
    for catalog in two["catalogs"]:
        folder = site / "articles" / catalog.article_id
        assert (folder / "charts" / f"{SHARED}.png").read_bytes().startswith(b"\x89PNG")
        assert (folder / "charts" / f"{SHARED}.key").is_file()
        doc = json.loads((folder / "downloads" / f"{SHARED}.json").read_text())
        assert doc["claim_id"] == SHARED and doc["sql"] and "$" not in doc["sql"][0]["sql"].split("\n", 1)[1]
        assert (folder / "downloads" / f"{SHARED}.csv").is_file()
        page, errors = open_page(browser, page_file(site, catalog.article_id, SHARED).as_uri(), width=390)
        assert page.locator("header a.article-link").inner_text() == catalog.article["title"]
        assert broken_images(page) == [] and errors == []
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        review = json.loads(page.locator("script[type='application/ld+json']").inner_text())
        assert review["url"] == f"articles/{catalog.article_id}/claims/{SHARED}.html"
        assert review["itemReviewed"]["appearance"]["headline"] == catalog.article["title"]
    assert not (site / "claims").exists() and not (site / "charts").exists() and not (site / "downloads").exists()


def test_claimreviews_json_holds_every_claim_of_both_articles(two):
    reviews = json.loads((two["site"] / "claimreviews.json").read_text())
    wanted = [f"articles/{c.article_id}/claims/{claim.id}.html" for c in two["catalogs"] for claim in c.claims]
    assert [r["url"] for r in reviews] == wanted and len(set(wanted)) == len(wanted) == sum(len(c.claims) for c in two["catalogs"])
    assert all((two["site"] / r["url"]).is_file() for r in reviews)
    headlines = {r["itemReviewed"]["appearance"]["headline"] for r in reviews}
    assert headlines == {c.article["title"] for c in two["catalogs"]}


class _Links(HTMLParser):
    """Every href and src of a page, and every id it defines."""

    def __init__(self):
        super().__init__()
        self.links, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src", "srcset") and value:
                self.links.append(value)
            if name == "id":
                self.ids.add(value)


def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text())
    return parser


def test_every_relative_link_resolves_to_a_file_inside_the_site(two):
    site = two["site"].resolve()
    pages = [p for p in site.rglob("*.html") if "validation-docs" not in p.relative_to(site).parts]
    assert len(pages) == 1 + 2 + sum(len(c.claims) for c in two["catalogs"]) + 6  # index, sections, claims, sources
    checked = 0
    for page in pages:
        for link in _parse(page).links:
            parts = urlsplit(link)
            if parts.scheme or link.startswith("#"):
                if link.startswith("#"):
                    assert link[1:] in _parse(page).ids, (page, link)
                continue
            target = (page.parent / unquote(parts.path)).resolve()
            assert target.is_relative_to(site) and target.is_file(), f"{page.relative_to(site)} links to {link}"
            if parts.fragment and target.suffix == ".html" and "validation-docs" not in target.parts:
                assert parts.fragment in _parse(target).ids, (page, link)
            checked += 1
    assert checked > 100


def test_alert_links_name_the_article():
    assert claim_page_url("https://news.example/claims/", "oped", SHARED) == \
        f"https://news.example/claims/articles/oped/claims/{SHARED}.html"
    assert claim_page_url(None, "oped", SHARED) is None
