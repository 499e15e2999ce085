"""A throwaway PostgreSQL server for the DuckLake store's catalog, as the tests start Prefect's: the server's start
and stop live in claimwatch/devtools/pg.py (the benchmarks use them too). Debian's `postgresql` must be installed
(.ci/run installs it); its absence is a failure, never a skip."""

from __future__ import annotations

import pytest

from claimwatch.devtools.pg import PostgresMissing, PostgresServer, start_server, stop_server

__all__ = ["PostgresServer", "postgres_server", "lake_setting"]


@pytest.fixture(scope="session")
def postgres_server():
    """One PostgreSQL server for the session; each test takes its own database (`lake_setting`)."""
    try:
        server = start_server()
    except PostgresMissing as exc:
        pytest.fail(str(exc))
    try:
        yield server
    finally:
        stop_server(server)


@pytest.fixture
def lake_setting(postgres_server, tmp_path, monkeypatch) -> str:
    """A new, empty DuckLake store: its setting, with CLAIMWATCH_DATA_PATH set to a fresh folder for its files."""
    monkeypatch.setenv("CLAIMWATCH_DATA_PATH", str(tmp_path / "lake-files"))
    return postgres_server.store_setting()
