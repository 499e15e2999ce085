"""The `monthly-check` flow: for every source, discover -> fetch (skip if unchanged) -> stage -> validate -> publish,
then evaluate what the new releases change, write the alerts due to the outbox, deliver them and build the site:
the steps of claimwatch/pipeline.py, one task each.

Sources are independent: one whose tasks fail ends as a 'failed' outcome and the others go on; the run then
ends Failed with a summary. A run holds the store's run lock (shared with every writing command) throughout: a
second run started meanwhile waits up to `lock_wait_seconds`, then ends Failed ("busy: ...") without touching the
database, so an operator can alert on it.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger
from prefect.states import Failed

from claimwatch import config
from claimwatch.alerts.notify import notify_failure, run_label
from claimwatch.audit import run_docs_dir
from claimwatch.claims.judge import VERDICTS
from claimwatch.errors import StoreBusyError
from claimwatch.ingest import Outcome
from claimwatch.run_lock import run_lock
from claimwatch.sources import all_sources
from claimwatch.store import open_store
from flows.tasks import (build_data_docs, build_site_task, collect_alerts_task, evaluate_claims, publish_release,
                         send_alerts, slack_settings, stage_live_sources, stage_source, validate_release)

PROBLEMS = ("rejected", "failed", "quarantined")


class ReleasesNotPublished(RuntimeError):
    """Some releases were rejected, quarantined or could not be fetched (each has its own alert)."""


@flow(name="monthly-check", log_prints=True)
def monthly_check(
    db: str | None = None,
    releases: str | None = None,
    sources: list[str] | None = None,
    mirror: str | None = None,
    docs_dir: str | None = None,
    slack_channel: str | None = None,
    lock_wait_seconds: float = 0,
    site: str | None = None,
):
    """Fetch every live source at once, then stage, validate and publish them one at a time (one writer), then alert."""
    db = str(config.db_path(db))
    try:
        with run_lock(db, wait_seconds=lock_wait_seconds):
            open_store(db).close()  # another program holding the file (DuckDB's own lock) is busy too, before any task
            return _monthly_check(db, releases, sources, mirror, docs_dir, slack_channel, site)
    except StoreBusyError as exc:
        get_run_logger().error("busy: %s", exc)
        return Failed(message=f"busy: {exc}")
    except ReleasesNotPublished:
        raise  # already alerted, release by release
    except Exception as exc:
        notify_failure(db, f"monthly-check {run_label()}", exc, slack_settings(slack_channel))
        raise


def check_source(name: str, db: str, releases: str | None, mirror: str | None, docs_dir: str,
                 fetched: tuple[list[dict], list[str]] | None = None) -> list[dict]:
    """One source's releases through stage -> validate -> publish; a task that fails makes a 'failed' outcome.

    `fetched`: what a live run already staged for the source (all sources are fetched at once, see below).
    """
    stage = stage_source.with_options(retries=0) if releases else stage_source  # a folder needs no network retries
    try:
        staged, to_audit = fetched if fetched is not None else stage(name, db, releases, mirror)
        outcomes = [o for o in staged if o["status"] != "staged"]
        for release_id in to_audit:
            validation = validate_release(release_id, db, docs_dir)
            outcome = publish_release(release_id, db)
            outcomes.append({**outcome, "detail": outcome["detail"] or validation["summary"],
                             "warnings": validation["warnings"]})
        return outcomes
    except StoreBusyError:
        raise  # the store is busy for every source: the run ends busy
    except Exception as exc:  # noqa: BLE001 - the other sources go on; this one is reported and alerted
        get_run_logger().error("source %s failed: %s", name, exc)
        return [Outcome(name, "", "failed", detail=f"{type(exc).__name__}: {exc}").__dict__]


def _fetch_live(names: list[str], db: str, mirror: str | None) -> dict[str, tuple[list[dict], list[str]]]:
    """Every source's network waits at once, each within $CLAIMWATCH_SOURCE_FETCH_SECONDS; staging stays one at a time.

    If this fails as a whole, each source falls back to its own stage task (with its network retries).
    """
    try:
        return stage_live_sources(names, db, mirror)
    except StoreBusyError:
        raise
    except Exception as exc:  # noqa: BLE001 - the per-source tasks try again, one by one
        get_run_logger().error("fetching all sources at once failed (%s); staging them one by one", exc)
        return {}


def _monthly_check(db, releases, sources, mirror, docs_dir, slack_channel, site) -> list[dict]:
    logger = get_run_logger()
    docs_dir = str(Path(docs_dir).resolve()) if docs_dir else str(run_docs_dir(Path(db).parent / "validation-docs"))
    outcomes: list[dict] = []
    names = sources or list(all_sources())
    fetched = _fetch_live(names, db, mirror) if releases is None else {}
    for name in names:
        outcomes += check_source(name, db, releases, mirror, docs_dir, fetched.get(name))
    docs = build_data_docs(docs_dir)
    evaluated = evaluate_claims(db)
    new_alerts = collect_alerts_task(db, evaluated, outcomes, check_schedule=releases is None)
    verdicts = [v for vs in evaluated.verdicts.values() for v in vs]
    counts = {v: sum(1 for x in verdicts if x.verdict == v) for v in VERDICTS}
    print("Claims: " + ", ".join(f"{n} {v}" for v, n in counts.items()) + f"; {len(new_alerts)} new alert(s)")
    deliveries = send_alerts(db, slack_channel)
    print(f"Claims status site: {build_site_task(db, site)}")
    for o in outcomes:
        logger.info("%s %s: %s %s", o["source"], o["label"] or "-", o["status"], o["detail"])
    if docs:
        print(f"Great Expectations Data Docs: {docs}")
    undelivered = [d for d in deliveries if d["status"] not in ("delivered", "printed")]
    if undelivered:
        logger.warning("%d alert(s) not delivered yet; they stay in the outbox for the next run", len(undelivered))
    bad = [Outcome(**o) for o in outcomes if o["status"] in PROBLEMS]
    if bad:
        summary = "; ".join(f"{o.source} {o.label or ''}: {o.status} ({o.detail})" for o in bad)
        raise ReleasesNotPublished(f"{len(bad)} of {len(outcomes)} releases not published: {summary}")
    return outcomes


if __name__ == "__main__":
    monthly_check()
