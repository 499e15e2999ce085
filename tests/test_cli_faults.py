"""The command line under faults: hostile ad-hoc SQL, a mistyped --db, a file that is not a store, a read-only
location, a full disk, a read-only store, and two writers at once."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from typer.testing import CliRunner

from claimwatch.cli import app
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
])
def test_sql_refuses_what_is_not_a_read(small_db, query):
    result = runner.invoke(app, ["sql", query, "--db", str(small_db)])
    assert result.exit_code == 2, result.output
    assert result.output.startswith("refused:") and len(result.output.strip().splitlines()) == 1, result.output
    assert "read-only" in result.output


@pytest.mark.parametrize("query", [
    "select count(*) as n from releases", "with r as (select * from releases) select count(*) as n from r",
    "describe releases", "show tables", "summarize releases", "pragma database_size", "pragma table_info('releases')",
])
def test_sql_reads_still_work(small_db, query):
    result = runner.invoke(app, ["sql", query, "--db", str(small_db), "--csv"])
    assert result.exit_code == 0, result.output
    assert len(result.output.splitlines()) >= 2
