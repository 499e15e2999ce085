"""The `monthly-check` flow: for every source, discover -> fetch (skip if unchanged) -> stage -> validate -> publish,
then evaluate every claim of every catalog, write the alerts due to the outbox and deliver them.
"""

from __future__ import annotations

import os
from dataclasses import asdict

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from prefect import flow, get_run_logger, task  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402

from claimwatch import config  # noqa: E402
from claimwatch.audit import Auditor, run_docs_dir  # noqa: E402
from claimwatch.alerts.collect import collect_alerts  # noqa: E402
from claimwatch.alerts.notify import notify_failure, run_label, send_due  # noqa: E402
from claimwatch.alerts.settings import SlackSettings, settings_from_env  # noqa: E402
from claimwatch.claims.catalog import load_catalogs  # noqa: E402
from claimwatch.ingest import Outcome, stage_live, stage_recorded  # noqa: E402
from claimwatch.sources import all_sources  # noqa: E402
from claimwatch.store import open_store  # noqa: E402
from claimwatch.validation import Validator  # noqa: E402

# One Great Expectations context per run (keyed by its Data Docs folder), shared by the run's validate tasks.
_VALIDATORS: dict[str, Validator] = {}


def _validator(docs_dir: str) -> Validator:
    if docs_dir not in _VALIDATORS:
        _VALIDATORS[docs_dir] = Validator(docs_dir)
    return _VALIDATORS[docs_dir]


@task(name="stage-source", cache_policy=NO_CACHE, timeout_seconds=1800)
def stage_source(source_name: str, db: str, releases: str | None, mirror: str | None) -> tuple[list[dict], list[str]]:
    """Write one source's newest release (or its recorded releases) as staged; return outcomes and ids to audit."""
    source = all_sources(config.mirror_url(mirror))[source_name]
    with open_store(db) as store:
        outcomes = stage_recorded(store, releases, [source]) if releases else stage_live(store, [source])
        return [asdict(o) for o in outcomes], store.staged(source_name)


@task(name="validate-release", cache_policy=NO_CACHE, timeout_seconds=1800)
def validate_release(release_id: str, db: str, docs_dir: str) -> dict:
    """Run the release's expectation suites and record the results in the store."""
    with open_store(db) as store:
        validation = Auditor(store, docs_dir, _validator(docs_dir)).validate(release_id)
    return {"outcome": validation.outcome, "warnings": len(validation.warnings), "summary": validation.summary()}


@task(name="publish-release", cache_policy=NO_CACHE)
def publish_release(release_id: str, db: str) -> dict:
    """Publish the release, or quarantine it when its validation found an error; return its outcome."""
    with open_store(db) as store:
        status = Auditor(store).publish(release_id)
        r = store.release(release_id)
    return asdict(Outcome(r["source"], r["release_label"], status, release_id, r["row_count"], r["data_through"], r["reason"] or ""))


@task(name="build-data-docs", cache_policy=NO_CACHE)
def build_data_docs(docs_dir: str) -> str | None:
    """Render the run's validations as Great Expectations Data Docs."""
    validator = _VALIDATORS.pop(docs_dir, None)
    path = validator.build_docs() if validator else None
    return str(path) if path else None


@task(name="collect-alerts", cache_policy=NO_CACHE)
def collect_alerts_task(db: str, outcomes: list[dict], check_schedule: bool) -> tuple[list[dict], list[int]]:
    """Evaluate every catalog claim, record the evaluations, and write the alerts due to the outbox."""
    with open_store(db) as store:
        collected = collect_alerts(store.con, load_catalogs(), [Outcome(**o) for o in outcomes],
                                   check_schedule=check_schedule)
    verdicts = [{"article": a, **asdict(v)} for a, vs in collected.verdicts.items() for v in vs]
    return verdicts, collected.new_alerts


@task(name="send-alerts", cache_policy=NO_CACHE, retries=0, timeout_seconds=600)
def send_alerts(db: str, slack_channel: str | None) -> list[dict]:
    """Deliver every pending alert (Slack when configured, else the terminal); failures stay pending."""
    with open_store(db) as store:
        return [asdict(d) for d in send_due(store, slack_settings(slack_channel))]


SECRET_BLOCKS = {"token": "claimwatch-slack-bot-token", "channel": "claimwatch-slack-channel",
                 "webhook_url": "claimwatch-slack-webhook-url"}


def slack_settings(channel: str | None = None) -> SlackSettings:
    """Slack settings from Prefect Secret blocks where they exist, else the environment; a channel parameter wins."""
    from prefect.blocks.system import Secret

    values = {}
    for name, block in SECRET_BLOCKS.items():
        try:
            values[name] = Secret.load(block, _sync=True).get()
        except Exception:  # noqa: BLE001 - no such block: fall back to the environment
            values[name] = None
    values["channel"] = channel or values["channel"]
    return settings_from_env(**values)


@flow(name="monthly-check", log_prints=True)
def monthly_check(
    db: str | None = None,
    releases: str | None = None,
    sources: list[str] | None = None,
    mirror: str | None = None,
    docs_dir: str | None = None,
    slack_channel: str | None = None,
) -> list[dict]:
    """Stage, validate and publish every source, one task at a time (DuckDB has a single writer), then alert."""
    db = str(config.db_path(db))
    try:
        return _monthly_check(db, releases, sources, mirror, docs_dir, slack_channel)
    except ReleasesNotPublished:
        raise  # already alerted, release by release
    except Exception as exc:
        notify_failure(db, f"monthly-check {run_label()}", exc, slack_settings(slack_channel))
        raise


class ReleasesNotPublished(RuntimeError):
    """Some releases were rejected, quarantined or could not be fetched (each has its own alert)."""


def _monthly_check(db, releases, sources, mirror, docs_dir, slack_channel) -> list[dict]:
    logger = get_run_logger()
    docs_dir = docs_dir or str(run_docs_dir(config.db_path(db).parent / "validation-docs"))
    outcomes: list[dict] = []
    for name in sources or list(all_sources()):
        staged, to_audit = stage_source(name, db, releases, mirror)
        outcomes.extend(o for o in staged if o["status"] != "staged")
        for release_id in to_audit:
            validation = validate_release(release_id, db, docs_dir)
            outcome = publish_release(release_id, db)
            outcomes.append({**outcome, "detail": outcome["detail"] or validation["summary"], "warnings": validation["warnings"]})
    docs = build_data_docs(docs_dir)
    verdicts, new_alerts = collect_alerts_task(db, outcomes, check_schedule=releases is None)
    counts = {v: sum(1 for x in verdicts if x["verdict"] == v) for v in ("holds", "fails", "unknown", "not_checkable")}
    print("Claims: " + ", ".join(f"{n} {v}" for v, n in counts.items()) + f"; {len(new_alerts)} new alert(s)")
    deliveries = send_alerts(db, slack_channel)
    for o in outcomes:
        logger.info("%s %s: %s %s", o["source"], o["label"] or "-", o["status"], o["detail"])
    if docs:
        print(f"Great Expectations Data Docs: {docs}")
    undelivered = [d for d in deliveries if d["status"] not in ("delivered", "printed")]
    if undelivered:
        logger.warning("%d alert(s) not delivered yet; they stay in the outbox for the next run", len(undelivered))
    bad = [Outcome(**o) for o in outcomes if o["status"] in ("rejected", "failed", "quarantined")]
    if bad:
        summary = "; ".join(f"{o.source} {o.label or ''}: {o.status} ({o.detail})" for o in bad)
        raise ReleasesNotPublished(f"{len(bad)} of {len(outcomes)} releases not published: {summary}")
    return outcomes


if __name__ == "__main__":
    monthly_check()
