"""Several worker processes ingesting sources at once into one DuckLake store (issue #17).

A worker is a process with its own store connection (and its own Great Expectations context) that runs
`pipeline.ingest_source` (stage -> audit -> publish under the source's lock) for each source it is given.
`ingest_parallel` hands the sources to N workers, heaviest first, and evaluates the claims once when every source
is done. Writers meet only in the store: the source lock keeps two runs off one source, a release's key is
written once (Store.save re-reads it inside its transaction, and racing saves conflict on the `releases` write
token), and every transaction retries when another writer's commit conflicts with it (store/transact.py).

`python -m claimwatch.parallel --store S --sources a,b [--releases DIR]` runs one worker in this process and
prints its outcomes as JSON (the tests start several at once, and kill some).
Library code: no Prefect here (flows/monthly_check.py runs `ingest_source` as Prefect tasks).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from claimwatch import config
from claimwatch.errors import StoreBusyError
from claimwatch.ingest import Outcome, recorded_entries
from claimwatch.store.location import parse_store

_WORKER: dict = {}  # the worker process's own store and auditor, opened once by `_start_worker`


@dataclass
class WorkerResult:
    """What one worker did: the outcomes of the sources it ingested, and those another run held (busy)."""

    outcomes: list[Outcome] = field(default_factory=list)
    busy: dict[str, str] = field(default_factory=dict)
    pid: int = field(default_factory=os.getpid)
    retries: dict = field(default_factory=dict)  # the process's conflicts retried so far (store/transact.py RETRIES)
    seconds: dict[str, float] = field(default_factory=dict)  # each source's wall time
    threads: int = 0  # the DuckDB threads its connection ran with

    def to_json(self) -> str:
        return json.dumps({"outcomes": [asdict(o) for o in self.outcomes], "busy": self.busy, "pid": self.pid,
                           "retries": self.retries, "seconds": self.seconds, "threads": self.threads}, default=str)


def _sources(names: list[str], mirror: str | None):
    from claimwatch.sources import all_sources

    sources = all_sources(config.mirror_url(mirror))
    unknown = [n for n in names if n not in sources]
    if unknown:
        raise ValueError(f"unknown source(s) {', '.join(unknown)}; expected some of {', '.join(sources)}")
    return [sources[n] for n in names]


def ingest_sources(store, names: list[str], *, releases: Path | None = None, mirror: str | None = None,
                   auditor=None, lock_wait_seconds: float = 0.0) -> WorkerResult:
    """What a worker does on its own connection: `ingest_source` for each source in turn; a source another run
    holds past `lock_wait_seconds` is reported busy and the worker goes on with the next."""
    from claimwatch import pipeline
    from claimwatch.store.transact import RETRIES

    result = WorkerResult()
    for source in _sources(names, mirror):
        started = time.perf_counter()
        try:
            result.outcomes += pipeline.ingest_source(store, source, releases=releases, auditor=auditor,
                                                      lock_wait_seconds=lock_wait_seconds)
        except StoreBusyError as exc:
            result.busy[source.name] = str(exc)
        result.seconds[source.name] = time.perf_counter() - started
    result.retries = dict(RETRIES)
    result.threads = int(store.con.execute("select current_setting('threads')").fetchone()[0])
    return result


def source_weights(names: list[str], releases: Path | None) -> dict[str, int]:
    """A source's share of the work: the bytes of its recorded releases (0 for a live run: order kept)."""
    if releases is None:
        return {n: 0 for n in names}
    entries, _ = recorded_entries(releases, _sources(names, None))
    weight = dict.fromkeys(names, 0)
    for source, entry in entries:
        files = [entry] if entry.is_file() else [p for p in entry.rglob("*") if p.is_file()]
        weight[source.name] += sum(p.stat().st_size for p in files)
    return weight


def worker_threads(workers: int) -> int:
    """DuckDB threads for each of `workers` processes: the machine's cores shared out, at least one each. Two
    workers on 2 cores with DuckDB's default (a thread per core each) ran 4 threads on 2 cores: the recorded ingest
    took 49.0 s of CPU and 29.4 s of wall (1.39x one worker); with one thread each, 36.2 s and 22.1 s (1.65x)."""
    return max(1, (os.cpu_count() or 1) // workers)


def _start_worker(setting: str, data_path: str | None, threads: int | None = None) -> None:
    """A pool process opens its store (and later its GX context) once, for every source it is given; `threads`
    caps its DuckDB threads, so that N workers do not run N times the cores' worth of DuckDB threads."""
    import atexit

    from claimwatch.audit import Auditor
    from claimwatch.store import open_store

    store = open_store(parse_store(setting, data_path), threads=threads)
    auditor = Auditor(store)
    auditor.validator  # Great Expectations' import and context (~5 s of CPU): once per process, before any source
    _WORKER.update(store=store, auditor=auditor)
    atexit.register(store.close)


def _pool_ingest(name: str, releases: str | None, mirror: str | None, lock_wait_seconds: float) -> WorkerResult:
    return ingest_sources(_WORKER["store"], [name], releases=Path(releases) if releases else None, mirror=mirror,
                          auditor=_WORKER["auditor"], lock_wait_seconds=lock_wait_seconds)


@dataclass
class ParallelIngest:
    """What `ingest_parallel` did: the outcomes in the sources' order, the busy sources, and the evaluation."""

    outcomes: list[Outcome]
    busy: dict[str, str]
    evaluated: object  # claims.steps.Evaluated
    ingest_seconds: float = 0.0  # the workers' part: from starting them to the last source done
    evaluate_seconds: float = 0.0
    retries: dict = field(default_factory=dict)  # conflicts retried by every worker, and the seconds they cost
    source_seconds: dict[str, float] = field(default_factory=dict)  # each source's wall time in its worker
    worker_threads: dict[int, int] = field(default_factory=dict)  # each worker process's DuckDB threads, by pid


def ingest_parallel(store_setting, names: list[str], workers: int, *, releases: Path | None = None,
                    mirror: str | None = None, catalogs=None, lock_wait_seconds: float = 0.0) -> ParallelIngest:
    """Ingest these sources with `workers` processes (each with its own connection), the heaviest sources first,
    then evaluate the claims once. The store (a DuckLake; a DuckDB file allows one writer: use `workers=1` or
    pipeline.ingest) is created first, so the workers do not race to create its tables."""
    from claimwatch.run_lock import run_lock

    location = config.store_location(store_setting)
    if not location.is_lake and workers > 1:
        raise ValueError(f"{location}: a DuckDB file store has one writer; several workers need a DuckLake store")
    with run_lock(location):  # a DuckDB file's run lock, as every writer takes it (a DuckLake: none, the sources' locks)
        return _ingest_parallel(location, names, workers, releases, mirror, catalogs, lock_wait_seconds)


def _ingest_parallel(location, names, workers, releases, mirror, catalogs, lock_wait_seconds) -> ParallelIngest:
    from claimwatch import pipeline
    from claimwatch.claims.catalog import load_catalogs
    from claimwatch.store import open_store

    open_store(location).close()
    weights = source_weights(names, releases)
    order = sorted(names, key=lambda n: -weights[n])
    data_path = str(location.data_path) if location.is_lake else None
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: no DuckDB or GX state copied by fork
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_start_worker,
                             initargs=(str(location), data_path, worker_threads(workers))) as pool:
        futures = {n: pool.submit(_pool_ingest, n, str(releases) if releases else None, mirror, lock_wait_seconds)
                   for n in order}
        results = {n: f.result() for n, f in futures.items()}
    ingested = time.perf_counter()
    outcomes = [o for n in names for o in results[n].outcomes]
    busy = {s: text for n in names for s, text in results[n].busy.items()}
    retries = {}
    for key in ("conflicts", "seconds_lost"):  # a process's counts add up over its sources: its largest is its total
        by_process: dict[int, float] = {}
        for r in results.values():
            by_process[r.pid] = max(by_process.get(r.pid, 0), r.retries.get(key, 0))
        retries[key] = sum(by_process.values())
    with open_store(location) as store:
        evaluated = pipeline.evaluate(store, load_catalogs() if catalogs is None else catalogs)
    seconds = {n: t for r in results.values() for n, t in r.seconds.items()}
    return ParallelIngest(outcomes, busy, evaluated, ingested - started, time.perf_counter() - ingested, retries,
                          seconds, {r.pid: r.threads for r in results.values()})


def main(argv: list[str] | None = None) -> int:
    """One worker: ingest the sources given into the store, print the outcomes as JSON; exit 1 if any is busy."""
    from claimwatch.store import open_store

    parser = argparse.ArgumentParser(prog="python -m claimwatch.parallel", description=main.__doc__)
    parser.add_argument("--store", help="the store setting (default $CLAIMWATCH_STORE)")
    parser.add_argument("--data-path", help="a DuckLake's Parquet folder (default $CLAIMWATCH_DATA_PATH)")
    parser.add_argument("--sources", required=True, help="comma-separated source names, ingested in this order")
    parser.add_argument("--releases", type=Path, help="a folder of recorded releases (default: fetch live)")
    parser.add_argument("--mirror", help="a base URL serving every agency's paths")
    parser.add_argument("--lock-wait", type=float, default=0.0, help="seconds to wait for a source another run holds")
    args = parser.parse_args(argv)

    setting = args.store or os.environ.get("CLAIMWATCH_STORE") or os.environ.get("CLAIMWATCH_DB") or config.DEFAULT_DB
    with open_store(parse_store(setting, config.data_path(args.data_path))) as store:
        result = ingest_sources(store, [n for n in args.sources.split(",") if n], releases=args.releases,
                                mirror=args.mirror, lock_wait_seconds=args.lock_wait)
    print(result.to_json(), flush=True)
    return 1 if result.busy else 0


if __name__ == "__main__":
    sys.exit(main())
