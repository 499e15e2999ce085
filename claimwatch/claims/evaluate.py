"""Evaluate catalog claims against the store: run the indicator, observe the period, judge it.

Indicators read the `<table>_latest` views. To evaluate against the store as it stood after a given release,
`as_of` shadows those views on the connection with temporary ones that see only releases written by then.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

import duckdb

from claimwatch.claims.catalog import Catalog, Claim, indicator_sql, latest_tables
from claimwatch.claims.judge import Verdict, judge_rows, paste_sentence
from claimwatch.sources import all_tables
from claimwatch.store.store import dict_rows
from claimwatch.store.views import latest_view

def set_as_of(con: duckdb.DuckDBPyConnection, as_of: datetime | None) -> None:
    """Make `<table>_latest` on this connection show the store as of `as_of` (None: as it is now)."""
    for spec in all_tables():
        if as_of is None:
            con.execute(f"drop view if exists temp.main.{spec.name}_latest")
        else:
            con.execute(latest_view(spec, as_of))


def _query(con: duckdb.DuckDBPyConnection, sql: str, params: dict) -> list[dict]:
    used = {k: v for k, v in params.items() if re.search(rf"\${k}\b", sql)}
    return dict_rows(con.execute(sql, used))


def _vintages(con: duckdb.DuckDBPyConnection, indicator_sql: str) -> tuple[str, ...]:
    """The releases the indicator's `_latest` views draw on."""
    ids: set[str] = set()
    for table in latest_tables(indicator_sql):
        ids.update(r[0] for r in con.execute(f"select distinct release_id from {table}_latest").fetchall())
    return tuple(sorted(ids))


def _period(con: duckdb.DuckDBPyConnection, claim: Claim, mode: str) -> tuple[dict, str] | None:
    """The observe parameters and period label of a mode; None when the latest period cannot be found."""
    if mode == "as_stated":
        params = dict(claim.as_stated)
        return params, params["label"]
    rows = _query(con, claim.latest["query"], {})
    if not rows or any(v is None for v in rows[0].values()):
        return None
    params = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in rows[0].items()}
    return params, claim.latest["label"].format(**params)


def evaluate_claim(con: duckdb.DuckDBPyConnection, claim: Claim, mode: str) -> Verdict:
    """Judge one claim in one mode on the connection's current view of the store."""
    base = Verdict(claim.id, mode, "unknown", claim.as_stated.get("label", ""))
    if claim.not_checkable:
        nc = claim.not_checkable
        verdict = replace(base, verdict="not_checkable", explanation=f"{nc['reason']} Needs: {nc['source_needed']}")
        return replace(verdict, sentence=paste_sentence(claim, verdict))
    if claim.rule["kind"] == "doses_from_mass":
        judged = judge_rows(claim, [], {})
        return _finish(claim, base, judged, (), "")
    sql = indicator_sql(claim.indicator)
    con.execute(f"create or replace temp view indicator as {sql}")
    period = _period(con, claim, mode)
    if period is None:
        verdict = replace(base, explanation="no complete period in the store yet")
        return replace(verdict, sentence=paste_sentence(claim, verdict))
    params, label = period
    base = replace(base, period=label, vintages=_vintages(con, sql))
    rows = _query(con, claim.observe, params)
    coverage = "; ".join(sorted({str(r["coverage"]) for r in rows if r.get("coverage")}))
    if claim.rule["kind"] == "missing_comparison":
        reason = f"{claim.rule['missing']} ({coverage})" if coverage else claim.rule["missing"]
        verdict = replace(base, explanation=f"missing data: {reason}")
        return replace(verdict, sentence=paste_sentence(claim, verdict))
    if not rows:
        verdict = replace(base, explanation=f"missing data: nothing for {label} in the store")
    elif not all(r.get("complete", True) for r in rows):
        verdict = replace(base, explanation=f"period incomplete: {coverage or label}")
    else:
        try:
            return _finish(claim, base, judge_rows(claim, rows, params), base.vintages, coverage)
        except ValueError as exc:  # a missing value, a missing key: data the rule needs is not there
            verdict = replace(base, explanation=f"missing data: {exc}")
    return replace(verdict, sentence=paste_sentence(claim, verdict))


def _finish(claim, base: Verdict, judged, vintages: tuple[str, ...], coverage: str) -> Verdict:
    verdict = replace(
        base, verdict="holds" if judged.holds else "fails", observed=judged.observed, claimed=judged.claimed,
        margin=judged.margin, rule=judged.rule, supported=judged.supported, vintages=vintages, explanation=coverage,
    )
    return replace(verdict, sentence=paste_sentence(claim, verdict))


def modes(claim: Claim) -> tuple[str, ...]:
    """The modes a claim is judged in: as stated, and latest when it has a latest form."""
    return ("as_stated", "latest") if claim.latest else ("as_stated",)


def evaluate_catalog(con: duckdb.DuckDBPyConnection, catalog: Catalog, as_of: datetime | None = None,
                     claims: Iterable[Claim] | None = None) -> list[Verdict]:
    """Every claim of the catalog (or the given ones) in every mode, against the store as of `as_of` (default: now)."""
    set_as_of(con, as_of)
    try:
        return [evaluate_claim(con, claim, mode) for claim in (catalog.claims if claims is None else claims)
                for mode in modes(claim)]
    finally:
        set_as_of(con, None)
