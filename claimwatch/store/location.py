"""Where the store is: a DuckDB file (the embedded default) or a DuckLake (catalog in PostgreSQL, Parquet files).

One setting picks it: `--store`/`--db`, else $CLAIMWATCH_STORE, else $CLAIMWATCH_DB, else data/claimwatch.duckdb.
  duckdb:data/claimwatch.duckdb                          (or a bare path)
  ducklake:postgres:dbname=claimwatch host=db port=5432 user=claimwatch
The DuckLake's Parquet files go under $CLAIMWATCH_DATA_PATH (or --data-path): a local folder or a shared mount.
The PostgreSQL password is never part of the setting: libpq reads $PGPASSWORD (or ~/.pgpass), and the Prefect
flows fill $PGPASSWORD from the Secret block `claimwatch-store-password`. Pure: no I/O beyond reading a path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from claimwatch.errors import ClaimwatchError

LAKE_PREFIX = "ducklake:postgres:"
FILE_PREFIX = "duckdb:"
PASSWORD = re.compile(r"\bpassword\s*=", re.IGNORECASE)
CONNINFO_WORD = re.compile(r"^[a-z_]+=\S+$")


class StoreSettingError(ClaimwatchError):
    """The store setting names no store claimwatch can open."""


@dataclass(frozen=True)
class StoreLocation:
    """A parsed store setting; str() gives it back as a setting (never with a secret: none is accepted)."""

    kind: str  # 'duckdb' or 'ducklake'
    path: Path | None = None  # the DuckDB file
    conninfo: str | None = None  # libpq keywords of the DuckLake catalog database
    data_path: Path | None = None  # the DuckLake's Parquet folder

    @property
    def is_lake(self) -> bool:
        return self.kind == "ducklake"

    @property
    def home(self) -> Path:
        """The folder for what the store keeps beside it (validation Data Docs, the site, a file store's lock)."""
        return self.data_path if self.is_lake else self.path.parent

    @property
    def label(self) -> str:
        """A short name for pages and messages: the file name, or the catalog's database and host."""
        if not self.is_lake:
            return self.path.name
        words = dict(w.split("=", 1) for w in self.conninfo.split())
        return f"ducklake {words.get('dbname', 'postgres')}@{words.get('host', 'localhost')}"

    @property
    def parent(self) -> Path:
        """As Path.parent for a file store: where sidecar folders go (commands written for files use it)."""
        return self.home

    @property
    def name(self) -> str:
        return self.label

    def exists(self) -> bool:
        """A file store exists once its file does; a DuckLake is checked when attached (open_store)."""
        return self.is_lake or self.path.is_file()

    def __str__(self) -> str:
        return f"{LAKE_PREFIX}{self.conninfo}" if self.is_lake else str(self.path)


def parse_store(setting: str | Path | StoreLocation, data_path: str | Path | None = None) -> StoreLocation:
    """The store a setting names; a DuckLake needs `data_path`. Errors say what was expected."""
    if isinstance(setting, StoreLocation):
        return setting
    text = str(setting).strip()
    if not text.startswith(LAKE_PREFIX):
        if text.startswith("ducklake:"):
            raise StoreSettingError(f"store {text.split(' ')[0]!r}: only a PostgreSQL catalog is supported; "
                                    f"expected {LAKE_PREFIX}dbname=… host=… port=… user=…")
        path = text[len(FILE_PREFIX):] if text.startswith(FILE_PREFIX) else text
        if not path:
            raise StoreSettingError("store setting is empty; expected a DuckDB file path or ducklake:postgres:…")
        return StoreLocation("duckdb", path=Path(path))
    conninfo = " ".join(text[len(LAKE_PREFIX):].split())
    if PASSWORD.search(conninfo):
        raise StoreSettingError("the store setting holds a password; remove it and set PGPASSWORD (or a ~/.pgpass "
                                "entry, or the Prefect Secret block claimwatch-store-password) instead")
    bad = [w for w in conninfo.split() if not CONNINFO_WORD.match(w)]
    if not conninfo or bad:
        raise StoreSettingError(f"store {LAKE_PREFIX}…: expected space-separated keyword=value pairs "
                                f"(dbname=… host=… port=… user=…), got {bad[0] if bad else 'nothing'!r}")
    if data_path is None or not str(data_path).strip():
        raise StoreSettingError("a DuckLake store needs the folder for its Parquet files: set CLAIMWATCH_DATA_PATH "
                                "(or --data-path) to a local folder or a shared mount")
    return StoreLocation("ducklake", conninfo=conninfo, data_path=Path(data_path).resolve())
