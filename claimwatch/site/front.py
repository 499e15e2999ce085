"""The front page's first two answers: what changed since the last run, and which claims need attention.

The last run is the one that wrote the newest release: its releases are those written after the previous
evaluation of the claims (the newest stored step evaluated before that release). What a claim was before is its
newest stored step as of an earlier release; what it is now, its current verdicts (a reading with no step before
is listed only when it reads a release of the last run: one that reads none was judged the same way before).
Attention, in order:
corrections (the article's figure fails as stated), updates (the newest period fails, or a stated record was
broken), close to failing, and unknown verdicts waiting on a source that is overdue (release_calendar.yaml;
site/awaited.py says which sources an unknown verdict waits on).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import duckdb

from claimwatch.alerts.release_calendar import latest_data_through, load_calendar, overdue
from claimwatch.claims.catalog import Catalog
from claimwatch.claims.judge import Verdict, describe_change
from claimwatch.claims.steps import claim_hash, stored_verdict
from claimwatch.site.awaited import awaited_sources
from claimwatch.store.store import dict_rows
from claimwatch.verdict_text import figure_line

ATTENTION = ("correction", "clarification", "update", "close", "overdue")
ATTENTION_WORDS = {"correction": "Correction needed", "clarification": "Clarification needed",
                   "update": "Update", "close": "Close to failing", "overdue": "Unknown: data overdue"}


@dataclass(frozen=True)
class Change:
    """One reading and mode of a claim that moved in the last run."""

    claim_id: str
    before: Verdict | None
    after: Verdict
    why: str


@dataclass(frozen=True)
class Attention:
    """A claim an editor should look at, and why."""

    claim_id: str
    kind: str  # one of ATTENTION
    reason: str

    @property
    def words(self) -> str:
        return ATTENTION_WORDS[self.kind]


@dataclass
class LastRun:
    """The releases the last run wrote, what they changed, and the alerts it wrote."""

    since: datetime | None  # None: the first run (no evaluation before it)
    releases: list[dict] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    alerts: list[dict] = field(default_factory=list)


def last_run(con: duckdb.DuckDBPyConnection, catalog: Catalog, verdicts: list[Verdict]) -> LastRun:
    """The releases of the run that wrote the newest release, and each claim's readings that moved with them."""
    newest = con.execute("select max(ingested_at) from releases").fetchone()[0]
    since = con.execute("select max(evaluated_at) from claim_steps where article_id = ? and evaluated_at < ?",
                        [catalog.article_id, newest]).fetchone()[0] if newest else None
    releases = dict_rows(con.execute(
        "select release_id, source, release_label, status, data_through, grain from releases"
        " where ? is null or ingested_at > ? order by ingested_at, release_id", [since, since]))
    start = con.execute("select min(ingested_at) from releases where ? is null or ingested_at > ?",
                        [since, since]).fetchone()[0]
    alerts = dict_rows(con.execute(  # written by the run: after its first release (not the previous run's last ones)
        "select alert_id, kind, article_id, claim_id, title, status from alerts where ? is null or created_at >= ?"
        " order by alert_id", [start, start]))
    run = LastRun(since, releases, alerts=alerts)
    if since is None:
        return run
    before = {}
    for row in dict_rows(con.execute(
            "select * from claim_steps where article_id = ? and as_of < ? qualify row_number() over (partition by"
            " claim_id, claim_hash, reading, mode order by as_of desc, as_of_release_id desc) = 1",
            [catalog.article_id, since])):
        before[row["claim_id"], row["claim_hash"], row["reading"] or None, row["mode"]] = stored_verdict(row)
    written = {r["release_id"] for r in releases}
    for claim in catalog.claims:
        key = claim_hash(claim)
        for v in (v for v in verdicts if v.claim_id == claim.id and claim.readings):
            was = before.get((claim.id, key, v.reading, v.mode))
            if was is None and not written & set(v.vintages):
                continue  # judged as before from no release of the run (no data, the article's own figures)
            why = describe_change(was, v, claim.reading(v.reading).rule)
            if why:
                run.changes.append(Change(claim.id, was, v, why))
    return run


def _overdue_sources(through: dict[str, date | None], today: date) -> tuple[dict[str, str], dict[str, str]]:
    """Each overdue source with the sentence that says so, and each source's grain (none when the calendar cannot
    be read)."""
    try:
        calendar = load_calendar()
    except (OSError, ValueError):
        return {}, {}
    late = {o.source: o.text for o in overdue(calendar, through, today)}
    return late, {source: e.grain for source, e in calendar.items()}


def attention(con: duckdb.DuckDBPyConnection, catalog: Catalog, verdicts: list[Verdict], today: date) -> list[Attention]:
    """The claims an editor should look at, most urgent first (catalog order within each kind)."""
    through = latest_data_through(con)
    late, grains = _overdue_sources(through, today)
    found = []
    for claim in catalog.claims:
        own = [v for v in verdicts if v.claim_id == claim.id]
        stated = [v for v in own if v.mode == "as_stated"]
        newest = [v for v in own if v.mode == "latest"]
        failing = [v for v in stated if v.verdict == "fails"]
        waiting = [s for v in own for s in awaited_sources(claim, v, through, grains) if s in late]
        if any(v.primary for v in failing):
            found.append(Attention(claim.id, "correction", f"fails as published, {failing[0].period}"))
        elif failing:
            found.append(Attention(claim.id, "clarification",
                                   f"fails when read as {failing[0].reading_label}, {failing[0].period}"))
        elif broken := [v for v in stated if v.record_broken]:
            found.append(Attention(claim.id, "update", f"the record has since been broken: {broken[0].record_broken}"))
        elif bad := [v for v in newest if v.verdict == "fails" and v.primary]:
            found.append(Attention(claim.id, "update",
                                   f"the newest period ({bad[0].period}) fails; the article's figure still holds"))
        elif close := [v for v in own if v.close]:
            found.append(Attention(claim.id, "close", f"holds narrowly: {figure_line(claim, close[0])}"))
        elif waiting:
            found.append(Attention(claim.id, "overdue", late[waiting[0]]))
    return sorted(found, key=lambda a: ATTENTION.index(a.kind))
