"""Store claim evaluations, and replay a claim over every vintage in the store to see when and why it changed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone

import duckdb

from claimwatch.claims.catalog import Catalog, Claim
from claimwatch.claims.evaluate import cached, evaluate_catalog, evaluate_claim, modes, reading_sources, set_as_of
from claimwatch.claims.judge import Verdict, describe_change


def record_verdicts(con: duckdb.DuckDBPyConnection, article_id: str, verdicts: list[Verdict],
                    as_of_release_id: str | None = None) -> None:
    """Append evaluations to claim_evaluations in one statement."""
    if not verdicts:
        return
    now = datetime.now(timezone.utc)
    con.executemany(
        "insert into claim_evaluations (article_id, claim_id, reading, mode, verdict, period, observed, claimed,"
        " margin, rule, supported, vintages, explanation, sentence, details, as_of_release_id, evaluated_at)"
        " values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(article_id, v.claim_id, v.reading or "", v.mode, v.verdict, v.period, v.observed, v.claimed, v.margin,
          v.rule, v.supported, list(v.vintages), v.explanation, v.sentence, json.dumps(v.details), as_of_release_id,
          now) for v in verdicts],
    )


def claim_sources(claim: Claim) -> list[str]:
    """The sources whose releases can change the claim's verdict (in any reading)."""
    return sorted({s for reading in claim.readings for s in reading_sources(reading)})


@dataclass(frozen=True)
class Step:
    """A claim's verdict after one release, and what changed since the step before."""

    release_id: str
    ingested_at: datetime
    verdict: Verdict
    change: str  # '' when nothing changed, else 'first', 'new period', 'revision', 'source change', ...


def claim_history(con: duckdb.DuckDBPyConnection, claim: Claim) -> list[Step]:
    """The claim's verdict in each reading and mode as of every published release of its sources, oldest first."""
    sources = claim_sources(claim)
    releases = con.execute(
        "select release_id, ingested_at from releases where status = 'published' and list_contains(?, source)"
        " order by ingested_at, release_id",
        [sources],
    ).fetchall()
    steps: list[Step] = []
    previous: dict[tuple, Verdict] = {}
    with cached(con):
        _replay(con, claim, releases, steps, previous)
    return steps


def _replay(con, claim: Claim, releases: list, steps: list[Step], previous: dict) -> None:
    try:
        for release_id, ingested_at in releases:
            set_as_of(con, ingested_at)
            for mode in modes(claim):
                for verdict in evaluate_claim(con, claim, mode):
                    key = (verdict.reading, mode)
                    change = describe_change(previous.get(key), verdict, claim.reading(verdict.reading).rule)
                    steps.append(Step(release_id, ingested_at, verdict, change))
                    previous[key] = verdict
    finally:
        set_as_of(con, None)


def check_catalog(con: duckdb.DuckDBPyConnection, catalog: Catalog) -> list[Verdict]:
    """Evaluate every claim now and record the evaluations."""
    verdicts = evaluate_catalog(con, catalog)
    record_verdicts(con, catalog.article_id, verdicts)
    return verdicts
