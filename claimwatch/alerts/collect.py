"""Decide what the newsroom must hear after a run and write it to the outbox, in one transaction.

- Claims: from every claim's current verdicts under every reading; one alert per claim is written where something differs
  from what the newsroom was last told (`claim_notices`): a correction, an update, a revision or close to failing
  (`claim_events`). The first run for an article writes one digest of every claim instead.
- Releases: one alert per quarantined or rejected release, per source that could not be fetched (once a day).
- Schedule: one alert per expected release that is overdue (release_calendar.yaml), when `today` is given.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime

import duckdb

from claimwatch import present
from claimwatch.alerts import compose
from claimwatch.alerts.compose import Alert, ClaimEvent, SourceFile
from claimwatch.alerts.links import claim_page_url
from claimwatch.alerts.outbox import Outbox
from claimwatch.alerts.plain_words import kept_out_summary
from claimwatch.alerts.release_message import ClaimChange, ordered, release_alert
from claimwatch.alerts.settings import site_url_from_env
from claimwatch.alerts.states import muted_claims
from claimwatch.charts import claim_chart_png
from claimwatch.claims.catalog import Catalog, Claim
from claimwatch.claims.evaluate import query_rows, use_indicator
from claimwatch.claims.history import claim_sources
from claimwatch.claims.steps import evaluate as evaluate_steps
from claimwatch.claims.judge import Verdict, describe_change
from claimwatch.ingest import Outcome
from claimwatch.sources.origin import agency_url
from claimwatch.store.store import dict_rows, release_files
from claimwatch.store.transact import transaction

PROBLEMS = ("quarantined", "rejected", "failed")


def claim_events(claim, told: dict, current: list[Verdict]) -> list[tuple[ClaimEvent, int]]:
    """What the newsroom has not been told about one claim, each with the alert that last told that reading.

    - as-stated verdict now fails, or no longer fails: a correction; first judged and holding: checked;
    - latest verdict changed: an update (never a correction);
    - a record as stated beaten by a later period: an update naming the new record;
    - the stated period's figures revised, verdict unchanged: a revision notice, naming each figure that moved;
    - a holding claim moved within its catalog-set share of the threshold: close to failing.
    """
    found = []
    for v in current:
        before, alert_id = told.get((v.claim_id, v.reading, v.mode), (None, 0))
        rule = claim.reading(v.reading).rule if claim.readings else {}
        why = describe_change(before, v, rule)
        if v.record_broken and v.record_broken != (before.record_broken if before else None):
            found.append((ClaimEvent("update", before, v, f"record broken: {v.record_broken}"), alert_id))
        if before is None or before.verdict != v.verdict:
            found.append((ClaimEvent(_verdict_change(before, v), before, v, why), alert_id))
            continue
        if (v.mode == "as_stated" and before.period == v.period and before.figures and v.figures
                and before.figures != v.figures):
            found.append((ClaimEvent("revision", before, v, why), alert_id))
        if v.close and not before.close:
            found.append((ClaimEvent("close_to_failing", before, v,
                                     f"{present.observed_phrase(v, rule)} is within "
                                     f"{present.number(rule.get('close_share', 0) * 100, '{value:.1f}%')} "
                                     f"of the threshold ({present.compared_phrase(v, rule)})"), alert_id))
    return found


def _verdict_change(before: Verdict | None, after: Verdict) -> str:
    """A correction when the claim as published fails (or stops failing); an update for the latest period; checked
    when the stated period is judged for the first time and holds, or can no longer be judged."""
    if after.mode != "as_stated":
        return "update"
    return "correction" if "fails" in (after.verdict, before.verdict if before else None) else "checked"


def _event_key(article_id: str, claim_id: str, events: list[tuple[ClaimEvent, int]]) -> str:
    """The idempotency key of one claim alert: the same events after the same alerts never make two."""
    parts = sorted(f"{e.after.reading or ''}/{e.after.mode}:{alert_id}:{e.kind}:"
                   f"{e.before.verdict if e.before else 'new'}->{e.after.verdict}:"
                   f"{json.dumps(e.after.figures, sort_keys=True) if e.kind == 'revision' else ''}"
                   f"{e.after.record_broken or '' if e.kind == 'update' else ''}" for e, alert_id in events)
    return f"claim:{article_id}/{claim_id}:" + hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


@dataclass
class Collected:
    """What one collection found: the verdicts and the ids of the alerts it wrote."""

    verdicts: dict[str, list[Verdict]] = field(default_factory=dict)
    new_alerts: list[int] = field(default_factory=list)


def source_files(con: duckdb.DuckDBPyConnection, release_ids: Iterable[str]) -> list[SourceFile]:
    """The stored files of these releases, each with the agency's address of it (never a local path)."""
    return [SourceFile(f["release_id"], f["file_name"], agency_url(f["source"], f["url"]))
            for f in release_files(con, release_ids)]


def _cause(con, events: list[ClaimEvent]) -> tuple[str, ...]:
    """The release that caused a claim's events: the newest stored of those its verdicts read now and did not before
    (a claim first judged reads every vintage anew: the newest one is what made it judgeable)."""
    new = set().union(*(set(e.after.vintages) - set(e.before.vintages if e.before else ()) for e in events))
    new = new or {r for e in events for r in e.after.vintages}
    row = con.execute("select release_id from releases where list_contains(?, release_id)"
                      " order by ingested_at desc, release_id desc limit 1", [sorted(new)]).fetchone()
    return (row[0],) if row else ()


def _cause_text(con, release_ids: tuple[str, ...]) -> str:
    """The releases in words: 'cbp_encounters fy23-fy26-jul' (or 'a catalog change' when no release)."""
    if not release_ids:
        return "a catalog change"
    rows = con.execute("select source || ' ' || release_label from releases where list_contains(?, release_id)"
                       " order by source, data_through", [list(release_ids)]).fetchall()
    return " + ".join(r[0] for r in rows) or " + ".join(release_ids)


RECORD_PERIOD = re.compile(r"^(?:(?P<month>[A-Z][a-z]+) )?(?P<year>\d{4}) \(")  # record_broken's "July 2025 (…"


def alert_period(con: duckdb.DuckDBPyConnection, claim: Claim, events: list[ClaimEvent]) -> str | int | None:
    """The period an alert is about, as its chart's x (an ISO date or a year): for an update, the period that broke
    a stated record, else the newest period; for a correction, revision or check, the stated period (the chart marks
    it already: the article's own period is what failed or moved); None when the catalog names none."""
    lead = next(e for e in events if e.kind == compose.consequence(events))
    if lead.kind == "update" and lead.after.record_broken and (found := RECORD_PERIOD.match(lead.after.record_broken)):
        if not found["month"]:
            return int(found["year"])
        return datetime.strptime(f"{found['month']} {found['year']}", "%B %Y").date().isoformat()
    params = dict(claim.as_stated)
    if lead.after.mode == "latest" and claim.latest:
        use_indicator(con, claim.reading(lead.after.reading).indicator if claim.readings else claim.indicator)
        rows = query_rows(con, claim.latest["query"], {})
        params = rows[0] if rows else {}
    when = params.get("month", params.get("year"))
    return when.isoformat() if hasattr(when, "isoformat") else when


def _claim_alerts(con, outbox: Outbox, catalog: Catalog, told: dict, verdicts: list[Verdict], charts: bool,
                  site_url: str | None, muted: dict[str, date]) -> list[int]:
    """One message per release (and per muted state): every claim change the release caused. The first time an
    article is collected (nothing told about it yet), one digest of its claims instead: a catalog added to a store
    that already watches other articles gets its own digest, and only that."""
    article = catalog.article
    if not told:
        claims = {c.id: c for c in catalog.claims}
        alert_id, new = outbox.enqueue(compose.digest_alert(f"digest:{catalog.article_id}", article, claims, verdicts))
        for v in verdicts:
            outbox.set_notice(catalog.article_id, v, alert_id)
        return [alert_id] if new else []
    groups: dict[tuple, list[tuple[ClaimChange, list]]] = {}
    for claim in catalog.claims:
        current = [v for v in verdicts if v.claim_id == claim.id]
        events = claim_events(claim, told, current)
        if not events:
            continue
        vintages = sorted({r for v in current for r in v.vintages})
        change = ClaimChange(claim, [e for e, _ in events], current, source_files(con, vintages),
                             claim_page_url(site_url, catalog.article_id, claim.id))
        groups.setdefault((_cause(con, change.events), claim.id in muted), []).append((change, events))
    written = []
    for (cause, is_muted), members in groups.items():
        changes = ordered([c for c, _ in members])
        keys = sorted(_event_key(catalog.article_id, c.claim.id, events) for c, events in members)
        key = keys[0] if len(keys) == 1 else (
            f"release:{catalog.article_id}:{'+'.join(cause)}:" + hashlib.sha256("|".join(keys).encode()).hexdigest()[:16])
        lead = changes[0]
        chart = claim_chart_png(con, lead.claim, alert_period(con, lead.claim, lead.events)) if charts else None
        alert = release_alert(key + (":muted" if is_muted else ""), article, [replace(lead, chart=chart), *changes[1:]],
                              _cause_text(con, cause))
        alert_id, new = outbox.enqueue(alert, "muted" if is_muted else "pending",
                                       [(c.claim.id, c.kind, c.title) for c in changes])
        for change in changes:
            for v in change.current:
                outbox.set_notice(catalog.article_id, v, alert_id)
        written += [alert_id] if new else []
    return written


def _last_good(con, source: str) -> str | None:
    row = con.execute(
        "select release_id from releases where source = ? and status = 'published'"
        " order by ingested_at desc, release_id desc limit 1", [source]).fetchone()
    return row[0] if row else None


def _errors(con, release_id: str) -> list[dict]:
    """The failed error expectations of the release's latest validation."""
    return dict_rows(con.execute(
        """select res.frame, res.expectation, res.column_name, res.kwargs, res.unexpected_count, res.notes
           from validation_results as res join validations as v using (validation_id)
           where res.release_id = $1 and not res.success and res.severity = 'error'
             and v.validated_at = (select max(validated_at) from validations where release_id = $1)
           order by res.suite, res.frame, res.expectation, res.column_name""", [release_id]))


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
        plain = kept_out_summary(_errors(con, o.release_id), o.source) if kind == "quarantined" else ""
        alerts.append(compose.release_problem_alert(
            key, kind, o.source, o.label, o.release_id, o.detail, files, _last_good(con, o.source),
            relying.get(o.source, []), plain))
    return alerts


def overdue_alerts(con, today: date, calendar_path=None) -> list[Alert]:
    """An alert for each source whose next release is later than its calendar allows."""
    from claimwatch.alerts.release_calendar import latest_data_through, load_calendar, overdue

    late = overdue(load_calendar(calendar_path), latest_data_through(con), today)
    return [compose.overdue_alert(o.key, o.source, o.text, o.expectation.schedule_url) for o in late]


def collect_alerts(con: duckdb.DuckDBPyConnection, catalogs: Iterable[Catalog], outcomes: Iterable[Outcome] = (),
                   *, verdicts: dict[str, list[Verdict]] | None = None, today: date | None = None,
                   check_schedule: bool = False, charts: bool = True, calendar_path=None,
                   site_url: str | None = None) -> Collected:
    """Write every alert due, in one transaction: claim alerts from each article's current `verdicts` (what the
    pipeline's evaluate step recorded; when not given, that step runs here first), then release and schedule alerts.
    Claim pages are linked under `site_url` (default $CLAIMWATCH_SITE_URL); muted claims' changes are recorded unsent.
    """
    catalogs, outcomes = list(catalogs), list(outcomes)
    today = today or date.today()
    site_url = site_url or site_url_from_env()
    outbox = Outbox(con)

    def write() -> Collected:  # run again from the start if another DuckLake writer wins a race (store/transact.py)
        collected = Collected()
        current_verdicts = evaluate_steps(con, catalogs).verdicts if verdicts is None else verdicts
        for catalog in catalogs:
            told = outbox.notices(catalog.article_id)
            current = collected.verdicts[catalog.article_id] = current_verdicts.get(catalog.article_id, [])
            collected.new_alerts += _claim_alerts(con, outbox, catalog, told, current, charts, site_url,
                                                  muted_claims(con, today, catalog.article_id))
        others = problem_alerts(con, outcomes, catalogs, today)
        if check_schedule:
            others += overdue_alerts(con, today, calendar_path)
        for alert in others:
            alert_id, new = outbox.enqueue(alert)
            collected.new_alerts += [alert_id] if new else []
        return collected

    return transaction(con, write, "alerts", "claim_steps")
