"""The command line under faults: hostile ad-hoc SQL, a mistyped --db, a file that is not a store, a read-only
location, a full disk, a read-only store, and two writers at once."""

from __future__ import annotations

import errno
import shutil
import subprocess
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from claimwatch.cli import app
from claimwatch.run_lock import run_lock
from claimwatch.store import open_store
from test_cli import claimwatch_command, small_releases

runner = CliRunner()


@pytest.fixture
def small_db(shared_data, tmp_path):
    """A store built by `claimwatch ingest` from two recorded southwest-border releases."""
    db = tmp_path / "store" / "c.duckdb"
    result = runner.invoke(app, ["ingest", "--releases", str(small_releases(shared_data, tmp_path)), "--db", str(db)])
    assert result.exit_code == 0, result.output
    return db


def release_count(db) -> int:
    with open_store(db, read_only=True) as store:
        return store.con.execute("select count(*) from releases").fetchone()[0]


def test_sql_cannot_overwrite_the_store_with_copy(small_db):
    size = small_db.stat().st_size
    result = runner.invoke(app, ["sql", f"copy (select 'gone' as x) to '{small_db}' (format csv)", "--db", str(small_db)])
    assert result.exit_code == 2, result.output
    assert "refused" in result.output and len(result.output.strip().splitlines()) == 1
    assert small_db.stat().st_size == size and release_count(small_db) == 2


def test_sql_cannot_write_another_store_through_attach(small_db, tmp_path):
    other = tmp_path / "other.duckdb"
    shutil.copy(small_db, other)
    for query in (f"attach '{other}' as o (read_write); delete from o.releases",
                  f"select 1; attach '{other}' as o (read_write)"):
        result = runner.invoke(app, ["sql", query, "--db", str(small_db)])
        assert result.exit_code == 2 and "refused" in result.output, result.output
    assert release_count(other) == 2


@pytest.mark.parametrize("query", [
    "install httpfs", "load httpfs", "set enable_external_access = true", "set threads = 1",
    "pragma enable_profiling", "select * from read_csv('/etc/passwd')", "create temp table t as select 1",
    "export database '/tmp/claimwatch-export'", "delete from releases",
    "explain analyze copy (select 1) to '/tmp/claimwatch-explained.csv'",  # EXPLAIN ANALYZE runs what it explains
])
def test_sql_refuses_what_is_not_a_read(small_db, query):
    result = runner.invoke(app, ["sql", query, "--db", str(small_db)])
    assert result.exit_code == 2, result.output
    assert result.output.startswith("refused:") and len(result.output.strip().splitlines()) == 1, result.output
    assert "read-only" in result.output


@pytest.mark.parametrize("query", [
    "select count(*) as n from releases", "with r as (select * from releases) select count(*) as n from r",
    "describe releases", "show tables", "summarize releases", "pragma database_size", "pragma table_info('releases')",
    "explain analyze select count(*) from releases",
])
def test_sql_reads_still_work(small_db, query):
    result = runner.invoke(app, ["sql", query, "--db", str(small_db), "--csv"])
    assert result.exit_code == 0, result.output
    assert len(result.output.splitlines()) >= 2


def claimwatch(*args, timeout=120):
    """The real `claimwatch` command in a subprocess (its exit status and stderr as a user sees them)."""
    return subprocess.run([claimwatch_command(), *map(str, args)], capture_output=True, text=True, timeout=timeout)


def one_error_line(result) -> str:
    lines = [line for line in result.stderr.strip().splitlines() if "; skipped" not in line]
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in result.stderr, result.stderr
    return lines[0]


@pytest.mark.parametrize("command", [["validate"], ["check"], ["history", "mexico_china_ratio_2024"],
                                     ["check", "--record"], ["backfill"], ["alerts", "--send"],
                                     ["releases"], ["site"], ["sql", "select 1"]])
def test_a_mistyped_db_creates_nothing(tmp_path, command):
    db = tmp_path / "typo" / "claimwatch.duckdb"
    line = one_error_line(claimwatch(*command, "--db", db))
    assert "no claimwatch database here yet" in line and str(db) in line
    assert not (tmp_path / "typo").exists()


def test_a_file_that_is_not_a_store_is_one_line(tmp_path):
    text = tmp_path / "notes.duckdb"
    text.write_text("these are my notes, not a database\n")
    for command in (["releases"], ["ingest", "--releases", tmp_path], ["check"], ["run", "--releases", tmp_path]):
        line = one_error_line(claimwatch(*command, "--db", text))
        assert str(text) in line and "not a claimwatch (DuckDB) database" in line and "--db" in line
    assert text.read_text() == "these are my notes, not a database\n"
    debug = claimwatch("--debug", "releases", "--db", text)
    assert debug.returncode != 0 and "Traceback" in debug.stderr


@contextmanager
def tmpfs(target: Path, options: str):
    """A tmpfs mounted at `target` with `options` (yields False where this machine cannot mount)."""
    target.mkdir(parents=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(target)], capture_output=True).returncode == 0
    try:
        yield mounted
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(target)], check=True)


def test_a_read_only_location_is_one_line(shared_data, tmp_path):
    folder = small_releases(shared_data, tmp_path)
    under_a_file = tmp_path / "a-file"
    under_a_file.write_text("x")
    places = [under_a_file / "c.duckdb"]  # root writes through chmod: a path under a file cannot be written by anyone
    with tmpfs(tmp_path / "ro", "ro,size=64k") as mounted:
        if mounted:
            places.append(tmp_path / "ro" / "c.duckdb")  # a read-only file system, as a read-only share would be
        for db in places:
            for command in (["ingest", "--releases", folder], ["replay", "--releases", folder]):
                line = one_error_line(claimwatch(*command, "--db", db))
                assert str(db) in line and "cannot write here" in line and "--db" in line
    assert mounted, "mount is not available on this machine: only the path under a file was tested"


def test_a_full_disk_is_one_line(shared_data, tmp_path):
    folder = small_releases(shared_data, tmp_path)
    with tmpfs(tmp_path / "small", "size=300k") as mounted:  # fills while the release's transaction commits
        assert mounted, "mount is not available: see test_a_full_disk_line_without_a_mount"
        db = tmp_path / "small" / "c.duckdb"
        line = one_error_line(claimwatch("ingest", "--releases", folder, "--db", db))
        assert str(db) in line and "the disk is full" in line
    with tmpfs(tmp_path / "docs", "size=3m") as mounted:  # the store fits; Great Expectations' Data Docs do not
        db = tmp_path / "docs" / "c.duckdb"
        result = claimwatch("ingest", "--releases", folder, "--db", db)
        assert result.returncode == 2, result.stderr  # GX logs its own rendering error before ours
        assert result.stderr.strip().splitlines()[-1] == (f"error: {db}: the disk is full; free space on it "
                                                          "(or use --db on another disk) and run again")


def test_a_full_disk_line_without_a_mount(tmp_path):
    """The same lines from the errors a full disk raises (DuckDB's failed commit, an OSError with no file)."""
    from claimwatch.cli_guard import failure_line

    wal = tmp_path / "c.duckdb.wal"
    commit = duckdb.TransactionException(f'TransactionContext Error: Failed to commit: Could not write file "{wal}": '
                                         "No space left on device")
    assert failure_line(commit) == f"{wal}: the disk is full; free space on it (or use --db on another disk) and run again"
    assert "the disk is full" in failure_line(OSError(errno.ENOSPC, "No space left on device"))


@contextmanager
def read_only_view(folder: Path, target: Path):
    """`folder` seen read-only at `target` through a read-only bind mount (yields False where mount is refused)."""
    target.mkdir()
    bound = subprocess.run(["mount", "--bind", str(folder), str(target)], capture_output=True).returncode == 0
    try:
        yield bound and subprocess.run(["mount", "-o", "remount,bind,ro", str(target)], capture_output=True).returncode == 0
    finally:
        if bound:
            subprocess.run(["umount", "-l", str(target)], check=True)


CLAIM = "mexican_vs_usbp_encounters_may2024_mar2025"  # its indicator reads the southwest-border releases


def test_reading_commands_work_on_a_read_only_store(small_db, tmp_path):
    with read_only_view(small_db.parent, tmp_path / "ro") as mounted:
        assert mounted, "mount is not available on this machine"
        db = tmp_path / "ro" / small_db.name
        for command in (["history", CLAIM], ["check"], ["releases"], ["alerts"], ["sql", "select count(*) from releases"],
                        ["site", "--out", tmp_path / "site"]):
            result = runner.invoke(app, [*map(str, command), "--db", str(db)], env={"COLUMNS": "250"})
            assert result.exit_code == 0, (command, result.output, result.exception)
        assert "fy22-fy25-aug" in runner.invoke(app, ["history", CLAIM, "--db", str(db)], env={"COLUMNS": "250"}).output
        for command in (["check", "--record"], ["backfill", CLAIM]):  # writing commands say so in one line
            line = one_error_line(claimwatch(*command, "--db", db))
            assert str(db) in line and "cannot write here" in line


def test_looking_writes_nothing_backfill_stores_steps(small_db):
    def steps():
        with open_store(small_db, read_only=True) as store:
            return store.con.execute("select count(*) from claim_steps where claim_id = ?", [CLAIM]).fetchone()[0]

    stored = steps()  # `claimwatch ingest` stored the claim's verdicts as of the newest release only
    for command in (["history", CLAIM], ["check"], ["check", "--record"]):
        assert runner.invoke(app, [*command, "--db", str(small_db)]).exit_code == 0
        assert steps() == stored, command
    assert runner.invoke(app, ["backfill", CLAIM, "--db", str(small_db)]).exit_code == 0
    assert steps() > stored


def test_every_writing_command_takes_the_run_lock(small_db, shared_data, tmp_path):
    folder = small_releases(shared_data, tmp_path / "more")
    before = small_db.read_bytes()
    with run_lock(small_db):  # a `claimwatch run` (or another writing command) in progress
        for command in (["ingest", "--releases", folder], ["replay", "--releases", folder], ["validate", "--all"],
                        ["check", "--record"], ["backfill", CLAIM], ["alerts", "--send"], ["alerts", "--resend", "1"]):
            line = one_error_line(claimwatch(*command, "--db", small_db))
            assert "another claimwatch run holds" in line and f"{small_db}.lock" in line, (command, line)
        reading = claimwatch("history", CLAIM, "--db", small_db)  # reading commands need no lock
        assert reading.returncode == 0, reading.stderr
    assert small_db.read_bytes() == before


def test_a_missing_releases_folder_makes_no_store(tmp_path):
    line = one_error_line(claimwatch("ingest", "--releases", tmp_path / "nowhere", "--db", tmp_path / "new" / "c.duckdb"))
    assert line == f"error: {tmp_path / 'nowhere'}: no such folder of recorded releases"
    assert not (tmp_path / "new").exists()
