"""Copy a DuckDB-file store into a DuckLake store (`claimwatch store migrate`), then prove the copy is whole.

The DuckLake is opened as a writer would open it (open_store: the schema of this version), the file is attached
read-only beside it as `src`, and every table of the file (releases, raw files, normalised tables and their
`_latest`, validations, claim steps and notices, the outbox, mutes and acks, revision counts, and the old
`claim_evaluations` log of a store that has one) is inserted by column name in one transaction: a failure leaves
the DuckLake as it was. After the commit each table's row count and checksum (the sum of every row's hash over all
its columns, blobs included: order does not matter, a duplicated row does) are compared between the two.

A DuckLake that already holds rows is refused, unless it holds exactly the file's rows: then nothing is copied
and the comparison is reported again (a rerun after a migration that succeeded is harmless).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from claimwatch.errors import ClaimwatchError, NoStoreError, StoreError
from claimwatch.store.lake import TOKENS, first_line, lake_ddl
from claimwatch.store.location import StoreLocation, parse_store
from claimwatch.store.store import _connect, open_store, require_store
from claimwatch.store.transact import transaction

SOURCE = "src"
LAKE_ONLY = {"write_tokens"}  # the DuckLake's own rows (store/lake.py): a file store has none to copy
Progress = Callable[[int, int | None, str], None]


class MigrateError(ClaimwatchError):
    """The copy was refused (wrong kind of store, a DuckLake holding other rows) or does not match its source;
    `migration` holds the comparison when there was one."""

    def __init__(self, message: str, migration: Migration | None = None):
        super().__init__(message)
        self.migration = migration


@dataclass(frozen=True)
class TableCheck:
    """One table compared after the copy: rows and checksum on each side."""

    table: str
    source_rows: int
    target_rows: int
    source_sum: int
    target_sum: int

    @property
    def ok(self) -> bool:
        return (self.source_rows, self.source_sum) == (self.target_rows, self.target_sum)

    @property
    def checksum(self) -> str:
        """The source's checksum, shortened for a table (its last 48 bits in hex; the whole sum is compared)."""
        return f"{self.source_sum % 2**48:012x}"


@dataclass(frozen=True)
class Migration:
    tables: list[TableCheck]
    copied: bool  # False: the DuckLake already held exactly these rows, nothing was written

    @property
    def mismatched(self) -> list[str]:
        return [t.table for t in self.tables if not t.ok]


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def tables_of(con: duckdb.DuckDBPyConnection, database: str) -> dict[str, list[str]]:
    """Every base table of a database's main schema, with its columns in order."""
    rows = con.execute("select table_name, column_name from duckdb_columns() where database_name = ?"
                       " and schema_name = 'main' and table_name in (select table_name from duckdb_tables()"
                       " where database_name = ? and schema_name = 'main') order by table_name, column_index",
                       [database, database]).fetchall()
    found: dict[str, list[str]] = {}
    for table, column in rows:
        found.setdefault(table, []).append(column)
    return found


def checksum(con: duckdb.DuckDBPyConnection, database: str, table: str, columns: list[str]) -> tuple[int, int]:
    """(rows, sum of every row's hash over `columns`): the same for the same rows in any order and any catalog."""
    row = ", ".join(quoted(c) for c in columns)
    return con.execute(f"select count(*), coalesce(sum(hash(row({row}))), 0) from {database}.main.{quoted(table)}"
                       ).fetchone()


def compare(con: duckdb.DuckDBPyConnection, tables: dict[str, list[str]], progress: Progress) -> list[TableCheck]:
    """Each table's rows and checksum in the source and in the DuckLake (a table it lacks: no rows)."""
    in_lake = tables_of(con, "lake")
    checks = []
    for done, (table, columns) in enumerate(tables.items()):
        progress(done, len(tables), f"verify {table}")
        source_rows, source_sum = checksum(con, SOURCE, table, columns)
        target_rows, target_sum = checksum(con, "lake", table, columns) if table in in_lake else (0, 0)
        checks.append(TableCheck(table, source_rows, target_rows, source_sum, target_sum))
    progress(len(tables), len(tables), "verified")
    return checks


def schema_problems(source: dict[str, list[str]], target: dict[str, list[str]]) -> list[str]:
    """How the file's schema differs from this version's (a store written by an earlier claimwatch)."""
    problems = [f"table {t} is missing" for t in sorted(set(target) - set(source) - LAKE_ONLY)]
    for table in sorted(set(source) & set(target)):
        missing = [c for c in target[table] if c not in source[table]]
        unknown = [c for c in source[table] if c not in target[table]]
        problems += [f"{table} has no column {', '.join(missing)}"] if missing else []
        problems += [f"{table} has column {', '.join(unknown)} this claimwatch does not know"] if unknown else []
    return problems


def check_source(location: StoreLocation) -> Path:
    """The source file, refused unless it is an existing claimwatch file store (before the DuckLake is touched)."""
    if location.is_lake:
        raise MigrateError(f"the source {location.label} is a DuckLake; migrate copies a DuckDB-file store into one"
                           " (give the file with --db)")
    path = require_store(location)
    try:
        con = _connect(path, read_only=True)  # a busy file or a known problem: StoreBusyError / StoreError
    except duckdb.Error as exc:
        raise StoreError(f"{path}: cannot be read ({first_line(exc)})") from None
    with con:
        if not con.execute("select 1 from duckdb_tables() where table_name = 'releases'").fetchone():
            raise NoStoreError(f"{path}: a DuckDB file but not a claimwatch store (it has no releases table)")
    return path


def migrate(source: str | Path | StoreLocation, target: str | StoreLocation, data_path: str | Path | None = None,
            progress: Progress | None = None) -> Migration:
    """Copy the file store `source` into the DuckLake `target` in one transaction, then compare every table."""
    progress = progress or (lambda done, total, what: None)
    lake = parse_store(target, data_path)
    if not lake.is_lake:
        raise MigrateError(f"the target {lake} is a DuckDB file; --to takes a DuckLake: "
                           "ducklake:postgres:dbname=… host=… port=… user=…")
    path = check_source(parse_store(source, data_path))
    progress(0, None, f"open {lake.label}")
    with open_store(lake) as store:
        con = store.con
        escaped = str(path.resolve()).replace("'", "''")
        con.execute(f"attach '{escaped}' as {SOURCE} (read_only)")
        try:
            return _copy(con, lake, path, progress)
        finally:
            con.execute(f"detach {SOURCE}")


def _copy(con: duckdb.DuckDBPyConnection, lake: StoreLocation, path: Path, progress: Progress) -> Migration:
    source, target = tables_of(con, SOURCE), tables_of(con, "lake")
    problems = schema_problems(source, target)
    if problems:
        raise MigrateError(f"{path} was written by another claimwatch version ({'; '.join(problems)}); bring it up"
                           " to date first (any writing command does, e.g. `claimwatch validate --db FILE`)")
    tables = dict(sorted(source.items(), key=lambda item: (item[0] != "releases", item[0])))
    total = sum(source_rows(con, t) for t in tables)

    def held() -> dict[str, int]:
        """The DuckLake's tables that hold rows already."""
        return {t: n for t in target if t not in LAKE_ONLY
                for n in [con.execute(f"select count(*) from lake.main.{quoted(t)}").fetchone()[0]] if n}

    def write() -> bool:
        if held():  # another writer filled it since it was looked at: its rows stay, the copy is refused
            raise MigrateError(f"{lake.label}: another writer stored rows in it during the migration; nothing was"
                               " copied: migrate into an empty DuckLake nobody else writes to")
        done = 0
        for table, columns in tables.items():
            progress(done, total, f"copy {table}")
            if table not in target:  # the old claim_evaluations log: created as the file has it
                ddl = con.execute("select sql from duckdb_tables() where database_name = ? and schema_name = 'main'"
                                  " and table_name = ?", [SOURCE, table]).fetchone()[0]
                con.execute(lake_ddl(ddl))
            names = ", ".join(quoted(c) for c in columns)
            con.execute(f"insert into lake.main.{quoted(table)} ({names}) select {names}"
                        f" from {SOURCE}.main.{quoted(table)}")
            done += source_rows(con, table)
        progress(total, total, "commit")
        return True

    copied = not held() and transaction(con, write, *TOKENS)  # a rerun writes nothing, not even a token
    checks = compare(con, tables, progress)
    migration = Migration(checks, copied)
    if not copied and migration.mismatched:
        releases = con.execute("select count(*) from lake.main.releases").fetchone()[0]
        raise MigrateError(f"{lake.label} already holds a store ({releases} release(s)) that differs from {path} in "
                           f"{', '.join(migration.mismatched)}; migrate copies into an empty DuckLake only: give --to"
                           " a new catalog database", migration)
    if migration.mismatched:
        raise MigrateError(f"{lake.label}: the copy of {path} does not match it in {', '.join(migration.mismatched)}"
                           " (row count or checksum); the copy was committed: do not use this DuckLake, migrate into a new catalog database"
                           " and report the tables named", migration)
    return migration


def source_rows(con: duckdb.DuckDBPyConnection, table: str) -> int:
    """Rows of a source table (DuckDB keeps the count: no scan)."""
    return con.execute(f"select count(*) from {SOURCE}.main.{quoted(table)}").fetchone()[0]
