"""The `monthly-check` flow: for every source, discover -> fetch (skip if unchanged) -> stage -> validate -> publish,
then evaluate every claim of every catalog. Alerts join this flow when #5 lands.
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
from claimwatch.claims.catalog import load_catalogs  # noqa: E402
from claimwatch.claims.history import check_catalog  # noqa: E402
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


@task(name="evaluate-claims", cache_policy=NO_CACHE)
def evaluate_claims(db: str) -> list[dict]:
    """Evaluate every catalog claim against the published data and record the evaluations."""
    with open_store(db) as store:
        return [
            {"article": catalog.article_id, **asdict(v)}
            for catalog in load_catalogs()
            for v in check_catalog(store.con, catalog)
        ]


@flow(name="monthly-check", log_prints=True)
def monthly_check(
    db: str | None = None,
    releases: str | None = None,
    sources: list[str] | None = None,
    mirror: str | None = None,
    docs_dir: str | None = None,
) -> list[dict]:
    """Stage, validate and publish every source, one task at a time (DuckDB has a single writer)."""
    logger = get_run_logger()
    db = str(config.db_path(db))
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
    verdicts = evaluate_claims(db)
    counts = {v: sum(1 for x in verdicts if x["verdict"] == v) for v in ("holds", "fails", "unknown", "not_checkable")}
    print("Claims: " + ", ".join(f"{n} {v}" for v, n in counts.items()))
    for o in outcomes:
        logger.info("%s %s: %s %s", o["source"], o["label"] or "-", o["status"], o["detail"])
    if docs:
        print(f"Great Expectations Data Docs: {docs}")
    bad = [Outcome(**o) for o in outcomes if o["status"] in ("rejected", "failed", "quarantined")]
    if bad:
        summary = "; ".join(f"{o.source} {o.label or ''}: {o.status} ({o.detail})" for o in bad)
        raise RuntimeError(f"{len(bad)} of {len(outcomes)} releases not published: {summary}")
    return outcomes


if __name__ == "__main__":
    monthly_check()
