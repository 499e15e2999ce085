"""Evaluate catalog claims against the store: run the indicator, observe the period, judge it.

Indicators read the `<table>_latest` views. To evaluate against the store as it stood after a given release,
`as_of` shadows those views on the connection with temporary ones that see only releases written by then.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime

import duckdb

from claimwatch.claims.catalog import Catalog, Claim, Reading, indicator_sql, latest_tables
from claimwatch.claims.judge import Verdict, figure_text, judge_rows, paste_sentence, period_name
from claimwatch.errors import CatalogError
from claimwatch.sources import SOURCE_CLASSES, all_tables
from claimwatch.store.store import dict_rows
from claimwatch.store.views import latest_view

# Within `cached(con)`, each indicator is computed once per view of the store (set_as_of starts a new one) into a
# temp table, and each table's vintages are read once: a catalog or a history step no longer re-runs an indicator
# for every claim, reading and mode.
_CACHES: dict[int, dict] = {}


@contextmanager
def cached(con: duckdb.DuckDBPyConnection):
    """Cache indicators and vintages on this connection until the block ends (or the view of the store moves)."""
    _CACHES[id(con)] = {"indicators": set(), "vintages": {}}
    try:
        yield
    finally:
        _forget(con)
        _CACHES.pop(id(con), None)
        con.execute("drop view if exists temp.main.indicator")  # it pointed at a cached table just dropped


def _forget(con: duckdb.DuckDBPyConnection) -> None:
    cache = _CACHES.get(id(con))
    if cache is None:
        return
    for name in cache["indicators"]:
        con.execute(f"drop table if exists temp.main.indicator__{name}")
    cache["indicators"].clear()
    cache["vintages"].clear()


def use_indicator(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Point the view `indicator` at an indicator's result (computed once per view of the store when cached)."""
    cache = _CACHES.get(id(con))
    if cache is None:
        con.execute(f"create or replace temp view indicator as {indicator_sql(name)}")
        return
    if name not in cache["indicators"]:
        con.execute(f"create or replace temp table indicator__{name} as {indicator_sql(name)}")
        cache["indicators"].add(name)
    con.execute(f"create or replace temp view indicator as select * from temp.main.indicator__{name}")


def set_as_of(con: duckdb.DuckDBPyConnection, as_of: datetime | None) -> None:
    """Make `<table>_latest` on this connection show the store as of `as_of` (None: as it is now)."""
    _forget(con)
    for spec in all_tables():
        if as_of is None:
            con.execute(f"drop view if exists temp.main.{spec.name}_latest")
        else:
            con.execute(latest_view(spec, as_of))


def query_rows(con: duckdb.DuckDBPyConnection, sql: str, params: dict) -> list[dict]:
    used = {k: v for k, v in params.items() if re.search(rf"\${k}\b", sql)}
    return dict_rows(con.execute(sql, used))


def source_of_table() -> dict[str, str]:
    """Each normalised table's source."""
    return {t.name: cls.name for cls in SOURCE_CLASSES for t in cls.tables}


def reading_sources(reading: Reading) -> list[str]:
    """The sources whose releases can change a reading's verdict."""
    if not reading.indicator:
        return []
    owners = source_of_table()
    found = {owners[t] for t in latest_tables(indicator_sql(reading.indicator)) if t in owners}
    return sorted(found & set(reading.sources) if reading.sources else found)


def _table_vintages(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    """The releases a table's `_latest` view draws on (read once per view of the store when cached)."""
    cache = _CACHES.get(id(con), {}).get("vintages", {})
    if table not in cache:
        cache[table] = {r[0] for r in con.execute(f"select distinct release_id from {table}_latest").fetchall()}
    return cache[table]


def _vintages(con: duckdb.DuckDBPyConnection, reading: Reading) -> tuple[str, ...]:
    """The releases of the reading's sources that its indicator's `_latest` views draw on."""
    owners, sources = source_of_table(), set(reading_sources(reading))
    tables = [t for t in latest_tables(indicator_sql(reading.indicator)) if owners.get(t) in sources]
    return tuple(sorted(set().union(*(_table_vintages(con, t) for t in tables))))


def _period(con: duckdb.DuckDBPyConnection, claim: Claim, mode: str) -> tuple[dict, str] | None:
    """The observe parameters and period label of a mode; None when the latest period cannot be found."""
    if mode == "as_stated":
        params = dict(claim.as_stated)
        return params, params["label"]
    rows = query_rows(con, claim.latest["query"], {})
    if not rows or any(v is None for v in rows[0].values()):
        return None
    params = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in rows[0].items()}
    return params, claim.latest["label"].format(**params)


def _window(rule: dict, rows: list[dict]) -> dict | None:
    """How many years a record claim's rows cover, against the years the claim needs."""
    if rule.get("window") is None:
        return None
    periods = sorted({r["period"] for r in rows if r.get("period") is not None})
    if not periods:
        return None
    monthly = isinstance(periods[0], date)
    first = periods[0]
    return {"needed_years": rule["window"] if isinstance(rule["window"], int) else None,
            "covered_years": round(len(periods) / 12, 1) if monthly else len(periods),
            "since": f"{first:%B %Y}" if monthly else str(first)}


def _record_broken(con, claim: Claim, reading: Reading, judged, rows: list[dict]) -> str | None:
    """For a record as stated: the most extreme later period that beat it, in words; None when none did."""
    rule = reading.rule
    if rule.get("window") is None or not claim.latest or not rows or "period" not in rows[0]:
        return None
    latest = _period(con, claim, "latest")
    if latest is None:
        return None
    subject = judged.subject
    stated = next(r for r in rows if r["key"] == subject)
    lowest = rule.get("lowest", True)
    later = [r for r in query_rows(con, reading.observe, latest[0]) if r["period"] > stated["period"]
             and r["value"] is not None and (r["value"] < stated["value"] if lowest else r["value"] > stated["value"])]
    if not later:
        return None
    best = (min if lowest else max)(later, key=lambda r: r["value"])
    show = lambda v: figure_text(v, rule.get("display"))  # noqa: E731
    return (f"{period_name(best['key'])} ({show(best['value'])}) went {'below' if lowest else 'above'} "
            f"{period_name(subject)} ({show(stated['value'])}) and is the new {'low' if lowest else 'high'}")


def catalog_problem(claim: Claim, reading: Reading, rows: list[dict], params: dict) -> str | None:
    """A rule naming a key the indicator does not have (not a period awaiting data): a catalog error."""
    rule = reading.rule
    if not rows or rule["kind"] not in ("is_extreme", "ranked_sum_exceeds"):
        return None
    keys = {r["key"] for r in rows}
    if rule["kind"] == "is_extreme" and rule.get("window") is None:
        subject = str(rule["subject"]).format(**params)
        return None if subject in keys else f"rule.subject {subject!r} is not a key of {reading.indicator} ({len(keys)} keys)"
    if rule["kind"] == "ranked_sum_exceeds":
        missing = [k for k in rule["top_keys"] if k not in keys]
        return f"rule.top_keys {missing} are not keys of {reading.indicator}" if missing else None
    return None


def evaluate_reading(con: duckdb.DuckDBPyConnection, claim: Claim, reading: Reading, mode: str) -> Verdict:
    """Judge one reading of a claim in one mode on the connection's current view of the store."""
    base = Verdict(claim.id, mode, "unknown", claim.as_stated.get("label", ""), reading=reading.id,
                   reading_label=reading.label, primary=reading.primary)
    if reading.rule["kind"] == "doses_from_mass":
        return _finish(base, reading, judge_rows(reading.rule, [], {}), "")
    use_indicator(con, reading.indicator)
    period = _period(con, claim, mode)
    if period is None:
        return _unknown(base, "no complete period in the store yet")
    params, label = period
    base = replace(base, period=label, vintages=_vintages(con, reading))
    rows = query_rows(con, reading.observe, params)
    coverage = "; ".join(sorted({str(r["coverage"]) for r in rows if r.get("coverage")}))
    if reading.rule["kind"] == "missing_comparison":
        reason = f"{reading.rule['missing']} ({coverage})" if coverage else reading.rule["missing"]
        return _unknown(base, f"missing data: {reason}")
    if not rows:
        return _unknown(base, f"missing data: nothing for {label} in the store")
    problems = sorted({str(r["problem"]) for r in rows if r.get("problem")})
    if problems:
        return _unknown(base, f"data problem: {'; '.join(problems)}")
    if not all(r.get("complete", True) for r in rows):
        return _unknown(base, f"period incomplete: {coverage or label}")
    problem = catalog_problem(claim, reading, rows, params)
    if problem:
        raise CatalogError(claim.catalog_path, [f"claim {claim.id}" + (f", reading {reading.id}" if reading.id else "")
                                                + f": {problem}"])
    try:
        judged = judge_rows(reading.rule, rows, params)
    except ValueError as exc:  # a missing value, a missing period: data the rule needs is not there
        return _unknown(base, f"missing data: {exc}")
    broken = _record_broken(con, claim, reading, judged, rows) if mode == "as_stated" else None
    return _finish(replace(base, window=_window(reading.rule, rows), record_broken=broken), reading, judged, coverage)


def _unknown(base: Verdict, why: str) -> Verdict:
    verdict = replace(base, explanation=why)
    return replace(verdict, sentence=paste_sentence(verdict))


def _finish(base: Verdict, reading: Reading, judged, coverage: str) -> Verdict:
    j = judged.judgement
    verdict = "holds" if j.holds else "fails"
    window = base.window
    if j.holds and window and (window["needed_years"] is None or window["covered_years"] < window["needed_years"] - 1 / 12):
        verdict = "holds_over_coverage"
    share = reading.rule.get("close_share")
    close = bool(j.holds and share is not None and j.claimed and j.margin <= share * abs(j.claimed))
    found = replace(base, verdict=verdict, observed=j.observed, claimed=j.claimed, margin=j.margin, rule=j.rule,
                    supported=j.supported, explanation=coverage, subject=judged.subject,
                    observed_text=judged.observed_text, compared_with=judged.compared_with,
                    figures={str(k): v for k, v in judged.figures.items()}, close=close)
    return replace(found, sentence=paste_sentence(found, reading.rule))


def evaluate_claim(con: duckdb.DuckDBPyConnection, claim: Claim, mode: str) -> list[Verdict]:
    """Judge every reading of one claim in one mode (a not-checkable claim has one verdict)."""
    if claim.not_checkable:
        nc = claim.not_checkable
        base = Verdict(claim.id, mode, "not_checkable", claim.as_stated.get("label", ""),
                       explanation=f"{nc['reason']} Needs: {nc['source_needed']}")
        return [replace(base, sentence=paste_sentence(base))]
    return [evaluate_reading(con, claim, reading, mode) for reading in claim.readings]


def modes(claim: Claim) -> tuple[str, ...]:
    """The modes a claim is judged in: as stated, and latest when it has a latest form."""
    return ("as_stated", "latest") if claim.latest else ("as_stated",)


def evaluate_catalog(con: duckdb.DuckDBPyConnection, catalog: Catalog, as_of: datetime | None = None,
                     claims: Iterable[Claim] | None = None) -> list[Verdict]:
    """Every claim of the catalog (or the given ones), every reading in every mode, as of `as_of` (default: now)."""
    with cached(con):
        set_as_of(con, as_of)
        try:
            return [v for claim in (catalog.claims if claims is None else claims)
                    for mode in modes(claim) for v in evaluate_claim(con, claim, mode)]
        finally:
            set_as_of(con, None)
