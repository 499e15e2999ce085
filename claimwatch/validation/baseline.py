"""Choose the baseline a release's `rows` frame is reduced against: its previous published release, if that
release's rows passed every `rows` expectation of the same suite (file and GX version, by digest).

Why the verdicts do not change: every `rows` expectation a suite may hold for a reduced frame (REDUCIBLE) is
either judged row by row with no `mostly` (a row that is in the baseline as it is passed there, so only the
other rows can fail, and they are all kept, in table order, so counts and samples are those of the full frame),
judged on the frame's schema (the table's, whatever rows it holds), or a uniqueness of keys (every row of a
repeated key is kept). A suite with any other `rows` expectation is always run on the full frame.
"""

from __future__ import annotations

import json

import duckdb

from claimwatch.validation.frames import ROWS
from claimwatch.validation.suites import SuiteFile

ROW_BY_ROW = {
    "expect_column_values_to_not_be_null",
    "expect_column_values_to_be_null",
    "expect_column_values_to_be_between",
    "expect_column_values_to_be_in_set",
    "expect_column_values_to_not_be_in_set",
    "expect_column_values_to_match_regex",
    "expect_column_values_to_not_match_regex",
}
ON_SCHEMA = {"expect_table_columns_to_match_set", "expect_column_to_exist", "expect_column_values_to_be_of_type"}
KEYS = {"expect_compound_columns_to_be_unique", "expect_column_values_to_be_unique"}
REDUCIBLE = ROW_BY_ROW | ON_SCHEMA | KEYS


def reducible(suite: SuiteFile) -> bool:
    """Whether the suite's `rows` verdicts are the same on a reduced frame (no `mostly`, known types only)."""
    return all(
        e["type"] in REDUCIBLE and e["kwargs"].get("mostly", 1) == 1 for e in suite.by_frame.get(ROWS, [])
    )


def unique_keys(suite: SuiteFile) -> tuple[tuple[str, ...], ...]:
    """The column lists whose values must be unique: all rows of a repeated one stay in a reduced frame."""
    keys = []
    for e in suite.by_frame.get(ROWS, []):
        if e["type"] == "expect_compound_columns_to_be_unique":
            keys.append(tuple(e["kwargs"]["column_list"]))
        elif e["type"] == "expect_column_values_to_be_unique":
            keys.append((e["kwargs"]["column"],))
    return tuple(keys)


def find_baseline(con: duckdb.DuckDBPyConnection, release_id: str, suite: SuiteFile) -> str | None:
    """The previous published release of the source, if its latest validation ran this very suite (same
    digest) and none of its `rows` expectations failed, whatever the severity; else None (full frame)."""
    if not reducible(suite):
        return None
    found = con.execute(
        """select p.previous_release_id, v.validation_id, v.rows_frames
        from previous_published_release as p
        join validations as v on v.release_id = p.previous_release_id
        where p.release_id = ?
        order by v.validated_at desc limit 1""",
        [release_id],
    ).fetchone()
    if found is None or found[2] is None:
        return None
    previous, validation_id, frames = found
    if (json.loads(frames).get(suite.table) or {}).get("suite") != suite.digest:
        return None
    failed = con.execute(
        "select count(*) from validation_results where validation_id = ? and suite = ? and frame = ? and not success",
        [validation_id, suite.table, ROWS],
    ).fetchone()[0]
    return None if failed else previous
