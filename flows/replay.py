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

from claimwatch.alerts.notify import replay_plan
from claimwatch.audit import run_docs_dir
from claimwatch.errors import StoreBusyError
from claimwatch import config
from claimwatch.run_lock import run_lock
from claimwatch.store.location import parse_store
from claimwatch.sources import all_sources
from flows.tasks import (build_data_docs, collect_alerts_task, evaluate_claims, publish_release, send_alerts,
                         stage_recorded_release, to_terminal, validate_release)

DEFAULT_REPLAY_DB = Path("data") / "replay.duckdb"


@task(name="plan-replay", cache_policy=NO_CACHE)
def plan_replay(releases: str, sources: list[str] | None) -> tuple[list[tuple[str, str]], list[dict]]:
    """The recorded releases in publication order (source, entry), and the entries that cannot be read."""
    chosen = [s for name, s in all_sources().items() if not sources or name in sources]
    planned, failed = replay_plan(Path(releases), chosen)
    return [(source.name, str(entry)) for source, entry, _ in planned], [asdict(o) for o in failed]


def replay_one(db: str, source_name: str, entry: str, docs_dir: str, charts: bool) -> dict:
    """One recorded release through the pipeline's steps, one task each: stage, validate, publish, evaluate, collect."""
    outcome = stage_recorded_release(db, source_name, entry)
    if outcome["status"] == "staged":
        validation = validate_release(outcome["release_id"], db, docs_dir)
        outcome = {**publish_release(outcome["release_id"], db), "warnings": validation["warnings"]}
    alerts = collect_alerts_task(db, evaluate_claims(db), [outcome], check_schedule=False, charts=charts)
    return {**outcome, "alerts": alerts}


@flow(name="replay", log_prints=True)
def replay(releases: str, db: str | None = None, sources: list[str] | None = None, send: bool = False,
           slack_channel: str | None = None, charts: bool = True) -> list[dict]:
    """Replay recorded releases one by one; return each release's outcome with the alerts it produced."""
    db = str(db or DEFAULT_REPLAY_DB)
    try:
        with run_lock(db):
            planned, steps = plan_replay(releases, sources)
            docs_dir = str(run_docs_dir(parse_store(db, config.data_path()).home / "validation-docs"))
            for source_name, entry in planned:
                steps.append(replay_one(db, source_name, entry, docs_dir, charts))
            build_data_docs(docs_dir)
            alert_ids = [a for step in steps for a in step.get("alerts", [])]
            deliveries = send_alerts(db, slack_channel, alert_ids, to_slack=send)
    except StoreBusyError as exc:
        get_run_logger().error("busy: %s", exc)
        return Failed(message=f"busy: {exc}")
    to_terminal(f"Replayed {len(planned)} release(s) from {releases} into {db}: {len(alert_ids)} alert(s), "
                f"{sum(d['status'] == 'delivered' for d in deliveries)} sent to Slack")
    return steps
