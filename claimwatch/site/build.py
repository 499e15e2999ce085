"""Write the claims status site: index, one page per claim, one per source, charts and a stylesheet.

Static files only (opens from disk or any static host); links between pages are relative. A new build is
written beside the old one and swapped in, so a reader never sees half a site.
"""

from __future__ import annotations

import os
import shutil
from datetime import date, datetime, timezone
from pathlib import Path

import duckdb
from jinja2 import Environment, PackageLoader, select_autoescape

from claimwatch import present
from claimwatch.alerts.states import alert_states
from claimwatch.verdict_text import MARK, MODE, WORD, figure_line, paste_ready, verdict_text
from claimwatch.claims.judge import verdict_words
from claimwatch.claims.catalog import Catalog, indicator_sql
from claimwatch.site.alert_state import newest_alert_words, state_words
from claimwatch.site.datadocs import site_folder
from claimwatch.site.enrich import enrich_site
from claimwatch.site.front import attention, last_run
from claimwatch.site.gather import LADDER_VINTAGES, claim_pages, source_pages
from claimwatch.sources.origin import published_text
from claimwatch.sources.base import period_text

DEFAULT_SITE = Path("data") / "site"


def site_dir(explicit: str | Path | None = None, db: str | Path | None = None) -> Path:
    """The site folder: explicit, else $CLAIMWATCH_SITE, else the store's own beside it (data/site, data/<name>-site)."""
    if explicit or os.environ.get("CLAIMWATCH_SITE"):
        return Path(explicit or os.environ["CLAIMWATCH_SITE"])
    return site_folder(db) if db else DEFAULT_SITE


def _environment() -> Environment:
    """Every figure a template prints goes through claimwatch/present.py, from the verdict's stored numbers."""
    env = Environment(loader=PackageLoader("claimwatch.site", "templates"), autoescape=select_autoescape())
    env.globals.update(
        mark=verdict_text, mode=lambda v: MODE[v.mode], figure=figure_line, modename=MODE.get, sign=MARK.get, word=WORD.get,
        words=verdict_words, sql=indicator_sql, caveat=caveat, published=published_text,
        paste=lambda claim, v: paste_ready(claim, v)[0], footer=present.footer,
        through=lambda row: period_text(row.get("data_through"), row.get("grain", "month")),
        editors=state_words, newest_alert=newest_alert_words, ladder_limit=LADDER_VINTAGES,
    )
    return env


def caveat(v) -> str:
    """What a verdict is said of, to print on the verdict itself: the mode and period, and the reading."""
    reading = f"; reading: {v.reading_label}{' (primary)' if v.primary else ''}" if v.reading else ""
    return f"{MODE[v.mode]}, {v.period}{reading}"


def build_site(con: duckdb.DuckDBPyConnection, catalogs: list[Catalog], out: Path, store_name: str = "",
               today: date | None = None) -> Path:
    """Build the site for the (first) catalog into `out`; return the index page (`today` decides what is overdue and
    which claims are muted)."""
    out = Path(out)
    staging = out.with_name(out.name + ".building")
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "claims").mkdir(parents=True)
    (staging / "sources").mkdir()
    (staging / "charts").mkdir()
    catalog = catalogs[0]
    pages, sources = claim_pages(con, catalog, previous_charts=out / "charts"), source_pages(con)
    enrich_site(con, catalog, pages, sources, staging)
    env = _environment()
    common = {"article": catalog.article, "built": f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC",
              "store": store_name, "sources": sources}
    verdicts = [code for p in pages for _, code, _, _ in p.modes]
    counts = [(w, verdicts.count(w)) for w in MARK if w and verdicts.count(w)]
    current = [v for p in pages for v in p.verdicts]
    today = today or date.today()
    run, needs = last_run(con, catalog, current), attention(con, catalog, current, today)
    states = {claim_id: state for (article_id, claim_id), state in alert_states(con, today).items()
              if article_id in ("", catalog.article_id)}  # '': a mute migrated without its article
    titles = {p.claim.id: p.claim.title for p in pages}
    (staging / "index.html").write_text(env.get_template("index.html").render(
        root="", pages=pages, counts=counts, run=run, attention=needs, titles=titles, states=states,
        claims={p.claim.id: p.claim for p in pages}, **common))
    for page in pages:
        for name, data in page.images.items():
            (staging / "charts" / f"{page.claim.id}.{name}").write_bytes(data)
        if page.chart:
            (staging / "charts" / f"{page.claim.id}.key").write_text(page.chart_key)
        (staging / "claims" / f"{page.claim.id}.html").write_text(
            env.get_template("claim.html").render(root="../", page=page, state=states.get(page.claim.id), **common))
    for source in sources:
        (staging / "sources" / f"{source.name}.html").write_text(
            env.get_template("source.html").render(root="../", page=source, **common))
    shutil.copy(Path(__file__).parent / "templates" / "style.css", staging / "style.css")
    old = out.with_name(out.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if out.exists():
        out.rename(old)
    staging.rename(out)
    shutil.rmtree(old, ignore_errors=True)
    return out / "index.html"
