"""Add provenance to a site being built: agency URLs, bundled Data Docs, downloads, filled SQL, ClaimReview, source details."""

from __future__ import annotations

import json
import os
from datetime import date, datetime, timezone
from pathlib import Path

import duckdb

from claimwatch.claims.catalog import Catalog
from claimwatch.site.claimreview import claim_review, json_ld
from claimwatch.site.datadocs import bundle_data_docs
from claimwatch.site.downloads import write_claim_files
from claimwatch.sources.origin import annotate_files
from claimwatch.site.source_details import add_source_details

CLAIMREVIEWS = "claimreviews.json"


def review_dates(con: duckdb.DuckDBPyConnection, article_id: str) -> dict[str, tuple[str, str]]:
    """Per claim: when claimwatch first judged it and when its newest stored step was made (ISO 8601)."""
    rows = con.execute("select claim_id, min(evaluated_at), max(evaluated_at) from claim_steps where article_id = ?"
                       " group by claim_id", [article_id]).fetchall()
    return {claim: (first.isoformat(timespec="seconds"), last.isoformat(timespec="seconds")) for claim, first, last in rows}


def enrich_site(con: duckdb.DuckDBPyConnection, catalog: Catalog, pages: list, sources: list, site: Path,
                site_url: str | None = None, today: date | None = None) -> None:
    """Write the provenance files into `site` (the folder being built) and attach what the templates show:
    `page.provenance` on each claim page, `docs_index`/`docs_pages`, `revision_text`, `largest`, `warning_texts`
    on each release and `next_release` on each source page."""
    site_url = site_url if site_url is not None else os.environ.get("CLAIMWATCH_SITE_URL") or None
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    for page in pages:
        annotate_files(con, page.files)
    releases = [r for s in sources for r in s.releases]
    annotate_files(con, [f for r in releases for f in r["files"]])
    bundle_data_docs(releases, site)
    add_source_details(con, sources, today or date.today())
    dates, reviews = review_dates(con, catalog.article_id), []
    for page in pages:
        files = write_claim_files(con, page.claim, page.verdicts, site)
        first, last = dates.get(page.claim.id, (now, now))
        review = claim_review(catalog.article, page.claim, page.verdicts, first, last, site_url)
        reviews.append(review)
        page.provenance = {"csv": files.csv, "json": files.json, "queries": files.queries,
                           "claimreview": json_ld(review)}
    (site / CLAIMREVIEWS).write_text(json.dumps(reviews, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
