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


def enrich_sources(con: duckdb.DuckDBPyConnection, sources: list, site: Path, today: date | None = None) -> None:
    """Attach what the source pages show (`docs_index`/`docs_pages`, `revision_text`, `largest`, `warning_texts` on
    each release, `next_release` on each page) and bundle the Data Docs into `site` (the folder being built)."""
    releases = [r for s in sources for r in s.releases]
    annotate_files(con, [f for r in releases for f in r["files"]])
    bundle_data_docs(releases, site)
    add_source_details(con, sources, today or date.today())


def enrich_claims(con: duckdb.DuckDBPyConnection, catalog: Catalog, pages: list, site: Path, under: str,
                  site_url: str | None = None) -> list[dict]:
    """Write one article's downloads into `site`/`under` and attach `page.provenance` to each of its claim pages
    (agency URLs, downloads, filled SQL, ClaimReview); return its ClaimReviews."""
    site_url = site_url if site_url is not None else os.environ.get("CLAIMWATCH_SITE_URL") or None
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    dates, reviews, memo = review_dates(con, catalog.article_id), [], {}
    annotate_files(con, [f for page in pages for f in page.files])  # each page has its own file rows
    for page in pages:
        files = write_claim_files(con, page.claim, page.verdicts, site, under, memo)
        first, last = dates.get(page.claim.id, (now, now))
        review = claim_review(catalog.article, page.claim, page.verdicts, first, last, site_url)
        reviews.append(review)
        page.provenance = {"csv": files.csv, "json": files.json, "queries": files.queries,
                           "claimreview": json_ld(review)}
    return reviews


def write_claimreviews(reviews: list[dict], site: Path) -> None:
    """Every article's ClaimReviews in one file at the site's root."""
    (site / CLAIMREVIEWS).write_text(json.dumps(reviews, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
