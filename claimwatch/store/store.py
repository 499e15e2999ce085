"""Open the store (a DuckDB file or a DuckLake, store/location.py), create its schema, write one release per
transaction."""

from __future__ import annotations

import errno
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from claimwatch.config import duckdb_memory_limit, project_dir, store_location
from claimwatch.errors import NoStoreError, StoreBusyError, StoreError
from claimwatch.sources import TABLES_BY_SOURCE, all_tables
from claimwatch.sources.base import Candidate, ParsedRelease, TableSpec
from claimwatch.store import lake
from claimwatch.store.location import StoreLocation, parse_store
from claimwatch.store.transact import rollback, snapshot, transaction
from claimwatch.store.views import revisions_view

if TYPE_CHECKING:
    from claimwatch.http import StoredCopy


def dict_rows(cursor: duckdb.DuckDBPyConnection) -> list[dict]:
    """A query's result as one dict per row, keyed by column name."""
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def release_files(con: duckdb.DuckDBPyConnection, release_ids) -> list[dict]:
    """The stored files of these releases: name, URL, sha256 and size, with the release's source and dates."""
    return dict_rows(con.execute(
        """select f.release_id, f.file_name, f.url, f.sha256, f.size_bytes, r.fetched_at, r.ingested_at,
                  r.data_through, r.grain, r.source
           from raw_files as f join releases as r using (release_id)
           where list_contains(?, f.release_id) order by r.source, r.data_through, f.release_id, f.file_name""",
        [sorted(release_ids)]))


def sql_dir() -> Path:
    """The project's sql/ folder."""
    return project_dir("sql")


@dataclass(frozen=True)
class StoredRelease:
    release_id: str
    status: str
    reason: str | None


class Store:
    """A claimwatch store: a DuckDB file, or a DuckLake attached as the connection's default catalog."""

    def __init__(self, con: duckdb.DuckDBPyConnection, location: StoreLocation | Path):
        self.con = con
        self.location = location if isinstance(location, StoreLocation) else parse_store(location)
        self.path = self.location.path or self.location.data_path  # the file, or the DuckLake's Parquet folder
        self._memory_limit: str | None = None

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _rollback(self) -> None:
        """Roll back after a failure, keeping the failure: a failed commit (a full disk) leaves no transaction."""
        rollback(self.con)

    def write(self, body, *tokens: str):
        """Run `body` in one transaction (retried when another DuckLake writer won a race: store/transact.py)."""
        return transaction(self.con, body, *tokens)

    def create_schema(self, tables: Iterable[TableSpec]) -> None:
        """Create the tables in sql/tables and the _latest/_revisions views of each normalised table.

        A store written by an earlier version is migrated in the same transaction (claimwatch/store/migrate.py).
        """
        from claimwatch.store import latest, migrate

        tables = list(tables)
        on_lake = self.location.is_lake

        def write() -> None:
            moved = None if on_lake else migrate.before_schema(self.con)  # a DuckLake is new: nothing to migrate
            for ddl in sorted((sql_dir() / "tables").glob("*.sql")):
                self.con.execute(lake.lake_ddl(ddl.read_text()) if on_lake else ddl.read_text())
            for ddl in sorted((sql_dir() / "views").glob("*.sql")):
                self.con.execute(ddl.read_text())
            if on_lake:
                lake.ensure_tokens(self.con)
            else:
                migrate.after_schema(self.con, moved)
            for spec in tables:
                self.con.execute(revisions_view(spec))
                latest.ensure(self.con, spec)

        if on_lake and self._schema_current(tables):
            return  # every writer opens the store: do not make them all race to re-create views
        self.write(write)
        if on_lake and not lake.options_current(self.con):
            self.write(lambda: lake.ensure_options(self.con))  # a table's options need the table committed

    def _schema_current(self, tables: list[TableSpec]) -> bool:
        """Whether the DuckLake already has every table and view this version creates."""
        have = {r[0] for r in self.con.execute(
            "select table_name from duckdb_tables() where database_name = current_database()"
            " union all select view_name from duckdb_views() where database_name = current_database()").fetchall()}
        need = {p.stem for p in (sql_dir() / "tables").glob("*.sql")} | {p.stem for p in (sql_dir() / "views").glob("*.sql")}
        need |= {"write_tokens"} | {f"{s.name}_revisions" for s in tables} | {f"{s.name}_latest" for s in tables}
        return need <= have and lake.options_current(self.con)

    # ValidatorCache, for conditional HTTP requests
    def stored_copy(self, url: str) -> StoredCopy | None:
        """The newest stored copy of `url` from a release not rejected: a rejected file's validators would
        make the server answer 304 for it (e.g. an HTML error page dated now) and the real file never come."""
        from claimwatch.http import StoredCopy

        row = self.con.execute(
            "select f.etag, f.last_modified, f.content from raw_files as f join releases as r using (release_id)"
            " where f.url = ? and r.status <> 'rejected' order by f.fetched_at desc limit 1",
            [url],
        ).fetchone()
        return StoredCopy(row[0], row[1], bytes(row[2])) if row else None

    def find(self, candidate: Candidate) -> StoredRelease | None:
        """The stored release with the same source and sha256, if any."""
        row = self.con.execute(
            "select release_id, status, reason from releases where source = ? and sha256 = ?",
            [candidate.source, candidate.sha256],
        ).fetchone()
        return StoredRelease(*row) if row else None

    def save(
        self,
        candidate: Candidate,
        grain: str,
        parsed: ParsedRelease | None,
        reason: str | None,
        fetched_at: datetime,
    ) -> str:
        """Store a release in one transaction: staged with its rows (published once validated), or rejected."""
        now = datetime.now(timezone.utc)
        release_id = candidate.release_id
        status = "staged" if parsed is not None else "rejected"

        def write() -> None:
            if self.con.execute("select 1 from releases where release_id = ?", [release_id]).fetchone():
                return  # another writer stored it first (a DuckLake retry): written once, kept
            self.con.execute(
                "insert into releases values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    release_id, candidate.source, candidate.label, grain,
                    parsed.data_through if parsed else None,
                    candidate.sha256, candidate.size, len(candidate.files),
                    parsed.rows if parsed else None, status, reason, candidate.origin, fetched_at, now,
                ],
            )
            for file in candidate.files:
                self.con.execute(
                    "insert into raw_files values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [release_id, file.name, file.url, file.sha256, len(file.content),
                     file.etag, file.last_modified, fetched_at, file.content],
                )
            for table, frame in (parsed.tables if parsed else {}).items():
                self.con.register("incoming", frame)
                self.con.execute(f"insert into {table} by name select ? as release_id, * from incoming", [release_id])
                self.con.unregister("incoming")

        self.write(write, "releases")
        return release_id

    def release(self, release_id: str) -> dict | None:
        """One release's row of `releases`, as a dict."""
        rows = dict_rows(self.con.execute("select * from releases where release_id = ?", [release_id]))
        return rows[0] if rows else None

    def staged(self, source: str | None = None) -> list[str]:
        """Release ids written but not yet validated, in the order they were written."""
        rows = self.con.execute(
            "select release_id from releases where status = 'staged' and (source = $source or $source is null)"
            " order by ingested_at, release_id",
            {"source": source},
        ).fetchall()
        return [r[0] for r in rows]

    def set_status(self, release_id: str, status: str, reason: str | None) -> None:
        """Publish or quarantine a validated release, and bring `<table>_latest` up to date, in one transaction."""
        from claimwatch.store import latest

        release = self.release(release_id)
        plans = {}  # worked out before the transaction (reading only), written in it: a short write transaction
        if self.location.is_lake and status == "published" and release["status"] != "published":
            with snapshot(self.con):  # one writer of a file store: its transaction is short as it is
                plans = {spec.name: latest.plan(self.con, spec, release_id)
                         for spec in TABLES_BY_SOURCE[release["source"]]}

        def write() -> None:
            release = self.release(release_id)
            before = release["status"]
            self.con.execute("update releases set status = ?, reason = ? where release_id = ?", [status, reason, release_id])
            for spec in TABLES_BY_SOURCE[release["source"]]:
                if status == "published" and before != "published":
                    planned = plans.get(spec.name)
                    if planned is None or not latest.apply(self.con, planned):
                        latest.publish(self.con, spec, release_id)  # an older vintage, or the plan went stale
                elif before == "published" and status != "published":
                    latest.rebuild(self.con, spec)

        try:
            self.write(write, "releases")
        finally:
            for planned in plans.values():
                latest.discard(self.con, planned)

    def release_memory(self) -> None:
        """Hand back what the last step left in memory: DuckDB's cache of table blocks (they are on disk; a lowered
        limit evicts them) and the heap the process freed (claimwatch/memory.py). Between releases, so that a run's
        peak is one release's work, not the sum of what every release left cached."""
        from claimwatch.memory import release_free_memory

        if self._memory_limit is None:  # the limit the connection opened with, restored after each eviction
            self._memory_limit = self.con.execute("select current_setting('memory_limit')").fetchone()[0]
        try:
            self.con.execute(f"set memory_limit = '{CACHE_FLOOR}'")
        except duckdb.Error:
            pass  # blocks still pinned: they stay
        finally:
            self.con.execute(f"set memory_limit = '{self._memory_limit}'")
        release_free_memory()

    def refresh_derived(self) -> None:
        """Rebuild every `<table>_latest` and the revision counts from the releases (after rows were written by hand)."""
        from claimwatch.store import latest

        def write() -> None:
            for spec in all_tables():
                latest.rebuild(self.con, spec)

        self.write(write, "releases")

    def releases(self) -> list[dict]:
        """Every release with its latest validation (outcome, errors, warnings), newest data first within each source."""
        tables = {r[0] for r in self.con.execute(
            "select table_name from duckdb_tables() where database_name = current_database()").fetchall()}
        latest = (
            "select release_id, arg_max(outcome, validated_at) as validation, arg_max(errors, validated_at) as errors,"
            " arg_max(warnings, validated_at) as warnings from validations group by release_id"
            if "validations" in tables  # absent from a store written before validation existed, opened read-only
            else "select null as release_id, null as validation, null as errors, null as warnings"
        )
        cursor = self.con.execute(
            f"""select source, release_label, grain, data_through, fetched_at, sha256, row_count, status, reason,
                validation, errors, warnings, release_id
            from releases left join ({latest}) using (release_id)
            order by source, data_through desc nulls first, release_label desc"""
        )
        return dict_rows(cursor)


def store_problem(path: Path, exc: BaseException) -> str | None:
    """One line saying what is wrong with the store at `path` and what to do, or None when not recognised."""
    text = str(exc)
    if "not a valid DuckDB database file" in text:
        return f"{path}: not a claimwatch (DuckDB) database; give the path of a store with --db, or move this file away"
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC or "No space left on device" in text:
        return f"{path}: the disk is full; free space on it (or use --db on another disk) and run again"
    if (isinstance(exc, OSError) and exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOTDIR, errno.EEXIST)
            or any(s in text for s in ("Read-only file system", "Permission denied", "Not a directory"))):
        return f"{path}: cannot write here (read-only or not a folder); choose a writable location with --db"
    if isinstance(exc, OSError) and exc.errno == errno.ENOENT or "No such file or directory" in text:
        return f"{path}: its folder cannot be created here; choose another location with --db"
    return None


CACHE_FLOOR = "16MB"  # what DuckDB may keep cached when the store hands memory back between releases


def _connect(path: Path, read_only: bool, config: dict | None = None) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(str(path), read_only=read_only, config=config or {})
    except duckdb.IOException as exc:
        if "lock" not in str(exc).lower():
            problem = store_problem(path, exc)
            if problem is None:
                raise
            raise StoreError(problem) from exc
        raise StoreBusyError(
            f"{path}: in use by another claimwatch run or program ({exc}); wait for it to finish and retry"
        ) from None


def require_store(path: str | Path | StoreLocation) -> Path | StoreLocation:
    """An existing store, else NoStoreError (only ingest, run and replay create one); a file store's path."""
    location = store_location(path)
    if location.is_lake:
        return location
    if not location.path.is_file():
        raise NoStoreError(f"{location.path}: no claimwatch database here yet (run `claimwatch ingest` first, or check --db)")
    return location.path


def _settings(threads: int | None) -> dict | None:
    """The connection's DuckDB settings: the memory limit configured (config.py), and a cap on its threads."""
    limit = duckdb_memory_limit()
    settings = ({"memory_limit": limit} if limit else {}) | ({"threads": int(threads)} if threads else {})
    return settings or None


def open_store(path: str | Path | StoreLocation, tables: Iterable[TableSpec] | None = None, *,
               read_only: bool = False, create: bool = True, threads: int | None = None) -> Store:
    """Open (and, unless read-only, create or upgrade) the store `path` names (a file, or a DuckLake setting);
    `tables` default to every source's. `threads` caps DuckDB's threads (a writer among several worker processes
    on one machine: claimwatch/parallel.py worker_threads); default, one per core.

    With `create=False` (or read-only) a missing file store is a NoStoreError: no file and no folder is made.
    """
    location = store_location(path)
    if location.is_lake:
        return _open_lake(location, tables, read_only, threads)
    path = location.path
    if read_only or not create:
        require_store(path)
    if read_only:
        return Store(_connect(path, read_only=True), location)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(store_problem(path, exc) or f"{path}: {exc.strerror}; choose another location with --db") from exc
    store = Store(_connect(path, read_only=False, config=_settings(threads)), location)
    try:
        store.create_schema(all_tables() if tables is None else tables)
    except (duckdb.Error, OSError) as exc:
        store.close()
        problem = store_problem(path, exc)
        if problem is None:
            raise
        raise StoreError(problem) from exc
    return store


def _open_lake(location: StoreLocation, tables: Iterable[TableSpec] | None, read_only: bool,
               threads: int | None = None) -> Store:
    """A DuckLake store; read-only attaches refuse every write."""
    store = Store(lake.connect(location, read_only, _settings(threads)), location)
    if read_only:
        if not store.con.execute("select 1 from duckdb_tables() where database_name = current_database()"
                                 " and table_name = 'releases'").fetchone():
            store.close()
            raise NoStoreError(f"{location.label}: no claimwatch store in this DuckLake yet (run `claimwatch ingest` first)")
        return store
    try:
        store.create_schema(all_tables() if tables is None else tables)
    except BaseException:
        store.close()
        raise
    return store
