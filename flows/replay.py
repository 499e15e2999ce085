"""The `replay` flow: ingest a folder of recorded releases in publication order, collecting alerts after each.

The backtest of "what would the monitor have said each month". It writes to its own store by default
(`data/replay.duckdb`), so the monitor's notices are untouched; alerts go to the outbox and the terminal,
and to Slack only with `send=True`.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.states import Failed

from claimwatch.alerts.deliver import deliver
from claimwatch.alerts.notify import replay_plan, replay_release
from claimwatch.alerts.outbox import Outbox
from claimwatch.alerts.settings import SlackSettings
from claimwatch.audit import Auditor
from claimwatch.claims.catalog import load_catalogs
from claimwatch.errors import StoreBusyError
from claimwatch.run_lock import run_lock
from claimwatch.sources import all_sources
from claimwatch.store import open_store
from flows.tasks import slack_settings, to_terminal

DEFAULT_REPLAY_DB = Path("data") / "replay.duckdb"


@task(name="plan-replay", cache_policy=NO_CACHE)
def plan_replay(releases: str, sources: list[str] | None) -> tuple[list[tuple[str, str]], list[dict]]:
    """The recorded releases in publication order (source, entry), and the entries that cannot be read."""
    chosen = [s for name, s in all_sources().items() if not sources or name in sources]
    planned, failed = replay_plan(Path(releases), chosen)
    return [(source.name, str(entry)) for source, entry, _ in planned], [asdict(o) for o in failed]


@task(name="replay-release", cache_policy=NO_CACHE, timeout_seconds=1800)
def replay_one(db: str, source_name: str, entry: str, charts: bool) -> dict:
    """Ingest one recorded release and collect the alerts it calls for."""
    source = all_sources()[source_name]
    with open_store(db) as store:
        step = replay_release(store, source, source.recorded(Path(entry)), load_catalogs(), Auditor(store), charts)
    return {**asdict(step.outcome), "alerts": step.alert_ids}


@task(name="deliver-replay-alerts", cache_policy=NO_CACHE, timeout_seconds=600)
def deliver_alerts(db: str, alert_ids: list[int], send: bool, slack_channel: str | None) -> list[dict]:
    """Print the replay's alerts (and send them to Slack when asked)."""
    settings = slack_settings(slack_channel) if send else SlackSettings()
    with open_store(db) as store:
        return [asdict(d) for d in deliver(Outbox(store.con), settings, to_terminal, alert_ids)]


@flow(name="replay", log_prints=True)
def replay(releases: str, db: str | None = None, sources: list[str] | None = None, send: bool = False,
           slack_channel: str | None = None, charts: bool = True) -> list[dict]:
    """Replay recorded releases one by one; return each release's outcome with the alerts it produced."""
    db = str(db or DEFAULT_REPLAY_DB)
    try:
        with run_lock(db):
            planned, steps = plan_replay(releases, sources)
            for source_name, entry in planned:
                steps.append(replay_one(db, source_name, entry, charts))
            alert_ids = [a for step in steps for a in step.get("alerts", [])]
            deliveries = deliver_alerts(db, alert_ids, send, slack_channel)
    except StoreBusyError as exc:
        get_run_logger().error("busy: %s", exc)
        return Failed(message=f"busy: {exc}")
    to_terminal(f"Replayed {len(planned)} release(s) from {releases} into {db}: {len(alert_ids)} alert(s), "
                f"{sum(d['status'] == 'delivered' for d in deliveries)} sent to Slack")
    return steps
