"""Alerts built from real verdicts of the recorded store, and outboxes to deliver them from."""

from __future__ import annotations

from claimwatch.alerts import compose
from claimwatch.alerts.collect import _verdict_change, source_files
from claimwatch.alerts.outbox import Outbox
from claimwatch.alerts.settings import SlackSettings
from claim_support import OPED, catalog_by_id
from claimwatch.claims.history import claim_history
from claimwatch.store import open_store

TOKEN = "xoxb-test-secret-token"
CHANNEL = "#claims-desk-secret"


def catalog():
    """The op-ed's catalog: these alerts are built from its claims' real changes."""
    return catalog_by_id(OPED)


def real_change(con, claim_id: str, mode: str):
    """The first change of verdict (primary reading) in the claim's history on the recorded store.

    Returns (before, after, why, every verdict of the claim as of that release).
    """
    history = claim_history(con, catalog().claim(claim_id))
    steps = [s for s in history if s.verdict.mode == mode and s.verdict.primary]
    for before, after in zip(steps, steps[1:]):
        if before.verdict.verdict != after.verdict.verdict:
            current = [s.verdict for s in history if s.release_id == after.release_id]
            return before.verdict, after.verdict, after.change, current
    raise AssertionError(f"{claim_id} ({mode}) never changes verdict in the recorded vintages")


def claim_change_alert(con, claim_id: str, mode: str, key: str, chart: bytes | None = None, flip: bool = False):
    """A claim alert for a real change (or the same change undone, with `flip`)."""
    before, after, why, current = real_change(con, claim_id, mode)
    if flip:
        before, after, why = after, before, f"back to {before.verdict}"
        current = [after if (v.reading, v.mode) == (after.reading, after.mode) else v for v in current]
    cat = catalog()
    event = compose.ClaimEvent(_verdict_change(before, after), before, after, why)
    return compose.claim_alert(key, cat.article, cat.claim(claim_id), [event], current,
                               source_files(con, after.vintages), chart)


def bot_settings(server, **extra) -> SlackSettings:
    return SlackSettings(token=server.token, channel=CHANNEL, api_url=server.api_url, **extra)


def outbox_with(path, alerts) -> tuple[object, Outbox, list[int]]:
    """A fresh store at `path` with these alerts written to its outbox."""
    store = open_store(path)
    outbox = Outbox(store.con)
    return store, outbox, [outbox.enqueue(a)[0] for a in alerts]


def add_release(store, shared_data, tmp_path, folder: str, name: str):
    """Put one recorded release in the store's releases folder and ingest it; its outcome."""
    import os

    from claimwatch.pipeline import ingest_recorded
    from claimwatch.sources import all_sources

    target = tmp_path / "releases" / folder
    target.mkdir(parents=True, exist_ok=True)
    os.symlink(shared_data / folder / name, target / name)
    (outcome,) = [o for o in ingest_recorded(store, tmp_path / "releases", all_sources().values()) if o.status != "unchanged"]
    assert outcome.status == "published", outcome
    return outcome
