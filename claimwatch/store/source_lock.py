"""One ingest per source at a time on a DuckLake store: a row of `source_locks`, taken and released in the store's
own transactions (no file lock: the writers may be on several machines).

Taking the lock reads the source's row and, when there is none or its holder is gone, replaces it, in one
transaction that bumps the `source_locks` write token (store/lake.py): two runs taking the same source at once
conflict at commit, the loser's transaction runs again, sees the winner's row and finds the source busy.
The holder is a host, a pid (with the process's start time) and a random id; its lease (`expires_at`) is renewed
while it works. A holder whose lease ran out, or whose process on this host is gone (SIGKILLed, crashed), may be
taken over, so a killed worker never blocks the rerun. Busy: StoreBusyError names the source and the holder.

A DuckDB file store has one writer (DuckDB's own lock and the run lock, claimwatch/run_lock.py): there the lock
is not taken and the file behaves as before.
"""

from __future__ import annotations

import os
import secrets
import socket
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import duckdb

from claimwatch.errors import StoreBusyError
from claimwatch.store.lake import is_lake
from claimwatch.store.transact import transaction

LEASE_SECONDS = 900.0  # renewed while the holder works (at most every half lease); past it anyone may take over
POLL_SECONDS = 1.0  # how often a waiting taker looks again (a read: it never makes the holder's writes conflict)
COLUMNS = "source, lock_id, host, pid, pid_started, taken_at, expires_at"


def process_started(pid: int) -> str | None:
    """The process's start time in clock ticks after boot (Linux), or None when it cannot be read."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def process_alive(pid: int, started: str | None) -> bool:
    """Whether process `pid` on this host is still the one that took the lock (not gone, not a zombie, not reused)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # another user's process: it exists
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return True  # no /proc (not Linux): the pid exists, that is all we know
    if fields[0] in ("Z", "X"):
        return False  # killed, not yet reaped by its parent
    return started is None or fields[19] == started


@dataclass(frozen=True)
class Holder:
    """A source's lock as stored: who took it and until when."""

    source: str
    lock_id: str
    host: str
    pid: int
    pid_started: str | None
    taken_at: datetime
    expires_at: datetime

    def __str__(self) -> str:
        return (f"held by pid {self.pid} on {self.host} (lock {self.lock_id}) since {self.taken_at:%Y-%m-%d %H:%M:%S} UTC,"
                f" lease until {self.expires_at:%H:%M:%S} UTC")

    def gone(self, now: datetime) -> str | None:
        """Why this holder may be taken over (its lease ran out, its process on this host is gone), else None."""
        if self.expires_at <= now:
            return f"its lease ran out at {self.expires_at:%Y-%m-%d %H:%M:%S} UTC"
        if self.host == socket.gethostname() and not process_alive(self.pid, self.pid_started):
            return f"its process {self.pid} on {self.host} is gone"
        return None


def _now() -> datetime:
    return datetime.now(timezone.utc)


def holder(con: duckdb.DuckDBPyConnection, source: str) -> Holder | None:
    """The source's lock row, if any (it may be stale)."""
    row = con.execute(f"select {COLUMNS} from source_locks where source = ?", [source]).fetchone()
    if row is None:
        return None
    taken, expires = (t if t.tzinfo else t.replace(tzinfo=timezone.utc) for t in row[5:7])
    return Holder(*row[:5], taken, expires)


class SourceLock:
    """A source's lock, held by this process: `renew` it while working, `release` it when done."""

    def __init__(self, con: duckdb.DuckDBPyConnection, source: str, lease_seconds: float = LEASE_SECONDS):
        self.con, self.source, self.lease_seconds = con, source, lease_seconds
        self.lock_id = secrets.token_hex(6)
        self.pid = os.getpid()
        self.took_over: Holder | None = None  # the stale holder this taking replaced, if any
        self._renewed = 0.0

    def _try_take(self) -> Holder | None:
        """Take the lock in one transaction; the live holder when another run has it."""
        def take() -> Holder | None:
            now = _now()
            current = holder(self.con, self.source)
            if current is not None and current.lock_id != self.lock_id and current.gone(now) is None:
                return current
            self.took_over = current if current is not None and current.lock_id != self.lock_id else None
            self.con.execute("delete from source_locks where source = ?", [self.source])
            self.con.execute(f"insert into source_locks ({COLUMNS}) values (?, ?, ?, ?, ?, ?, ?)",
                             [self.source, self.lock_id, socket.gethostname(), self.pid, process_started(self.pid),
                              now, now + timedelta(seconds=self.lease_seconds)])
            return None

        busy = transaction(self.con, take, "source_locks")
        if busy is None:
            self._renewed = time.monotonic()
        return busy

    def take(self, wait_seconds: float = 0.0, poll_seconds: float = POLL_SECONDS) -> SourceLock:
        """Take the lock, waiting up to `wait_seconds` for its holder to finish; StoreBusyError after that."""
        deadline = time.monotonic() + wait_seconds
        while True:
            current = holder(self.con, self.source)  # a read first: a waiting taker does not disturb the holder
            if current is None or current.gone(_now()) is not None:
                current = self._try_take()
                if current is None:
                    return self
            if time.monotonic() >= deadline:
                raise StoreBusyError(f"source {self.source}: another claimwatch run is ingesting it ({current}); "
                                     "this run leaves the source untouched")
            time.sleep(min(poll_seconds, max(0.0, deadline - time.monotonic())))

    def renew(self, force: bool = False) -> None:
        """Extend the lease (at most every half lease unless `force`); StoreBusyError if another run took it over."""
        if not force and time.monotonic() - self._renewed < self.lease_seconds / 2:
            return

        def extend() -> bool:
            mine = holder(self.con, self.source)
            if mine is None or mine.lock_id != self.lock_id:
                return False
            self.con.execute("update source_locks set expires_at = ? where source = ? and lock_id = ?",
                             [_now() + timedelta(seconds=self.lease_seconds), self.source, self.lock_id])
            return True

        if not transaction(self.con, extend, "source_locks"):
            raise StoreBusyError(f"source {self.source}: this run's lock {self.lock_id} was taken over (its lease "
                                 "ran out); it stops writing the source")
        self._renewed = time.monotonic()

    def release(self) -> None:
        """Give the lock up (only this taking's row: a run that took over keeps its own)."""
        transaction(self.con, lambda: self.con.execute(
            "delete from source_locks where source = ? and lock_id = ?", [self.source, self.lock_id]), "source_locks")


@contextmanager
def source_lock(con: duckdb.DuckDBPyConnection, source: str, wait_seconds: float = 0.0,
                lease_seconds: float = LEASE_SECONDS, poll_seconds: float = POLL_SECONDS) -> Iterator[SourceLock | None]:
    """Hold `source`'s lock for the block on a DuckLake store (None on a DuckDB file store: its run lock rules)."""
    if not is_lake(con):
        yield None
        return
    lock = SourceLock(con, source, lease_seconds).take(wait_seconds, poll_seconds)
    try:
        yield lock
    except BaseException:
        try:
            lock.release()
        except duckdb.Error:
            pass  # the connection is gone too: the lease (or the dead pid) frees the source
        raise
    lock.release()


@contextmanager
def source_locks(con: duckdb.DuckDBPyConnection, sources: list[str], wait_seconds: float = 0.0) -> Iterator[list]:
    """Hold the locks of several sources (in name order) for the block."""
    with ExitStack() as stack:
        yield [stack.enter_context(source_lock(con, s, wait_seconds)) for s in sorted(set(sources))]
