"""Store claim evaluations, and replay a claim over every vintage in the store to see when and why it changed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

import duckdb

from claimwatch.claims.catalog import Catalog, Claim, indicator_sql, latest_tables
from claimwatch.claims.evaluate import evaluate_catalog, evaluate_claim, modes, set_as_of
from claimwatch.claims.judge import Verdict, describe_change
from claimwatch.sources import SOURCE_CLASSES

SOURCE_OF_TABLE = {t.name: cls.name for cls in SOURCE_CLASSES for t in cls.tables}


def record_verdicts(con: duckdb.DuckDBPyConnection, article_id: str, verdicts: list[Verdict],
                    as_of_release_id: str | None = None) -> None:
    """Append evaluations to claim_evaluations in one statement."""
    if not verdicts:
        return
    now = datetime.now(timezone.utc)
    con.executemany(
        "insert into claim_evaluations values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(article_id, v.claim_id, v.mode, v.verdict, v.period, v.observed, v.claimed, v.margin, v.rule, v.supported,
          list(v.vintages), v.explanation, v.sentence, as_of_release_id, now) for v in verdicts],
    )


def claim_sources(claim: Claim) -> list[str]:
    """The sources whose releases can change the claim's verdict."""
    if not claim.indicator:
        return []
    tables = latest_tables(indicator_sql(claim.indicator))
    return sorted({SOURCE_OF_TABLE[t] for t in tables if t in SOURCE_OF_TABLE})


@dataclass(frozen=True)
class Step:
    """A claim's verdict after one release, and what changed since the step before."""

    release_id: str
    ingested_at: datetime
    verdict: Verdict
    change: str  # '' when nothing changed, else 'first', 'new period', 'revision', 'source change', ...


def claim_history(con: duckdb.DuckDBPyConnection, claim: Claim) -> list[Step]:
    """The claim's verdict in each mode as of every published release of its sources, oldest first."""
    sources = claim_sources(claim)
    releases = con.execute(
        "select release_id, ingested_at from releases where status = 'published' and list_contains(?, source)"
        " order by ingested_at, release_id",
        [sources],
    ).fetchall()
    steps: list[Step] = []
    previous: dict[str, Verdict] = {}
    try:
        for release_id, ingested_at in releases:
            set_as_of(con, ingested_at)
            for mode in modes(claim):
                verdict = evaluate_claim(con, claim, mode)
                steps.append(Step(release_id, ingested_at, verdict, describe_change(previous.get(mode), verdict)))
                previous[mode] = verdict
    finally:
        set_as_of(con, None)
    return steps


def check_catalog(con: duckdb.DuckDBPyConnection, catalog: Catalog) -> list[Verdict]:
    """Evaluate every claim now and record the evaluations."""
    verdicts = evaluate_catalog(con, catalog)
    record_verdicts(con, catalog.article_id, verdicts)
    return verdicts
