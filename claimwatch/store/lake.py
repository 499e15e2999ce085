"""The DuckLake store: the one place that knows how DuckLake differs from a DuckDB file, and works around it.

- Connecting: the ducklake and postgres_scanner extensions load from their PyPI wheels (they pin duckdb exactly),
  then the catalog is attached as `lake` and made the default, so every query of the code base runs unchanged.
- Constraints: DuckLake has no PRIMARY KEY or UNIQUE (https://ducklake.select/docs/stable/duckdb/advanced_features/
  constraints). `lake_ddl` drops them from sql/tables; `upsert` replaces INSERT OR REPLACE by delete + insert.
- Unique keys across writers: concurrent inserts never conflict in DuckLake, but concurrent updates of one table do
  (measured: "Transaction conflict … another transaction has deleted inlined data"). A transaction that must not
  race another (a release, an alert, a claim's steps) also bumps its row of `write_tokens`: two such transactions
  conflict, the loser is rolled back and retried (Store.write), and on retry it sees the winner's rows and skips.
  Measured conflict rules (DuckLake 1.5.5 on PostgreSQL): two transactions conflict when one deletes or updates
  rows of a table the other inserted into, deleted from or updated, whatever the rows; inserts alone never conflict.
- Inlining: DuckLake keeps small inserts in the catalog database instead of a Parquet file. A fetched file's
  bytes (raw_files.content, megabytes in one row) are written as Parquet instead (`NOT_INLINED`): inlined, one
  2.5 MB file took 2.3 s to commit; as Parquet, 0.1 s.
- `claimwatch sql` (claimwatch/sql_guard.py): external access off would stop the lake reading its own Parquet
  files, so `guarded_connect` allows the data folder only; and the extensions' functions reach past every guard
  (measured on 1.5.5: postgres_scan connects to any PostgreSQL server with external access off, lake maintenance
  functions write files), so `refusal` refuses them, `query()` (SQL in a string) and the catalog database's tables.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import duckdb

from claimwatch.errors import NoStoreError, StoreError
from claimwatch.store.location import StoreLocation

ALIAS = "lake"
EXTENSIONS = (("duckdb_extension_postgres_scanner", "postgres_scanner"), ("duckdb_extension_ducklake", "ducklake"))
TOKENS = ("releases", "alerts", "claim_steps", "source_locks")
INIT_ATTEMPTS = 5  # attaching a new DuckLake while another writer creates its catalog tables (is_init_race)
NOT_INLINED = ("raw_files",)  # tables whose rows always go to Parquet files (see Inlining above)
INLINE_PK = re.compile(r"\s+primary key\b(?!\s*\()", re.IGNORECASE)
INLINE_UNIQUE = re.compile(r"\s+unique\b(?!\s*\()", re.IGNORECASE)
EXTENSION_FUNCTION = re.compile(r"^(ducklake_|postgres_)|^(pg_clear_cache|read_postgres_binary|query|query_table)$")
METADATA = "__ducklake_metadata"  # the catalog database, attached by the ducklake extension as __ducklake_metadata_lake
TABLE_KEY = re.compile(r",\s*(primary key|unique)\s*\([^)]*\)", re.IGNORECASE)


def extension_file(module: str, name: str) -> Path:
    """The extension binary shipped in its wheel, for the running duckdb."""
    import importlib

    package = importlib.import_module(module)
    path = Path(package.__file__).parent / "extensions" / f"v{duckdb.__version__}" / f"{name}.duckdb_extension"
    if not path.is_file():
        raise StoreError(f"{path}: no {name} extension for duckdb {duckdb.__version__}; install {module.replace('_', '-')}"
                         f"=={duckdb.__version__} (the DuckLake store needs it)")
    return path


def strip_comments(sql: str) -> str:
    """The SQL without `--` comments (a comment may say "primary key" too)."""
    return "\n".join(line.split("--", 1)[0] for line in sql.splitlines())


def lake_ddl(sql: str) -> str:
    """A CREATE TABLE of sql/tables without the constraints DuckLake lacks (NOT NULL and DEFAULT stay)."""
    sql = strip_comments(sql)
    return INLINE_UNIQUE.sub("", INLINE_PK.sub("", TABLE_KEY.sub("", sql)))


def connect(location: StoreLocation, read_only: bool = False, config: dict | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the DuckLake attached as `lake` and in use."""
    con = duckdb.connect(config=config or {})
    try:
        for module, name in EXTENSIONS:
            con.execute(f"load '{extension_file(module, name)}'")
        location.data_path.mkdir(parents=True, exist_ok=True)
        options = [f"data_path '{location.data_path}/'"] + (["read_only"] if read_only else [])
        for attempt in range(INIT_ATTEMPTS):
            try:
                con.execute(f"attach '{location}' as {ALIAS} ({', '.join(options)})")
                break
            except duckdb.Error as exc:
                if attempt == INIT_ATTEMPTS - 1 or not is_init_race(exc):
                    raise
                time.sleep(0.2 * (attempt + 1))  # another writer is creating the catalog's tables: attach to them
        con.execute(f"use {ALIAS}")
    except duckdb.Error as exc:
        con.close()
        if read_only and "creating a new DuckLake is explicitly disabled" in str(exc):
            raise NoStoreError(f"{location.label}: no claimwatch store in this DuckLake yet (run `claimwatch ingest` "
                               "first, or check --db)") from None
        raise StoreError(f"{location.label}: cannot attach the DuckLake ({first_line(exc)}); check the catalog's "
                         "database is running and reachable, PGPASSWORD, and CLAIMWATCH_DATA_PATH") from None
    except OSError as exc:
        con.close()
        raise StoreError(f"{location.data_path}: {exc.strerror}; CLAIMWATCH_DATA_PATH must be a writable folder") from None
    return con


def is_init_race(exc: BaseException) -> bool:
    """Two writers attached a new DuckLake at once and both created its catalog tables: PostgreSQL refused the
    loser's (measured with four workers starting on an empty catalog: 'duplicate key value violates unique
    constraint "pg_type_typname_nsp_index"'); the winner's tables are committed, so attaching again works."""
    text = str(exc)
    return "Failed to initialize DuckLake" in text and ("duplicate key" in text or "already exists" in text)


def first_line(exc: BaseException) -> str:
    """An error's first line, with any password=… scrubbed (libpq may echo its connection string)."""
    line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return re.sub(r"password\s*=\s*\S+", "password=***", line, flags=re.IGNORECASE)


def is_lake(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether this connection's default catalog is a DuckLake."""
    return con.execute("select current_database()").fetchone()[0] == ALIAS


def is_conflict(exc: BaseException) -> bool:
    """A commit another writer's commit made impossible: roll back and run the transaction again."""
    return isinstance(exc, duckdb.Error) and "conflict" in str(exc).lower()


def ensure_tokens(con: duckdb.DuckDBPyConnection) -> None:
    """The rows that make racing transactions conflict (see the module docstring)."""
    con.execute("create table if not exists write_tokens (name varchar not null, bumps bigint not null)")
    have = {r[0] for r in con.execute("select name from write_tokens").fetchall()}
    for name in TOKENS:
        if name not in have:
            con.execute("insert into write_tokens values (?, 0)", [name])


def ensure_options(con: duckdb.DuckDBPyConnection) -> None:
    """The DuckLake's per-table options: the tables of `NOT_INLINED` are never inlined in the catalog."""
    for table in NOT_INLINED:
        con.execute(f"call {ALIAS}.set_option('data_inlining_row_limit', 0, table_name => '{table}')")


def options_current(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether `ensure_options` was applied to this DuckLake."""
    have = {r[0] for r in con.execute(
        f"select scope_entry from {ALIAS}.options() where option_name = 'data_inlining_row_limit' and value = '0'"
    ).fetchall()}
    return {f"main.{t}" for t in NOT_INLINED} <= have


def bump(con: duckdb.DuckDBPyConnection, *names: str) -> None:
    """Touch these tokens in the open transaction: a concurrent transaction touching one of them conflicts."""
    if names and is_lake(con):
        con.execute("update write_tokens set bumps = bumps + 1 where list_contains(?, name)", [list(names)])


def upsert(con: duckdb.DuckDBPyConnection, table: str, row: dict, keys: tuple[str, ...]) -> None:
    """INSERT OR REPLACE on a DuckDB file; delete + insert on a DuckLake (no primary keys there)."""
    upsert_many(con, table, list(row), [tuple(row.values())], keys)


def upsert_many(con: duckdb.DuckDBPyConnection, table: str, columns: list[str], rows: list[tuple],
                keys: tuple[str, ...]) -> None:
    """Many rows of `upsert` at once."""
    if not rows:
        return
    marks = ", ".join("?" for _ in columns)
    if not is_lake(con):
        con.executemany(f"insert or replace into {table} ({', '.join(columns)}) values ({marks})", rows)
        return
    index = [columns.index(k) for k in keys]
    match = "(" + " and ".join(f"{k} = ?" for k in keys) + ")"
    for chunk in chunks(sorted({tuple(r[i] for i in index) for r in rows})):
        con.execute(f"delete from {table} where {' or '.join([match] * len(chunk))}", [v for key in chunk for v in key])
    insert_many(con, table, columns, rows)


CHUNK_ROWS = 200  # rows per statement when a DuckLake takes many rows at once


def chunks(rows: list) -> list[list]:
    return [rows[i:i + CHUNK_ROWS] for i in range(0, len(rows), CHUNK_ROWS)]


def insert_many(con: duckdb.DuckDBPyConnection, table: str, columns: list[str] | None, rows: list[tuple]) -> None:
    """Insert rows (`columns` None: every column, in the table's order). A DuckDB file takes them one statement
    per row (executemany); a DuckLake takes a statement per CHUNK_ROWS rows, each value cast to its column's type
    as executemany would: DuckLake runs every statement as an insert of its own (measured: a claim's steps, one
    statement per row, took 4.1 of the 7.7 s an evaluation of the recorded store took)."""
    if not rows:
        return
    if not is_lake(con):
        named = f" ({', '.join(columns)})" if columns else ""
        con.executemany(f"insert into {table}{named} values ({', '.join('?' for _ in rows[0])})", rows)
        return
    types = dict(con.execute(
        "select column_name, data_type from duckdb_columns() where database_name = current_database()"
        " and schema_name = 'main' and table_name = ? order by column_index", [table]).fetchall())
    columns = list(types) if columns is None else columns
    row = "(" + ", ".join(f"cast(? as {types[c]})" for c in columns) + ")"
    for chunk in chunks(rows):
        con.execute(f"insert into {table} ({', '.join(columns)}) values {', '.join([row] * len(chunk))}",
                    [v for r in chunk for v in r])


def guarded_connect(location: StoreLocation) -> duckdb.DuckDBPyConnection:
    """A read-only attach that can read its own Parquet files and no other file, nor change a setting."""
    con = connect(location, read_only=True)
    folder = f"{location.data_path}/".replace("'", "''")
    for setting in (f"allowed_directories = ['{folder}']", "enable_external_access = false", "lock_configuration = true"):
        con.execute(f"set {setting}")
    return con


def refusal(con: duckdb.DuckDBPyConnection, statement: str) -> str | None:
    """Why `claimwatch sql` refuses a read on a DuckLake (see the module docstring), or None."""
    tree = json.loads(con.execute("select json_serialize_sql(?)", [statement]).fetchone()[0])
    if tree.get("error"):
        return "it is not a plain read"
    found: list[str] = []

    def walk(node) -> None:
        if isinstance(node, dict):
            name = node.get("function_name")
            if isinstance(name, str) and (EXTENSION_FUNCTION.match(name.lower()) or node.get("catalog") or node.get("schema")):
                found.append(f"{name}()")
            if node.get("type") == "BASE_TABLE" and any(
                    str(node.get(k) or "").lower().startswith(METADATA) for k in ("catalog_name", "schema_name")):
                found.append(f"{node.get('schema_name')}.{node.get('table_name')}")
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(tree)
    return f"it uses {', '.join(sorted(set(found)))}, which can reach past the guard on a DuckLake" if found else None
