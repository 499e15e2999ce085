"""The store setting: a DuckDB file or a DuckLake on PostgreSQL, parsed with clear errors and no secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from claimwatch import config
from claimwatch.store import open_store
from claimwatch.store.location import StoreSettingError, parse_store


def test_a_bare_path_or_duckdb_prefix_is_a_file_store():
    assert parse_store("data/x.duckdb").path == Path("data/x.duckdb")
    assert parse_store("duckdb:data/x.duckdb").path == Path("data/x.duckdb")
    assert not parse_store("duckdb:data/x.duckdb").is_lake


def test_a_ducklake_setting_needs_its_data_path_and_no_password(tmp_path):
    with pytest.raises(StoreSettingError, match="CLAIMWATCH_DATA_PATH"):
        parse_store("ducklake:postgres:dbname=x host=h user=u")
    with pytest.raises(StoreSettingError, match="PGPASSWORD") as raised:
        parse_store("ducklake:postgres:dbname=x host=h user=u password=hunter2", tmp_path)
    assert "hunter2" not in str(raised.value)
    with pytest.raises(StoreSettingError, match="keyword=value"):
        parse_store("ducklake:postgres:my database", tmp_path)
    with pytest.raises(StoreSettingError, match="only a PostgreSQL catalog"):
        parse_store("ducklake:sqlite:x.db", tmp_path)
    lake = parse_store("ducklake:postgres:dbname=news  host=db.internal port=5432 user=cw", tmp_path)
    assert lake.is_lake and lake.data_path == tmp_path.resolve()
    assert str(lake) == "ducklake:postgres:dbname=news host=db.internal port=5432 user=cw"
    assert lake.label == "ducklake news@db.internal"


def test_the_environment_picks_the_store(monkeypatch, tmp_path):
    monkeypatch.delenv("CLAIMWATCH_DB", raising=False)
    monkeypatch.setenv("CLAIMWATCH_STORE", "ducklake:postgres:dbname=n host=h user=u")
    monkeypatch.setenv("CLAIMWATCH_DATA_PATH", str(tmp_path))
    assert config.db_path().is_lake
    assert config.db_path(tmp_path / "f.duckdb") == tmp_path / "f.duckdb"  # --db/--store beats the environment
    monkeypatch.delenv("CLAIMWATCH_STORE")
    monkeypatch.setenv("CLAIMWATCH_DB", str(tmp_path / "old.duckdb"))
    assert config.db_path() == tmp_path / "old.duckdb"


def test_a_new_ducklake_gets_the_schema_once(lake_setting):
    with open_store(lake_setting) as store:
        assert store.location.is_lake
        tables = {r[0] for r in store.con.execute(
            "select table_name from duckdb_tables() where database_name = current_database()").fetchall()}
        assert {"releases", "raw_files", "claim_steps", "alerts", "write_tokens", "census_trade__monthly_latest"} <= tables
        assert store.con.execute("select count(*) from write_tokens").fetchone()[0] >= 4
    with open_store(lake_setting) as store:  # a second writer finds the schema current and creates nothing
        assert store.con.execute("select count(*) from write_tokens").fetchone()[0] >= 4
    with open_store(lake_setting, read_only=True) as store:
        with pytest.raises(Exception, match="read.only|read-only"):
            store.con.execute("insert into write_tokens values ('x', 0)")
