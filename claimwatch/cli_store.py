"""`claimwatch store`: commands about the store itself; `store migrate` copies a DuckDB-file store into a DuckLake."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.text import Text

from claimwatch import config
from claimwatch.cli import DbOption, app, console, progress_bar
from claimwatch.cli_tables import print_table

store_app = typer.Typer(help="The store itself: copy a DuckDB-file store into a DuckLake.", no_args_is_help=True)
app.add_typer(store_app, name="store")


def print_checks(migration, title: str) -> None:
    """One row per table: rows, checksum, and whether the DuckLake's match the file's."""
    rows = []
    for t in migration.tables:
        rows.append([t.table, f"{t.source_rows:,}" if t.ok else f"{t.source_rows:,} → {t.target_rows:,}", t.checksum,
                     Text("✓ match", style="green") if t.ok else Text("✗ differs", style="red")])
    print_table(console, ["table", "rows", "checksum", "match"], rows, title)


@store_app.command()
def migrate(
    to: Annotated[str, typer.Option("--to", help="The DuckLake to copy into: ducklake:postgres:dbname=… host=… "
                                    "port=… user=… (an empty catalog database; the password from PGPASSWORD).")],
    data_path: Annotated[Optional[Path], typer.Option(
        "--data-path", help="Folder for the DuckLake's Parquet files (default $CLAIMWATCH_DATA_PATH).")] = None,
    db: DbOption = None,
) -> None:
    """Copy a DuckDB-file store (--db) into an empty DuckLake (--to), every table in one transaction, then check
    each table's rows and checksum on both sides (exit 2 on any difference). A DuckLake already holding exactly
    these rows is left as it is; one holding other rows is refused."""
    from claimwatch.store.copy import MigrateError
    from claimwatch.store.copy import migrate as copy_store
    from claimwatch.store.location import parse_store

    lake = parse_store(to, config.data_path(data_path))
    source = config.db_path(db)
    started = time.monotonic()
    try:
        with progress_bar("migrate") as progress:
            migration = copy_store(source, lake, progress=progress)
    except MigrateError as exc:
        if exc.migration is not None:
            print_checks(exc.migration, f"{source} → {lake.label}")
        raise
    seconds = time.monotonic() - started
    print_checks(migration, f"{source} → {lake.label}")
    rows = sum(t.source_rows for t in migration.tables)
    if migration.copied:
        console.print(f"Copied {rows:,} rows of {len(migration.tables)} tables into {lake.label} in {seconds:.1f} s; "
                      "every table's rows and checksum match.", soft_wrap=True, highlight=False)
    else:
        console.print(f"{lake.label} already holds exactly these {rows:,} rows: nothing copied.", soft_wrap=True,
                      highlight=False)
