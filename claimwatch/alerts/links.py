"""Where an alert points: the claim's page on the status site (a file's agency URL: claimwatch/sources/origin.py)."""

from __future__ import annotations

from urllib.parse import quote

# claimwatch/site/articles.py writes each claim's page here: claim ids are unique within an article, not across them
CLAIM_PAGE = "articles/{article_id}/claims/{claim_id}.html"


def claim_path(article_id: str, claim_id: str) -> str:
    """The claim's page relative to the site's root (its ids URL-quoted)."""
    return CLAIM_PAGE.format(article_id=quote(article_id), claim_id=quote(claim_id))


def claim_page_url(site_url: str | None, article_id: str, claim_id: str) -> str | None:
    """The claim's page on the published site, or None when no site URL is set."""
    if not site_url:
        return None
    return f"{site_url.rstrip('/')}/{claim_path(article_id, claim_id)}"
