"""Run a table's suite on one release with Great Expectations (pandas frames) and build the run's Data Docs."""

from __future__ import annotations

import copy
import json
import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from claimwatch.sources.base import TableSpec
from claimwatch.validation.baseline import find_baseline, reducible, unique_keys
from claimwatch.validation.gx_import import import_gx
from claimwatch.validation.frames import ROWS, build_frame, rows_parts
from claimwatch.validation.memo import install as install_memo
from claimwatch.validation.memo import memoized
from claimwatch.validation.suites import SEVERITIES, SuiteFile, load_suites

SAMPLE_SIZE = 5
PART_ROWS = 50_000  # a `rows` frame larger than this is validated in parts (frames.rows_parts): bounded memory


@dataclass(frozen=True)
class Finding:
    """The result of one expectation on one release."""

    suite: str
    frame: str
    expectation: str
    column: str | None
    kwargs: dict
    severity: str  # error | warning | info
    success: bool
    observed_value: Any = None
    unexpected_count: int | None = None
    unexpected_sample: list = field(default_factory=list)
    notes: str | None = None

    def describe(self) -> str:
        """One line: where, what, and what was observed."""
        target = self.column or ", ".join(self.kwargs.get("column_list", [])) or "table"
        what = f"{self.suite}/{self.frame} {self.expectation}({target})"
        if self.unexpected_count:
            sample = ", ".join(_short(v) for v in self.unexpected_sample)
            return f"{what}: {self.unexpected_count} unexpected value(s), e.g. {sample}"
        return f"{what}: observed {_short(self.observed_value)}"


def _short(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 120 else text[:117] + "..."


@dataclass
class ReleaseValidation:
    """Every finding of one validation of one release."""

    release_id: str
    findings: list[Finding]
    seconds: float
    validated_at: datetime
    rows_frames: dict[str, dict] = field(default_factory=dict)  # table -> suite digest, baseline, rows checked

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if not f.success and f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if not f.success and f.severity != "error"]

    @property
    def outcome(self) -> str:
        return "failed" if self.errors else "warnings" if self.warnings else "passed"

    def summary(self) -> str:
        """The failing expectations, errors first, one per line."""
        return "\n".join(f"{f.severity}: {f.describe()}" for f in self.errors + self.warnings)


class Validator:
    """A Great Expectations context for one run: validates releases and builds Data Docs into `docs_dir`;
    `full_frames` turns off the reduction of `rows` frames against a baseline release."""

    def __init__(self, docs_dir: Path | None = None, suites: dict[str, SuiteFile] | None = None, full_frames: bool = False,
                 part_rows: int | None = PART_ROWS):
        gx = import_gx()
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self._gx = gx
        self.suites = load_suites() if suites is None else suites
        self.docs_dir = Path(docs_dir) if docs_dir else None
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        self._datasource = self.context.data_sources.add_pandas("claimwatch")
        self._definitions: dict[str, Any] = {}
        self.validated = 0
        self.full_frames = full_frames
        self.part_rows = part_rows  # None: every `rows` frame in one piece
        self.memoize = True  # GX builds each expectation's configuration and metric graph once per run (memo.py)
        self._graphs: dict = {}  # the metric graphs of this run's suites (memo.py)
        install_memo()
        if self.docs_dir:
            self.context.add_data_docs_site(
                site_name="claimwatch",
                site_config={
                    "class_name": "SiteBuilder",
                    "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(self.docs_dir)},
                    "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                },
            )

    def _definition(self, table: str, frame: str, expectations: list[dict]):
        """The GX validation definition of one table's expectations on one frame (built once per run)."""
        name = f"{table}.{frame}"
        if name not in self._definitions:
            gx = self._gx
            suite = self.context.suites.add(gx.ExpectationSuite(name=name, expectations=copy.deepcopy(expectations)))
            batch = self._datasource.add_dataframe_asset(name).add_batch_definition_whole_dataframe("release")
            self._definitions[name] = self.context.validation_definitions.add(
                gx.ValidationDefinition(name=name, data=batch, suite=suite)
            )
        return self._definitions[name]

    def validate(
        self, con: duckdb.DuckDBPyConnection, tables: tuple[TableSpec, ...], release_id: str, full: bool | None = None
    ) -> ReleaseValidation:
        """Run the suite of each table on the release's rows and audit frames; the `rows` frame holds only the
        rows not already validated in a baseline release (see baseline.py) unless `full` (default: full_frames)."""
        from great_expectations.core.run_identifier import RunIdentifier

        started, validated_at = time.perf_counter(), datetime.now(timezone.utc)
        run_id = RunIdentifier(run_name=release_id.replace("/", "_"), run_time=validated_at)  # GX keys: no '/'
        findings: list[Finding] = []
        rows_frames: dict[str, dict] = {}
        for spec in tables:
            suite = self.suites.get(spec.name)
            if suite is None:
                raise FileNotFoundError(f"no expectation suite for table {spec.name}: expected expectations/{spec.name}.json")
            baseline = None if (self.full_frames if full is None else full) else find_baseline(con, release_id, suite)
            for frame, expectations in suite.by_frame.items():
                definition = self._definition(spec.name, frame, expectations)
                if frame != ROWS:
                    df = build_frame(con, spec, frame, release_id)
                    result = self._run(definition, df, run_id)
                    findings.extend(_finding(spec.name, frame, r, _evidence(spec, frame, df, r)) for r in result.results)
                    continue
                checked, parts = 0, []
                part_rows = self.part_rows if reducible(suite) else None
                for part, count, df in rows_parts(con, spec, release_id, baseline, unique_keys(suite), part_rows):
                    part_id = run_id if count == 1 else RunIdentifier(
                        run_name=f"{run_id.run_name}_part{part + 1}of{count}", run_time=validated_at)
                    result = self._run(definition, df, part_id)
                    parts.append([(r, _evidence_rows(spec, frame, df, r)) for r in result.results])
                    checked += len(df)
                    del df, result
                findings.extend(_merged(spec.name, frame, results) for results in zip(*parts))
                rows_frames[spec.name] = {"suite": suite.digest, "baseline": baseline, "checked": checked}
        self.validated += 1
        return ReleaseValidation(release_id, findings, time.perf_counter() - started, validated_at, rows_frames)

    def _run(self, definition, df: pd.DataFrame, run_id):
        """One GX run of a validation definition on one frame."""
        with memoized(self._graphs) if self.memoize else nullcontext():
            return definition.run(batch_parameters={"dataframe": df}, run_id=run_id, result_format="SUMMARY")

    def build_docs(self) -> Path | None:
        """Render every validation of this run as GX Data Docs; the index page, or None if nothing ran."""
        if not self.docs_dir or not self.validated:
            return None
        self.context.build_data_docs(site_names=["claimwatch"])
        return self.docs_dir / "index.html"


def _label(value: Any) -> str:
    """A frame value as a message shows it: months as YYYY-MM, whole floats without '.0'."""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m") if value.day == 1 else value.strftime("%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "null" if value is None or value is pd.NA or (isinstance(value, float) and value != value) else str(value)


def _evidence_rows(spec: TableSpec, frame: str, df: pd.DataFrame, r) -> list[tuple[Any, str]] | None:
    """What a failed expectation found, row by row, as (row index, line): the value, then the key and period
    (rows) or the columns named in its `meta.evidence` (audit frames), e.g. 'encounter_count -1 at state TX,
    ..., month 2025-09'."""
    config, result = r.expectation_config, r.result or {}
    indexes = result.get("partial_unexpected_index_list")
    where = list(spec.keys) + [spec.period] if frame == ROWS else list((config.meta or {}).get("evidence") or [])
    if r.success or not indexes or not where:
        return None
    checked = [config.kwargs["column"]] if "column" in config.kwargs else list(config.kwargs.get("column_list", []))
    lines = []
    for index in indexes[:SAMPLE_SIZE]:
        row = df.loc[index]
        found = ", ".join(f"{c} {_label(row[c])}" for c in checked if c in df.columns)
        context = ", ".join(f"{c} {_label(row[c])}" for c in where if c in df.columns and c not in checked)
        lines.append((index, f"{found} at {context}" if frame == ROWS else f"{found} ({context})"))
    return lines


def _evidence(spec: TableSpec, frame: str, df: pd.DataFrame, r) -> list[str] | None:
    """The lines of _evidence_rows."""
    rows = _evidence_rows(spec, frame, df, r)
    return None if rows is None else [line for _, line in rows]


def _merged(suite: str, frame: str, results: tuple) -> Finding:
    """One expectation's finding over the parts of a frame, as on the whole frame: it fails if a part fails,
    counts add up, and the sample is the first unexpected rows in the whole frame's order."""
    if len(results) == 1:
        r, rows = results[0]
        return _finding(suite, frame, r, None if rows is None else [line for _, line in rows])
    first = _finding(suite, frame, results[0][0])
    findings = [_finding(suite, frame, r) for r, _ in results]
    failed = [f for f in findings if not f.success]
    counts = [f.unexpected_count for f in findings if f.unexpected_count is not None]
    evidence = sorted(row for _, rows in results for row in rows or [])
    sample = [line for _, line in evidence][:SAMPLE_SIZE] or [v for f in failed for v in f.unexpected_sample][:SAMPLE_SIZE]
    return Finding(
        suite=suite, frame=frame, expectation=first.expectation, column=first.column, kwargs=first.kwargs,
        severity=first.severity, success=not failed, observed_value=(failed or findings)[0].observed_value,
        unexpected_count=sum(counts) if counts else None, unexpected_sample=sample, notes=first.notes,
    )


def _finding(suite: str, frame: str, r, evidence: list[str] | None = None) -> Finding:
    """Turn one GX ExpectationValidationResult into a Finding (an expectation that raised counts as failed);
    the sample of a failed one is its `evidence` when there is some, else GX's unexpected values."""
    config = r.expectation_config
    kwargs = {k: v for k, v in dict(config.kwargs).items() if k != "batch_id"}
    result = r.result or {}
    observed = result.get("observed_value")
    raised = (r.exception_info or {}).get("raised_exception")
    if raised:
        observed = f"expectation raised: {r.exception_info.get('exception_message')}"
    return Finding(
        suite=suite,
        frame=frame,
        expectation=config.type,
        column=kwargs.get("column"),
        kwargs=kwargs,
        severity=SEVERITIES[str(getattr(config.severity, "value", config.severity))],
        success=bool(r.success) and not raised,
        observed_value=observed,
        unexpected_count=result.get("unexpected_count"),
        unexpected_sample=evidence or list(result.get("partial_unexpected_list") or [])[:SAMPLE_SIZE],
        notes=config.notes,
    )
