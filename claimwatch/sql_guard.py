"""Ad-hoc SQL (`claimwatch sql`) that can read the store and nothing else.

Two guards: the statement must be a read (DuckDB parses select, with, describe, show, summarize and pragma reads
as SELECT), and the connection is read-only with external access disabled and its configuration locked, so even
a read cannot write, attach, install or load anything, or change a setting (measured: ../shared/STACK_NOTES.md).
An EXPLAIN is judged by the statement it explains (EXPLAIN ANALYZE runs it). A DuckLake store is read through
claimwatch/store/lake.py's guard: its Parquet folder stays readable, and what could reach past that is refused.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from claimwatch.errors import ClaimwatchError
from claimwatch.store import lake
from claimwatch.store.lake import first_line
from claimwatch.store.location import StoreLocation
from claimwatch.store.store import _connect, require_store

GUARD = {"enable_external_access": False, "lock_configuration": True}
EXPLAIN = re.compile(r"(?:\s+|--[^\n]*(?:\n|$)|/\*.*?\*/)*explain\s+(?:analy[sz]e\b\s*)?(?:\([^)]*\)\s*)?", re.I | re.S)
READ_ONLY = ("refused: `claimwatch sql` is read-only and does not run {kind} statements "
             "(only select, with, describe, show, summarize, explain and pragma reads)")


class RefusedQuery(ClaimwatchError):
    """A statement `claimwatch sql` does not run: it could write, attach, install, load or change a setting."""


class QueryFailed(ClaimwatchError):
    """A read DuckDB could not run (a typo, a missing table)."""


def guarded_connection(path: str | Path | StoreLocation) -> duckdb.DuckDBPyConnection:
    """A read-only connection to an existing store that cannot touch any other file or setting."""
    store = require_store(path)
    if isinstance(store, StoreLocation):
        return lake.guarded_connect(store)
    return _connect(store, read_only=True, config=dict(GUARD))


def explained(con: duckdb.DuckDBPyConnection, text: str) -> list:
    """The statements an EXPLAIN statement explains (and with ANALYZE runs); none when it cannot be told."""
    found = EXPLAIN.match(text)
    try:
        return con.extract_statements(text[found.end():]) if found else []
    except duckdb.Error:
        return []


def run_read(con: duckdb.DuckDBPyConnection, query: str) -> tuple[list[str], list[tuple]]:
    """Run one or more read statements; the column names and rows of the last one."""
    try:
        statements = con.extract_statements(query)
    except duckdb.Error as exc:
        raise QueryFailed(f"query failed: {first_line(exc)}") from None
    on_lake = lake.is_lake(con)
    for statement in statements:
        kind = statement.type.name
        if kind == "EXPLAIN":
            inner = explained(con, statement.query)
            kind = inner[0].type.name if len(inner) == 1 else "unreadable EXPLAIN"
            statement = inner[0] if len(inner) == 1 else statement
        if kind != "SELECT":
            raise RefusedQuery(READ_ONLY.format(kind=kind))
        why = lake.refusal(con, statement.query) if on_lake else None
        if why:
            raise RefusedQuery(f"refused: `claimwatch sql` is read-only: {why}")
    try:
        cursor = con.execute(query)
        names = [d[0] for d in cursor.description] if cursor.description else []
        return names, cursor.fetchall() if names else []
    except (duckdb.PermissionException, duckdb.InvalidInputException) as exc:
        raise RefusedQuery(f"refused: `claimwatch sql` is read-only: {first_line(exc)}") from None
    except duckdb.Error as exc:
        raise QueryFailed(f"query failed: {first_line(exc)}") from None
