"""Provenance that survives hosting: agency URLs, bundled Data Docs, downloads, filled SQL, ClaimReview, source pages.

The site is built from the recorded store, then moved to another folder (as a host would receive it) before it is
read. The Chromium test serves the moved folder over local HTTP at 390 px and downloads a claim's CSV.
"""

from __future__ import annotations

import csv
import functools
import html
import io
import json
import re
import shutil
import subprocess
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from playwright.sync_api import sync_playwright

from claim_support import OPED, catalog_by_id
from claimwatch.claims.catalog import load_catalogs
from claimwatch.claims.steps import current_verdicts
from claimwatch.site.build import build_site, site_dir
from claimwatch.store import open_store

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "site"
DUCKDB_CLI = Path(sys.executable).with_name("duckdb")
HREF = re.compile(r'href="([^"]+)"')
OPED_DIR = Path("articles") / OPED  # the shipped article's folder in the site


@pytest.fixture(scope="module")
def hosted(built_db, tmp_path_factory) -> Path:
    """The recorded store's site, built beside a copy of the store and then moved elsewhere (as a host gets it)."""
    folder = tmp_path_factory.mktemp("built")
    with open_store(built_db, read_only=True) as store:
        build_site(store.con, load_catalogs(), folder / "site", built_db.name)
    moved = tmp_path_factory.mktemp("hosted") / "public"
    shutil.move(folder / "site", moved)
    return moved


def text_files(site: Path) -> list[Path]:
    return [p for p in site.rglob("*") if p.is_file() and p.suffix in (".html", ".json", ".csv", ".css", ".js")]


def test_files_carry_agency_urls_and_publication_dates_and_no_local_path(hosted, shared_data):
    leaks = [str(p.relative_to(hosted)) for p in text_files(hosted) if "file://" in p.read_text(errors="replace")]
    assert leaks == []
    claim = (hosted / OPED_DIR / "claims" / "mexico_exports_2024.html").read_text()
    assert 'href="https://www.census.gov/foreign-trade/balance/country.xlsx"' in claim
    assert "April 2025" in claim  # the 2025-04 vintage's release month, beside the day claimwatch fetched it
    source = (hosted / "sources" / "cbp_encounters.html").read_text()
    provenance = (shared_data / "PROVENANCE.md").read_text()
    url = re.search(r"\*\*Publisher / original URL:\*\* (\S+fy21-fy24-apr-state\.csv)", provenance).group(1)
    assert f'href="{url}"' in source and "published May 2024" in source  # "published ~2024-05" in PROVENANCE.md


def test_bundled_data_docs_links_resolve_inside_the_moved_site(hosted, built_con):
    page = hosted / "sources" / "cbp_encounters.html"
    links = re.findall(r'class="data-docs" href="([^"]+)"', page.read_text())
    assert links and all(not urlsplit(link).scheme for link in links)
    targets = {(page.parent / unquote(link)).resolve() for link in links}
    assert all(t.is_file() and t.is_relative_to(hosted.resolve()) for t in targets)
    releases = built_con.execute("select count(*) from releases where source = 'cbp_encounters'").fetchone()[0]
    indexes = [t for t in targets if t.name == "index.html"]
    assert len(indexes) == 1 and releases == 11  # one run validated every release: its Data Docs, copied once
    rows_pages = [link for link in links if "/rows/" in link]
    assert len(rows_pages) == releases  # each release links its own validation page


def test_the_csv_download_equals_the_verdicts_figures(hosted, built_con):
    catalog = catalog_by_id(OPED)
    verdicts, _ = current_verdicts(built_con, catalog)
    for claim_id in ("mexico_largest_buyer", "lowest_illegal_crossings_30_years"):
        page = (hosted / OPED_DIR / "claims" / f"{claim_id}.html").read_text()
        assert f'href="../../../{OPED_DIR}/downloads/{claim_id}.csv"' in page  # from the site's root: the article's own
        assert f'href="../../../{OPED_DIR}/downloads/{claim_id}.json"' in page
        rows = list(csv.DictReader(io.StringIO((hosted / OPED_DIR / "downloads" / f"{claim_id}.csv").read_text())))
        got = {(r["mode"], r["reading"], r["figure"]): float(r["value"]) for r in rows}
        own = [v for v in verdicts if v.claim_id == claim_id]
        want = {(v.mode, v.reading or "", name): value for v in own
                for name, value in [("observed", v.observed), ("claimed", v.claimed), ("margin", v.margin),
                                    *(v.figures or {}).items()] if value is not None}
        assert got == want and len(got) >= 6
        doc = json.loads((hosted / OPED_DIR / "downloads" / f"{claim_id}.json").read_text())
        assert [d["observed"] for d in doc["verdicts"]] == [v.observed for v in own]


def test_the_filled_sql_runs_in_the_duckdb_cli_and_returns_the_figure(hosted, built_db, built_con):
    catalog = catalog_by_id(OPED)
    verdicts, _ = current_verdicts(built_con, catalog)
    checked = 0
    for claim_id in ("mexico_exports_2024", "lowest_illegal_crossings_30_years", "mexico_china_ratio_2024"):
        doc = json.loads((hosted / OPED_DIR / "downloads" / f"{claim_id}.json").read_text())
        page = (hosted / OPED_DIR / "claims" / f"{claim_id}.html").read_text()
        for query, verdict in zip(doc["sql"], [v for v in verdicts if v.claim_id == claim_id]):
            assert "$" not in query["sql"].split("\n", 1)[1]  # every parameter written in
            assert query["sql"] in html.unescape(page)  # shown on the page as well
            out = subprocess.run([DUCKDB_CLI, "-readonly", "-json", str(built_db), "-c", query["sql"]],
                                 capture_output=True, text=True, check=True).stdout
            rows = json.loads(out)
            values = [v for row in rows for v in row.values() if isinstance(v, (int, float))]
            assert any(abs(v - verdict.observed) < 1e-9 * max(1, abs(verdict.observed)) for v in values), query["what"]
            checked += 1
    assert checked == 6  # three claims, as stated and latest


def test_the_latest_period_is_found_once_for_readings_that_share_an_indicator_and_query(built_con):
    """A build finds each (indicator, latest query) answer once (filled_sql.mode_params' memo): the same SQL as
    finding it for every reading, with fewer queries than readings."""
    from claimwatch.site.downloads import claim_queries

    memo, readings = {}, 0
    for catalog in load_catalogs():
        for claim in catalog.claims:
            assert claim_queries(built_con, claim, ["as_stated", "latest"], memo) == \
                claim_queries(built_con, claim, ["as_stated", "latest"])
            readings += sum(1 for r in claim.readings if claim.latest and r.indicator and r.observe)
    assert 0 < len(memo) < readings and any(memo.values())


def json_ld(page: str) -> dict:
    return json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1))


def test_every_claim_page_carries_a_claimreview_with_the_required_properties(hosted):
    catalogs = load_catalogs()
    site_wide = json.loads((hosted / "claimreviews.json").read_text())
    assert len(site_wide) == sum(len(c.claims) for c in catalogs)  # every claim of every article
    by_url = {r["url"]: r for r in site_wide}
    for catalog in catalogs:
        folder = Path("articles") / catalog.article_id
        for claim in catalog.claims:
            review = json_ld((hosted / folder / "claims" / f"{claim.id}.html").read_text())
            assert review == by_url[f"{folder}/claims/{claim.id}.html"]
            assert review["@type"] == "ClaimReview" and review["@context"] == "https://schema.org"
            assert review["claimReviewed"] == claim.sentence
            assert review["datePublished"] <= review["dateModified"]
            item = review["itemReviewed"]
            assert item["@type"] == "Claim" and item["appearance"]["headline"] == catalog.article["title"]
            assert item["author"]["name"] == catalog.article["author"]
            rating = review["reviewRating"]
            assert rating["alternateName"] and rating["worstRating"] == 1 and rating["bestRating"] == 5
            assert "ratingValue" not in rating or 1 <= rating["ratingValue"] <= 5
    catalog = catalog_by_id(OPED)
    ratings = {r["claimReviewed"]: r["reviewRating"] for r in site_wide}
    largest = ratings[catalog.claim("mexico_largest_buyer").sentence]
    assert largest["alternateName"] == "Depends on the reading" and largest["ratingValue"] == 3


def test_source_pages_list_revisions_on_real_vintages(hosted, built_con):
    page = (hosted / "sources" / "cbp_encounters.html").read_text()
    rows = {m.group(1): m.group(2) for m in re.finditer(r'<tr id="cbp_encounters/([^@]+)@[^"]*">(.*?)</tr>', page, re.S)}
    assert "none (first release of its periods)" in rows["fy20-fy23"]  # the first vintage stored
    # fy22-fy25 changed nothing in the months it shares with fy21-fy24 (PROVENANCE.md: every overlapping month equal)
    assert "first release" not in rows["fy22-fy25"] and "36 periods it shares with fy21-fy24 is unchanged" in rows["fy22-fy25"]
    old, new, month = built_con.execute(
        "select old_encounter_count, new_encounter_count, strftime(month, '%Y-%m') from cbp_encounters__monthly_revisions"
        " where new_release_id like 'cbp_encounters/fy21-fy24@%' and change = 'revised'"
        " order by abs(new_encounter_count - old_encounter_count) desc limit 1").fetchone()
    assert f"{month} · " in rows["fy21-fy24"] and f"{old:,} → {new:,}" in rows["fy21-fy24"]
    assert "386 revised, 10 added, 34 removed values in 8 periods" in rows["fy21-fy24"]
    assert re.search(r"Next release expected: data for October 2025 around 2025-11-\d\d", page)
    drugs = (hosted / "sources" / "cbp_drug_seizures.html").read_text()
    assert drugs.count("none (first release of its periods)") == 2  # FY19-22 and FY23-26 share no month
    # Census revisions at the unit the FT-900 publishes: $ millions to one decimal, not the stored dollars
    old, new = built_con.execute(
        "select old_value_usd, new_value_usd from census_trade__monthly_revisions where change = 'revised'"
        " and new_release_id like 'census_trade/2020-10@%' order by abs(new_value_usd - old_value_usd) desc limit 1").fetchone()
    census = (hosted / "sources" / "census_trade.html").read_text()
    assert f"${old / 1e6:,.1f}M → ${new / 1e6:,.1f}M (+$" in census or f"${old / 1e6:,.1f}M → ${new / 1e6:,.1f}M (-$" in census
    assert f"{old:,} →" not in census


def test_two_stores_beside_each_other_get_their_own_sites(built_db, tmp_path):
    assert site_dir(None, tmp_path / "claimwatch.duckdb") == tmp_path / "site"
    assert site_dir(None, tmp_path / "other.duckdb") == tmp_path / "other-site"
    for name in ("claimwatch.duckdb", "other.duckdb"):
        shutil.copyfile(built_db, tmp_path / name)
        subprocess.run([Path(sys.executable).with_name("claimwatch"), "site", "--db", str(tmp_path / name)],
                       check=True, capture_output=True, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert "claimwatch.duckdb" in (tmp_path / "site" / "index.html").read_text()
    assert "other.duckdb" in (tmp_path / "other-site" / "index.html").read_text()


def test_a_phone_downloads_the_csv_from_the_hosted_site(hosted):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Debian's chromium is not installed at {CHROMIUM}")
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(hosted))
    handler.log_message = lambda *a: None
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 390, "height": 844}, accept_downloads=True)
            page.goto(f"http://127.0.0.1:{server.server_port}/{OPED_DIR}/claims/mexico_exports_2024.html")
            link = page.locator("a[download]", has_text="CSV")
            link.scroll_into_view_if_needed()
            with page.expect_download() as info:
                link.click()
            text = Path(info.value.path()).read_text()
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=ARTIFACTS / "claim-provenance-phone.png", full_page=False)
            browser.close()
    finally:
        server.shutdown()
    rows = list(csv.DictReader(io.StringIO(text)))
    observed = [r for r in rows if r["mode"] == "as_stated" and r["figure"] == "observed"]
    assert observed and observed[0]["text"] == "$334.0 billion"  # PROVENANCE.md: Mexico 2024 exports 334,041.4 ($M)


def test_a_source_page_lists_its_newest_releases_and_those_claims_link_to(built_db, tmp_path, monkeypatch):
    """A build reads a bounded number of releases per source (SOURCE_ROWS), so its cost stays flat as vintages pile up;
    an older release a claim page links to is still listed, and the page says how many it leaves out."""
    from claimwatch.site import gather

    monkeypatch.setattr(gather, "SOURCE_ROWS", 1)
    out = tmp_path / "site"
    with open_store(built_db, read_only=True) as store:
        build_site(store.con, load_catalogs(), out, built_db.name)
        every = store.con.execute("select count(*) from releases where source = 'cbp_encounters'").fetchone()[0]
        newest = store.con.execute("select release_id from releases where source = 'cbp_encounters'"
                                   " order by data_through desc, release_label desc limit 1").fetchone()[0]
    page = (out / "sources" / "cbp_encounters.html").read_text()
    listed = set(re.findall(r'<tr id="(cbp_encounters/[^"]+)">', page))
    linked = {unquote(h.split("#", 1)[1]) for f in (out / OPED_DIR / "claims").glob("*.html")
              for h in HREF.findall(f.read_text()) if "sources/cbp_encounters.html#" in h}
    assert linked - {newest}, "claims link to an older cbp_encounters release too (fy20-fy23, judged as stated)"
    assert newest in listed and linked <= listed and len(listed) < every
    assert f"{every - len(listed)} older release" in page and "claimwatch releases --source cbp_encounters" in page
    assert f"cbp_encounters</a> ({every} releases)" in (out / "index.html").read_text()


def test_a_source_page_reads_the_shared_periods_kept_at_publication(built_db, tmp_path):
    """The periods an unchanged release shares with earlier vintages come from release_coverage, kept as releases
    are published (test_store checks it equals a recomputation), not from comparing vintages at build time; a release
    taken back re-derives them, and the page then names the vintage before it."""
    copy, out = tmp_path / "copy.duckdb", tmp_path / "site"
    shutil.copy(built_db, copy)
    with open_store(copy) as store:
        rid, earlier = store.con.execute(
            "select c.release_id, c.earlier_release_id from release_coverage as c join releases as r using (release_id)"
            " where r.release_label = 'fy22-fy25' and c.table_name = 'cbp_encounters__monthly'").fetchone()
        store.con.execute("update release_coverage set shared = 35 where release_id = ?", [rid])  # planted
        build_site(store.con, load_catalogs(), out, copy.name)
        assert "35 periods it shares with fy21-fy24" in (out / "sources" / "cbp_encounters.html").read_text()
        store.set_status(earlier, "quarantined", "taken back in a test")
        now = store.con.execute("select r.release_label, c.shared from release_coverage as c join releases as r"
                                " on r.release_id = c.earlier_release_id where c.release_id = ?", [rid]).fetchone()
        assert now == ("fy21-fy24-may", 32)  # the vintage before the one taken back (through May 2024), recomputed
        build_site(store.con, load_catalogs(), out, copy.name)
        assert "35 periods" not in (out / "sources" / "cbp_encounters.html").read_text()
