"""Ingest releases into the store: fetched live (discover -> fetch -> parse) or read from a recorded folder."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

from claimwatch.errors import FetchError, FormatError
from claimwatch.http import HttpClient
from claimwatch.sources import Source
from claimwatch.sources.base import Candidate
from claimwatch.store import Store


@dataclass
class Outcome:
    """What happened to one release (or one source, when nothing could be fetched)."""

    source: str
    label: str
    status: str  # published | rejected | unchanged | failed
    release_id: str | None = None
    rows: int | None = None
    data_through: date | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.status in ("published", "unchanged")


def ingest_candidate(store: Store, source: Source, candidate: Candidate) -> Outcome:
    """Parse and store one release unless its sha256 is already stored; a format error rejects it."""
    existing = store.find(candidate)
    if existing is not None:
        return Outcome(source.name, candidate.label, "unchanged", existing.release_id,
                       detail=f"already stored as {existing.status}")
    try:
        parsed, reason = source.parse(candidate), None
    except FormatError as exc:
        parsed, reason = None, str(exc)
    release_id = store.save(candidate, source.grain, parsed, reason, datetime.now(timezone.utc))
    if parsed is None:
        return Outcome(source.name, candidate.label, "rejected", release_id, detail=reason or "")
    return Outcome(source.name, candidate.label, "published", release_id, parsed.rows, parsed.data_through)


def ingest_live(store: Store, sources: Iterable[Source], http: HttpClient | None = None) -> list[Outcome]:
    """Discover and fetch the newest release of each source; one source failing does not stop the others."""
    http = http or HttpClient(cache=store)
    outcomes = []
    for source in sources:
        try:
            candidate = source.fetch(http, source.discover(http))
        except FetchError as exc:
            outcomes.append(Outcome(source.name, "", "failed", detail=str(exc)))
            continue
        outcomes.append(ingest_candidate(store, source, candidate))
    return outcomes


def recorded_entries(releases_dir: Path, sources: Iterable[Source]) -> tuple[list[tuple[Source, Path]], list[str]]:
    """(source, entry) for every recorded release under `releases_dir`, and the folders no source reads."""
    releases_dir = Path(releases_dir)
    if not releases_dir.is_dir():
        raise FileNotFoundError(f"{releases_dir}: no such folder of recorded releases")
    by_folder = {s.recorded_folder: s for s in sources}
    entries, ignored = [], []
    for folder in sorted(p for p in releases_dir.iterdir() if p.is_dir()):
        source = by_folder.get(folder.name)
        if source is None:
            ignored.append(folder.name)
            continue
        entries.extend((source, entry) for entry in sorted(folder.iterdir()) if not entry.name.startswith("."))
    return entries, ignored


def ingest_recorded(store: Store, releases_dir: Path, sources: Iterable[Source]) -> list[Outcome]:
    """Ingest every recorded release of the given sources (the result does not depend on their order)."""
    entries, _ = recorded_entries(releases_dir, sources)
    outcomes = []
    for source, entry in entries:
        try:
            candidate = source.recorded(entry)
        except (FormatError, OSError) as exc:
            outcomes.append(Outcome(source.name, entry.name, "failed", detail=str(exc)))
            continue
        outcomes.append(ingest_candidate(store, source, candidate))
    return outcomes
