"""Ad-hoc SQL (`claimwatch sql`) that can read the store and nothing else.

Two guards: the statement must be a read (DuckDB parses select, with, describe, show, summarize and pragma reads
as SELECT), and the connection is read-only with external access disabled and its configuration locked, so even
a read cannot write, attach, install or load anything, or change a setting (measured: ../shared/STACK_NOTES.md).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from claimwatch.errors import ClaimwatchError
from claimwatch.store.store import _connect, require_store

GUARD = {"enable_external_access": False, "lock_configuration": True}
ALLOWED = {"SELECT", "EXPLAIN"}


class RefusedQuery(ClaimwatchError):
    """A statement `claimwatch sql` does not run: it could write, attach, install, load or change a setting."""


class QueryFailed(ClaimwatchError):
    """A read DuckDB could not run (a typo, a missing table)."""


def guarded_connection(path: str | Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to an existing store that cannot touch any other file or setting."""
    return _connect(require_store(path), read_only=True, config=dict(GUARD))


def first_line(exc: BaseException) -> str:
    """DuckDB's message without its multi-line context."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def run_read(con: duckdb.DuckDBPyConnection, query: str) -> tuple[list[str], list[tuple]]:
    """Run one or more read statements; the column names and rows of the last one."""
    try:
        statements = con.extract_statements(query)
    except duckdb.Error as exc:
        raise QueryFailed(f"query failed: {first_line(exc)}") from None
    for statement in statements:
        kind = statement.type.name
        if kind not in ALLOWED:
            raise RefusedQuery(f"refused: `claimwatch sql` is read-only and does not run {kind} statements "
                               "(only select, with, describe, show, summarize, explain and pragma reads)")
    try:
        cursor = con.execute(query)
        names = [d[0] for d in cursor.description] if cursor.description else []
        return names, cursor.fetchall() if names else []
    except (duckdb.PermissionException, duckdb.InvalidInputException) as exc:
        raise RefusedQuery(f"refused: `claimwatch sql` is read-only: {first_line(exc)}") from None
    except duckdb.Error as exc:
        raise QueryFailed(f"query failed: {first_line(exc)}") from None
