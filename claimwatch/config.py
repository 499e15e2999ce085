"""Embedded defaults, overridable from the environment (never from code edits)."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_DB = Path("data") / "claimwatch.duckdb"


def db_path(explicit: str | Path | None = None):
    """The store (claimwatch/store/location.py): an explicit setting (--store or --db), else $CLAIMWATCH_STORE, else
    $CLAIMWATCH_DB, else the DuckDB file data/claimwatch.duckdb. A DuckDB file comes back as its Path, a DuckLake
    as its StoreLocation (both print as the setting)."""
    setting = explicit or os.environ.get("CLAIMWATCH_STORE") or os.environ.get("CLAIMWATCH_DB") or DEFAULT_DB
    location = store_location(setting)
    return location if location.is_lake else location.path


def store_location(setting):
    """The store a setting (a path, a `duckdb:`/`ducklake:` setting or a StoreLocation) names, a DuckLake's data
    folder taken from $CLAIMWATCH_DATA_PATH."""
    from claimwatch.store.location import parse_store

    return parse_store(setting, data_path())


def data_path(explicit: str | Path | None = None) -> str | None:
    """The folder of a DuckLake store's Parquet files: --data-path, else $CLAIMWATCH_DATA_PATH."""
    return str(explicit) if explicit else os.environ.get("CLAIMWATCH_DATA_PATH") or None


def duckdb_memory_limit() -> str | None:
    """DuckDB's memory limit for a writing connection, from $CLAIMWATCH_DUCKDB_MEMORY_LIMIT (e.g. "1GB"); None
    leaves DuckDB's own default (80% of the machine's memory). Between releases the store hands back what DuckDB
    holds as cache anyway (Store.release_memory), so a run's peak does not depend on this setting."""
    return os.environ.get("CLAIMWATCH_DUCKDB_MEMORY_LIMIT") or None


def mirror_url(explicit: str | None = None) -> str | None:
    """A base URL serving every agency's paths (a local mirror or test server), from $CLAIMWATCH_MIRROR."""
    return explicit or os.environ.get("CLAIMWATCH_MIRROR") or None


def project_dir(name: str) -> Path:
    """A folder of the project (sql/, expectations/): beside the package in a checkout, inside it in a wheel."""
    package = Path(__file__).resolve().parent
    for candidate in (package.parent / name, package / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"no {name}/ folder next to {package}")


def http_backoff() -> float:
    """Seconds of backoff between HTTP retries (urllib3's factor), from $CLAIMWATCH_HTTP_BACKOFF (default 1)."""
    return float(os.environ.get("CLAIMWATCH_HTTP_BACKOFF") or 1.0)


def http_max_retry_after() -> float:
    """Longest wait a server's Retry-After may impose, in seconds: $CLAIMWATCH_HTTP_MAX_RETRY_AFTER (default 60)."""
    return float(os.environ.get("CLAIMWATCH_HTTP_MAX_RETRY_AFTER") or 60.0)


def source_fetch_seconds() -> float:
    """Seconds one source may spend discovering and fetching: $CLAIMWATCH_SOURCE_FETCH_SECONDS (default 300)."""
    return float(os.environ.get("CLAIMWATCH_SOURCE_FETCH_SECONDS") or 300.0)
