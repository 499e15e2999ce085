"""One article's part of the status site: its claims, what changed and what needs attention, and its pages.

Claim ids are unique within an article, not across articles, so everything of a claim lives in its article's
folder, articles/<article_id>/: index.html (the article's section: its answers and every claim), claims/<id>.html
(alerts/links.py's CLAIM_PAGE, which alerts link to), charts/ (each chart with the `.key` the next build reads to
keep it) and downloads/. Source pages and Data Docs are shared by every article, at the site's root.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import quote

import duckdb
from jinja2 import Environment

from claimwatch.alerts.links import claim_path
from claimwatch.claims.catalog import Catalog, Claim
from claimwatch.site.alert_state import claim_state
from claimwatch.site.enrich import enrich_claims
from claimwatch.site.front import ATTENTION, Attention, Change, LastRun, attention, last_run
from claimwatch.site.drawing import Drawing
from claimwatch.site.gather import ClaimPage, claim_pages
from claimwatch.verdict_text import MARK

ARTICLES = "articles"  # folder inside the site


def article_folder(article_id: str) -> str:
    """The article's folder relative to the site's root, with a trailing slash."""
    return f"{ARTICLES}/{article_id}/"


@dataclass
class ArticleSite:
    """One article of the site: its claim pages and the front page's two answers for it."""

    catalog: Catalog
    pages: list[ClaimPage]
    run: LastRun
    attention: list[Attention]

    @property
    def id(self) -> str:
        return self.catalog.article_id

    @property
    def article(self) -> dict:
        return self.catalog.article

    @property
    def folder(self) -> str:
        return article_folder(self.id)

    @property
    def href(self) -> str:
        """The article's section, relative to the site's root."""
        return f"{ARTICLES}/{quote(self.id)}/index.html"

    def claim_href(self, claim_id: str) -> str:
        """A claim's page, relative to the site's root."""
        return claim_path(self.id, claim_id)

    @property
    def claims(self) -> dict[str, Claim]:
        return {p.claim.id: p.claim for p in self.pages}

    @property
    def titles(self) -> dict[str, str]:
        return {p.claim.id: p.claim.title for p in self.pages}

    @property
    def counts(self) -> list[tuple[str, int]]:
        """How many verdicts (per claim and mode) of each kind, in the order of the marks."""
        return verdict_counts(self.pages)

    def tally(self, *kinds: str) -> int:
        """How many of its claims need attention of these kinds ('correction', 'update', …; none: any)."""
        return sum(1 for a in self.attention if not kinds or a.kind in kinds)

    @property
    def changes(self) -> list[tuple[ArticleSite, Change]]:
        return [(self, c) for c in self.run.changes]

    @property
    def needs(self) -> list[tuple[ArticleSite, Attention]]:
        return [(self, a) for a in self.attention]

    @property
    def alerts(self) -> list[dict]:
        """The last run's alerts about this article (or about no article: a source's problem)."""
        return [a for a in self.run.alerts if a.get("article_id") in (None, self.id)]


def verdict_counts(pages: list[ClaimPage]) -> list[tuple[str, int]]:
    """How many verdicts (per claim and mode) of each kind, in the order of the marks."""
    verdicts = [code for p in pages for _, code, _, _ in p.modes]
    return [(w, verdicts.count(w)) for w in MARK if w and verdicts.count(w)]


def gather_article(con: duckdb.DuckDBPyConnection, catalog: Catalog, previous: Path, today: date,
                   drawing: Drawing | None = None) -> ArticleSite:
    """The article's claim pages (charts kept from the previous build at `previous`, the site being replaced, when
    unchanged; new ones handed to `drawing`), what its last run changed and which claims need attention."""
    pages = claim_pages(con, catalog, previous_charts=previous / article_folder(catalog.article_id) / "charts",
                        drawing=drawing)
    current = [v for p in pages for v in p.verdicts]
    return ArticleSite(catalog, pages, last_run(con, catalog, current), attention(con, catalog, current, today))


def site_answers(articles: list[ArticleSite]) -> tuple[LastRun, list, list]:
    """The index's answers over every article: the last run (that of the article evaluated most recently before it,
    so an article added since reads as new, not the site), every article's changes, and its attention list (most
    urgent first, articles in order within a kind)."""
    known = [a.run for a in articles if a.run.since is not None]
    run = max(known, key=lambda r: r.since) if known else articles[0].run
    changes = [pair for a in articles for pair in a.changes]
    needs = sorted((pair for a in articles for pair in a.needs), key=lambda pair: ATTENTION.index(pair[1].kind))
    return run, changes, needs


def write_article(env: Environment, con: duckdb.DuckDBPyConnection, site: Path, art: ArticleSite, states: dict,
                  common: dict) -> list[dict]:
    """Write the article's folder into `site` (the folder being built): its section, claim pages and downloads
    (its charts: write_charts); return its ClaimReviews."""
    folder = site / art.folder
    (folder / "claims").mkdir(parents=True)
    reviews = enrich_claims(con, art.catalog, art.pages, site, art.folder)
    for page in art.pages:
        (folder / "claims" / f"{page.claim.id}.html").write_text(env.get_template("claim.html").render(
            root="../../../", art=art, page=page, state=claim_state(states, art.id, page.claim.id), **common))
    (folder / "index.html").write_text(env.get_template("article.html").render(
        root="../../", art=art, run=art.run, changes=art.changes, alerts=art.alerts, needs=art.needs,
        states=states, listed=True, several=False, **common))
    return reviews


def write_charts(site: Path, art: ArticleSite) -> None:
    """Write the article's charts into `site` (once the build's drawing has finished them), each with its key."""
    folder = site / art.folder / "charts"
    folder.mkdir(parents=True)
    for page in art.pages:
        for name, data in page.images.items():
            (folder / f"{page.claim.id}.{name}").write_bytes(data)
        if page.chart:
            (folder / f"{page.claim.id}.key").write_text(page.chart_key)
