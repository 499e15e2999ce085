"""What editors said about alerts: acknowledged alerts (`--ack ID`) and muted claims (`--mute CLAIM --until DATE`).

A muted claim's changes are still judged, recorded in the outbox (status `muted`) and remembered as told, but not
posted; from the `--until` day on, its changes post again. `alert_states` is what the status site shows.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from datetime import date, datetime, timezone

import duckdb

from claimwatch.errors import ClaimwatchError
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
    con.execute("insert or replace into alert_acks values (?, ?, ?)", [alert_id, datetime.now(timezone.utc), _who()])


def mute(con: duckdb.DuckDBPyConnection, claim_id: str, until: date, known: set[str]) -> None:
    """Mute a claim until a day (exclusive): its changes are recorded, not posted, before then."""
    if claim_id not in known:
        raise ClaimwatchError(f"no claim {claim_id!r} in the catalogs; known: {', '.join(sorted(known))}")
    con.execute("insert or replace into claim_mutes values (?, ?, ?, ?)",
                [claim_id, until, datetime.now(timezone.utc), _who()])


def muted_claims(con: duckdb.DuckDBPyConnection, today: date) -> dict[str, date]:
    """Claims muted on `today`, with the day they post again."""
    return dict(con.execute("select claim_id, muted_until from claim_mutes where muted_until > ?", [today]).fetchall())


@dataclass(frozen=True)
class ClaimAlertState:
    """A claim's newest alert and what editors did about it, for the status site."""

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
    names = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
    return {"alert_claims", "alert_acks", "claim_mutes"} <= names


def alert_states(con: duckdb.DuckDBPyConnection, today: date | None = None) -> dict[str, ClaimAlertState]:
    """Per claim: its newest alert, whether that alert is acknowledged, and whether the claim is muted today.

    Reads only (a read-only store will do); a store written before these tables existed has no states.
    """
    if not _has_tables(con):
        return {}
    today = today or date.today()
    rows = dict_rows(con.execute(
        """with newest as (
               select claim_id, max(alert_id) as alert_id from alert_claims group by claim_id)
           select coalesce(n.claim_id, m.claim_id) as claim_id, n.alert_id, c.title, a.status, k.acked_at, k.acked_by, m.muted_until
           from newest as n
           join alert_claims as c using (claim_id, alert_id)
           join alerts as a using (alert_id)
           left join alert_acks as k using (alert_id)
           full join (select * from claim_mutes where muted_until > ?) as m using (claim_id)""", [today]))
    return {r["claim_id"]: ClaimAlertState(r["claim_id"], r["alert_id"], r["title"], r["status"], r["acked_at"],
                                           r["acked_by"], r["muted_until"]) for r in rows}
