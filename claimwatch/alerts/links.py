"""Where an alert points: the claim's page on the status site (a file's agency URL: claimwatch/sources/origin.py)."""

from __future__ import annotations

from urllib.parse import quote

CLAIM_PAGE = "claims/{claim_id}.html"  # claimwatch/site/build.py writes each claim's page here


def claim_page_url(site_url: str | None, claim_id: str) -> str | None:
    """The claim's page on the published site, or None when no site URL is set."""
    if not site_url:
        return None
    return f"{site_url.rstrip('/')}/{CLAIM_PAGE.format(claim_id=quote(claim_id))}"
