"""Read from the store everything the status site shows: verdicts, histories, source files, releases, revisions."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from claimwatch.charts import claim_chart_png
from claimwatch.claims.catalog import Catalog, Claim, indicator_sql
from claimwatch.claims.steps import Step, claim_changes, claim_hash, current_verdicts, published_inputs, unstored_counts

HISTORY_ROWS = 36  # releases of changes a claim page lists; `claimwatch history` shows every step
from claimwatch.claims.judge import Verdict, overall
from claimwatch.sources import SOURCE_CLASSES
from claimwatch.store.store import dict_rows as _dicts, release_files


@dataclass
class ClaimPage:
    """One claim: its verdicts now, its history, the SQL it runs and the files its figures come from."""

    claim: Claim
    verdicts: list[Verdict]
    history: list[Step] = field(default_factory=list)
    files: list[dict] = field(default_factory=list)
    chart: bytes | None = None
    data_through: str = ""
    unstored: int = 0  # vintages of its sources with no stored step (see `claimwatch backfill`)
    chart_key: str = ""  # what the chart was drawn from (see chart_key)
    earlier_changes: int = 0  # releases with changes before the ones listed

    @property
    def modes(self) -> list[tuple[str, str, str, list[Verdict]]]:
        """Each mode, as stated first: its overall verdict over the readings, in words, and every reading's verdict."""
        found = []
        for mode in ("as_stated", "latest"):
            own = [v for v in self.verdicts if v.mode == mode]
            if own:
                found.append((mode, *overall(own), own))
        return found

    @property
    def turns(self) -> set[int]:
        """Indices of history steps where a reading's verdict in a mode changed (or first appeared)."""
        last: dict[tuple, str] = {}
        found = set()
        for i, step in enumerate(self.history):
            key = (step.verdict.reading, step.verdict.mode)
            if last.get(key) != step.verdict.verdict:
                found.add(i)
            last[key] = step.verdict.verdict
        return found

    @property
    def sql(self) -> str:
        return indicator_sql(self.claim.indicator) if self.claim.indicator else ""


@dataclass
class SourcePage:
    """One source: its releases with validation and the revisions each brought."""

    name: str
    releases: list[dict]


def chart_key(claim: Claim, releases: list[str], code: bytes) -> str:
    """What a claim's chart depends on: its catalog entry and SQL, the published releases of its sources, the
    chart code. A chart with the same key as in the previous build is that build's file."""
    return hashlib.sha256(f"{claim_hash(claim)}|{','.join(releases)}|".encode() + code).hexdigest()


def claim_chart(con: duckdb.DuckDBPyConnection, claim: Claim, key: str, previous: Path | None) -> bytes | None:
    """The claim's chart (PNG): the previous build's when its key is unchanged, else drawn now."""
    if previous is not None:
        png, stored = previous / f"{claim.id}.png", previous / f"{claim.id}.key"
        if png.is_file() and stored.is_file() and stored.read_text() == key:
            return png.read_bytes()
    return claim_chart_png(con, claim)


def claim_pages(con: duckdb.DuckDBPyConnection, catalog: Catalog, history: bool = True,
                previous_charts: Path | None = None) -> list[ClaimPage]:
    """Every claim of the catalog with its current verdicts and its stored steps (read only: nothing is evaluated
    again; a claim with no stored step yet is judged now and its history waits for `claimwatch backfill`)."""
    verdicts, _ = current_verdicts(con, catalog)
    unstored = unstored_counts(con, catalog) if history else {}
    inputs, code = published_inputs(con, catalog.claims), (Path(__file__).parents[1] / "charts.py").read_bytes()
    pages = []
    for claim in catalog.claims:
        own = [v for v in verdicts if v.claim_id == claim.id]
        vintages = {r for v in own for r in v.vintages}
        files = release_files(con, vintages)
        through = max((f["data_through"] for f in files if f["data_through"]), default=None)
        key = chart_key(claim, inputs[claim.id], code) if claim.indicator else ""
        chart = claim_chart(con, claim, key, previous_charts) if claim.indicator else None
        steps, earlier = claim_changes(con, catalog, claim, HISTORY_ROWS) if history and claim.indicator else ([], 0)
        pages.append(ClaimPage(claim, own, steps, files, chart, f"{through:%B %Y}" if through else "",
                               unstored.get(claim.id, 0), key, earlier))
    return pages


def source_pages(con: duckdb.DuckDBPyConnection) -> list[SourcePage]:
    """Every source that has releases in the store, newest release first."""
    pages = []
    for cls in SOURCE_CLASSES:
        releases = _dicts(con.execute(
            """select r.release_id, r.release_label, r.data_through, r.grain, r.status, r.reason, r.row_count,
                      r.sha256, r.fetched_at, r.ingested_at, v.outcome as validation, v.errors, v.warnings,
                      v.data_docs, v.validated_at
               from releases as r left join (
                   select * from validations qualify row_number() over (partition by release_id order by validated_at desc) = 1
               ) as v using (release_id)
               where r.source = ? order by r.data_through desc nulls last, r.release_label desc""",
            [cls.name]))
        if not releases:
            continue
        revisions = {r["release_id"]: r for r in _dicts(con.execute(
            "select release_id, sum(revised) as revised, sum(added) as added, sum(removed) as removed,"
            " max(periods) as periods from release_revisions where list_contains(?, table_name) group by release_id",
            [[t.name for t in cls.tables]]))}
        files = release_files(con, [r["release_id"] for r in releases])
        for r in releases:
            r["revisions"] = revisions.get(r["release_id"])
            r["files"] = [f for f in files if f["release_id"] == r["release_id"]]
        pages.append(SourcePage(cls.name, releases))
    return pages
