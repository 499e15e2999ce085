"""Bring a store written by an earlier claimwatch up to the current schema, in place and in one transaction."""

from __future__ import annotations

import duckdb

# Columns added since a table was first released: (table, column, type) in the order they were added.
ADDED_COLUMNS = (
    ("claim_evaluations", "reading", "varchar default ''"),  # DuckDB adds no NOT NULL column: the default fills it
    ("claim_evaluations", "details", "json"),
    ("validations", "rows_frames", "json"),  # null in an old store: its releases are no baseline (full frames)
    ("alerts", "channel", "varchar"),  # null in an old store: its alerts went to the configured channel
)
# Tables whose primary key changed: rebuilt from sql/tables with the old rows copied ('' for a new key column).
REKEYED = {"claim_notices": "reading", "claim_mutes": "article_id"}


def columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """A table's columns in order; [] when it does not exist."""
    return [r[0] for r in con.execute(
        "select column_name from information_schema.columns where table_schema = 'main' and table_name = ?"
        " order by ordinal_position", [table]).fetchall()]


def before_schema(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Set aside tables whose key changed, so the DDL creates them anew; return their names."""
    moved = []
    for table, key in REKEYED.items():
        found = columns(con, table)
        if found and key not in found:
            con.execute(f"alter table {table} rename to {table}__old")
            moved.append(table)
    return moved


def after_schema(con: duckdb.DuckDBPyConnection, moved: list[str]) -> None:
    """Add the new columns, and copy the rows of the tables set aside into their new form."""
    for table, column, kind in ADDED_COLUMNS:
        if columns(con, table) and column not in columns(con, table):
            con.execute(f"alter table {table} add column {column} {kind}")
    for table in moved:
        old = columns(con, f"{table}__old")
        names = ", ".join(old)
        if table == "claim_mutes":
            _mutes_to_articles(con, names)
        else:
            con.execute(f"insert into {table} ({names}) select {names} from {table}__old")
        con.execute(f"drop table {table}__old")


def _mutes_to_articles(con: duckdb.DuckDBPyConnection, names: str) -> None:
    """A mute from before articles had their own was keyed by claim id alone: it takes the article of the claim
    as the store knows it (its claim notices and steps) when exactly one article has a claim of that id; else it
    stays keyed as-is, article '' (that claim id in every article, as it meant when it was written)."""
    con.execute(
        f"""insert into claim_mutes (article_id, {names})
            select coalesce(k.article_id, ''), {", ".join(f"o.{n}" for n in names.split(", "))}
            from claim_mutes__old as o left join (
                select claim_id, min(article_id) as article_id from (
                    select article_id, claim_id from claim_notices union select article_id, claim_id from claim_steps)
                group by claim_id having count(distinct article_id) = 1) as k using (claim_id)""")
