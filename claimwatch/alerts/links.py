"""Where an alert points: the claim's page on the status site and the agency's own address of each source file."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from claimwatch.sources import SOURCE_CLASSES

CLAIM_PAGE = "claims/{claim_id}.html"  # claimwatch/site/build.py writes each claim's page here


def claim_page_url(site_url: str | None, claim_id: str) -> str | None:
    """The claim's page on the published site, or None when no site URL is set."""
    if not site_url:
        return None
    return f"{site_url.rstrip('/')}/{CLAIM_PAGE.format(claim_id=quote(claim_id))}"


def _agency_page(source: str) -> str | None:
    """The agency page that lists the source's files (or the file itself when its address never changes)."""
    cls = next((c for c in SOURCE_CLASSES if c.name == source), None)
    if cls is None:
        return None
    if hasattr(cls, "landing_path"):
        return cls.base_url + cls.landing_path
    if hasattr(cls, "path"):
        return cls.base_url + cls.path
    return cls.base_url


def agency_url(source: str, stored_url: str) -> str | None:
    """The agency's address of a stored file: the URL it was fetched from, or for a recorded copy (file://) the
    agency's address of that file or of the page listing it; never a local path."""
    if urlsplit(stored_url).scheme in ("http", "https"):
        return stored_url
    return _agency_page(source)
