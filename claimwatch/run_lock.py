"""One writer at a time: a run holds an exclusive lock on `<db>.lock` for its whole length.

DuckDB locks the file only while a connection is open, and a flow opens and closes the store in every task, so
two runs could otherwise interleave. The lock is an advisory `flock` (released by the OS if the process dies).
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from claimwatch.errors import StoreBusyError, StoreError


def lock_path(db: str | Path) -> Path:
    """The lock file beside the store."""
    db = Path(db)
    return db.with_name(db.name + ".lock")


@contextmanager
def run_lock(db, wait_seconds: float = 0.0, poll_seconds: float = 1.0) -> Iterator[Path]:
    """Hold the store's run lock; wait up to `wait_seconds` for another run to finish, else raise StoreBusyError.

    A DuckLake store has several writers by design: no file lock; each source's ingest takes its own lock in the
    store (claimwatch/store/source_lock.py) and every transaction retries on conflict (claimwatch/store/transact.py).
    """
    from claimwatch.config import store_location

    location = store_location(db)  # a path, a setting, or a StoreLocation (which keeps its own data folder)
    if location.is_lake:
        yield None
        return
    db = location.path
    path = lock_path(db)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a+")
    except OSError as exc:
        from claimwatch.store.store import store_problem  # the store's words for an unwritable place

        raise StoreError(store_problem(Path(db), exc) or f"{path}: {exc.strerror}; choose another --db") from exc
    deadline = time.monotonic() + wait_seconds
    try:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.seek(0)
                    holder = handle.read().strip() or "another process"
                    raise StoreBusyError(f"{db}: another claimwatch run holds {path} ({holder}); "
                                         "this run leaves the database untouched") from None
                time.sleep(min(poll_seconds, max(0.0, deadline - time.monotonic())))
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} since {datetime.now(timezone.utc):%Y-%m-%d %H:%M:%S} UTC")
        handle.flush()
        yield path
    finally:
        handle.close()  # closing the descriptor releases the lock
