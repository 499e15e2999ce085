"""Discover and fetch the newest release of several sources at once, each within its own time limit.

Only the network waits run in parallel (one thread and one HTTP session per source); the store is read for
conditional-request validators by one thread at a time and written afterwards, in the sources' order.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

from claimwatch import config
from claimwatch.errors import FetchError
from claimwatch.http import HttpClient, StoredCopy, ValidatorCache
from claimwatch.sources import Source
from claimwatch.sources.base import Candidate

GRACE_SECONDS = 5.0  # past the limit, how long to wait for a thread stuck in one slow read before leaving it


class _SharedCache:
    """The store's validators for one source's thread: one reader at a time, nothing once the source gave up."""

    def __init__(self, cache: ValidatorCache, lock: threading.Lock):
        self.cache, self.lock, self.closed = cache, lock, False

    def stored_copy(self, url: str) -> StoredCopy | None:
        with self.lock:
            if self.closed:
                raise FetchError(f"{url}: the source already gave up")
            return self.cache.stored_copy(url)


class _Fetch(threading.Thread):
    """One source's discover -> fetch in a daemon thread (a stuck server cannot keep the process alive)."""

    def __init__(self, source: Source, http: HttpClient):
        super().__init__(name=f"fetch-{source.name}", daemon=True)
        self.source, self.http = source, http
        self.result: Candidate | BaseException | None = None

    def run(self) -> None:
        try:
            self.result = self.source.fetch(self.http, self.source.discover(self.http))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller, which decides
            self.result = exc


def fetch_newest(sources: Sequence[Source], http: HttpClient, budget: float | None = None) -> list[Candidate | FetchError]:
    """Each source's newest release, or the FetchError that stopped it (one that ran out of time says so).

    Every source gets `budget` seconds ($CLAIMWATCH_SOURCE_FETCH_SECONDS) for all its requests and waits; the
    sources run at the same time, so the whole takes about the slowest one. Any other error is raised.
    """
    budget = config.source_fetch_seconds() if budget is None else budget
    lock = threading.Lock()
    caches = [_SharedCache(http.cache, lock) if http.cache is not None else None for _ in sources]
    threads = [_Fetch(s, http.for_source(budget, c)) for s, c in zip(sources, caches)]
    for thread in threads:
        thread.start()
    results: list[Candidate | FetchError] = []
    for thread, shared in zip(threads, caches):
        thread.join(max(0.0, thread.http.deadline - time.monotonic()) + GRACE_SECONDS)
        if thread.is_alive():
            if shared is not None:
                with lock:
                    shared.closed = True
            results.append(FetchError(f"{thread.source.name}: gave up after {budget:g} s "
                                      "(the source's fetch time limit, $CLAIMWATCH_SOURCE_FETCH_SECONDS)"))
        elif isinstance(thread.result, (Candidate, FetchError)):
            results.append(thread.result)
        else:
            raise thread.result
    return results

