"""Shared fixtures: the recorded releases in ../shared/data and a store built from them once per session."""

from __future__ import annotations

import os
from pathlib import Path

# pytest-xdist's workers set COLUMNS=80 and LINES=24; rich would fix the CLI console at 80 columns when
# claimwatch.cli is first imported, and the tests that set their own width (monkeypatch, CliRunner env) would wrap
os.environ.pop("COLUMNS", None)
os.environ.pop("LINES", None)

import pytest

from claim_support import catalog_by_id, catalog_ids

from claimwatch.audit import Auditor
from claimwatch.pipeline import ingest_recorded
from claimwatch.sources import all_sources
from claimwatch.store import open_store

SHARED_DATA = Path(os.environ.get("CLAIMWATCH_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))


@pytest.fixture(params=catalog_ids())
def catalog(request):
    """Each shipped catalog in turn (claims/*.yaml), for tests about "a catalog" rather than one article's figures;
    a test about one article's figures picks it with `catalog_by_id(...)` (tests/claim_support.py)."""
    return catalog_by_id(request.param)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The recorded releases; their absence is a failure, never a skip."""
    if not (SHARED_DATA / "PROVENANCE.md").is_file():
        pytest.fail(f"recorded releases not found at {SHARED_DATA} (expected ../shared/data beside the project)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def built_db(shared_data, tmp_path_factory) -> Path:
    """A DuckDB store holding every recorded release (built once; open it read-only)."""
    path = tmp_path_factory.mktemp("store") / "claimwatch.duckdb"
    with open_store(path) as store:
        auditor = Auditor(store)
        outcomes = ingest_recorded(store, shared_data, all_sources().values(), auditor=auditor)
        auditor.finish()  # the run's Great Expectations Data Docs, as a run writes them
    bad = [o for o in outcomes if o.status != "published"]
    assert not bad, f"recorded releases not published: {bad}"
    return path


@pytest.fixture(autouse=True)
def catalog_folders_restored(monkeypatch):
    """`claimwatch --claims DIR` sets $CLAIMWATCH_CLAIMS for its process: an in-process CLI test must not leak it."""
    monkeypatch.setenv("CLAIMWATCH_CLAIMS", os.environ.get("CLAIMWATCH_CLAIMS", ""))


@pytest.fixture
def built_con(built_db):
    """A read-only connection to the session store."""
    with open_store(built_db, read_only=True) as store:
        yield store.con


# A local stand-in for the agencies' web servers (tests/agency_server.py): `agency_server` is the session's
# server reset to its default state for each test.
from agency_server import agency_server, agency_server_session  # noqa: E402, F401

# A local stand-in for Slack (tests/slack_server.py): `slack_server` is a fresh server for each test.
from slack_server import slack_server  # noqa: E402, F401

# A throwaway PostgreSQL for DuckLake stores (tests/pg_server.py): `lake_setting` is a new, empty DuckLake.
from pg_server import lake_setting, postgres_server  # noqa: E402, F401
