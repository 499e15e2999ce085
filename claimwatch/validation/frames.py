"""Build the data frames a suite's expectations run on: a release's rows, and the audit frames in sql/audits.

An expectation's `meta.frame` names its frame. `rows` is the release's rows of the table; any other name is
an audit query, `sql/audits/<table>__<frame>.sql` if the table has its own, else the shared template
`sql/audits/<frame>.sql`, formatted with the table's name, period column, key columns and main value, and run
with the release id as the `$release_id` parameter. A `rows` frame can be reduced against a baseline release
(see baseline.py): only the rows not in the baseline as they are, the rows of duplicated keys and the first row.
A large `rows` frame is handed over in parts of at most about `max_rows` rows (rows_parts), so that the memory
a validation takes is bounded by the part, not by the release.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from pathlib import Path

import duckdb
import pandas as pd

from claimwatch.sources.base import TableSpec
from claimwatch.store.store import sql_dir

ROWS = "rows"

# DuckDB column types -> the pandas dtype each frame column gets, so that type expectations do not depend on
# the data (DuckDB hands back int64 or Int64 depending on NULLs, object or str depending on emptiness).
_DTYPES = {
    "VARCHAR": "str",
    "BIGINT": "Int64",
    "INTEGER": "Int64",
    "HUGEINT": "Float64",
    "DOUBLE": "Float64",
    "BOOLEAN": "bool",
    "DATE": "datetime64[us]",
}

# Per period grain: the period as a running index, data-through as the same index, and an index back to a label.
_PERIOD_INDEX = {
    "month": (
        "year(month) * 12 + month(month)",
        "year(data_through) * 12 + month(data_through)",
        "printf('%04d-%02d', (i - 1) // 12, (i - 1) % 12 + 1)",
    ),
    "year": ("year", "year(data_through)", "cast(i as varchar)"),
}


def audit_sql_path(table: str, frame: str) -> Path:
    """The SQL file behind an audit frame: the table's own, else the shared template."""
    audits = sql_dir() / "audits"
    own = audits / f"{table}__{frame}.sql"
    shared = audits / f"{frame}.sql"
    if own.is_file():
        return own
    if shared.is_file():
        return shared
    raise FileNotFoundError(f"no audit query for frame {frame!r} of {table}: expected {own} or {shared}")


@cache
def frame_sql(spec: TableSpec, frame: str) -> str:
    """The query that builds `frame` for `spec` (parameter: $release_id), read and formatted once per process."""
    if frame == ROWS:
        return f"select * exclude (release_id) from {spec.name} where release_id = $release_id"
    period_index, through_index, index_label = _PERIOD_INDEX[spec.period]
    return audit_sql_path(spec.name, frame).read_text().format(
        table=spec.name,
        period=spec.period,
        keys=", ".join(spec.keys),
        value=spec.values[0],
        total_rows=spec.total_rows,
        period_index=period_index,
        through_index=through_index,
        index_label=index_label,
    )


@cache
def reduced_rows_sql(spec: TableSpec, columns: tuple[str, ...], unique: tuple[tuple[str, ...], ...]) -> str:
    """The `rows` frame reduced against $baseline: in table order, the rows not in the baseline as they are
    (every column compared, nulls equal), every row whose key (each column list of `unique`) is repeated
    within the release, and the release's first row (so the frame is empty only when the release is)."""
    same = " and ".join(f"t.{c} is not distinct from b.{c}" for c in columns)
    repeated = "".join(
        f""",
    repeated_{n} as (select {', '.join(key)} from this_release group by all having count(*) > 1)"""
        for n, key in enumerate(unique)
    )
    kept = "".join(
        f"""
        union all select row_id_ from this_release as t semi join repeated_{n} as r on """
        + " and ".join(f"t.{c} is not distinct from r.{c}" for c in key)
        for n, key in enumerate(unique)
    )
    return f"""with this_release as (
        select rowid as row_id_, * exclude (release_id) from {spec.name} where release_id = $release_id
    ),
    baseline as (select * exclude (release_id) from {spec.name} where release_id = $baseline){repeated},
    kept as (
        select row_id_ from this_release as t anti join baseline as b on {same}{kept}
        union all select min(row_id_) from this_release
    )
    select * exclude (row_id_) from this_release where row_id_ in (select row_id_ from kept) order by row_id_"""


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> tuple[str, ...]:
    """A table's columns in order, release_id excepted."""
    return tuple(d[0] for d in con.execute(f"select * exclude (release_id) from {table} limit 0").description)


def _typed(cursor: duckdb.DuckDBPyConnection, index: str | None = None) -> pd.DataFrame:
    """A query's result as a frame with dtypes fixed by the DuckDB column types (`index`: a column to index by)."""
    types = {d[0]: str(d[1]) for d in cursor.description}
    df = cursor.df()
    for column, duck_type in types.items():
        dtype = _DTYPES.get(duck_type.split("(")[0])
        if dtype is None:
            dtype = "Float64" if duck_type.startswith("DECIMAL") else "str"
        if column != index:
            df[column] = df[column].astype(dtype)
    return df.set_index(index).rename_axis(None) if index else df


def build_frame(
    con: duckdb.DuckDBPyConnection, spec: TableSpec, frame: str, release_id: str,
    baseline: str | None = None, unique: tuple[tuple[str, ...], ...] = (),
) -> pd.DataFrame:
    """Run a frame's query for one release, with dtypes fixed by the DuckDB column types; a `rows` frame with
    a `baseline` release holds only the rows a row-level verdict can turn on (see reduced_rows_sql)."""
    if frame == ROWS and baseline:
        sql = reduced_rows_sql(spec, table_columns(con, spec.name), unique)
        return _typed(con.execute(sql, {"release_id": release_id, "baseline": baseline}))
    return _typed(con.execute(frame_sql(spec, frame), {"release_id": release_id}))


def _partition_columns(unique: tuple[tuple[str, ...], ...]) -> list[str] | None:
    """The columns every unique key shares (rows equal on a key are equal on them); None when there are none."""
    if not unique:
        return []
    shared = [c for c in unique[0] if all(c in key for key in unique[1:])]
    return shared or None


def rows_parts(
    con: duckdb.DuckDBPyConnection, spec: TableSpec, release_id: str, baseline: str | None = None,
    unique: tuple[tuple[str, ...], ...] = (), max_rows: int | None = None,
) -> Iterator[tuple[int, int, pd.DataFrame]]:
    """The `rows` frame (reduced when `baseline`) as (part, parts, frame), each part at most about `max_rows`
    rows. Parts split the rows by a hash of the columns every unique key shares, so the rows of a repeated key
    meet in one part; a frame is indexed by its rows' positions in the whole frame, so a part's unexpected rows
    sort into the whole frame's order. With no `max_rows`, or keys sharing no column, the frame is one part."""
    if baseline:
        sql = reduced_rows_sql(spec, table_columns(con, spec.name), unique)
        params = {"release_id": release_id, "baseline": baseline}
    else:
        sql, params = frame_sql(spec, ROWS), {"release_id": release_id}
    con.execute(f"create or replace temp table frame_rows_ as select * from ({sql})", params)
    try:
        count = con.execute("select count(*) from frame_rows_").fetchone()[0]
        split = _partition_columns(unique)
        parts = -(-count // max_rows) if max_rows and count > max_rows and split is not None else 1
        by = f"hash({', '.join(split)})" if split else "rowid"
        for part in range(parts):
            where = f"where {by} % {parts} = {part}" if parts > 1 else ""
            cursor = con.execute(f"select rowid as row_, * from frame_rows_ {where} order by rowid")
            yield part, parts, _typed(cursor, index="row_")
    finally:
        con.execute("drop table if exists frame_rows_")
