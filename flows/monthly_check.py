"""The `monthly-check` flow: for every source, discover -> fetch (skip if unchanged) -> store.

Validation, claims and alerts join this flow as their issues land (#3, #4, #5).
"""

from __future__ import annotations

import os
from dataclasses import asdict

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from prefect import flow, get_run_logger, task  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402

from claimwatch import config  # noqa: E402
from claimwatch.ingest import Outcome, ingest_live, ingest_recorded  # noqa: E402
from claimwatch.sources import all_sources  # noqa: E402
from claimwatch.store import open_store  # noqa: E402


@task(name="ingest-source", cache_policy=NO_CACHE, timeout_seconds=1800)
def ingest_source(source_name: str, db: str, releases: str | None, mirror: str | None) -> list[dict]:
    """Ingest one source's newest release (or its recorded releases) into the store."""
    source = all_sources(config.mirror_url(mirror))[source_name]
    with open_store(db) as store:
        if releases:
            outcomes = ingest_recorded(store, releases, [source])
        else:
            outcomes = ingest_live(store, [source])
    return [asdict(o) for o in outcomes]


@flow(name="monthly-check", log_prints=True)
def monthly_check(
    db: str | None = None,
    releases: str | None = None,
    sources: list[str] | None = None,
    mirror: str | None = None,
) -> list[dict]:
    """Ingest every source, one task each and one at a time (DuckDB has a single writer)."""
    logger = get_run_logger()
    db = str(config.db_path(db))
    names = sources or list(all_sources())
    outcomes: list[dict] = []
    for name in names:
        outcomes.extend(ingest_source(name, db, releases, mirror))
    for o in outcomes:
        logger.info("%s %s: %s %s", o["source"], o["label"] or "-", o["status"], o["detail"])
    bad = [Outcome(**o) for o in outcomes if o["status"] in ("rejected", "failed")]
    if bad:
        summary = "; ".join(f"{o.source} {o.label or ''}: {o.status} ({o.detail})" for o in bad)
        raise RuntimeError(f"{len(bad)} of {len(outcomes)} releases not published: {summary}")
    return outcomes


if __name__ == "__main__":
    monthly_check()
