"""Where a stored file comes from: the agency's URL and its publication date (Slack and the site alike).

A live file keeps the URL it was fetched from (a mirror's address is mapped back to the agency's site) and its
Last-Modified. A recorded file was read from a local folder: its agency URL and publication date come from the
folder's PROVENANCE.md when it is there, else from what the source's own discovery code knows (the fixed file URL
or the landing page that links the releases). A local `file://` path is never given.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from datetime import date
from email.utils import parsedate_to_datetime
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

from claimwatch.sources import SOURCE_CLASSES

_SECTION = re.compile(r"^### `([^`]+)`\s*$", re.M)
_ORIGINAL = re.compile(r"\*\*Publisher / original URL:\*\*\s*(https?://\S+)")
_VINTAGE = re.compile(r"\*\*Vintage:\*\*\s*(.+)")
_PUBLISHED = re.compile(r"(?:published\s+~?\s*|\()(?:(\d{4})-(\d{2})\b|([A-Z][a-z]{2})[a-z]*(?:/[A-Z][a-z]+)?\s+(\d{4}))")
_MONTHS = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), start=1)}


@dataclass(frozen=True)
class FileOrigin:
    """A file's agency URL, its publication date where known (and how it is known)."""

    url: str
    published: str = ""  # "2025-04-03", "2024-05" (a month) or "" when not known
    published_basis: str = ""  # where the date comes from, in words


def _tidy(url: str) -> str:
    return url.rstrip(").,;")


def parse_provenance(text: str) -> dict[str, dict]:
    """Each file section of a PROVENANCE.md: its relative path -> original URL and vintage text."""
    found = {}
    marks = list(_SECTION.finditer(text))
    for mark, following in zip(marks, marks[1:] + [None]):
        body = text[mark.end():following.start() if following else len(text)]
        original, vintage = _ORIGINAL.search(body), _VINTAGE.search(body)
        found[mark.group(1)] = {"url": _tidy(original.group(1)) if original else None,
                                "vintage": vintage.group(1).strip() if vintage else ""}
    return found


def published_month(vintage: str) -> str:
    """The month a PROVENANCE.md vintage says the file was published ('published ~2024-05', 'published Nov 2023')."""
    match = _PUBLISHED.search(vintage)
    if not match:
        return ""
    if match.group(1):
        return f"{match.group(1)}-{match.group(2)}"
    month = _MONTHS.get(match.group(3))
    return f"{match.group(4)}-{month:02d}" if month else ""


@lru_cache(maxsize=8)
def _provenance_file(path: Path) -> dict[str, dict]:
    return parse_provenance(path.read_text(encoding="utf-8"))


def _recorded_entry(local: Path) -> dict | None:
    """The PROVENANCE.md section of a recorded file, found in the folders above it."""
    for folder in list(local.parents)[:3]:
        doc = folder / "PROVENANCE.md"
        if doc.is_file():
            return _provenance_file(doc).get(local.relative_to(folder).as_posix())
    return None


def source_home(source: str) -> str:
    """What the source's discovery code fetches first: its fixed file URL, its landing page, or its documented URL."""
    cls = next((c for c in SOURCE_CLASSES if c.name == source), None)
    if cls is None:
        return ""
    if getattr(cls, "path", None):
        return cls.base_url + cls.path
    if getattr(cls, "landing_path", None):
        return cls.base_url + cls.landing_path
    doc = sys.modules[cls.__module__].__doc__ or ""
    match = re.search(r"https://\S+", doc)
    return _tidy(match.group(0)) if match else cls.base_url


def _agency_site(source: str, url: str) -> str:
    """A live URL as on the agency's site: a mirror's scheme and host replaced by the source's own."""
    cls = next((c for c in SOURCE_CLASSES if c.name == source), None)
    parts = urlsplit(url)
    if cls is None or parts.netloc == urlsplit(cls.base_url).netloc:
        return url
    return cls.base_url + parts.path + (f"?{parts.query}" if parts.query else "")


def _label_date(source: str, label: str) -> str:
    """The publication date a recorded release's own name states (Census's release month, datahub's commit day)."""
    if source == "census_trade" and re.fullmatch(r"\d{4}-\d{2}", label):
        return label
    if source == "worldbank_population" and re.fullmatch(r"\d{4}-\d{2}-\d{2}", label):
        return label
    return ""


def file_origin(file: dict, label: str = "") -> FileOrigin:
    """The agency URL and publication date of one stored file (a row of `release_files` plus raw_files' fields)."""
    url, source = file["url"], file["source"]
    if file.get("last_modified"):
        try:
            stamp = f"{parsedate_to_datetime(file['last_modified']):%Y-%m-%d}"
        except (TypeError, ValueError):
            stamp = ""
    else:
        stamp = ""
    if not url.startswith("file:"):
        return FileOrigin(_agency_site(source, url), stamp, "the server's Last-Modified" if stamp else "")
    entry = _recorded_entry(Path(unquote(urlsplit(url).path)))
    agency = (entry or {}).get("url") or source_home(source)
    if stamp:
        return FileOrigin(agency, stamp, "the server's Last-Modified")
    if _label_date(source, label):
        return FileOrigin(agency, _label_date(source, label), "the release's name")
    month = published_month((entry or {}).get("vintage", ""))
    return FileOrigin(agency, month, "the recorded copy's provenance (approximate)" if month else "")


def agency_url(source: str, stored_url: str) -> str:
    """The agency's address of a stored file (never a local path): what Slack links and the site shows."""
    return file_origin({"url": stored_url, "source": source}).url


def annotate_files(con, files: list[dict]) -> None:
    """Give each file row its agency URL (replacing any local path), publication date and fetched date."""
    if not files:
        return
    ids = sorted({f["release_id"] for f in files})
    extra = {(r[0], r[1]): (r[2], r[3]) for r in con.execute(
        "select f.release_id, f.file_name, f.last_modified, r.release_label from raw_files as f"
        " join releases as r using (release_id) where list_contains(?, f.release_id)", [ids]).fetchall()}
    for f in files:
        last_modified, label = extra.get((f["release_id"], f["file_name"]), (None, ""))
        origin = file_origin({**f, "last_modified": last_modified}, label)
        f.update(url=origin.url, published=origin.published, published_basis=origin.published_basis)


def published_text(value: str) -> str:
    """A publication date as read: 3 April 2025, April 2025, or 'not known'."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value or ""):
        day = date.fromisoformat(value)
        return f"{day.day} {day:%B %Y}"
    if re.fullmatch(r"\d{4}-\d{2}", value or ""):
        return f"{date.fromisoformat(value + '-01'):%B %Y}"
    return "not known"
