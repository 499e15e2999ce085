"""What editors said about alerts: acknowledged alerts (`--ack ID`) and muted claims (`--mute [ARTICLE/]CLAIM --until
DATE`, one article's claim: claim ids are unique only within their article).

A muted claim's changes are still judged, recorded in the outbox (status `muted`) and remembered as told, but not
posted; from the `--until` day on, its changes post again. `alert_states` is what the status site shows.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from datetime import date, datetime, timezone

import duckdb

from claimwatch.claims.articles import resolve_claim
from claimwatch.errors import ClaimwatchError
from claimwatch.store.lake import upsert
from claimwatch.store.store import dict_rows


def _who() -> str | None:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return None


def acknowledge(con: duckdb.DuckDBPyConnection, alert_id: int) -> None:
    """Mark an alert acknowledged (again: the time moves)."""
    if not con.execute("select 1 from alerts where alert_id = ?", [alert_id]).fetchone():
        raise ClaimwatchError(f"no alert {alert_id} (see `claimwatch alerts`)")
    upsert(con, "alert_acks", dict(alert_id=alert_id, acked_at=datetime.now(timezone.utc), acked_by=_who()), ("alert_id",))


def mute(con: duckdb.DuckDBPyConnection, target: str, until: date, catalogs) -> tuple[str, str]:
    """Mute one article's claim (`ARTICLE/CLAIM`, or a claim id unique across `catalogs`) until a day (exclusive):
    its changes are recorded, not posted, before then. Returns the (article id, claim id) muted."""
    catalog, claim = resolve_claim(target, catalogs)
    article_id, claim_id = catalog.article_id, claim.id
    upsert(con, "claim_mutes", dict(article_id=article_id, claim_id=claim_id, muted_until=until,
                                    muted_at=datetime.now(timezone.utc), muted_by=_who()), ("article_id", "claim_id"))
    return article_id, claim_id


def muted_claims(con: duckdb.DuckDBPyConnection, today: date, article_id: str) -> dict[str, date]:
    """One article's claims muted on `today`, with the day they post again (a mute migrated without its article,
    '', holds for that claim id in every article; the article's own mute wins)."""
    rows = con.execute("select claim_id, muted_until from claim_mutes where muted_until > ? and article_id in ('', ?)"
                       " order by article_id = ?", [today, article_id, article_id]).fetchall()
    return dict(rows)


@dataclass(frozen=True)
class ClaimAlertState:
    """A claim's newest alert and what editors did about it, for the status site."""

    article_id: str
    claim_id: str
    alert_id: int | None  # the newest alert that covered the claim
    title: str | None  # the claim's headline in that alert
    status: str | None  # that alert's status (muted, delivered, ...)
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    muted_until: date | None  # set while the claim is muted

    @property
    def acknowledged(self) -> bool:
        return self.acknowledged_at is not None


def _has_tables(con) -> bool:
    names = {r[0] for r in con.execute(
        "select table_name from information_schema.tables where table_catalog = current_database()").fetchall()}
    return {"alert_claims", "alert_acks", "claim_mutes"} <= names


def alert_states(con: duckdb.DuckDBPyConnection, today: date | None = None) -> dict[tuple[str, str], ClaimAlertState]:
    """Per (article id, claim id): the claim's newest alert, whether that alert is acknowledged, and whether the
    claim is muted today (claim ids are unique only within their article).

    Reads only (a read-only store will do); a store written before these tables existed has no states. A mute
    migrated without its article ('') shows on that claim id in every article that has an alert for it, else
    under article ''.
    """
    if not _has_tables(con):
        return {}
    today = today or date.today()
    keyed = "article_id" in {r[0] for r in con.execute(
        "select column_name from information_schema.columns where table_catalog = current_database()"
        " and table_name = 'claim_mutes'").fetchall()}
    alerts = dict_rows(con.execute(
        """with newest as (
               select article_id, claim_id, max(alert_id) as alert_id from alert_claims group by article_id, claim_id)
           select n.article_id, n.claim_id, n.alert_id, c.title, a.status, k.acked_at, k.acked_by
           from newest as n
           join alert_claims as c using (article_id, claim_id, alert_id)
           join alerts as a using (alert_id)
           left join alert_acks as k using (alert_id)"""))
    article = "article_id" if keyed else "''"  # a read-only store not migrated yet: its mutes by claim id alone
    mutes = con.execute(f"select {article}, claim_id, muted_until from claim_mutes where muted_until > ?"
                        " order by 1", [today]).fetchall()  # '' first: an article's own mute wins
    until = {}
    for article_id, claim_id, day in mutes:
        keys = [(r["article_id"], claim_id) for r in alerts if r["claim_id"] == claim_id] if not article_id else []
        for key in keys or [(article_id, claim_id)]:
            until[key] = day
    states = {(r["article_id"], r["claim_id"]): ClaimAlertState(
        r["article_id"], r["claim_id"], r["alert_id"], r["title"], r["status"], r["acked_at"], r["acked_by"],
        until.get((r["article_id"], r["claim_id"]))) for r in alerts}
    for key, day in until.items():
        states.setdefault(key, ClaimAlertState(*key, None, None, None, None, None, day))
    return states
