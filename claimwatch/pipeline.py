"""The one place the order of the monthly job is written.

stage -> audit -> publish -> evaluate and record -> collect alerts -> deliver -> site

On a DuckLake store the first three steps run per source under the source's lock (`ingest_source`,
claimwatch/store/source_lock.py), so that several workers can ingest different sources at once
(claimwatch/parallel.py); evaluate and what follows run once, after every source.

Each step is a function with explicit inputs and outputs. The CLI (`ingest`, `validate`, `run`, `replay`), the
Prefect flows (one task per step, flows/tasks.py) and the benchmarks call these functions; nothing else strings
the steps together. Verdicts are passed along: `collect` gets the verdicts `evaluate` recorded, and the site reads
the stored steps. Library code: no Prefect here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from claimwatch.alerts.deliver import Delivery, Printer, deliver as deliver_outbox
from claimwatch.alerts.outbox import Outbox
from claimwatch.alerts.settings import SlackSettings
from claimwatch.claims.catalog import Catalog, load_catalogs
from claimwatch.claims.steps import Evaluated, Progress, evaluate as evaluate_steps
from claimwatch.http import HttpClient
from claimwatch.ingest import Outcome, audit_outcome, stage_candidate, stage_live, stage_recorded, stored_outcome
from claimwatch.sources import Source
from claimwatch.sources.base import Candidate
from claimwatch.store import Store
from claimwatch.store.transact import transaction

if TYPE_CHECKING:  # the audit step loads Great Expectations and pandas, collect matplotlib (charts): loaded on use
    from claimwatch.alerts.collect import Collected
    from claimwatch.audit import Auditor


# -- stage -----------------------------------------------------------------------------------------------------------
def stage(store: Store, sources: Iterable[Source], releases: Path | None = None,
          http: HttpClient | None = None, progress: Progress | None = None) -> list[Outcome]:
    """Write new releases as staged: every recorded one under `releases` in release order, else each source's newest."""
    sources = list(sources)
    return stage_recorded(store, releases, sources, progress) if releases is not None else stage_live(store, sources, http)


# -- audit, publish --------------------------------------------------------------------------------------------------
def audit(auditor: Auditor, release_id: str):
    """Validate one staged release with its suites and record the findings (its status does not change)."""
    return auditor.validate(release_id)


def publish(auditor: Auditor, release_id: str) -> Outcome:
    """Publish the release when its validation found no error, else quarantine it (the outcome says why)."""
    auditor.publish(release_id)
    return stored_outcome(auditor.store, release_id, auditor.store.release(release_id)["reason"] or "")


def audit_staged(store: Store, sources: Iterable[Source], outcomes: list[Outcome], auditor: Auditor,
                 progress: Progress | None = None) -> list[Outcome]:
    """Audit and publish every staged release of these sources in the order written (also ones a run left staged)."""
    audited: dict[str, Outcome] = {}
    staged = {o.release_id: o for o in outcomes if o.status == "staged"}
    todo = [release_id for source in sources for release_id in store.staged(source.name)]
    for done, release_id in enumerate(todo):
        if progress:
            progress(done, len(todo), f"validate {release_id}")
        outcome = staged.get(release_id) or stored_outcome(store, release_id, "left staged by an earlier run")
        audited[release_id] = audit_outcome(auditor, outcome)
    result = [audited.pop(o.release_id) if o.status == "staged" else o for o in outcomes]
    return result + list(audited.values())


def stage_audit_publish(store: Store, sources: Iterable[Source], auditor: Auditor, *, releases: Path | None = None,
                        http: HttpClient | None = None, progress: Progress | None = None) -> list[Outcome]:
    """The first three steps for these sources: stage new releases, then audit and publish each staged one."""
    sources = list(sources)
    return audit_staged(store, sources, stage(store, sources, releases, http, progress), auditor, progress)


def ingest_source(store: Store, source: Source, *, releases: Path | None = None, http: HttpClient | None = None,
                  auditor: Auditor | None = None, progress: Progress | None = None,
                  lock_wait_seconds: float = 0.0) -> list[Outcome]:
    """One source's stage -> audit -> publish under its source lock (a DuckLake store; a file store has its run
    lock), renewing the lock's lease as it goes: what a worker runs for each source it is given. No evaluation:
    that runs once, after every source (`evaluate`). StoreBusyError when another run holds the source."""
    from claimwatch.audit import Auditor
    from claimwatch.store.source_lock import source_lock

    with source_lock(store.con, source.name, wait_seconds=lock_wait_seconds) as lock:
        def tick(done: int, total: int | None, what: str) -> None:
            if lock is not None:
                lock.renew()
            if progress:
                progress(done, total, what)

        return stage_audit_publish(store, [source], auditor or Auditor(store), releases=releases, http=http,
                                   progress=tick)


# -- evaluate and record ---------------------------------------------------------------------------------------------
def evaluate(store: Store, catalogs: Iterable[Catalog], progress: Progress | None = None, backfill: bool = False,
             claims: Iterable[str] | None = None) -> Evaluated:
    """Evaluate what is new (each claim as of each release published since its last step) and store it, in one
    transaction; `backfill` also fills every earlier vintage a claim has no step for."""
    catalogs = list(catalogs)
    return transaction(store.con, lambda: evaluate_steps(store.con, catalogs, progress, backfill, claims), "claim_steps")


# -- collect, deliver, site ------------------------------------------------------------------------------------------
def collect(store: Store, catalogs: Iterable[Catalog], evaluated: Evaluated, outcomes: Iterable[Outcome] = (), *,
            check_schedule: bool = False, charts: bool = True, today: date | None = None) -> Collected:
    """Write the alerts the evaluated verdicts and the run's outcomes call for to the outbox."""
    from claimwatch.alerts.collect import collect_alerts

    return collect_alerts(store.con, catalogs, outcomes, verdicts=evaluated.verdicts, check_schedule=check_schedule,
                          charts=charts, today=today)


def deliver(store: Store, settings: SlackSettings, printer: Printer = print,
            alert_ids: list[int] | None = None) -> list[Delivery]:
    """Send every pending alert (or these ones): Slack when configured, else the terminal; failures stay pending."""
    return deliver_outbox(Outbox(store.con), settings, printer, alert_ids)


def site(store: Store, catalogs: list[Catalog], out: Path) -> Path:
    """Write the status site from the stored steps; the index page."""
    from claimwatch.site.build import build_site

    return build_site(store.con, catalogs, out, store.location.label)


# -- the steps in order ----------------------------------------------------------------------------------------------
@dataclass
class Ingested:
    """What stage -> audit -> publish -> evaluate did."""

    outcomes: list[Outcome]
    evaluated: Evaluated = field(default_factory=Evaluated)


def ingest(store: Store, sources: Iterable[Source], *, releases: Path | None = None, http: HttpClient | None = None,
           auditor: Auditor | None = None, catalogs: list[Catalog] | None = None,
           progress: Progress | None = None, lock_wait_seconds: float = 0.0) -> Ingested:
    """Stage, audit and publish new releases, then evaluate and record what they change. On a DuckLake store the
    sources' locks are held while their releases are written (other writers may be at work on other sources)."""
    from claimwatch.audit import Auditor
    from claimwatch.store.source_lock import source_locks

    sources = list(sources)
    auditor = auditor or Auditor(store)
    with source_locks(store.con, [s.name for s in sources], wait_seconds=lock_wait_seconds):
        outcomes = stage_audit_publish(store, sources, auditor, releases=releases, http=http, progress=progress)
    evaluating = (lambda done, total, release_id: progress(done, total, f"evaluate claims as of {release_id}")) \
        if progress else None
    return Ingested(outcomes, evaluate(store, load_catalogs() if catalogs is None else catalogs, evaluating))


def ingest_recorded(store: Store, releases: Path, sources: Iterable[Source], auditor: Auditor | None = None,
                    catalogs: list[Catalog] | None = None) -> list[Outcome]:
    """Every recorded release under `releases`, in release order, through ingest; the outcomes."""
    return ingest(store, sources, releases=releases, auditor=auditor, catalogs=catalogs).outcomes


def ingest_live(store: Store, sources: Iterable[Source], http: HttpClient | None = None,
                auditor: Auditor | None = None, catalogs: list[Catalog] | None = None) -> list[Outcome]:
    """Each source's newest release through ingest; the outcomes."""
    return ingest(store, sources, http=http, auditor=auditor, catalogs=catalogs).outcomes


def ingest_candidate(store: Store, source: Source, candidate: Candidate, auditor: Auditor | None = None) -> Outcome:
    """Stage one release, then audit and publish or quarantine it (no evaluation)."""
    from claimwatch.audit import Auditor

    outcome = stage_candidate(store, source, candidate)
    return audit_outcome(auditor or Auditor(store), outcome) if outcome.status == "staged" else outcome


@dataclass
class Ran:
    """A whole run: the releases' outcomes, the verdicts, the new alerts, their deliveries and the site."""

    outcomes: list[Outcome]
    evaluated: Evaluated
    collected: Collected
    deliveries: list[Delivery]
    site: Path | None


def run(store: Store, sources: Iterable[Source], settings: SlackSettings, *, releases: Path | None = None,
        catalogs: list[Catalog] | None = None, auditor: Auditor | None = None, printer: Printer = print,
        site_dir: Path | None = None, today: date | None = None) -> Ran:
    """The monthly job without Prefect: every step in order."""
    catalogs = load_catalogs() if catalogs is None else catalogs
    ingested = ingest(store, sources, releases=releases, auditor=auditor, catalogs=catalogs)
    collected = collect(store, catalogs, ingested.evaluated, ingested.outcomes, check_schedule=releases is None,
                        today=today)
    deliveries = deliver(store, settings, printer)
    return Ran(ingested.outcomes, ingested.evaluated, collected, deliveries,
               site(store, catalogs, site_dir) if site_dir else None)


@dataclass
class ReplayStep:
    """One recorded release replayed: what happened to it and the alerts the monitor would have written."""

    outcome: Outcome
    alert_ids: list[int] = field(default_factory=list)


def replay_release(store: Store, source: Source, candidate: Candidate, catalogs: list[Catalog],
                   auditor: Auditor | None = None, charts: bool = True) -> ReplayStep:
    """One recorded release through stage -> audit -> publish -> evaluate -> collect."""
    outcome = ingest_candidate(store, source, candidate, auditor)
    collected = collect(store, catalogs, evaluate(store, catalogs), [outcome], charts=charts)
    return ReplayStep(outcome, collected.new_alerts)


def replay(store: Store, releases: Path, sources: Iterable[Source], catalogs: Iterable[Catalog], *,
           auditor: Auditor | None = None, charts: bool = True, progress: Progress | None = None) -> list[ReplayStep]:
    """Replay recorded releases one at a time in publication order, collecting alerts after each.

    The backtest of "what would the monitor have said each month". Alerts go to the outbox only (send them with
    `deliver`). Releases already in the store are skipped, so a second replay writes nothing.
    """
    from claimwatch.alerts.notify import replay_plan
    from claimwatch.audit import Auditor

    catalogs = list(catalogs)
    planned, failed = replay_plan(releases, sources)
    auditor = auditor or Auditor(store)
    steps = [ReplayStep(o) for o in failed]
    for done, (source, _, candidate) in enumerate(planned):
        if progress:
            progress(done, len(planned), f"replay {source.name} {candidate.label}")
        steps.append(replay_release(store, source, candidate, catalogs, auditor, charts))
    return steps
