"""`claimwatch store migrate`: the recorded store, with an outbox, copied into a DuckLake on a real PostgreSQL; every
table verified, the same `check --json`, and the DuckLake working on as a store."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from alert_support import catalog, claim_change_alert

from claimwatch import pipeline
from claimwatch.alerts.outbox import Outbox
from claimwatch.alerts.states import acknowledge, mute
from claimwatch.charts import claim_chart_png
from claimwatch.claims.catalog import load_catalogs
from claimwatch.cli import app
from claimwatch.errors import StoreError
from claimwatch.pipeline import ingest_recorded
from claimwatch.sources import all_sources
from claimwatch.store import open_store
from claimwatch.store.copy import MigrateError, migrate
from claimwatch.store.location import StoreSettingError, parse_store

runner = CliRunner()
CLAIM = "lowest_illegal_crossings_30_years"  # changes verdict across the recorded vintages: a real claim alert
OLD_LOG = """create table claim_evaluations (
    article_id varchar not null, claim_id varchar not null, mode varchar not null, verdict varchar not null,
    period varchar not null, observed double, claimed double, margin double, rule varchar, supported varchar,
    vintages varchar[] not null, explanation varchar, sentence varchar not null, as_of_release_id varchar,
    evaluated_at timestamptz not null)"""  # the evaluation log of stores written before claim_steps


@pytest.fixture(scope="module")
def source(built_db, tmp_path_factory) -> Path:
    """A copy of the recorded store as a run leaves it: the digests of a first run and their notices, a claim alert
    with its chart (a blob), one alert acknowledged, one claim muted, and the old evaluation log of an upgraded store."""
    path = tmp_path_factory.mktemp("file-store") / "claimwatch.duckdb"
    shutil.copy(built_db, path)
    with duckdb.connect(str(path)) as con:
        con.execute(OLD_LOG)
        con.execute("insert into claim_evaluations values ('a', 'mexico_exports_2024', 'as_stated', 'holds',"
                    " 'calendar 2024', 334.0, 335.0, 2.4, 'rule', null, ['census_trade/2025-04'], '12 of 12',"
                    " 'sentence', null, '2026-11-01 00:00:00+00')")
    with open_store(path) as store:  # brings the log up to date (reading, details), as any writer does
        catalogs = load_catalogs()
        assert pipeline.collect(store, catalogs, pipeline.evaluate(store, catalogs)).new_alerts
        claim = catalog().claim(CLAIM)
        alert = claim_change_alert(store.con, CLAIM, "latest", "claim:migrate/1",
                                   chart=claim_chart_png(store.con, claim))
        alert_id, _ = Outbox(store.con).enqueue(alert, claims=[(CLAIM, "update", alert.title)])
        acknowledge(store.con, alert_id)
        mute(store.con, f"{catalog().article_id}/{CLAIM}", date.today() + timedelta(days=30), catalogs)
    return path


def tables(con, database: str) -> dict[str, int]:
    names = [r[0] for r in con.execute("select table_name from duckdb_tables() where database_name = ?"
                                       " and schema_name = 'main'", [database]).fetchall()]
    return {name: con.execute(f'select count(*) from {database}.main."{name}"').fetchone()[0] for name in names}


def snapshot(setting: str, data_path: Path) -> int:
    """The DuckLake's newest snapshot: any committed write makes a new one."""
    with open_store(parse_store(setting, data_path), read_only=True) as store:
        return store.con.execute("select max(snapshot_id) from lake.snapshots()").fetchone()[0]


@pytest.fixture(scope="module")
def migrated(source, postgres_server, tmp_path_factory):
    """The source migrated with the command into a new DuckLake: (setting, data path, CLI result, seconds)."""
    setting, data_path = postgres_server.store_setting(), tmp_path_factory.mktemp("lake-files")
    started = time.monotonic()
    result = runner.invoke(app, ["store", "migrate", "--db", str(source), "--to", setting, "--data-path", str(data_path)],
                           env={"COLUMNS": "100"})
    seconds = time.monotonic() - started
    print(f"\nstore migrate of the recorded store: {seconds:.1f} s")
    assert result.exit_code == 0, (result.output, result.exception)
    return setting, data_path, result, seconds


def test_every_table_is_copied_and_verified(source, migrated):
    setting, data_path, result, _ = migrated
    with duckdb.connect(str(source), read_only=True) as con:
        expected = tables(con, "claimwatch")
    assert expected["releases"] == 24 and expected["claim_evaluations"] == 1 and expected["alerts"] == 3
    assert all(expected[t] for t in ("raw_files", "validations", "validation_results", "claim_steps", "claim_notices",
                                     "alert_claims", "alert_acks", "claim_mutes", "release_revisions"))
    for table in expected:  # the command's report: one row per table, each matching
        assert any(line.split("│")[1].strip() == table and "✓" in line
                   for line in result.output.splitlines() if line.count("│") > 2), table
    assert "✗" not in result.output
    assert f"Copied {sum(expected.values()):,} rows of {len(expected)} tables" in result.output
    with open_store(parse_store(setting, data_path), read_only=True) as lake:
        assert {t: n for t, n in tables(lake.con, "lake").items() if t != "write_tokens"} == expected
        lake.con.execute(f"attach '{source}' as src (read_only)")
        for table, order in (("releases", "release_id"), ("alerts", "alert_id"), ("claim_evaluations", "claim_id")):
            assert (lake.con.execute(f"select * from lake.main.{table} order by {order}").fetchall()
                    == lake.con.execute(f"select * from src.main.{table} order by {order}").fetchall())
        chart = lake.con.execute("select chart from alerts where chart is not null").fetchone()[0]
        assert chart.startswith(b"\x89PNG")
        assert lake.con.execute("select count(*) from raw_files where sha256(content) <> sha256").fetchone()[0] == 0
        assert lake.con.execute("select data_type from duckdb_columns() where database_name = 'lake' and"
                                " table_name = 'claim_evaluations' and column_name = 'details'").fetchone()[0] == "JSON"


def test_check_json_is_the_same_on_both_stores(source, migrated):
    setting, data_path, _, _ = migrated
    on_file = runner.invoke(app, ["check", "--db", str(source), "--json"])
    on_lake = runner.invoke(app, ["check", "--json"], env={"CLAIMWATCH_STORE": setting,
                                                            "CLAIMWATCH_DATA_PATH": str(data_path)})
    assert on_file.exit_code == on_lake.exit_code == 0, (on_file.output, on_lake.output, on_lake.exception)
    assert len(on_file.output.splitlines()) > 40
    assert on_lake.output == on_file.output


def test_the_lake_works_on_as_the_store(source, migrated):
    setting, data_path, _, _ = migrated
    with open_store(parse_store(setting, data_path)) as store:
        catalogs = load_catalogs()
        evaluated = pipeline.evaluate(store, catalogs)
        assert evaluated.stored == 0  # every claim was evaluated as of every release already
        assert pipeline.collect(store, catalogs, evaluated).new_alerts == []  # the newsroom was told: nothing new
        outbox = Outbox(store.con).listing()
    with open_store(source, read_only=True) as file_store:
        assert outbox == Outbox(file_store.con).listing() and len(outbox) == 3


def test_a_rerun_finds_the_same_rows_and_writes_nothing(source, migrated):
    setting, data_path, _, _ = migrated
    before = snapshot(setting, data_path)
    again = migrate(source, setting, data_path)
    assert not again.copied and not again.mismatched
    with duckdb.connect(str(source), read_only=True) as con:
        assert [t.table for t in again.tables] == ["releases"] + sorted(set(tables(con, "claimwatch")) - {"releases"})
    assert snapshot(setting, data_path) == before


def test_a_lake_holding_different_rows_is_refused_naming_the_table(source, migrated):
    setting, data_path, _, _ = migrated
    lake = parse_store(setting, data_path)
    with open_store(lake) as store:
        store.con.execute("update alerts set title = title || ' (edited)' where alert_id = 1")
    try:
        before = snapshot(setting, data_path)
        result = runner.invoke(app, ["store", "migrate", "--db", str(source), "--to", setting,
                                     "--data-path", str(data_path)], env={"COLUMNS": "100"})
        assert isinstance(result.exception, MigrateError)
        assert "differs from" in str(result.exception) and "in alerts;" in str(result.exception)
        assert "✗ differs" in next(line for line in result.output.splitlines() if "│ alerts " in line)
        assert snapshot(setting, data_path) == before
    finally:
        with open_store(lake) as store:
            store.con.execute("update alerts set title = replace(title, ' (edited)', '') where alert_id = 1")


def test_a_lake_with_its_own_releases_is_refused_and_kept(source, lake_setting, shared_data, tmp_path):
    folder = tmp_path / "releases" / "cbp_southwest_land_border_encounters"
    folder.mkdir(parents=True)
    name = "sbo-encounters-fy22-fy25-aug.csv"
    (folder / name).symlink_to(shared_data / folder.name / name)
    with open_store(lake_setting) as store:
        [outcome] = ingest_recorded(store, folder.parent, all_sources().values())
    assert outcome.status == "published"
    data_path = tmp_path / "lake-files"
    before = snapshot(lake_setting, data_path)
    with pytest.raises(MigrateError, match=r"already holds a store \(1 release\(s\)\) that differs .* in releases,"):
        migrate(source, lake_setting, data_path)
    assert snapshot(lake_setting, data_path) == before
    with open_store(lake_setting, read_only=True) as store:
        assert store.con.execute("select release_id from releases").fetchall() == [(outcome.release_id,)]


def claimwatch_command() -> str:
    return str(Path(sys.executable).with_name("claimwatch"))


def test_a_missing_source_is_an_error_before_the_lake_is_touched(postgres_server, tmp_path):
    dbname = postgres_server.new_database()
    result = subprocess.run([claimwatch_command(), "store", "migrate", "--db", str(tmp_path / "none.duckdb"), "--to",
                             postgres_server.store_setting(dbname), "--data-path", str(tmp_path / "lake-files")],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert "none.duckdb: no claimwatch database here yet" in result.stderr and "Traceback" not in result.stderr
    assert postgres_server.psql("select count(*) from pg_tables where schemaname = 'public'", dbname).strip() == "0"
    assert not (tmp_path / "lake-files").exists() and not (tmp_path / "none.duckdb").exists()


def test_only_a_file_goes_into_only_a_lake_and_no_password_is_shown(source, lake_setting, tmp_path):
    with pytest.raises(MigrateError, match="is a DuckDB file; --to takes a DuckLake"):
        migrate(source, tmp_path / "other.duckdb")
    assert not (tmp_path / "other.duckdb").exists()
    with pytest.raises(MigrateError, match="is a DuckLake; migrate copies a DuckDB-file store"):
        migrate(lake_setting, lake_setting, tmp_path / "lake-files")
    (tmp_path / "notes.duckdb").write_text("not a database")
    with pytest.raises(StoreError, match="not a claimwatch \\(DuckDB\\) database"):
        migrate(tmp_path / "notes.duckdb", lake_setting, tmp_path / "lake-files")
    result = runner.invoke(app, ["store", "migrate", "--db", str(source), "--to", f"{lake_setting} password=hunter2"])
    assert isinstance(result.exception, StoreSettingError) and "PGPASSWORD" in str(result.exception)
    assert "hunter2" not in str(result.exception) + result.output


def test_a_file_of_another_schema_is_refused_naming_what_differs(lake_setting, tmp_path):
    path = tmp_path / "old.duckdb"
    open_store(path).close()
    with duckdb.connect(str(path)) as con:  # as a store from before alerts had their article's channel
        con.execute("alter table alerts drop column channel")
    with pytest.raises(MigrateError, match=r"another claimwatch version \(alerts has no column channel\)"):
        migrate(path, lake_setting, tmp_path / "lake-files")
    with open_store(lake_setting, read_only=True) as store:
        assert store.con.execute("select count(*) from releases").fetchone()[0] == 0
