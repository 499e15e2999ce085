"""The tasks the flows share: each opens the store and runs exactly one step of claimwatch/pipeline.py."""

from __future__ import annotations

import os
import sys
from dataclasses import asdict

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from prefect import task  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.tasks import exponential_backoff  # noqa: E402

from claimwatch import config, pipeline  # noqa: E402
from claimwatch.alerts.settings import SlackSettings, settings_from_env  # noqa: E402
from claimwatch.audit import Auditor  # noqa: E402
from claimwatch.claims.catalog import load_catalogs  # noqa: E402
from claimwatch.claims.steps import Evaluated  # noqa: E402
from claimwatch.ingest import Outcome, probe_live, stage_candidate  # noqa: E402
from claimwatch.sources import all_sources  # noqa: E402
from claimwatch.store import open_store  # noqa: E402
from claimwatch.validation import Validator  # noqa: E402

# One Great Expectations context per run (keyed by its Data Docs folder), shared by the run's validate tasks.
_VALIDATORS: dict[str, Validator] = {}


def release_words(release_id: str) -> str:
    """A release id as a run log names it: 'cbp_encounters/fy23-fy26-nov@5b8fbc01' -> 'cbp_encounters fy23-fy26-nov'."""
    source, _, label = release_id.partition("/")
    return f"{source} {label.split('@')[0]}".strip()


def run_name(verb: str, describe) -> callable:
    """A task_run_name: the verb and what the run works on, from the task's parameters ("validate cbp_encounters
    fy23-fy26-nov"), so run logs name the source and release, not only Prefect's ids."""
    def name() -> str:
        from prefect.runtime import task_run

        return f"{verb} {describe(task_run.parameters)}"
    return name


def _validator(docs_dir: str) -> Validator:
    if docs_dir not in _VALIDATORS:
        _VALIDATORS[docs_dir] = Validator(docs_dir)
    return _VALIDATORS[docs_dir]


@task(name="stage-source", task_run_name=run_name("stage", lambda p: p["source_name"]), cache_policy=NO_CACHE, timeout_seconds=1800, retries=2,
      retry_delay_seconds=exponential_backoff(backoff_factor=30), retry_jitter_factor=0.5)
def stage_source(source_name: str, db: str, releases: str | None, mirror: str | None) -> tuple[list[dict], list[str]]:
    """Write one source's newest release (or its recorded releases) as staged; return outcomes and ids to audit."""
    source = all_sources(config.mirror_url(mirror))[source_name]
    with open_store(db) as store:
        outcomes = pipeline.stage(store, [source], releases)
        return [asdict(o) for o in outcomes], store.staged(source_name)


@task(name="check-source", task_run_name=run_name("check", lambda p: p["source_name"]), cache_policy=NO_CACHE,
      timeout_seconds=3600)
def check_source_task(source_name: str, db: str, releases: str | None, mirror: str | None, docs_dir: str,
                      lock_wait_seconds: float = 0, threads: int | None = None) -> dict:
    """One source's stage -> validate -> publish, whole, under its lock in the store (a DuckLake store, where the
    sources run at once: flows/monthly_check.py tags this task `source:<name>`), with at most `threads` DuckDB
    threads (the cores shared among the workers). Its own Data Docs go to `docs_dir/<source>`. Returns
    {"outcomes": [...], "docs": index or None}; StoreBusyError when another run holds the source."""
    from pathlib import Path

    source = all_sources(config.mirror_url(mirror))[source_name]
    with open_store(db, threads=threads) as store:
        auditor = Auditor(store, Path(docs_dir) / source_name)
        outcomes = pipeline.ingest_source(store, source, releases=Path(releases) if releases else None,
                                          auditor=auditor, lock_wait_seconds=lock_wait_seconds)
        docs = auditor.finish()
    return {"outcomes": [asdict(o) for o in outcomes], "docs": str(docs) if docs else None}


@task(name="stage-live-sources", task_run_name=run_name("stage", lambda p: ", ".join(p["source_names"])),
      cache_policy=NO_CACHE, timeout_seconds=1800)
def stage_live_sources(source_names: list[str], db: str, mirror: str | None) -> dict[str, tuple[list[dict], list[str]]]:
    """Fetch every source's newest release at once (each within its time limit), then stage them one by one."""
    sources = all_sources(config.mirror_url(mirror))
    with open_store(db) as store:
        outcomes = pipeline.stage(store, [sources[name] for name in source_names])
        return {name: ([asdict(o) for o in outcomes if o.source == name], store.staged(name)) for name in source_names}


@task(name="validate-release", task_run_name=run_name("validate", lambda p: release_words(p["release_id"])),
      cache_policy=NO_CACHE, timeout_seconds=1800)
def validate_release(release_id: str, db: str, docs_dir: str) -> dict:
    """Run the release's expectation suites and record the results in the store."""
    with open_store(db) as store:
        validation = pipeline.audit(Auditor(store, docs_dir, _validator(docs_dir)), release_id)
    return {"outcome": validation.outcome, "warnings": len(validation.warnings), "summary": validation.summary()}


@task(name="publish-release", task_run_name=run_name("publish", lambda p: release_words(p["release_id"])),
      cache_policy=NO_CACHE)
def publish_release(release_id: str, db: str) -> dict:
    """Publish the release, or quarantine it when its validation found an error; return its outcome."""
    with open_store(db) as store:
        return asdict(pipeline.publish(Auditor(store), release_id))


@task(name="build-data-docs", cache_policy=NO_CACHE)
def build_data_docs(docs_dir: str) -> str | None:
    """Render the run's validations as Great Expectations Data Docs."""
    validator = _VALIDATORS.pop(docs_dir, None)
    path = validator.build_docs() if validator else None
    return str(path) if path else None


@task(name="evaluate-claims", cache_policy=NO_CACHE, timeout_seconds=1800)
def evaluate_claims(db: str) -> Evaluated:
    """Evaluate every claim as of each release published since its last stored step, and store the steps."""
    with open_store(db) as store:
        return pipeline.evaluate(store, load_catalogs())


@task(name="collect-alerts", cache_policy=NO_CACHE)
def collect_alerts_task(db: str, evaluated: Evaluated, outcomes: list[dict], check_schedule: bool,
                        charts: bool = True) -> list[int]:
    """Write the alerts the evaluated verdicts and the run's outcomes call for to the outbox; their ids."""
    with open_store(db) as store:
        collected = pipeline.collect(store, load_catalogs(), evaluated, [Outcome(**o) for o in outcomes],
                                     check_schedule=check_schedule, charts=charts)
    return collected.new_alerts


@task(name="send-alerts", cache_policy=NO_CACHE, timeout_seconds=600, retries=2,
      retry_delay_seconds=exponential_backoff(backoff_factor=30))
def send_alerts(db: str, slack_channel: str | None, alert_ids: list[int] | None = None,
                to_slack: bool = True) -> list[dict]:
    """Deliver every pending alert, or these (Slack when configured and wanted, else the terminal); failures stay
    pending. The Slack settings are read here, never passed as a parameter (Prefect stores those)."""
    settings = slack_settings(slack_channel) if to_slack else SlackSettings()
    with open_store(db) as store:
        return [asdict(d) for d in pipeline.deliver(store, settings, to_terminal, alert_ids)]


def to_terminal(line: str) -> None:
    """Print an alert on the run's terminal as it is (log_prints would turn each line into a log record)."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


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


STORE_PASSWORD_BLOCK = "claimwatch-store-password"


def store_password() -> bool:
    """Put the password of a DuckLake store's PostgreSQL catalog into $PGPASSWORD (libpq reads it) from the Secret
    block `claimwatch-store-password`, when that block exists; otherwise the environment (or ~/.pgpass) stands.
    The value is never logged, returned or passed as a parameter; task processes started later inherit it."""
    from prefect.blocks.system import Secret

    try:
        value = Secret.load(STORE_PASSWORD_BLOCK, _sync=True).get()
    except Exception:  # noqa: BLE001 - no such block: libpq reads $PGPASSWORD or ~/.pgpass
        return False
    os.environ["PGPASSWORD"] = value
    return True


def ensure_source_limits(names: list[str], limit: int = 1) -> list[str]:
    """Make the tag concurrency limit `source:<name>` of each source, where missing (one run of a source at a
    time across every deployment and flow run; an operator's own limit on a tag is left as it is); the tags made."""
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    made = []
    with get_client(sync_client=True) as client:
        for name in names:
            tag = source_tag(name)
            try:
                client.read_concurrency_limit_by_tag(tag)
            except ObjectNotFound:
                client.create_concurrency_limit(tag=tag, concurrency_limit=limit)
                made.append(tag)
    return made


def source_tag(name: str) -> str:
    """The tag of a source's check task: a tag concurrency limit on it limits the source, not a deployment."""
    return f"source:{name}"


@task(name="build-site", cache_policy=NO_CACHE, timeout_seconds=900)
def build_site_task(db: str, site: str | None) -> str:
    """Write the claims status site from the store; return its index page."""
    from claimwatch.site.build import site_dir

    with open_store(db, read_only=True) as store:
        return str(pipeline.site(store, load_catalogs(), site_dir(site, db)).resolve())


@task(name="stage-recorded-release", cache_policy=NO_CACHE,
      task_run_name=run_name("stage", lambda p: f"{p['source_name']} {p['entry'].rstrip('/').rsplit('/', 1)[-1]}"), timeout_seconds=1800)
def stage_recorded_release(db: str, source_name: str, entry: str) -> dict:
    """Write one recorded release as staged (a replay takes them one at a time)."""
    from pathlib import Path

    source = all_sources()[source_name]
    with open_store(db) as store:
        return asdict(stage_candidate(store, source, source.recorded(Path(entry))))


@task(name="probe-sources", task_run_name=run_name("probe", lambda p: ", ".join(p["sources"] or ["every source"])),
      cache_policy=NO_CACHE, timeout_seconds=900, retries=2,
      retry_delay_seconds=exponential_backoff(backoff_factor=30))
def probe_sources(db: str, sources: list[str] | None, mirror: str | None) -> list[dict]:
    """Look for new releases (conditional requests; nothing is stored)."""
    chosen = [s for name, s in all_sources(config.mirror_url(mirror)).items() if not sources or name in sources]
    with open_store(db) as store:
        return [asdict(o) for o in probe_live(store, chosen)]
