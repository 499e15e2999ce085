"""Write validations and their expectation results into the store (tables validations, validation_results)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from claimwatch.store.lake import insert_many
from claimwatch.store.transact import transaction
from claimwatch.validation import ReleaseValidation


def _json(value) -> str | None:
    return None if value is None else json.dumps(value, default=str)


def record_validation(con: duckdb.DuckDBPyConnection, validation: ReleaseValidation, docs_dir: Path | None) -> str:
    """Store one validation and every expectation result in one transaction; return its validation_id."""
    validation_id = f"{validation.release_id}#{validation.validated_at:%Y%m%dT%H%M%S.%fZ}"
    rows = [
        (
            validation_id, validation.release_id, f.suite, f.frame, f.expectation, f.column, _json(f.kwargs),
            f.severity, f.success, _json(f.observed_value), f.unexpected_count,
            _json(f.unexpected_sample) if f.unexpected_sample else None, f.notes,
        )
        for f in validation.findings
    ]
    def write() -> None:
        con.execute(
            "insert into validations (validation_id, release_id, validated_at, outcome, expectations, errors,"
            " warnings, seconds, data_docs, rows_frames) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                validation_id, validation.release_id, validation.validated_at, validation.outcome,
                len(validation.findings), len(validation.errors), len(validation.warnings),
                validation.seconds, str(docs_dir) if docs_dir else None, _json(validation.rows_frames),
            ],
        )
        insert_many(con, "validation_results", None, rows)

    transaction(con, write)
    return validation_id


def latest_outcome(con: duckdb.DuckDBPyConnection, release_id: str) -> tuple[str, int, int] | None:
    """(outcome, errors, warnings) of a release's latest validation, if it was ever validated."""
    return con.execute(
        "select outcome, errors, warnings from validations where release_id = ? order by validated_at desc limit 1",
        [release_id],
    ).fetchone()
