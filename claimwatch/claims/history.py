"""Store claim evaluations, and replay a claim over every vintage in the store to see when and why it changed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

import duckdb

from claimwatch.claims.catalog import Catalog, Claim, indicator_sql, latest_tables
from claimwatch.claims.evaluate import evaluate_catalog, evaluate_claim, modes, set_as_of
from claimwatch.claims.judge import Verdict
from claimwatch.sources import SOURCE_CLASSES

SOURCE_OF_TABLE = {t.name: cls.name for cls in SOURCE_CLASSES for t in cls.tables}


def record_verdicts(con: duckdb.DuckDBPyConnection, article_id: str, verdicts: list[Verdict],
                    as_of_release_id: str | None = None) -> None:
    """Append evaluations to claim_evaluations in one statement."""
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


def _change(before: Verdict | None, after: Verdict) -> str:
    if before is None:
        return "first evaluation"
    if (before.verdict, before.period, before.observed) == (after.verdict, after.period, after.observed):
        return ""
    if before.observed is None and after.observed is not None:
        return f"data now available for {after.period} ({', '.join(after.vintages)})"
    if before.period != after.period:
        return f"new period: {before.period} -> {after.period}"
    if before.observed is not None and after.observed is not None and before.observed != after.observed:
        return f"revision of {after.period}: {before.observed:,.4g} -> {after.observed:,.4g}"
    if before.vintages != after.vintages:
        added = ", ".join(sorted(set(after.vintages) - set(before.vintages)))
        return f"source change: {added}" if added else "source change"
    return f"{before.verdict} -> {after.verdict}: {after.explanation}"


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
                steps.append(Step(release_id, ingested_at, verdict, _change(previous.get(mode), verdict)))
                previous[mode] = verdict
    finally:
        set_as_of(con, None)
    return steps


def check_catalog(con: duckdb.DuckDBPyConnection, catalog: Catalog) -> list[Verdict]:
    """Evaluate every claim now and record the evaluations."""
    verdicts = evaluate_catalog(con, catalog)
    record_verdicts(con, catalog.article_id, verdicts)
    return verdicts
