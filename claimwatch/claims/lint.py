"""Dry-run every query of a catalog (observe, latest and chart, with `limit 0`) and check what each returns.

A catalog that loads can still name a column its rule needs but the query lacks, or carry SQL that does not bind;
`claimwatch lint` finds these before a run does. With a store, it also checks that each rule's subject and top
keys are keys of the indicator in the stated period.
"""

from __future__ import annotations

import re

import duckdb

from claimwatch.claims import rules
from claimwatch.claims.catalog import Catalog, Claim, Reading
from claimwatch.claims.evaluate import catalog_problem, query_rows, use_indicator
from claimwatch.sources import all_tables

PLACEHOLDER = re.compile(r"\$(\w+)\b")


def schema_only() -> duckdb.DuckDBPyConnection:
    """An in-memory store with every table and view and no rows: enough to bind any catalog query."""
    from claimwatch.store.store import Store

    con = duckdb.connect(":memory:")
    Store(con, None).create_schema(all_tables())
    return con


def _columns(con, sql: str, params: dict) -> list[str]:
    names = set(PLACEHOLDER.findall(sql))
    missing = sorted(names - set(params))
    if missing:
        raise ValueError(f"uses ${', $'.join(missing)}, which the period does not give (it gives {sorted(params)})")
    cursor = con.execute(f"select * from ({sql}) limit 0", {k: params[k] for k in names})
    return [d[0] for d in cursor.description]


def _latest_params(con, claim: Claim) -> dict:
    if not claim.latest:
        return {}
    return {name: None for name in _columns(con, claim.latest["query"], {})}


def reading_problems(con, claim: Claim, reading: Reading, check_keys: bool) -> list[str]:
    """Every problem with one reading's queries on this connection."""
    if rules.RULES[reading.rule["kind"]].columns is None:
        return []
    found = []
    where = f"claim {claim.id}" + (f", reading {reading.id}" if reading.id else "")
    use_indicator(con, reading.indicator)
    needed = rules.RULES[reading.rule["kind"]].columns
    for mode, params in (("as_stated", claim.as_stated), ("latest", _latest_params(con, claim) if claim.latest else None)):
        if params is None:
            continue
        try:
            got = _columns(con, reading.observe, params)
        except (duckdb.Error, ValueError) as exc:
            found.append(f"{where}: observe ({mode}) {str(exc).splitlines()[0]}")
            continue
        lacking = [c for c in needed if c not in got]
        if lacking:
            found.append(f"{where}: observe returns {got}, the {reading.rule['kind']} rule needs {list(needed)}")
        if reading.rule.get("window") is not None and "period" not in got:
            found.append(f"{where}: a rule with a window needs a 'period' column (a month date or a year)")
    if check_keys:
        rows = query_rows(con, reading.observe, claim.as_stated)
        problem = catalog_problem(claim, reading, rows, claim.as_stated) if all(r.get("complete", True) for r in rows) else None
        if problem:
            found.append(f"{where}: {problem}")
    return found


def claim_problems(con, claim: Claim, check_keys: bool = False) -> list[str]:
    """Every problem with a claim's queries: its readings', its latest form's and its chart's."""
    found = []
    if claim.not_checkable:
        return found
    if claim.latest:
        use_indicator(con, claim.indicator)
        try:
            params = _latest_params(con, claim)
            claim.latest["label"].format(**params)
        except (duckdb.Error, ValueError) as exc:
            found.append(f"claim {claim.id}: latest query {str(exc).splitlines()[0]}")
        except (KeyError, IndexError) as exc:
            found.append(f"claim {claim.id}: latest label uses {exc}, which the latest query does not return")
    for reading in claim.readings:
        found += reading_problems(con, claim, reading, check_keys)
    if claim.chart:
        use_indicator(con, claim.indicator)
        try:
            got = _columns(con, claim.chart["query"], {})
            if not {"x", "y"} <= set(got):
                found.append(f"claim {claim.id}: chart query returns {got}, needs x and y")
        except (duckdb.Error, ValueError) as exc:
            found.append(f"claim {claim.id}: chart query {str(exc).splitlines()[0]}")
    return found


def lint_catalog(catalog: Catalog, con: duckdb.DuckDBPyConnection | None = None) -> list[str]:
    """Every problem in a catalog's queries, on an empty schema, or on a store to also check keys."""
    own = con is None
    con = schema_only() if own else con
    try:
        return [f"{catalog.path}: {p}" for claim in catalog.claims for p in claim_problems(con, claim, not own)]
    finally:
        con.execute("drop view if exists temp.main.indicator")
        if own:
            con.close()

