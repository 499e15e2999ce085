"""Decide what the newsroom must hear after a run and write it to the outbox, in one transaction.

- Claims: every claim is evaluated; an alert is written only where the verdict differs from the one the newsroom
  was last told (`claim_notices`). The first run for an article writes one digest of every claim instead.
- Releases: one alert per quarantined or rejected release, per source that could not be fetched (once a day).
- Schedule: one alert per expected release that is overdue (release_calendar.yaml), when `today` is given.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import duckdb

from claimwatch.alerts import compose
from claimwatch.alerts.compose import Alert, SourceFile
from claimwatch.alerts.outbox import Outbox
from claimwatch.charts import claim_chart_png
from claimwatch.claims.catalog import Catalog
from claimwatch.claims.evaluate import evaluate_catalog
from claimwatch.claims.history import claim_sources, record_verdicts
from claimwatch.claims.judge import Verdict, describe_change
from claimwatch.ingest import Outcome
from claimwatch.store.store import release_files

PROBLEMS = ("quarantined", "rejected", "failed")


@dataclass(frozen=True)
class Transition:
    """A claim's verdict in one mode that differs from what the newsroom was last told."""

    before: Verdict | None
    after: Verdict
    why: str
    previous_alert_id: int = 0


def transitions(told: dict[tuple[str, str], tuple[Verdict, int]], current: Iterable[Verdict]) -> list[Transition]:
    """The verdicts that changed since they were last told (a claim never told counts); same verdict: none."""
    changed = []
    for v in current:
        before, alert_id = told.get((v.claim_id, v.mode), (None, 0))
        if before is None or before.verdict != v.verdict:
            changed.append(Transition(before, v, describe_change(before, v), alert_id))
    return changed


@dataclass
class Collected:
    """What one collection found: the verdicts and the ids of the alerts it wrote."""

    verdicts: dict[str, list[Verdict]] = field(default_factory=dict)
    new_alerts: list[int] = field(default_factory=list)


def source_files(con: duckdb.DuckDBPyConnection, release_ids: Iterable[str]) -> list[SourceFile]:
    """The stored files of these releases, with the URL each was fetched from."""
    return [SourceFile(f["release_id"], f["file_name"], f["url"]) for f in release_files(con, release_ids)]


def _claim_alerts(con, outbox: Outbox, catalog: Catalog, told: dict, verdicts: list[Verdict], charts: bool) -> list[int]:
    article = catalog.article
    if not told:
        claims = {c.id: c for c in catalog.claims}
        alert_id, new = outbox.enqueue(compose.digest_alert(f"digest:{catalog.article_id}", article, claims, verdicts))
        for v in verdicts:
            outbox.set_notice(catalog.article_id, v, alert_id)
        return [alert_id] if new else []
    written = []
    for t in transitions(told, verdicts):
        claim = catalog.claim(t.after.claim_id)
        key = (f"claim:{catalog.article_id}/{claim.id}/{t.after.mode}:{t.previous_alert_id}:"
               f"{t.before.verdict if t.before else 'new'}->{t.after.verdict}")
        chart = claim_chart_png(con, claim) if charts else None
        alert = compose.claim_alert(key, article, claim, t.before, t.after, t.why,
                                    source_files(con, t.after.vintages), chart)
        alert_id, new = outbox.enqueue(alert)
        outbox.set_notice(catalog.article_id, t.after, alert_id)
        written += [alert_id] if new else []
    return written


def _last_good(con, source: str) -> str | None:
    row = con.execute(
        "select release_id from releases where source = ? and status = 'published'"
        " order by ingested_at desc, release_id desc limit 1", [source]).fetchone()
    return row[0] if row else None


def problem_alerts(con, outcomes: Iterable[Outcome], catalogs: Iterable[Catalog], today: date) -> list[Alert]:
    """An alert for each release kept out and each source that could not be fetched."""
    relying: dict[str, list[str]] = {}
    for catalog in catalogs:
        for claim in catalog.claims:
            for source in claim_sources(claim):
                relying.setdefault(source, []).append(claim.id)
    alerts = []
    for o in outcomes:
        if o.status not in PROBLEMS:
            continue
        kind = "fetch_failed" if o.status == "failed" else o.status
        key = f"{kind}:{o.release_id}" if o.release_id else f"{kind}:{o.source}:{o.label}:{today.isoformat()}"
        files = source_files(con, [o.release_id]) if o.release_id else []
        alerts.append(compose.release_problem_alert(
            key, kind, o.source, o.label, o.release_id, o.detail, files, _last_good(con, o.source),
            relying.get(o.source, [])))
    return alerts


def overdue_alerts(con, today: date, calendar_path=None) -> list[Alert]:
    """An alert for each source whose next release is later than its calendar allows."""
    from claimwatch.alerts.release_calendar import latest_data_through, load_calendar, overdue

    late = overdue(load_calendar(calendar_path), latest_data_through(con), today)
    return [compose.overdue_alert(o.key, o.source, o.text, o.expectation.schedule_url) for o in late]


def collect_alerts(con: duckdb.DuckDBPyConnection, catalogs: Iterable[Catalog], outcomes: Iterable[Outcome] = (),
                   *, today: date | None = None, check_schedule: bool = False, charts: bool = True,
                   calendar_path=None, sources: set[str] | None = None) -> Collected:
    """Evaluate every claim, record the evaluations, and write every alert due, all in one transaction.

    `sources` limits the evaluation to claims that rely on those sources (what a replay step can change);
    the first collection for an article evaluates every claim for its digest.
    """
    catalogs, outcomes = list(catalogs), list(outcomes)
    today = today or date.today()
    collected = Collected()
    outbox = Outbox(con)
    con.execute("begin transaction")
    try:
        for catalog in catalogs:
            told = outbox.notices(catalog.article_id)
            claims = [c for c in catalog.claims if sources is None or not told or set(claim_sources(c)) & sources]
            verdicts = evaluate_catalog(con, catalog, claims=claims)
            record_verdicts(con, catalog.article_id, verdicts)
            collected.verdicts[catalog.article_id] = verdicts
            collected.new_alerts += _claim_alerts(con, outbox, catalog, told, verdicts, charts)
        others = problem_alerts(con, outcomes, catalogs, today)
        if check_schedule:
            others += overdue_alerts(con, today, calendar_path)
        for alert in others:
            alert_id, new = outbox.enqueue(alert)
            collected.new_alerts += [alert_id] if new else []
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return collected
