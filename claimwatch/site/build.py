"""Write the claims status site: an index of the articles, a section per article with a page per claim (site/articles.py),
one page per source (shared by every article), and a stylesheet.

Static files only (opens from disk or any static host); links between pages are relative. A new build is
written beside the old one and swapped in, so a reader never sees half a site.
"""

from __future__ import annotations

import os
import shutil
from functools import cache
from datetime import date, datetime, timezone
from pathlib import Path

import duckdb
from jinja2 import Environment, FileSystemBytecodeCache, PackageLoader, select_autoescape

from claimwatch import present
from claimwatch.alerts.states import alert_states
from claimwatch.verdict_text import MARK, MODE, WORD, figure_line, paste_ready, verdict_text
from claimwatch.claims.judge import verdict_words
from claimwatch.claims.catalog import Catalog, indicator_sql
from claimwatch.site.alert_state import claim_state, newest_alert_words, state_words
from claimwatch.site.articles import gather_article, site_answers, verdict_counts, write_article, write_charts
from claimwatch.site.drawing import Drawing
from claimwatch.site.datadocs import site_folder
from claimwatch.site.enrich import enrich_sources, write_claimreviews
from claimwatch.site.gather import LADDER_VINTAGES, source_pages
from claimwatch.sources.origin import published_text
from claimwatch.sources.base import period_text

DEFAULT_SITE = Path("data") / "site"


def site_dir(explicit: str | Path | None = None, db: str | Path | None = None) -> Path:
    """The site folder: explicit, else $CLAIMWATCH_SITE, else the store's own beside it (data/site, data/<name>-site)."""
    if explicit or os.environ.get("CLAIMWATCH_SITE"):
        return Path(explicit or os.environ["CLAIMWATCH_SITE"])
    return site_folder(db) if db else DEFAULT_SITE


@cache
def _templates() -> Environment:
    """The templates, loaded once per process; compiled ones are kept in Jinja's own cache folder (in the system's
    temporary folder, checked against each template's text), so a build in a new process does not compile them
    again (0.2 s)."""
    return Environment(loader=PackageLoader("claimwatch.site", "templates"), autoescape=select_autoescape(),
                       bytecode_cache=FileSystemBytecodeCache())


def _environment() -> Environment:
    """Every figure a template prints goes through claimwatch/present.py, from the verdict's stored numbers."""
    env = _templates()
    env.globals.update(
        mark=verdict_text, mode=lambda v: MODE[v.mode], figure=figure_line, modename=MODE.get, sign=MARK.get, word=WORD.get,
        words=verdict_words, sql=indicator_sql, caveat=caveat, published=published_text,
        paste=lambda claim, v: paste_ready(claim, v)[0], footer=present.footer,
        through=lambda row: period_text(row.get("data_through"), row.get("grain", "month")),
        editors=state_words, newest_alert=newest_alert_words, state_of=claim_state, ladder_limit=LADDER_VINTAGES,
    )
    return env


def caveat(v) -> str:
    """What a verdict is said of, to print on the verdict itself: the mode and period, and the reading."""
    reading = f"; reading: {v.reading_label}{' (primary)' if v.primary else ''}" if v.reading else ""
    return f"{MODE[v.mode]}, {v.period}{reading}"


def write_pages(con: duckdb.DuckDBPyConnection, articles: list, staging: Path, store_name: str, today: date) -> None:
    """Write every page of the site (not its charts) into the folder being built."""
    linked = {f["release_id"] for art in articles for page in art.pages for f in page.files}
    sources, states = source_pages(con, linked), alert_states(con, today)
    enrich_sources(con, sources, staging, today)
    env = _environment()
    common = {"built": f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC", "store": store_name, "sources": sources}
    reviews = [r for art in articles for r in write_article(env, con, staging, art, states, common)]
    write_claimreviews(reviews, staging)
    run, changes, needs = site_answers(articles)
    single = articles[0] if len(articles) == 1 else None
    (staging / "index.html").write_text(env.get_template("index.html").render(
        root="", articles=articles, single=single, art=single, counts=verdict_counts([p for a in articles for p in a.pages]),
        run=run, changes=changes, alerts=run.alerts, needs=needs, states=states, listed=single is not None,
        several=single is None, **common))
    for source in sources:
        (staging / "sources" / f"{source.name}.html").write_text(
            env.get_template("source.html").render(root="../", page=source, art=None, **common))


def build_site(con: duckdb.DuckDBPyConnection, catalogs: list[Catalog], out: Path, store_name: str = "",
               today: date | None = None) -> Path:
    """Build the site of every catalog into `out`; return the index page (`today` decides what is overdue and which
    claims are muted)."""
    out = Path(out)
    staging = out.with_name(out.name + ".building")
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "sources").mkdir(parents=True)
    today = today or date.today()
    with Drawing() as drawing:  # new charts are drawn in worker processes while the pages are read and written
        articles = [gather_article(con, catalog, out, today, drawing) for catalog in catalogs]
        write_pages(con, articles, staging, store_name, today)
        drawing.finish()
    for art in articles:
        write_charts(staging, art)
    shutil.copy(Path(__file__).parent / "templates" / "style.css", staging / "style.css")
    old = out.with_name(out.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if out.exists():
        out.rename(old)
    staging.rename(out)
    shutil.rmtree(old, ignore_errors=True)
    return out / "index.html"
