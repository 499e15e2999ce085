"""Recompute a claim's verdict over every vintage in the store: the reference the stored steps are checked against."""

from __future__ import annotations

import duckdb

from claimwatch.claims.catalog import Claim
from claimwatch.claims.evaluate import cached, evaluate_claim, modes, reading_sources, set_as_of
from claimwatch.claims.steps import Step, input_sources, with_changes


def claim_sources(claim: Claim) -> list[str]:
    """The sources whose vintages a claim's readings report (a reading's `sources:` may narrow them)."""
    return sorted({s for reading in claim.readings for s in reading_sources(reading)})


def claim_history(con: duckdb.DuckDBPyConnection, claim: Claim) -> list[Step]:
    """The claim's verdict in each reading and mode as of every published release of its sources, oldest first,
    computed from scratch (the stored steps in claim_steps are read with `steps.claim_steps`)."""
    releases = con.execute(
        "select release_id, ingested_at from releases where status = 'published' and list_contains(?, source)"
        " order by ingested_at, release_id",
        [list(input_sources(claim))],
    ).fetchall()
    steps: list[Step] = []
    with cached(con):
        try:
            for release_id, ingested_at in releases:
                set_as_of(con, ingested_at)
                steps += [Step(release_id, ingested_at, v) for mode in modes(claim) for v in evaluate_claim(con, claim, mode)]
        finally:
            set_as_of(con, None)
    return with_changes(claim, steps)
