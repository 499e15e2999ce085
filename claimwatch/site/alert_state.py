"""What editors did about a claim's alerts, in the words the status site prints (pure: from alerts/states.py)."""

from __future__ import annotations

from datetime import timezone

from claimwatch.alerts.states import ClaimAlertState


def claim_state(states: dict, article_id: str, claim_id: str) -> ClaimAlertState | None:
    """A claim's state in `alert_states`' answer, keyed by (article_id, claim_id): the one place the site looks one
    up. A mute migrated from a store older than per-article mutes has article '' and applies in every article."""
    return states.get((article_id, claim_id)) or states.get(("", claim_id))


def ack_words(state: ClaimAlertState | None) -> str:
    """'acknowledged by ana on 2025-04-11' for the claim's newest alert, else ''."""
    if state is None or not state.acknowledged:
        return ""
    when = state.acknowledged_at
    day = (when.astimezone(timezone.utc) if when.tzinfo else when).date().isoformat()
    return f"acknowledged by {state.acknowledged_by or 'an editor'} on {day}"


def mute_words(state: ClaimAlertState | None) -> str:
    """'muted until 2025-05-01' while the claim is muted, else ''."""
    return f"muted until {state.muted_until.isoformat()}" if state is not None and state.muted_until else ""


def state_words(state: ClaimAlertState | None) -> str:
    """What editors did, for a line of the attention list: 'acknowledged by … on … · muted until …', or ''."""
    return " · ".join(w for w in (ack_words(state), mute_words(state)) if w)


def newest_alert_words(state: ClaimAlertState | None) -> str:
    """The claim page's line on its newest alert: its headline and status, and whether it was acknowledged."""
    if state is None:
        return ""
    parts = []
    if state.alert_id is not None:
        told = "changes recorded, not posted" if state.status == "muted" else state.status
        parts.append(f"Newest alert ({state.alert_id}, {told}): {state.title}")
        parts.append(ack_words(state) or f"not acknowledged yet (claimwatch alerts --ack {state.alert_id})")
    if state.muted_until:
        parts.append(f"{mute_words(state)}: its changes are recorded and not posted to Slack before then")
    return " · ".join(parts)
