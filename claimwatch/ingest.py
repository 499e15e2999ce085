"""The stage step: releases fetched live (discover -> fetch -> parse) or read from a recorded folder, written as
staged; and auditing one staged release (audit.py). claimwatch/pipeline.py puts the steps in order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from claimwatch import config
from claimwatch.errors import FetchError, FormatError
from claimwatch.fetch_all import fetch_newest
from claimwatch.http import HttpClient
from claimwatch.sources import Source
from claimwatch.sources.base import Candidate, period_text
from claimwatch.store import Store

if TYPE_CHECKING:
    from claimwatch.audit import Auditor


@dataclass
class Outcome:
    """What happened to one release (or one source, when nothing could be fetched)."""

    source: str
    label: str
    status: str  # staged | published | quarantined | rejected | unchanged | failed (| new: found by a probe)
    release_id: str | None = None
    rows: int | None = None
    data_through: date | None = None
    detail: str = ""
    warnings: int = 0

    @property
    def ok(self) -> bool:
        return self.status in ("published", "unchanged")


def stage_candidate(store: Store, source: Source, candidate: Candidate) -> Outcome:
    """Parse and write one release as staged unless its sha256 is stored; a format error rejects it.

    A release already stored but still staged (a run stopped before auditing it) comes back as staged.
    """
    existing = store.find(candidate)
    if existing is not None:
        stored = store.release(existing.release_id)
        if stored["release_label"] != candidate.label:
            return Outcome(source.name, candidate.label, "unchanged", existing.release_id,
                           detail=copy_detail(candidate, stored, source.grain))
        status = "staged" if existing.status == "staged" else "unchanged"
        return Outcome(source.name, candidate.label, status, existing.release_id,
                       detail=f"already stored as {existing.status}")
    try:
        parsed, reason = source.parse(candidate), None
    except FormatError as exc:
        parsed, reason = None, str(exc)
    release_id = store.save(candidate, source.grain, parsed, reason, datetime.now(timezone.utc))
    rows, through = (parsed.rows, parsed.data_through) if parsed is not None else (None, None)
    del parsed  # the parsed rows are in the store now: hand their memory back before the next release
    store.release_memory()
    if reason is not None:
        return Outcome(source.name, candidate.label, "rejected", release_id, detail=reason or "")
    return Outcome(source.name, candidate.label, "staged", release_id, rows, through)


def copy_detail(candidate: Candidate, stored: dict, grain: str) -> str:
    """A release under a new name with the bytes of a stored one: which one, and whether its name claims newer data."""
    names = ", ".join(f.name for f in candidate.files)
    through = period_text(stored["data_through"], grain) or "unknown"
    text = (f"{names} (release {candidate.label}) has the exact bytes of stored release {stored['release_id']} "
            f"({stored['status']}, data through {through})")
    if candidate.stated_through and (stored["data_through"] is None or candidate.stated_through > stored["data_through"]):
        text += (f": its name claims data through {period_text(candidate.stated_through, grain)}, newer than its "
                 "content; a renamed copy, not a new release")
    return text


def audit_outcome(auditor: Auditor, staged: Outcome) -> Outcome:
    """Audit a staged release: the outcome becomes published (with its warnings) or quarantined."""
    status, validation = auditor.audit(staged.release_id)
    release = auditor.store.release(staged.release_id)
    detail = release["reason"] if status == "quarantined" else validation.summary()
    detail = "; ".join(d for d in (staged.detail, detail) if d)
    return replace(staged, status=status, rows=release["row_count"], data_through=release["data_through"],
                   detail=detail, warnings=len(validation.warnings))


def _each_newest(store: Store, sources: Iterable[Source], http: HttpClient | None, found) -> list[Outcome]:
    """Fetch each source's newest release (in parallel, each within its time limit) and hand it to `found`.

    `found` runs in the sources' order, one at a time (DuckDB has one writer); a source that fails is 'failed'.
    """
    sources = list(sources)
    http = http or HttpClient(cache=store, backoff=config.http_backoff())
    outcomes = []
    for source, fetched in zip(sources, fetch_newest(sources, http)):
        if isinstance(fetched, FetchError):
            outcomes.append(Outcome(source.name, "", "failed", detail=str(fetched)))
        else:
            outcomes.append(found(source, fetched))
    return outcomes


def stage_newest(store: Store, source: Source, candidate: Candidate) -> Outcome:
    """Stage a source's newest release; if it is a file already rejected, the source is still failing."""
    outcome = stage_candidate(store, source, candidate)
    existing = store.find(candidate) if outcome.status == "unchanged" else None
    if existing is None or existing.status != "rejected":
        return outcome
    return Outcome(source.name, candidate.label, "rejected",
                   detail=f"the newest file is still {existing.release_id}, rejected: {existing.reason}; "
                          "the last good data stay in force until a good file arrives")


def stage_live(store: Store, sources: Iterable[Source], http: HttpClient | None = None) -> list[Outcome]:
    """Discover, fetch and stage the newest release of each source; one source failing does not stop the others."""
    return _each_newest(store, sources, http, lambda source, candidate: stage_newest(store, source, candidate))


def probe_live(store: Store, sources: Iterable[Source], http: HttpClient | None = None) -> list[Outcome]:
    """Look for new releases without storing anything: 'new', 'unchanged' (304 or same sha256) or 'failed'."""

    def compare(source: Source, candidate: Candidate) -> Outcome:
        existing = store.find(candidate)
        if existing is None:
            return Outcome(source.name, candidate.label, "new", detail=f"sha256 {candidate.sha256[:12]}")
        return Outcome(source.name, candidate.label, "unchanged", existing.release_id,
                       detail=f"already stored as {existing.status}")

    return _each_newest(store, sources, http, compare)


def stored_outcome(store: Store, release_id: str, detail: str = "") -> Outcome:
    """An outcome for a release already in the store, with its current status."""
    r = store.release(release_id)
    return Outcome(r["source"], r["release_label"], r["status"], release_id, r["row_count"], r["data_through"], detail)


def recorded_entries(releases_dir: Path, sources: Iterable[Source]) -> tuple[list[tuple[Source, Path]], list[str]]:
    """(source, entry) for every recorded release, and what is skipped: other folders, strays (`folder/README.md`)."""
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
        for entry in sorted(folder.iterdir()):
            if source.is_release_entry(entry):
                entries.append((source, entry))
            elif not entry.name.startswith("."):
                ignored.append(f"{folder.name}/{entry.name}")
    return entries, ignored


def release_order(candidate: Candidate) -> tuple:
    """Sort key putting a source's recorded releases in the order they were published (data-through, label)."""
    return (candidate.source, candidate.stated_through or date.min, candidate.label)


def recorded_candidates(releases_dir: Path, sources: Iterable[Source]) -> tuple[list[tuple[Source, Candidate]], list[Outcome]]:
    """Read every recorded release of the given sources, in release order; unreadable entries as failed outcomes."""
    entries, _ = recorded_entries(releases_dir, sources)
    candidates, failed = [], []
    for source, entry in entries:
        try:
            candidates.append((source, source.recorded(entry)))
        except (FormatError, OSError) as exc:
            failed.append(Outcome(source.name, entry.name, "failed", detail=str(exc)))
    candidates.sort(key=lambda pair: release_order(pair[1]))
    return candidates, failed


def stage_recorded(store: Store, releases_dir: Path, sources: Iterable[Source], progress=None) -> list[Outcome]:
    """Stage every recorded release of the given sources in release order (whatever order the folder lists);
    `progress(done, total, what)` hears of each before it is staged."""
    candidates, failed = recorded_candidates(releases_dir, sources)
    staged = []
    for done, (source, candidate) in enumerate(candidates):
        if progress:
            progress(done, len(candidates), f"stage {source.name} {candidate.label}")
        staged.append(stage_candidate(store, source, candidate))
    return failed + staged
