"""Read from the store everything the status site shows: verdicts, histories, source files, releases, revisions."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from claimwatch.charts import DESKTOP, PHONE, ChartData, chart_data
from claimwatch.ladder_chart import Ladder
from claimwatch.site.drawing import Drawing, Job
from claimwatch.site.vintages import ladder as vintage_ladder, vintage_series, cache_bytes
from claimwatch.claims.catalog import Catalog, Claim, indicator_sql
from claimwatch.claims.steps import (Step, _inputs, _published, catalog_changes, claim_hash, current_verdicts,
                                     unstored_counts)

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
    images: dict[str, bytes] = field(default_factory=dict)  # charts/<claim>.<name>: png, phone.png, vintages.png, …
    data_through: list[tuple[str, str]] = field(default_factory=list)  # (source, newest period of its files used)
    unstored: int = 0  # vintages of its sources with no stored step (see `claimwatch backfill`)
    chart_key: str = ""  # what the chart was drawn from (see chart_key)
    earlier_changes: int = 0  # releases with changes before the ones listed
    ladder: Ladder | None = None  # the chart's series as published in each of its newest stored vintages
    ladder_of: int = 0  # the claim's stored vintages in all (the ladder reads the newest LADDER_VINTAGES)
    drawing: tuple[str, ...] = ()  # images being drawn while the build goes on (in `images` once it finishes them)

    @property
    def chart(self) -> bool:
        return "png" in self.images or "png" in self.drawing

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
    """One source: its newest releases (and any a claim page links to) with validation and the revisions each brought."""

    name: str
    releases: list[dict]
    total: int = 0  # the source's releases in the store, listed or not

    @property
    def unlisted(self) -> int:
        return self.total - len(self.releases)


SOURCE_ROWS = 36  # releases a source page lists, newest first (with any older one a claim links to): a build stays flat


def chart_key(claim: Claim, data: ChartData | None, ladder: Ladder | None, code: bytes) -> str:
    """What a claim's charts are drawn from: its catalog entry and SQL, the chart's points, its revision ladder and
    the chart code. A chart with the same key as in the previous build is that build's file: a release that left
    the points as they were draws nothing."""
    return hashlib.sha256(f"{claim_hash(claim)}|{data!r}|{ladder!r}|".encode() + code).hexdigest()


IMAGES = ("png", "phone.png", "vintages.png", "vintages.phone.png")


def kept_images(claim: Claim, key: str, previous: Path | None) -> dict[str, bytes] | None:
    """The previous build's charts of the claim (desktop and phone, and its revision ladder) when its key is
    unchanged; None when they must be drawn again."""
    if previous is None:
        return None
    stored = previous / f"{claim.id}.key"
    if not stored.is_file() or stored.read_text() != key:
        return None
    files = {name: previous / f"{claim.id}.{name}" for name in IMAGES}
    kept = {name: f.read_bytes() for name, f in files.items() if f.is_file()}
    return kept if "png" in kept else None


def image_jobs(data: ChartData | None, ladder: Ladder | None) -> dict[str, Job]:
    """What to draw of a claim whose charts changed: image name -> (chart data or ladder, size)."""
    jobs: dict[str, Job] = {}
    if data is not None:
        jobs |= {"png": (data, DESKTOP), "phone.png": (data, PHONE)}
    if ladder is not None:
        jobs |= {"vintages.png": (ladder, DESKTOP), "vintages.phone.png": (ladder, PHONE)}
    return jobs


def period_text(when, grain: str) -> str:
    """A period as a reader says it: 'August 2025', or '2024' for yearly data."""
    return str(when.year) if grain == "year" else f"{when:%B %Y}"


def _release_labels(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Each release as a reader names it: source, label and the newest period it holds."""
    return {rid: f"{source} {label} (data through {period_text(through, grain)})" if through else f"{source} {label}"
            for rid, source, label, through, grain in con.execute(
                "select release_id, source, release_label, data_through, grain from releases").fetchall()}


def _through(files: list[dict]) -> list[tuple[str, str]]:
    """Per source, the newest period of the files a claim's figures come from."""
    newest: dict[str, dict] = {}
    for f in files:
        if f["data_through"] and (f["source"] not in newest or f["data_through"] > newest[f["source"]]["data_through"]):
            newest[f["source"]] = f
    return [(source, period_text(f["data_through"], f.get("grain", "month"))) for source, f in sorted(newest.items())]


LADDER_VINTAGES = 24  # the newest vintages a revision ladder reads: two years of monthly releases


def claim_pages(con: duckdb.DuckDBPyConnection, catalog: Catalog, history: bool = True,
                previous_charts: Path | None = None, drawing: Drawing | None = None) -> list[ClaimPage]:
    """Every claim of the catalog with its current verdicts and its stored steps (read only: nothing is evaluated
    again; a claim with no stored step yet is judged now and its history waits for `claimwatch backfill`).

    New charts go to `drawing`, the build's, which finishes them later; without one they are drawn before this
    returns."""
    if drawing is None:
        with Drawing() as own:
            pages = claim_pages(con, catalog, history, previous_charts, own)
            own.finish()
        return pages
    verdicts, _ = current_verdicts(con, catalog)
    unstored = unstored_counts(con, catalog) if history else {}
    published, labels = _published(con), _release_labels(con)
    code = b"".join((Path(__file__).parents[1] / name).read_bytes()
                    for name in ("charts.py", "chart_labels.py", "ladder_chart.py", "present.py"))  # the code that draws and labels a chart
    every_file = release_files(con, {r for v in verdicts for r in v.vintages})
    changes = catalog_changes(con, catalog, [c for c in catalog.claims if c.indicator], HISTORY_ROWS) if history else {}
    pages = []
    for claim in catalog.claims:
        own = [v for v in verdicts if v.claim_id == claim.id]
        vintages = {r for v in own for r in v.vintages}
        files = [dict(f) for f in every_file if f["release_id"] in vintages]  # each page annotates its own (enrich.py)
        ladder, images, ladder_of, key, drawn = None, {}, 0, "", ()
        if claim.indicator and claim.chart:
            every = _inputs(published, claim)
            releases, ladder_of = every[-LADDER_VINTAGES:], len(every)  # bounded: a build's cost stays flat as vintages pile up
            cache = previous_charts / f"{claim.id}.vintages.json" if previous_charts is not None else None
            data = chart_data(con, claim)
            series = vintage_series(con, claim, releases, cache, data)
            ladder = vintage_ladder(claim, releases, series, labels)
            key = chart_key(claim, data, ladder, code)
            images = kept_images(claim, key, previous_charts)
            if images is None:
                images, jobs = {}, image_jobs(data, ladder)
                for name, job in jobs.items():
                    drawing.add(images, name, job)
                drawn = tuple(jobs)
            images["vintages.json"] = cache_bytes(claim, series)
        steps, earlier = changes.get(claim.id, ([], 0))
        pages.append(ClaimPage(claim, own, steps, files, images, _through(files), unstored.get(claim.id, 0), key,
                               earlier, ladder, ladder_of, drawn))
    return pages


def source_pages(con: duckdb.DuckDBPyConnection, linked: Iterable[str] = ()) -> list[SourcePage]:
    """Every source that has releases in the store: its newest SOURCE_ROWS releases and those of `linked` (the
    releases claim pages link to), newest first."""
    pages = []
    for cls in SOURCE_CLASSES:
        releases = _dicts(con.execute(
            """with listed as (
                   select *, count(*) over () as total from releases where source = $source
                   qualify row_number() over (order by data_through desc nulls last, release_label desc) <= $rows
                       or list_contains($linked, release_id)
               )
               select r.release_id, r.release_label, r.data_through, r.grain, r.status, r.reason, r.row_count,
                      r.sha256, r.fetched_at, r.ingested_at, r.total, v.outcome as validation, v.errors, v.warnings,
                      v.data_docs, v.validated_at
               from listed as r left join (
                   select * from validations where release_id in (select release_id from listed)
                   qualify row_number() over (partition by release_id order by validated_at desc) = 1
               ) as v using (release_id)
               order by r.data_through desc nulls last, r.release_label desc""",
            {"source": cls.name, "rows": SOURCE_ROWS, "linked": sorted(set(linked))}))
        if not releases:
            continue
        listed = [r["release_id"] for r in releases]
        revisions = {r["release_id"]: r for r in _dicts(con.execute(
            "select release_id, sum(revised) as revised, sum(added) as added, sum(removed) as removed,"
            " max(periods) as periods from release_revisions where list_contains($tables, table_name)"
            " and list_contains($listed, release_id) group by release_id",
            {"tables": [t.name for t in cls.tables], "listed": listed}))}
        files = release_files(con, listed)
        for r in releases:
            r["revisions"] = revisions.get(r["release_id"])
            r["files"] = [f for f in files if f["release_id"] == r["release_id"]]
        pages.append(SourcePage(cls.name, releases, releases[0]["total"]))
    return pages
