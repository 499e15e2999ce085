"""How the command line opens the store and reports failures: one lock for every writer, one line per error."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from rich.markup import escape

from claimwatch import config
from claimwatch.errors import ClaimwatchError, NoStoreError
from claimwatch.run_lock import run_lock
from claimwatch.store import open_store
from claimwatch.store.store import Store, require_store, store_problem

OPTIONS: dict = {"debug": False, "db": None}  # --debug (global option) and the store the command opened


@contextmanager
def writing_store(db: str | Path | None, *, create: bool = False, wait_seconds: float = 0.0) -> Iterator[Store]:
    """The store for a writing command, under the run lock every writer shares; only creators may make one."""
    path = OPTIONS["db"] = config.db_path(db)
    if not create:
        require_store(path)  # before the lock: a mistyped --db makes no folder and no lock file
    with run_lock(path, wait_seconds=wait_seconds), open_store(path, create=create) as store:
        yield store


def reading_store(db: str | Path | None) -> Store:
    """The existing store, opened read-only (works on a read-only file or disk)."""
    path = OPTIONS["db"] = config.db_path(db)
    return open_store(path, read_only=True)


def existing_store(db: str | Path | None) -> Store | None:
    """The store opened read-only, or None when there is none yet (no file, or no claimwatch store in the DuckLake)."""
    try:
        return reading_store(db)
    except NoStoreError:
        return None


QUOTED_PATH = re.compile(r'"(/[^"]+)"')


def failure_line(exc: BaseException) -> str | None:
    """One line for an error a user can act on (a store problem, a missing file), or None for a bug."""
    if isinstance(exc, ClaimwatchError):
        return str(exc)
    if isinstance(exc, OSError) and exc.errno is None:
        return str(exc)  # our own message ("…: no such folder of recorded releases")
    if isinstance(exc, OSError):
        where = exc.filename or OPTIONS["db"] or "?"  # GX writing Data Docs beside the store names no file
        return store_problem(Path(where), exc) or f"{where}: {exc.strerror or exc}"
    if isinstance(exc, duckdb.OutOfMemoryException) or "Out of Memory Error" in str(exc):
        limit = config.duckdb_memory_limit()
        return (f"{OPTIONS['db'] or 'the store'}: DuckDB needed more than its memory limit of {limit}; the release "
                "in progress was not published (one left staged is audited on the next run). Raise "
                "CLAIMWATCH_DUCKDB_MEMORY_LIMIT (e.g. 1GB) and run again")
    if isinstance(exc, duckdb.Error):
        found = QUOTED_PATH.search(str(exc))
        if found:
            return store_problem(Path(found.group(1)), exc)
    return None


def run_app(app, err) -> None:
    """Run the typer app; a known failure prints one `error:` line and exits 2 (the traceback with --debug)."""
    try:
        app()
    except Exception as exc:  # noqa: BLE001 - anything unrecognised is re-raised with its traceback
        line = None if OPTIONS["debug"] else failure_line(exc)
        if line is None:
            raise
        err.print(f"[red]error:[/] {escape(line)}", highlight=False)
        sys.exit(2)
