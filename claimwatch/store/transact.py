"""One transaction, retried when another writer of a DuckLake store committed a conflicting change first."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import duckdb

from claimwatch.store.lake import bump, is_conflict, is_lake

T = TypeVar("T")
ATTEMPTS = 12  # a writer losing 12 races in a row is stuck, not unlucky: the error goes up
FIRST_WAIT = 0.05  # seconds; doubled per attempt, with jitter, up to MAX_WAIT
MAX_WAIT = 2.0
RETRIES = {"conflicts": 0, "seconds_lost": 0.0}  # this process's conflicts retried and the seconds they cost (benchmarks)


def rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back, keeping the original failure: a failed commit leaves no transaction to roll back."""
    try:
        con.execute("rollback")
    except duckdb.Error:
        pass


def transaction(con: duckdb.DuckDBPyConnection, body: Callable[[], T], *tokens: str, attempts: int = ATTEMPTS) -> T:
    """Run `body` in one transaction and commit; on a DuckLake write conflict roll back and run it again.

    `tokens` (claimwatch/store/lake.py) make transactions that must not interleave conflict with each other; the
    body must read what it depends on inside, so that a retry sees the winner's rows. A DuckDB file store has one
    writer: nothing conflicts, and `body` runs once.
    """
    for attempt in range(1, attempts + 1):
        started = time.perf_counter()
        con.execute("begin transaction")
        try:
            bump(con, *tokens)
            result = body()
            con.execute("commit")
            return result
        except BaseException as exc:
            rollback(con)
            if attempt == attempts or not is_conflict(exc) or not is_lake(con):
                raise
            RETRIES["conflicts"] += 1
            RETRIES["seconds_lost"] += time.perf_counter() - started
            time.sleep(min(MAX_WAIT, FIRST_WAIT * 2 ** (attempt - 1)) * random.uniform(0.5, 1.5))
    raise AssertionError("unreachable")


@contextmanager
def snapshot(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Reads in one transaction on a DuckLake store: one snapshot, one catalog transaction, instead of one of each
    per query (every query outside a transaction is a DuckLake transaction of its own, ~8 catalog statements).
    Nothing is written, so nothing conflicts. A DuckDB file store reads as before."""
    if not is_lake(con):
        yield
        return
    con.execute("begin transaction")
    try:
        yield
    except BaseException:
        rollback(con)
        raise
    con.execute("commit")
