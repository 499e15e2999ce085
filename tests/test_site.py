"""The status site built from the recorded store, opened in headless Chromium (Debian's chromium, no download).

Screenshots of the op-ed's page and one claim page at 1280 and 390 px (oped-article-desktop/-phone, claim-desktop/-phone,
claim-vintages-phone: the revision ladder on a phone) are saved in test-artifacts/site/ beside the project.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from urllib.parse import urldefrag, urlparse

import pytest
from PIL import Image
from playwright.sync_api import sync_playwright

from claim_support import OPED, catalog_by_id
from claimwatch.claims.catalog import load_catalogs
from claimwatch.alerts.compose import MARK, WORD
from claimwatch.claims.evaluate import evaluate_catalog
from claimwatch.claims.judge import overall, verdict_words
from claimwatch import pipeline
from claimwatch.site.build import build_site
from claimwatch.store import open_store

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "site"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
MARKS = {"holds": "✓ holds", "fails": "✗ fails", "unknown": "? unknown", "not_checkable": "– not checkable"}
OPED_DIR = Path("articles") / OPED  # the shipped article's folder in the site


@pytest.fixture(scope="module")
def site(built_db, tmp_path_factory) -> Path:
    """The site of the recorded store with every claim's history backfilled (an ingest stores current steps only)."""
    folder = tmp_path_factory.mktemp("site")
    db = shutil.copyfile(built_db, folder / built_db.name)
    with open_store(db) as store:
        pipeline.evaluate(store, load_catalogs(), backfill=True)
    with open_store(db, read_only=True) as store:
        return build_site(store.con, load_catalogs(), folder / "site", built_db.name).parent


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Debian's chromium is not installed at {CHROMIUM} (.ci/run installs it)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


def open_page(browser, url: str, width: int = 1280):
    page = browser.new_page(viewport={"width": width, "height": 900})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    page.wait_for_load_state("load")
    return page, errors


def broken_images(page) -> list[str]:
    return page.evaluate("[...document.images].filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src)")


def test_the_article_page_shows_every_claim_with_its_verdicts_and_charts(site, browser, built_con):
    catalog = catalog_by_id(OPED)
    expected = evaluate_catalog(built_con, catalog)
    page, errors = open_page(browser, (site / OPED_DIR / "index.html").as_uri())  # the index lists the articles
    for claim in catalog.claims:
        item = page.locator(f"li#{claim.id}")
        assert item.locator("blockquote").inner_text() == claim.sentence
        assert item.locator("h3").inner_text() == claim.title and claim.headline  # a plain headline, not the id
        rows = item.locator("ul.verdicts > li").all_inner_texts()
        wanted = []  # per mode: the verdict over all readings (when there are several), then each reading's
        for mode in ("as_stated", "latest"):
            own = [v for v in expected if v.claim_id == claim.id and v.mode == mode]
            if len(own) > 1:
                wanted.append((f"{MARK[overall(own)[0]]} {WORD[overall(own)[0]]}", own[0].period))
            wanted += [(f"{MARK[v.verdict]} {verdict_words(v)}", v.period) for v in own]
        assert len(rows) == len(wanted), claim.id
        for row, (mark, period) in zip(rows, wanted):
            assert mark in row and period in row, (row, mark)
    buyer = page.locator("li#mexico_largest_buyer").inner_text()
    assert "⇄ depends on the reading" in buyer and "✗ fails" in buyer and "✓ holds" in buyer
    assert "Mexico's $334.0 billion, $15.3 billion below Canada's $349.4 billion" in buyer  # present.py: whose, in words
    assert "Mexico's $839.9 billion, $77.8 billion above the next highest, Canada's $762.1 billion" in buyer
    assert "◐ holds over the 25.8 years the data cover, since October 1999 (claim: 30 years)" in \
        page.locator("li#lowest_illegal_crossings_30_years").inner_text()
    assert "as stated, calendar 2024; reading: by U.S. goods exports (what Mexico buys) (primary)" in \
        page.locator("li#mexico_largest_buyer ul.verdicts .verdict.fails").first.inner_text()  # caveat on the verdict
    assert page.locator("li#per_capita_mexicans_canadians_worldbank .through").inner_text() == \
        "Data through: February 2025 (census_trade); 2024 (worldbank_population)"  # per source
    assert page.locator("img").count() == 9 and broken_images(page) == []
    assert errors == []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "oped-article-desktop.png", full_page=False)
    phone, _ = open_page(browser, (site / OPED_DIR / "index.html").as_uri(), width=390)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than a phone screen
    phone.screenshot(path=ARTIFACTS / "oped-article-phone.png", full_page=False)


def test_every_link_between_pages_resolves(site, browser):
    seen, queue, external = set(), [(site / "index.html").as_uri()], set()
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        page, errors = open_page(browser, url)
        assert errors == [], (url, errors)
        assert broken_images(page) == [], url
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
            target, _ = urldefrag(href)
            parsed = urlparse(target)
            if (parsed.scheme == "file" and Path(parsed.path).suffix == ".html" and str(site) in parsed.path
                    and "/validation-docs/" not in parsed.path):
                assert Path(parsed.path).is_file(), f"{url} links to a missing page {target}"
                queue.append(target)
            else:
                external.add(target)
        page.close()
    catalogs = load_catalogs()
    assert len(seen) == 1 + len(catalogs) + sum(len(c.claims) for c in catalogs) + 6  # index, articles, claims, sources
    assert "https://www.census.gov/foreign-trade/balance/country.xlsx" in external  # source files, at the agency
    docs = [u for u in external if "/validation-docs/" in u]
    assert docs and all(Path(urlparse(u).path).is_file() and str(site) in u for u in docs)  # Data Docs, in the site


def test_a_claim_page_has_history_sql_sources_and_the_sentence(site, browser, built_con):
    page, errors = open_page(browser, (site / OPED_DIR / "claims" / "lowest_illegal_crossings_30_years.html").as_uri())
    text = page.inner_text("main")
    assert "new period: November 2024 -> August 2025" in text  # when it stopped holding, and why
    turns = page.locator("tr.turn").all_inner_texts()
    assert any("✗ fails" in t and "August 2025" in t for t in turns)
    assert "from cbp_southwest_encounters__monthly_latest" in page.inner_text("pre") or \
        "cbp_southwest_encounters__monthly_latest" in text
    sha = built_con.execute("select sha256 from raw_files where file_name = 'sbo-encounters-fy22-fy25-aug.csv'").fetchone()[0]
    assert sha in text
    assert "The data give 6,321 encounters for August 2025" in page.locator(".paste").last.inner_text()
    assert errors == [] and broken_images(page) == []
    page.screenshot(path=ARTIFACTS / "claim-desktop.png", full_page=True)
    phone, _ = open_page(browser, (site / OPED_DIR / "claims" / "lowest_illegal_crossings_30_years.html").as_uri(), width=390)
    phone.screenshot(path=ARTIFACTS / "claim-phone.png", full_page=False)


def test_a_source_page_lists_releases_validation_and_revisions(site, browser):
    page, errors = open_page(browser, (site / "sources" / "cbp_encounters.html").as_uri())
    rows = page.locator("tr[id]").all_inner_texts()
    assert len(rows) == 11 and all("published" in r and "passed (0 errors, 0 warnings)" in r for r in rows)
    assert any("revised" in r and "none (first" not in r for r in rows)
    assert page.locator("a", has_text="Data Docs").count() == 11
    assert errors == []


def test_a_site_reads_stored_steps_writes_nothing_and_names_what_awaits_backfill(built_db, tmp_path):
    db = shutil.copyfile(built_db, tmp_path / built_db.name)
    before = db.read_bytes()
    with open_store(db, read_only=True) as store:
        build_site(store.con, load_catalogs(), tmp_path / "site", db.name)
    assert db.read_bytes() == before
    page = (tmp_path / "site" / OPED_DIR / "claims" / "lowest_illegal_crossings_30_years.html").read_text()
    assert f"claimwatch backfill {OPED}/lowest_illegal_crossings_30_years" in page  # the ingest stored the current step only
    assert page.count("<tr class=\"turn\">") >= 1 and "August 2025" in page


def test_a_chart_is_drawn_again_only_when_what_it_shows_changed(built_db, tmp_path):
    out = tmp_path / "site"
    with open_store(built_db, read_only=True) as store:
        build_site(store.con, load_catalogs(), out, built_db.name)
        charts = out / OPED_DIR / "charts"
        kept, redrawn = charts / "mexico_exports_2024.png", charts / "lowest_illegal_crossings_30_years.png"
        assert kept.read_bytes().startswith(b"\x89PNG") and redrawn.read_bytes().startswith(b"\x89PNG")
        kept.write_bytes(b"the previous build's file")  # same key: the next build takes it as it is
        redrawn.write_bytes(b"stale")
        (charts / "lowest_illegal_crossings_30_years.key").write_text("a release since then")
        build_site(store.con, load_catalogs(), out, built_db.name)
    assert kept.read_bytes() == b"the previous build's file"
    assert redrawn.read_bytes().startswith(b"\x89PNG")


def _republish(store, source: str) -> str:
    """Publish the newest release of `source` again under a new id, row for row the same: a release that moves no point."""
    from claimwatch.sources import TABLES_BY_SOURCE

    old = store.con.execute("select release_id from releases where source = ? and status = 'published'"
                            " order by ingested_at desc limit 1", [source]).fetchone()[0]
    new = old.split("@")[0] + "-again@" + "0" * 12
    store.con.execute("insert into releases select * replace (? as release_id, 'staged' as status,"
                      " ingested_at + interval 1 second as ingested_at) from releases where release_id = ?", [new, old])
    for spec in TABLES_BY_SOURCE[source]:
        store.con.execute(f"insert into {spec.name} select * replace (? as release_id) from {spec.name}"
                          " where release_id = ?", [new, old])
    store.set_status(new, "published", None)
    return new


def test_a_release_that_moves_no_point_of_a_chart_draws_nothing_again(built_db, tmp_path):
    db = shutil.copyfile(built_db, tmp_path / built_db.name)
    out = tmp_path / "site"
    charts = out / OPED_DIR / "charts"
    with open_store(db) as store:
        build_site(store.con, load_catalogs(), out, db.name)
        key = (charts / "mexico_exports_2024.key").read_text()
        for name in ("png", "vintages.png"):
            (charts / f"mexico_exports_2024.{name}").write_bytes(b"the previous build's file")
        _republish(store, "census_trade")
        build_site(store.con, load_catalogs(), out, db.name)
    assert (charts / "mexico_exports_2024.key").read_text() == key  # the key is what the chart shows, not the release list
    assert (charts / "mexico_exports_2024.png").read_bytes() == b"the previous build's file"
    assert (charts / "mexico_exports_2024.vintages.png").read_bytes() == b"the previous build's file"


def _chart_text_px(page) -> list[tuple[str, float]]:
    """Each chart's smallest text as rendered: its size in the PNG (min-text-px) scaled to the image's shown width."""
    found = []
    for src, shown, natural in page.evaluate(
            "[...document.querySelectorAll('img.chart')].map(i => [i.currentSrc, i.clientWidth, i.naturalWidth])"):
        with Image.open(urlparse(src).path) as image:
            found.append((src, float(image.info["min-text-px"]) * shown / natural))
    return found


def _squeezed_cells(page) -> list[str]:
    """Table cells narrower than a third of their table (a column squeezed to a few characters)."""
    return page.evaluate("""[...document.querySelectorAll('td')].filter(td => td.offsetWidth
        < td.closest('table').offsetWidth / 3).map(td => td.innerText.slice(0, 40))""")


@pytest.mark.parametrize("width", [1280, 390])
def test_front_page_answers_what_changed_and_what_needs_attention(site, browser, width):
    page, errors = open_page(browser, (site / OPED_DIR / "index.html").as_uri(), width=width)  # the op-ed's own front
    changed = page.locator("section#changed").inner_text()
    assert "What changed since the last run?" in changed
    assert "first run" in changed and "24 release(s)" in changed  # the recorded store was written by one run
    needs = page.locator("section#attention ol.attention > li").all_inner_texts()
    kinds = page.locator("section#attention ol.attention > li").evaluate_all("ls => ls.map(l => l.className)")
    assert kinds[:3] == ["correction", "correction", "clarification"]
    assert needs[0].startswith("Correction needed: Mexico is the largest buyer of U.S. goods")
    assert any(t.startswith("Update: June 2025: the fewest border encounters on record") and "July 2025" in t
               for t in needs)
    order = ["correction", "clarification", "update", "close", "overdue"]
    assert kinds == sorted(kinds, key=order.index) and "update" in kinds
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # no horizontal scroll
    texts = _chart_text_px(page)
    assert len(texts) == 9 and all(px >= 10 for _, px in texts), texts
    if width == 390:
        assert all(src.endswith(".phone.png") for src, _ in texts)
    assert errors == []


def test_a_claim_page_has_the_revision_ladder_and_stacks_its_tables_on_a_phone(site, browser):
    url = (site / OPED_DIR / "claims" / "june_2025_vs_2021_2024_average.html").as_uri()
    desktop, errors = open_page(browser, url)
    ladder = desktop.locator("section#vintages")
    rows = ladder.locator("table.vintages tbody tr").all_inner_texts()
    assert len(rows) == 11  # every CBP nationwide release changed the series
    assert rows[0].startswith("cbp_encounters fy22-fy25 (data through September 2025)") and "25,185 encounters" in rows[0]
    assert sum("not yet published" in r for r in rows) == 10  # June 2025 is in the newest file only
    assert desktop.locator("img.ladder").evaluate("i => i.naturalWidth") == 660 and broken_images(desktop) == []
    assert _squeezed_cells(desktop) != []  # on a desktop, the history table has many narrow columns
    desktop.screenshot(path=ARTIFACTS / "claim-vintages-desktop.png", full_page=True)
    phone, _ = open_page(browser, url, width=390)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert _squeezed_cells(phone) == []  # stacked: every cell has the table's width
    assert phone.locator("table.vintages td").first.evaluate("td => getComputedStyle(td).display") == "block"
    texts = _chart_text_px(phone)
    assert [Path(urlparse(s).path).name for s, _ in texts] == [
        "june_2025_vs_2021_2024_average.phone.png", "june_2025_vs_2021_2024_average.vintages.phone.png"]
    assert all(px >= 10 for _, px in texts), texts
    phone.locator("section#vintages").screenshot(path=ARTIFACTS / "claim-vintages-phone.png")
    assert errors == []


def test_the_ladder_and_its_series_are_read_back_not_queried_again(built_db, tmp_path):
    out = tmp_path / "site"
    with open_store(built_db, read_only=True) as store:
        build_site(store.con, load_catalogs(), out, built_db.name)
        cache = out / OPED_DIR / "charts" / "mexico_exports_2024.vintages.json"
        doc = json.loads(cache.read_text())
        newest = max(doc["vintages"], key=lambda rid: rid.startswith("census_trade/2025-04"))
        doc["vintages"][newest] = [doc["vintages"][newest][0], "value", [2024], [999.5]]  # a planted figure
        cache.write_text(json.dumps(doc))
        (out / OPED_DIR / "charts" / "mexico_exports_2024.key").write_text("changed")  # redraw the charts from the series
        build_site(store.con, load_catalogs(), out, built_db.name)
    page = (out / OPED_DIR / "claims" / "mexico_exports_2024.html").read_text()
    assert "999.5" in page  # the stored series was used for a release already seen


def test_the_ladder_reads_only_the_newest_vintages_so_a_build_stays_flat(built_db, tmp_path, monkeypatch):
    """A ladder keeps the newest LADDER_VINTAGES of a claim's vintages (its series cache too), and says so."""
    from claimwatch.site import build, gather

    monkeypatch.setattr(gather, "LADDER_VINTAGES", 4)
    monkeypatch.setattr(build, "LADDER_VINTAGES", 4)
    out = tmp_path / "site"
    with open_store(built_db, read_only=True) as store:
        build_site(store.con, load_catalogs(), out, built_db.name)
        every = store.con.execute("select count(*) from releases where source = 'cbp_encounters' and status = 'published'").fetchone()[0]
    doc = json.loads((out / OPED_DIR / "charts" / "june_2025_lowest_nationwide_encounters.vintages.json").read_text())
    assert len(doc["vintages"]) == 4 < every
    page = (out / OPED_DIR / "claims" / "june_2025_lowest_nationwide_encounters.html").read_text()
    assert f"among its newest 4 of {every} stored vintages" in page
    assert 0 < page.count('data-label="as published in release"') <= 4
