"""The outbox (table `alerts`) and what the newsroom was last told about each claim (table `claim_notices`).

Every alert is written here before it is sent; its idempotency key makes writing the same event twice a no-op.
Delivery state changes are single statements, each committed at once, so a crash leaves a truthful row.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

import duckdb

from claimwatch.alerts.compose import Alert
from claimwatch.claims.judge import Verdict
from claimwatch.claims.steps import stored_verdict
from claimwatch.store.lake import bump, upsert
from claimwatch.store.store import dict_rows as _dicts

DUE = ("pending", "sending")


def _now() -> datetime:
    return datetime.now(timezone.utc)


class Outbox:
    """Alerts and claim notices on one store connection."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con

    def enqueue(self, alert: Alert, status: str = "pending", claims: list[tuple[str, str, str]] = ()) -> tuple[int, bool]:
        """Write an alert unless its key is already there; return its id and whether it is new.

        `status` is 'pending' (to be sent) or 'muted' (recorded only); `claims` are the (claim id, kind, headline)
        of every claim the message covers."""
        bump(self.con, "alerts")  # a DuckLake writer enqueueing at the same time conflicts and retries (lake.py)
        row = self.con.execute("select alert_id from alerts where idempotency_key = ?", [alert.key]).fetchone()
        if row:
            return row[0], False
        alert_id = self.con.execute("select coalesce(max(alert_id), 0) + 1 from alerts").fetchone()[0]
        self.con.execute(
            "insert into alerts (alert_id, idempotency_key, kind, article_id, claim_id, thread_key, channel, title,"
            " text, blocks, chart, created_at, status) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [alert_id, alert.key, alert.kind, alert.article_id, alert.claim_id, alert.thread_key, alert.channel,
             alert.title, alert.text, json.dumps(alert.blocks, ensure_ascii=False), alert.chart, _now(), status],
        )
        for claim_id, kind, title in claims:
            self.con.execute("insert into alert_claims (alert_id, article_id, claim_id, kind, title) values (?, ?, ?, ?, ?)",
                             [alert_id, alert.article_id, claim_id, kind, title])
        return alert_id, True

    def get(self, alert_id: int) -> dict | None:
        rows = _dicts(self.con.execute("select * from alerts where alert_id = ?", [alert_id]))
        return rows[0] if rows else None

    def due(self) -> list[dict]:
        """Alerts not yet delivered: pending, or sending (a previous attempt's outcome is unknown), oldest first."""
        return _dicts(self.con.execute("select * from alerts where list_contains(?, status) order by alert_id", [list(DUE)]))

    def listing(self, status: str | None = None, limit: int = 50) -> list[dict]:
        """The newest alerts, without their blocks and chart."""
        return _dicts(self.con.execute(
            "select alert_id, created_at, kind, claim_id, title, status, delivered_via, attempts, last_error,"
            " slack_ts, chart is not null as has_chart from alerts where status = $status or $status is null"
            " order by alert_id desc limit $limit",
            {"status": status, "limit": limit},
        ))

    def mark_sending(self, alert_id: int, destination: str) -> None:
        """Record that an attempt starts: if the run dies now, the next run checks Slack before trying again."""
        self.con.execute(
            "update alerts set status = 'sending', attempts = attempts + 1, last_attempt_at = ?, destination = ?"
            " where alert_id = ?", [_now(), destination, alert_id])

    def mark_delivered(self, alert_id: int, via: str, destination: str | None, ts: str | None = None,
                       thread_ts: str | None = None, file_id: str | None = None, error: str | None = None) -> None:
        status = "printed" if via == "terminal" else "delivered"
        self.con.execute(
            "update alerts set status = ?, delivered_at = ?, delivered_via = ?, destination = ?, slack_ts = ?,"
            " slack_thread_ts = ?, chart_file_id = ?, last_error = ? where alert_id = ?",
            [status, _now(), via, destination, ts, thread_ts, file_id, error, alert_id])

    def mark_undelivered(self, alert_id: int, status: str, error: str) -> None:
        """Leave the alert for the next run ('pending'), or with an unknown outcome ('sending', 'unconfirmed')."""
        self.con.execute("update alerts set status = ?, last_error = ? where alert_id = ?", [status, error, alert_id])

    def thread_root(self, thread_key: str | None, destination: str) -> str | None:
        """The Slack ts of the first top-level message of this thread key (article/claim) at this destination:
        the claim's own alert, or a release message that covered the claim."""
        if not thread_key:
            return None
        row = self.con.execute(
            "select slack_ts from alerts where destination = $2 and delivered_via = 'slack' and slack_ts is not null"
            " and slack_thread_ts is null and (thread_key = $1 or alert_id in (select alert_id from alert_claims"
            " where article_id || '/' || claim_id = $1)) order by alert_id limit 1",
            [thread_key, destination]).fetchone()
        return row[0] if row else None

    def covered(self, alert_id: int) -> list[dict]:
        """The claims an alert covers, each with its headline and the pointer posted in its thread."""
        return _dicts(self.con.execute("select * from alert_claims where alert_id = ? order by claim_id", [alert_id]))

    def mark_note(self, alert_id: int, article_id: str, claim_id: str, note_ts: str) -> None:
        """Record the pointer posted in a claim's own thread to the release message."""
        self.con.execute("update alert_claims set note_ts = ? where alert_id = ? and article_id = ? and claim_id = ?",
                         [note_ts, alert_id, article_id, claim_id])

    def notices(self, article_id: str) -> dict[tuple[str, str | None, str], tuple[Verdict, int]]:
        """What the newsroom was last told about each claim, reading and mode, with the alert that told them."""
        rows = _dicts(self.con.execute("select * from claim_notices where article_id = ?", [article_id]))
        return {(r["claim_id"], r["reading"] or None, r["mode"]): (stored_verdict(r), r["alert_id"]) for r in rows}

    def set_notice(self, article_id: str, verdict: Verdict, alert_id: int) -> None:
        """Record that the newsroom has been told this verdict."""
        v = verdict
        upsert(self.con, "claim_notices", dict(
            article_id=article_id, claim_id=v.claim_id, reading=v.reading or "", mode=v.mode, verdict=v.verdict,
            period=v.period, observed=v.observed, claimed=v.claimed, margin=v.margin, rule=v.rule,
            supported=v.supported, vintages=list(v.vintages), explanation=v.explanation, sentence=v.sentence,
            details=json.dumps(v.details), alert_id=alert_id, noticed_at=_now()),
            ("article_id", "claim_id", "reading", "mode"))
