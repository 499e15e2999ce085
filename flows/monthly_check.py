"""The `monthly-check` flow: for every source, discover -> fetch (skip if unchanged) -> stage -> validate -> publish,
then evaluate what the new releases change, write the alerts due to the outbox, deliver them and build the site:
the steps of claimwatch/pipeline.py, one task each.

Sources are independent: one whose tasks fail ends as a 'failed' outcome and the others go on; the run then
ends Failed with a summary. On a DuckDB file store a run holds the store's run lock (shared with every writing
command) throughout: a second run started meanwhile waits up to `lock_wait_seconds`, then ends Failed
("busy: ...") without touching the database, so an operator can alert on it.

On a shared DuckLake store (CLAIMWATCH_STORE=ducklake:postgres:…) the sources run at once: each source's
stage -> validate -> publish is one `check-source` task, run by a process pool (`workers`, default one per core)
in a `check-sources` subflow, holding the source's lock in the store (claimwatch/store/source_lock.py) and tagged
`source:<name>`: the tag concurrency limit `source:<name>` (limit 1, made when missing) lets one run of a source
at a time across every deployment. A source another run holds past `lock_wait_seconds` is reported busy; the
others go on, and the run ends Failed ("busy: ..."). Evaluation, alerts and the site follow once, after every
source. The catalog's password comes from the Secret block `claimwatch-store-password` into $PGPASSWORD.
"""

from __future__ import annotations

from pathlib import Path

import os

from prefect import flow, get_run_logger
from prefect.states import Failed
from prefect.task_runners import ProcessPoolTaskRunner

from claimwatch import config
from claimwatch.alerts.notify import notify_failure, run_label
from claimwatch.audit import run_docs_dir
from claimwatch.claims.judge import VERDICTS
from claimwatch.errors import StoreBusyError
from claimwatch.ingest import Outcome
from claimwatch.parallel import worker_threads
from claimwatch.run_lock import run_lock
from claimwatch.sources import all_sources
from claimwatch.store import open_store
from claimwatch.store.location import parse_store
from flows.tasks import (build_data_docs, build_site_task, check_source_task, collect_alerts_task,
                         ensure_source_limits, evaluate_claims, publish_release, send_alerts, slack_settings,
                         source_tag, stage_live_sources, stage_source, store_password, validate_release)

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
    workers: int | None = None,
):
    """Fetch every live source at once, then stage, validate and publish them one at a time (one writer), then
    alert; on a DuckLake store, stage, validate and publish the sources at once (`workers` processes), then alert."""
    location = config.db_path(db)  # a DuckDB file's Path, or a DuckLake's StoreLocation
    if getattr(location, "is_lake", False):
        store_password()  # before the store is opened, and before the task processes start (they inherit it)
    db = str(location)
    try:
        with run_lock(db, wait_seconds=lock_wait_seconds):
            open_store(db).close()  # another program holding the file (DuckDB's own lock) is busy too, before any task
            return _monthly_check(db, releases, sources, mirror, docs_dir, slack_channel, site, workers,
                                  lock_wait_seconds)
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


@flow(name="check-sources", task_runner=ProcessPoolTaskRunner())
def check_sources(names: list[str], db: str, releases: str | None, mirror: str | None, docs_dir: str,
                  lock_wait_seconds: float = 0, threads: int | None = None) -> tuple[list[dict], dict[str, str], list[str]]:
    """Every source's check-source task at once (a DuckLake store), each tagged `source:<name>`: the outcomes in the
    sources' order, the sources another run held (busy), and the Data Docs written."""
    futures = {name: check_source_task.with_options(tags=[source_tag(name)]).submit(
        name, db, releases, mirror, docs_dir, lock_wait_seconds, threads) for name in names}
    outcomes, busy, docs = [], {}, []
    for name, future in futures.items():
        try:
            done = future.result()
        except StoreBusyError as exc:
            busy[name] = str(exc)
            continue
        except Exception as exc:  # noqa: BLE001 - the other sources go on; this one is reported and alerted
            get_run_logger().error("source %s failed: %s", name, exc)
            outcomes.append(Outcome(name, "", "failed", detail=f"{type(exc).__name__}: {exc}").__dict__)
            continue
        outcomes += done["outcomes"]
        docs += [done["docs"]] if done["docs"] else []
    return outcomes, busy, docs


def _check_at_once(names, db, releases, mirror, docs_dir, workers, lock_wait_seconds):
    """On a DuckLake: the sources' limits made where missing, then every source at once in worker processes."""
    made = ensure_source_limits(names)
    if made:
        get_run_logger().info("made tag concurrency limits (1 run at a time): %s", ", ".join(made))
    workers = max(1, min(len(names), workers or os.cpu_count() or 1))
    run = check_sources.with_options(task_runner=ProcessPoolTaskRunner(max_workers=workers))
    return run(names, db, releases, mirror, docs_dir, lock_wait_seconds, worker_threads(workers))


def _monthly_check(db, releases, sources, mirror, docs_dir, slack_channel, site, workers=None,
                   lock_wait_seconds=0) -> list[dict]:
    logger = get_run_logger()
    location = parse_store(db, config.data_path())
    docs_dir = str(Path(docs_dir).resolve()) if docs_dir else str(run_docs_dir(location.home / "validation-docs"))
    outcomes: list[dict] = []
    names = sources or list(all_sources())
    busy: dict[str, str] = {}
    if location.is_lake:
        outcomes, busy, pages = _check_at_once(names, db, releases, mirror, docs_dir, workers, lock_wait_seconds)
        docs = ", ".join(pages) or None
    else:
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
    for name, text in busy.items():
        logger.error("busy: %s", text)
    bad = [Outcome(**o) for o in outcomes if o["status"] in PROBLEMS]
    if busy and not bad:
        return Failed(message="busy: " + "; ".join(busy.values()))
    if bad:
        summary = "; ".join(f"{o.source} {o.label or ''}: {o.status} ({o.detail})" for o in bad)
        raise ReleasesNotPublished(f"{len(bad)} of {len(outcomes)} releases not published: {summary}")
    return outcomes


if __name__ == "__main__":
    monthly_check()
