"""A reading's SQL as one statement with its parameters written in, so it runs as pasted in `duckdb` on the store."""

from __future__ import annotations

import re
from datetime import date, datetime

import duckdb

from claimwatch.claims.catalog import Claim, Reading, indicator_sql

_PARAM = re.compile(r"\$([A-Za-z_]\w*)\b")


def sql_literal(value: object) -> str:
    """A value as a DuckDB literal: numbers as they are, dates and text quoted."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (date, datetime)):
        value = value.isoformat()
    return "'" + str(value).replace("'", "''") + "'"


def _body(sql: str) -> str:
    return sql.strip().rstrip(";").rstrip()


def with_indicator(indicator: str, query: str) -> str:
    """`query` over the indicator's result, the indicator's SQL inlined as the CTE `indicator`."""
    inner = "\n".join("    " + line if line else line for line in _body(indicator_sql(indicator)).splitlines())
    head, query = f"with indicator as (\n{inner}\n)", _body(query)
    opening = re.match(r"with\s+", query, re.I)  # the query's own CTEs follow the indicator's
    return f"{head},\n{query[opening.end():]}" if opening else f"{head}\n{query}"


def fill(sql: str, params: dict) -> str:
    """Replace each `$name` by its value as a literal; a name with no value stays (and fails loudly in duckdb)."""
    return _PARAM.sub(lambda m: sql_literal(params[m.group(1)]) if m.group(1) in params else m.group(0), sql)


def mode_params(con: duckdb.DuckDBPyConnection, claim: Claim, reading: Reading, mode: str,
                memo: dict | None = None) -> dict | None:
    """The parameters a mode observes with: the stated period, or the latest one found in the store now (`memo`:
    answers already found, by indicator and query, which readings and claims share: 11 queries a build, not 28)."""
    if mode == "as_stated":
        return {k: v for k, v in claim.as_stated.items() if k != "label"}
    if not claim.latest or not reading.indicator:
        return None
    key = (reading.indicator, claim.latest["query"])
    if memo is not None and key in memo:
        return memo[key]
    cursor = con.execute(with_indicator(reading.indicator, claim.latest["query"]))
    row = cursor.fetchone()
    found = None if row is None or any(v is None for v in row) else {
        d[0]: (v.isoformat() if hasattr(v, "isoformat") else v) for d, v in zip(cursor.description, row)}
    if memo is not None:
        memo[key] = found
    return found


def filled_sql(con: duckdb.DuckDBPyConnection, claim: Claim, reading: Reading, mode: str,
               memo: dict | None = None) -> str | None:
    """The reading's observe query in a mode, with its indicator inlined and its parameters filled in."""
    if not reading.indicator or not reading.observe:
        return None
    params = mode_params(con, claim, reading, mode, memo)
    if params is None:
        return None
    period = claim.as_stated.get("label", "") if mode == "as_stated" else claim.latest["label"].format(**params)
    what = f"{claim.id}{f', reading {reading.id}' if reading.id else ''}, {mode.replace('_', ' ')} ({period})"
    head = f"-- {what}: sql/indicators/{reading.indicator}.sql observed as the catalog says; run in duckdb -readonly on the store\n"
    return head + fill(with_indicator(reading.indicator, reading.observe), params) + ";"
