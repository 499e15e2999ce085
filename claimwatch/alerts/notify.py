"""Entry points the flows and the CLI share: send what is due, report a failed run, plan a replay."""

from __future__ import annotations

import traceback
from collections.abc import Iterable
from datetime import date, datetime, timezone
from pathlib import Path

from claimwatch.alerts.compose import pipeline_failed_alert
from claimwatch.alerts.deliver import Delivery, Printer, deliver
from claimwatch.alerts.outbox import Outbox
from claimwatch.alerts.settings import SlackSettings
from claimwatch.errors import FormatError
from claimwatch.ingest import Outcome, recorded_entries
from claimwatch.sources import Source
from claimwatch.sources.base import Candidate
from claimwatch.store import Store, open_store


def send_due(store: Store, settings: SlackSettings, printer: Printer = print) -> list[Delivery]:
    """Deliver every pending alert (and check any whose last attempt got no answer)."""
    return deliver(Outbox(store.con), settings, printer)


def notify_failure(db: str | Path, run_label: str, error: BaseException | str, settings: SlackSettings,
                   printer: Printer = print) -> Delivery | None:
    """Write and send a 'pipeline failed' alert; if the store cannot take it, print it and post it directly."""
    text = error if isinstance(error, str) else "".join(traceback.format_exception_only(type(error), error)).strip()
    alert = pipeline_failed_alert(f"pipeline_failed:{run_label}", run_label, settings.scrub(text))
    try:
        with open_store(db) as store:
            outbox = Outbox(store.con)
            alert_id, _ = outbox.enqueue(alert)
            return deliver(outbox, settings, printer, [alert_id])[0]
    except Exception as exc:  # noqa: BLE001 - the store itself may be what failed: still tell someone
        printer(f"{alert.text}\n(the alert could not be written to the outbox: {settings.scrub(str(exc))})")
        return None


def run_label(now: datetime | None = None) -> str:
    """A label for one run, unique to the second."""
    return f"{(now or datetime.now(timezone.utc)):%Y-%m-%dT%H:%M:%SZ}"


def publication_order(candidate: Candidate, calendar: dict) -> tuple:
    """Sort key for replay across sources: the day the release appeared if known, else when its calendar says."""
    from claimwatch.alerts.release_calendar import due_date

    through = candidate.stated_through or date.min
    expectation = calendar.get(candidate.source)
    published = candidate.published or through
    if not candidate.published and candidate.stated_through and expectation and expectation.expected:
        published = due_date(through, expectation)
    return (published, candidate.source, through, candidate.label)


def replay_plan(releases_dir: Path, sources: Iterable[Source]) -> tuple[list[tuple[Source, Path, Candidate]], list[Outcome]]:
    """Every readable recorded release in publication order, and the entries that could not be read."""
    from claimwatch.alerts.release_calendar import load_calendar

    entries, _ = recorded_entries(releases_dir, sources)
    planned, failed = [], []
    for source, entry in entries:
        try:
            planned.append((source, entry, source.recorded(entry)))
        except (FormatError, OSError) as exc:
            failed.append(Outcome(source.name, entry.name, "failed", detail=str(exc)))
    calendar = load_calendar()
    planned.sort(key=lambda item: publication_order(item[2], calendar))
    return planned, failed
