"""Every figure behind a claim's verdicts as CSV and JSON files beside its page, and the SQL that finds them."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from claimwatch.claims.catalog import Claim
from claimwatch import present
from claimwatch.verdict_text import paste_ready, rule_of
from claimwatch.claims.judge import Verdict
from claimwatch.site.filled_sql import filled_sql

DOWNLOADS = "downloads"  # folder inside each article's folder of the site
COLUMNS = ("claim_id", "mode", "reading", "verdict", "period", "figure", "value", "text", "vintages")


@dataclass
class ClaimFiles:
    """A claim page's downloads and its SQL with the parameters filled in, per reading and mode."""

    csv: str = ""  # links relative to the site's root
    json: str = ""
    queries: list[tuple[str, str]] = field(default_factory=list)  # (what, SQL)


def figure_rows(claim: Claim, verdicts: list[Verdict]) -> list[dict]:
    """One row per figure behind each verdict: the observed, the claimed, the margin and every named figure, each
    with its text as `claimwatch check --json` prints it (claimwatch/present.py: the margin in words)."""
    rows = []
    for v in verdicts:
        rule = rule_of(claim, v)
        texts = present.figure_texts(v, rule)
        named = [("observed", v.observed, texts["observed"]), ("claimed", v.claimed, texts["claimed"]),
                 ("margin", v.margin, texts["margin"])]
        named += [(name, value, texts["figures"].get(str(name))) for name, value in (v.figures or {}).items()]
        for name, value, text in named:
            if value is None:
                continue
            rows.append({"claim_id": claim.id, "mode": v.mode, "reading": v.reading or "", "verdict": v.verdict,
                         "period": v.period, "figure": name, "value": value, "text": text or present.figure(value, rule),
                         "vintages": " ".join(v.vintages)})
    return rows


def figures_csv(rows: list[dict]) -> str:
    """The rows as CSV (values at full precision)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({**r, "value": repr(float(r["value"]))} for r in rows)
    return out.getvalue()


def figures_json(claim: Claim, verdicts: list[Verdict], queries: list[tuple[str, str]]) -> str:
    """The claim, each verdict with its figures, and the filled SQL, as one JSON document."""
    doc = {"claim_id": claim.id, "sentence": claim.sentence, "verdicts": [
        {"mode": v.mode, "reading": v.reading, "reading_label": v.reading_label, "primary": v.primary,
         "verdict": v.verdict, "period": v.period, "observed": v.observed, "claimed": v.claimed, "margin": v.margin,
         "figures": v.figures or {}, "vintages": list(v.vintages), "sentence": paste_ready(claim, v)[0],
         "source": present.footer(v)} for v in verdicts],
        "sql": [{"what": what, "sql": sql} for what, sql in queries]}
    return json.dumps(doc, indent=2, ensure_ascii=False, default=str) + "\n"


def claim_queries(con: duckdb.DuckDBPyConnection, claim: Claim, modes: list[str],
                  memo: dict | None = None) -> list[tuple[str, str]]:
    """Each reading's observe SQL in each mode, ready to paste into duckdb (`memo`: see filled_sql.mode_params)."""
    found = []
    for reading in claim.readings:
        for mode in modes:
            sql = filled_sql(con, claim, reading, mode, memo)
            if sql:
                label = f"{reading.label}, " if reading.id else ""
                found.append((f"{label}{mode.replace('_', ' ')}", sql))
    return found


def write_claim_files(con: duckdb.DuckDBPyConnection, claim: Claim, verdicts: list[Verdict], site: Path,
                      under: str = "", memo: dict | None = None) -> ClaimFiles:
    """Write <under>downloads/<claim>.csv and .json into the site (`under`: the article's folder, as claim ids are
    unique only within an article); return their links from the site's root and the filled SQL."""
    folder = site / under / DOWNLOADS
    folder.mkdir(parents=True, exist_ok=True)
    modes = list(dict.fromkeys(v.mode for v in verdicts))
    queries = claim_queries(con, claim, modes, memo)
    rows = figure_rows(claim, verdicts)
    files = ClaimFiles(queries=queries)
    if rows:
        (folder / f"{claim.id}.csv").write_text(figures_csv(rows), encoding="utf-8")
        files.csv = f"{under}{DOWNLOADS}/{claim.id}.csv"
    (folder / f"{claim.id}.json").write_text(figures_json(claim, verdicts, queries), encoding="utf-8")
    files.json = f"{under}{DOWNLOADS}/{claim.id}.json"
    return files
