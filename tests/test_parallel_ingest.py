"""Several writers on one DuckLake store (issue #17): worker processes racing on the same sources, a worker killed
mid-commit, the per-source lock, and the outbox with two collectors at once.

The workers are real processes (`python -m claimwatch.parallel`, each with its own store connection) on a real
PostgreSQL catalog (tests/pg_server.py). To keep the wall time small they ingest the three smallest recorded
sources (CBP southwest encounters, CBP drug seizures, DHS KHSM USBP: five releases); the reference is the serial
DuckDB-file build of every recorded release (`built_db`).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from claimwatch import pipeline
from claimwatch.audit import Auditor
from claimwatch.claims.catalog import load_catalogs
from claimwatch.claims.steps import current_verdicts
from claimwatch.devtools.pg import pg_bin
from claimwatch.errors import StoreBusyError
from claimwatch.ingest import recorded_candidates, stage_candidate
from claimwatch.parallel import ingest_parallel, worker_threads
from claimwatch.sources import TABLES_BY_SOURCE, all_sources
from claimwatch.store import open_store
from claimwatch.store.location import parse_store
from claimwatch.store.source_lock import SourceLock, holder, source_lock
from claimwatch.store.views import latest_select

PROJECT = Path(__file__).resolve().parents[1]
SOURCES = ["cbp_southwest_encounters", "cbp_drug_seizures", "dhs_khsm_usbp"]
TABLES = [spec for name in SOURCES for spec in TABLES_BY_SOURCE[name]]


# -- helpers ---------------------------------------------------------------------------------------------------------
def fingerprint(con: duckdb.DuckDBPyConnection, relation: str) -> tuple[int, str]:
    """Rows and an md5 of every row's text, in order: equal fingerprints, equal tables (whatever the storage)."""
    return con.execute(f"""select count(*), md5(coalesce(string_agg(r, chr(10) order by r), ''))
                           from (select cast(t as varchar) as r from ({relation}) as t)""").fetchone()


def source_fingerprints(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[int, str]]:
    """The fingerprint of every `_latest` table of SOURCES, of their releases and of their revision counts."""
    names = ", ".join(f"'{n}'" for n in SOURCES)
    tables = ", ".join(f"'{s.name}'" for s in TABLES)
    prints = {f"{s.name}_latest": fingerprint(con, f"select * from {s.name}_latest") for s in TABLES}
    prints["releases"] = fingerprint(con, "select release_id, source, release_label, data_through, sha256, row_count,"
                                          f" status, reason from releases where source in ({names})")
    prints["raw_files"] = fingerprint(con, "select release_id, file_name, sha256, size_bytes from raw_files where"
                                           f" release_id in (select release_id from releases where source in ({names}))")
    prints["release_revisions"] = fingerprint(con, f"select * from release_revisions where table_name in ({tables})")
    prints["release_largest_revisions"] = fingerprint(
        con, f"select * from release_largest_revisions where table_name in ({tables})")
    return prints


def assert_consistent(con: duckdb.DuckDBPyConnection) -> None:
    """Every release is there with all its files and rows or not at all, and `_latest` is what the published
    releases make it: no partial release, no half publication."""
    for table in ["raw_files"] + [s.name for s in TABLES]:
        orphans = con.execute(f"select count(*) from {table} where release_id not in (select release_id from releases)"
                              ).fetchone()[0]
        assert orphans == 0, f"{table}: {orphans} row(s) of a release that is not in `releases`"
    doubles = con.execute("select release_id from releases group by 1 having count(*) > 1").fetchall()
    assert doubles == [], f"releases written twice: {doubles}"
    for release_id, source, files, rows, status in con.execute(
            "select release_id, source, file_count, row_count, status from releases").fetchall():
        assert status in ("staged", "published"), (release_id, status)
        assert con.execute("select count(*) from raw_files where release_id = ?", [release_id]).fetchone()[0] == files
        stored = sum(con.execute(f"select count(*) from {s.name} where release_id = ?", [release_id]).fetchone()[0]
                     for s in TABLES_BY_SOURCE[source])
        assert stored == rows, f"{release_id}: {stored} rows stored, {rows} in its release row"
    for spec in TABLES:
        assert fingerprint(con, f"select * from {spec.name}_latest") == fingerprint(con, latest_select(spec)), (
            f"{spec.name}_latest is not what the published releases make it")


def worker(setting: str, data_path: Path, releases: Path, sources: list[str], lock_wait: float = 0) -> subprocess.Popen:
    """A worker process: its own interpreter and store connection (`python -m claimwatch.parallel`)."""
    return subprocess.Popen(
        [sys.executable, "-m", "claimwatch.parallel", "--store", setting, "--data-path", str(data_path),
         "--releases", str(releases), "--sources", ",".join(sources), "--lock-wait", str(lock_wait)],
        cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finished(proc: subprocess.Popen, timeout: float = 600) -> dict:
    """A worker's JSON report once it exits 0."""
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, f"worker exit {proc.returncode}:\n{out}\n{err[-3000:]}"
    return json.loads(out.strip().splitlines()[-1])


def subset(shared_data: Path, folder: Path) -> Path:
    """A releases folder holding only SOURCES' recorded releases (symlinks)."""
    folder.mkdir()
    for source in all_sources().values():
        if source.name in SOURCES:
            os.symlink(shared_data / source.recorded_folder, folder / source.recorded_folder)
    return folder


class Psql:
    """One psql session kept open, for polling the catalog database quickly (a query costs a round trip)."""

    def __init__(self, conninfo: str):
        self.proc = subprocess.Popen([pg_bin("psql"), "-X", "-A", "-t", "-q", conninfo], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, bufsize=1)

    def rows(self, sql: str) -> list[list[str]]:
        self.proc.stdin.write(f"{sql};\n\\echo __end__\n")
        rows = []
        while (line := self.proc.stdout.readline().rstrip("\n")) != "__end__":
            if line:
                rows.append(line.split("|"))
        return rows

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


COMMITTING = """select substring(query from 'ducklake_snapshot VALUES \\((\\d+),') from pg_stat_activity
    where datname = current_database() and pid <> pg_backend_pid() and backend_xid is not null
      and query like '%ducklake_snapshot VALUES%'"""  # a DuckLake commit writing its snapshot: (new snapshot id)


# -- serial references -----------------------------------------------------------------------------------------------
def verdicts_now(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Every claim's verdicts now (from the stored steps), in catalog order. (Earlier steps may differ between
    runs: a claim's step as of a release records the store as it stood when that release was written, and with
    several writers that depends on how their releases interleaved; the verdicts now do not.)"""
    return [(c.article_id, v.claim_id, v.reading, v.mode, v.verdict, v.period, v.observed, v.claimed, v.margin,
             tuple(v.vintages), v.sentence) for c in load_catalogs() for v in current_verdicts(con, c)[0]]


@pytest.fixture(scope="module")
def serial_run(shared_data, tmp_path_factory) -> dict:
    """What a serial DuckDB-file run of SOURCES stores: the alerts it collects, (idempotency key, kind), and the
    claims' verdicts now."""
    folder = subset(shared_data, tmp_path_factory.mktemp("serial") / "releases")
    with open_store(tmp_path_factory.mktemp("serial-store") / "s.duckdb") as store:
        sources = [all_sources()[n] for n in SOURCES]
        pipeline.stage_audit_publish(store, sources, Auditor(store), releases=folder)
        catalogs = load_catalogs()
        pipeline.collect(store, catalogs, pipeline.evaluate(store, catalogs), charts=False)
        return {"alerts": store.con.execute("select idempotency_key, kind from alerts order by 1").fetchall(),
                "verdicts": verdicts_now(store.con)}


# -- four racing workers ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def raced_lake(postgres_server, shared_data, tmp_path_factory):
    """Four worker processes started at once on a new, empty DuckLake, each given every source of SOURCES in a
    different order (workers 0 and 3 start on the same source): (store setting, data path, reports, seconds)."""
    folder = subset(shared_data, tmp_path_factory.mktemp("raced") / "releases")
    data_path = tmp_path_factory.mktemp("raced-lake")
    setting = postgres_server.store_setting()
    orders = [SOURCES[i % len(SOURCES):] + SOURCES[:i % len(SOURCES)] for i in range(4)]
    started = time.monotonic()
    procs = [worker(setting, data_path, folder, order, lock_wait=600) for order in orders]
    reports = [finished(p) for p in procs]
    seconds = time.monotonic() - started
    with open_store(parse_store(setting, data_path)) as store:
        pipeline.evaluate(store, load_catalogs())  # once, after every source (as ingest_parallel does)
    return setting, data_path, reports, seconds


def test_racing_workers_publish_every_release_exactly_once(raced_lake):
    setting, data_path, reports, _ = raced_lake
    assert all(r["busy"] == {} for r in reports), "every worker waited for the sources another held"
    published: dict[str, int] = {}
    for report in reports:
        for o in report["outcomes"]:
            assert o["status"] in ("published", "unchanged"), o
            published[o["release_id"]] = published.get(o["release_id"], 0) + (o["status"] == "published")
    assert len(published) == 5 and set(published.values()) == {1}, published  # one worker published each release
    with open_store(parse_store(setting, data_path), read_only=True) as store:
        con = store.con
        assert_consistent(con)
        assert con.execute("select count(*), count(distinct release_id) from releases where status = 'published'"
                           ).fetchone() == (5, 5)
        validated = con.execute("select release_id, count(*) from validations group by 1").fetchall()
        assert len(validated) == 5 and {n for _, n in validated} == {1}, validated  # audited once each, too
        assert con.execute("select count(*) from source_locks").fetchone()[0] == 0  # every lock given back


def test_racing_workers_build_the_same_latest_tables_as_a_serial_file_build(raced_lake, built_db, serial_run):
    setting, data_path, _, _ = raced_lake
    with open_store(built_db, read_only=True) as serial:
        expected = source_fingerprints(serial.con)
    with open_store(parse_store(setting, data_path), read_only=True) as lake:
        assert source_fingerprints(lake.con) == expected
        assert verdicts_now(lake.con) == serial_run["verdicts"]  # the claims, evaluated once at the end
    assert all(rows > 0 for rows, _ in expected.values())
    assert {v[4] for v in serial_run["verdicts"]} - {"unknown", "not_checkable"}, "some claim judged on these sources"


def test_what_the_racing_workers_kept_equals_a_recomputation_from_every_vintage(raced_lake):
    """`_latest` and the revision counts, kept release by release as each was published (worked out before its
    write transaction, written in it: store/latest.py), equal the same recomputed from every stored vintage."""
    setting, data_path, _, _ = raced_lake
    names = [f"{s.name}_latest" for s in TABLES] + ["release_revisions", "release_largest_revisions"]
    with open_store(parse_store(setting, data_path)) as store:
        kept = {n: fingerprint(store.con, f"select * from {n}") for n in names}
        store.refresh_derived()
        assert {n: fingerprint(store.con, f"select * from {n}") for n in names} == kept
    assert kept["release_revisions"][0] >= 1 and kept["release_largest_revisions"][0] >= 1  # a revised release


COLLECT = """
import os, sys, time
from claimwatch import pipeline
from claimwatch.claims.catalog import load_catalogs
from claimwatch.claims.steps import current_verdicts
from claimwatch.store import open_store
from claimwatch.store.location import parse_store
store = open_store(parse_store(sys.argv[1], sys.argv[2]))
catalogs = load_catalogs()
evaluated = pipeline.evaluate(store, catalogs)
open(sys.argv[3] + ".ready", "w").close()
while not os.path.exists(sys.argv[3]):  # both collectors start their transaction together
    time.sleep(0.005)
print(len(pipeline.collect(store, catalogs, evaluated, charts=False).new_alerts))
store.close()
"""


def test_two_collectors_at_once_write_each_alert_once(raced_lake, serial_run, tmp_path):
    serial_alerts = serial_run["alerts"]
    setting, data_path, _, _ = raced_lake
    go = tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, "-c", COLLECT, setting, str(data_path), f"{go}{i}"], cwd=PROJECT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(2)]
    deadline = time.monotonic() + 300
    while not all(Path(f"{go}{i}.ready").exists() for i in range(2)):
        assert all(p.poll() is None for p in procs), [p.communicate() for p in procs]
        assert time.monotonic() < deadline, "the collectors did not start"
        time.sleep(0.05)
    for i in range(2):
        Path(f"{go}{i}").touch()
    new = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err[-3000:]
        new.append(int(out.strip().splitlines()[-1]))
    with open_store(parse_store(setting, data_path), read_only=True) as store:
        alerts = store.con.execute("select idempotency_key, kind from alerts order by 1").fetchall()
        doubled = store.con.execute("select idempotency_key from alerts group by 1 having count(*) > 1").fetchall()
        ids = store.con.execute("select count(*), count(distinct alert_id) from alerts").fetchone()
    assert doubled == [] and ids[0] == ids[1]
    assert alerts == serial_alerts and len(alerts) > 0  # none lost, none doubled: the serial run's alerts
    assert sorted(new) == [0, len(serial_alerts)]  # one collector wrote them all, the other found them written


# -- a worker killed mid-commit --------------------------------------------------------------------------------------
def test_a_worker_killed_mid_commit_leaves_the_store_consistent_and_a_rerun_completes(
        postgres_server, shared_data, built_db, tmp_path):
    folder = subset(shared_data, tmp_path / "releases")
    dbname = postgres_server.new_database()
    setting, data_path = postgres_server.store_setting(dbname), tmp_path / "lake"
    location = parse_store(setting, data_path)
    open_store(location).close()
    psql = Psql(postgres_server.conninfo(dbname))
    killed, stale_seen = [], []
    try:
        for nth in (2, 4, 3):  # kill during the nth commit the worker makes, three times over
            proc = worker(setting, data_path, folder, SOURCES)
            seen: list[str] = []
            while proc.poll() is None:
                committing = [r[0] for r in psql.rows(COMMITTING)]
                seen += [s for s in committing if s not in seen]
                if len(seen) >= nth and committing:
                    os.kill(proc.pid, signal.SIGKILL)  # the commit's statements are in flight
                    proc.wait()
                    killed.append(committing[0])
                    break
            if proc.returncode != -signal.SIGKILL:
                finished(proc)  # it ended before its nth commit: nothing left to kill
                break
            with open_store(location, read_only=True) as store:
                assert_consistent(store.con)
                stale = [pid for (pid,) in store.con.execute("select pid from source_locks").fetchall()]
            assert stale in ([], [proc.pid]), stale  # the killed worker's lock, unless killed while giving it back
            stale_seen += stale
    finally:
        psql.close()
    assert len(killed) >= 2, f"killed mid-commit only {len(killed)} time(s)"
    assert stale_seen, "a killed worker left its lock behind (the rerun must take it over)"
    report = finished(worker(setting, data_path, folder, SOURCES))  # no wait: the dead holder is taken over at once
    assert report["busy"] == {}
    with open_store(location, read_only=True) as lake, open_store(built_db, read_only=True) as serial:
        assert_consistent(lake.con)
        assert lake.con.execute("select count(*) from releases where status = 'published'").fetchone()[0] == 5
        assert source_fingerprints(lake.con) == source_fingerprints(serial.con)
        assert lake.con.execute("select count(*) from source_locks").fetchone()[0] == 0


# -- the source lock -------------------------------------------------------------------------------------------------
def test_a_second_holder_of_a_source_is_busy_until_the_first_lets_go(lake_setting):
    with open_store(lake_setting) as first, open_store(lake_setting) as second:
        with source_lock(first.con, "cbp_drug_seizures") as mine:
            with pytest.raises(StoreBusyError, match=rf"source cbp_drug_seizures: .*pid {os.getpid()} on .*{mine.lock_id}"):
                SourceLock(second.con, "cbp_drug_seizures").take()
            started = time.monotonic()
            with pytest.raises(StoreBusyError):
                SourceLock(second.con, "cbp_drug_seizures").take(wait_seconds=1.0, poll_seconds=0.2)
            assert time.monotonic() - started >= 1.0
            with source_lock(second.con, "cbp_southwest_encounters"):  # another source is free
                pass
        with source_lock(second.con, "cbp_drug_seizures") as theirs:  # let go: the next one takes it
            assert theirs.took_over is None
            assert holder(first.con, "cbp_drug_seizures").lock_id == theirs.lock_id


def test_of_two_takers_at_once_exactly_one_holds_the_source(lake_setting):
    stores = [open_store(lake_setting) for _ in range(2)]
    try:
        for round_ in range(3):
            barrier, results = threading.Barrier(2), [None, None]

            def take(i: int) -> None:
                barrier.wait()
                try:
                    results[i] = SourceLock(stores[i].con, f"race{round_}").take()
                except StoreBusyError as exc:
                    results[i] = exc

            threads = [threading.Thread(target=take, args=(i,)) for i in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            held = [r for r in results if isinstance(r, SourceLock)]
            assert len(held) == 1 and sum(isinstance(r, StoreBusyError) for r in results) == 1, results
            assert holder(stores[0].con, f"race{round_}").lock_id == held[0].lock_id
    finally:
        for s in stores:
            s.close()


TAKE_AND_HOLD = """
import sys, time
from claimwatch.store import open_store
from claimwatch.store.location import parse_store
from claimwatch.store.source_lock import SourceLock
store = open_store(parse_store(sys.argv[1], sys.argv[2]))
SourceLock(store.con, "cbp_drug_seizures").take()
print("held", flush=True)
time.sleep(600)
"""


def test_a_dead_holder_or_a_run_out_lease_is_taken_over(lake_setting, tmp_path):
    data_path = os.environ["CLAIMWATCH_DATA_PATH"]
    proc = subprocess.Popen([sys.executable, "-c", TAKE_AND_HOLD, lake_setting, data_path], cwd=PROJECT,
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "held"
        with open_store(lake_setting) as store:
            with pytest.raises(StoreBusyError, match=f"pid {proc.pid}"):
                SourceLock(store.con, "cbp_drug_seizures").take()  # alive: busy
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            lock = SourceLock(store.con, "cbp_drug_seizures").take()  # its process is gone: taken over at once
            assert lock.took_over.pid == proc.pid and holder(store.con, "cbp_drug_seizures").pid == os.getpid()
            lock.release()
            assert holder(store.con, "cbp_drug_seizures") is None

            with open_store(lake_setting) as other:  # a live holder whose lease ran out
                short = SourceLock(other.con, "cbp_drug_seizures", lease_seconds=0.5).take()
                with pytest.raises(StoreBusyError):
                    SourceLock(store.con, "cbp_drug_seizures").take()
                time.sleep(1.0)
                late = SourceLock(store.con, "cbp_drug_seizures").take()
                assert late.took_over.lock_id == short.lock_id
                with pytest.raises(StoreBusyError, match="taken over"):
                    short.renew(force=True)  # the old holder learns it lost the source before writing more
                short.release()  # gives back only its own taking: the new holder keeps the source
                assert holder(store.con, "cbp_drug_seizures").lock_id == late.lock_id
                late.release()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_two_writers_saving_one_release_at_once_store_it_once(lake_setting, shared_data):
    """Below the lock: the release key stays unique when two connections stage the same release at the same time."""
    source = all_sources()["cbp_drug_seizures"]
    (_, candidate), *_ = recorded_candidates(shared_data, [source])[0]
    stores = [open_store(lake_setting) for _ in range(2)]
    try:
        barrier, outcomes = threading.Barrier(2), [None, None]

        def stage(i: int) -> None:
            barrier.wait()
            outcomes[i] = stage_candidate(stores[i], source, candidate)

        threads = [threading.Thread(target=stage, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert {o.release_id for o in outcomes} == {candidate.release_id}
        con = stores[0].con
        assert con.execute("select count(*) from releases").fetchone()[0] == 1
        assert con.execute("select count(*) from raw_files").fetchone()[0] == len(candidate.files)
        rows = con.execute("select row_count from releases").fetchone()[0]
        assert rows > 0 and con.execute("select count(*) from cbp_drug_seizures__monthly").fetchone()[0] == rows
    finally:
        for s in stores:
            s.close()


# -- claimwatch ingest --workers -------------------------------------------------------------------------------------
def test_ingest_with_workers_on_a_ducklake(lake_setting, shared_data, tmp_path):
    """`claimwatch ingest --workers 2`: two spawned worker processes take the sources, the claims are evaluated once."""
    folder = subset(shared_data, tmp_path / "releases")
    command = str(Path(sys.executable).with_name("claimwatch"))
    env = {**os.environ, "CLAIMWATCH_STORE": lake_setting, "COLUMNS": "200"}
    done = subprocess.run([command, "ingest", "--releases", str(folder), "--workers", "2"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    assert done.stdout.count("published") == 5 and "claim step(s) evaluated and stored" in done.stdout
    with open_store(lake_setting, read_only=True) as store:
        assert_consistent(store.con)
        assert store.con.execute("select count(*) from releases where status = 'published'").fetchone()[0] == 5
        assert store.con.execute("select count(*) from claim_steps").fetchone()[0] > 0
    refused = subprocess.run([command, "ingest", "--db", str(tmp_path / "f.duckdb"), "--releases", str(folder),
                              "--workers", "2"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert refused.returncode == 2 and "several workers need a DuckLake store" in refused.stderr
    assert not (tmp_path / "f.duckdb").exists()


def test_workers_share_the_cores_out_among_their_duckdb_threads(lake_setting, shared_data, tmp_path):
    """Two pool workers do not each run a DuckDB thread per core: each gets its share of the cores (on 2 cores,
    four threads instead of two cost 13 s more CPU in the recorded ingest: parallel.worker_threads)."""
    folder = subset(shared_data, tmp_path / "releases")
    done = ingest_parallel(lake_setting, list(SOURCES), 2, releases=folder)
    assert sorted(o.status for o in done.outcomes) == ["published"] * 5
    cores = os.cpu_count() or 1
    assert len(done.worker_threads) == 2 and set(done.worker_threads.values()) == {max(1, cores // 2)}
    assert worker_threads(1) == cores and worker_threads(cores * 2) == 1
    with open_store(lake_setting, threads=1) as store:  # the setting reaches the connection, as on a file store
        assert store.con.execute("select current_setting('threads')").fetchone()[0] == 1
    with open_store(tmp_path / "f.duckdb", threads=1) as store:
        assert store.con.execute("select current_setting('threads')").fetchone()[0] == 1
