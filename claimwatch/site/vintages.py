"""The revision ladder of each charted claim: its chart's first series as the store stood after each release.

Each published release of the claim's sources is one as-of view of the store (claimwatch/store/views.py); the
series read there never changes once that release is written, so it is kept in the site folder
(`charts/<claim>.vintages.json`, keyed by the claim's hash and the chart code) and read only for new releases.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from pathlib import Path

import duckdb

from claimwatch.chart_labels import chart_display
from claimwatch.charts import ChartData, X, chart_data
from claimwatch.claims.catalog import Claim
from claimwatch.claims.evaluate import set_as_of
from claimwatch.claims.steps import claim_hash
from claimwatch.ladder_chart import Ladder, Vintage

CODE = (Path(__file__).parents[1] / "charts.py", Path(__file__))


def _pack(points: list[tuple[X, float]]) -> list:
    """A series as the cache keeps it: the kind of its x, its xs (dates as ISO text) and its ys. Read back at 16x the
    recorded vintages, a [{"date": …}, y] pair per point took 0.47 s of JSON parsing a build."""
    xs = [x for x, _ in points]
    kind = "datetime" if isinstance(xs[0], datetime) else "date" if isinstance(xs[0], date) else "value"
    return [kind, xs if kind == "value" else [x.isoformat() for x in xs], [y for _, y in points]]


def _unpack(kind: str, xs: list, ys: list) -> tuple[tuple[X, float], ...]:
    parse = {"datetime": datetime.fromisoformat, "date": date.fromisoformat}.get(kind)
    return tuple(zip(map(parse, xs) if parse else xs, ys))


def cache_key(claim: Claim) -> str:
    """What a vintage's series depends on besides its release: the claim's entry and SQL, and this code."""
    digest = hashlib.sha256(claim_hash(claim).encode())
    for path in CODE:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _first_series(data: ChartData | None) -> tuple | None:
    if data is None:
        return None
    name, points = next(iter(data.series.items()))
    return name, *_pack(points)


def vintage_series(con: duckdb.DuckDBPyConnection, claim: Claim, releases: list[tuple[str, datetime]],
                   cache: Path | None, now: ChartData | None) -> dict[str, tuple | None]:
    """release id -> (series name, x kind, xs, ys) as the store stood once it was written; cached ones read, not
    queried, and the newest one's from `now`, the chart's data on the store as it is."""
    key = cache_key(claim)
    kept: dict = {}
    if cache is not None and cache.is_file():
        stored = json.loads(cache.read_text())
        kept = stored["vintages"] if stored.get("key") == key else {}
    found = {rid: (tuple(kept[rid]) if kept[rid] else None) for rid, _ in releases if rid in kept}
    newest = releases[-1][0] if releases else None
    try:
        for rid, at in releases:
            if rid not in found:
                if rid == newest:
                    found[rid] = _first_series(now)
                    continue
                set_as_of(con, at)
                found[rid] = _first_series(chart_data(con, claim))
    finally:
        set_as_of(con, None)
    return found


def cache_bytes(claim: Claim, series: dict) -> bytes:
    """The vintages' series as the next build reads them back (charts/<claim>.vintages.json)."""
    return json.dumps({"key": cache_key(claim), "vintages": series}).encode()


def ladder(claim: Claim, releases: list[tuple[str, datetime]], series: dict, labels: dict[str, str]) -> Ladder | None:
    """The vintages that changed the series (oldest first), or None when no vintage has it."""
    kept: list[Vintage] = []
    name = ""
    last = None
    for rid, _ in releases:
        found = series.get(rid)
        if not found or list(found[1:]) == last:
            continue  # no series, or the same as the vintage before: nothing to draw
        name, kind, xs, ys = found
        last = [kind, xs, ys]
        kept.append(Vintage(rid, labels.get(rid, rid), _unpack(kind, xs, ys)))
    if not kept:
        return None
    chart = claim.chart or {}
    mark = chart.get("mark")
    sample = kept[-1].points[0][0]
    if isinstance(sample, date) and isinstance(mark, str):
        mark = date.fromisoformat(mark)
    if isinstance(sample, datetime) and isinstance(mark, date) and not isinstance(mark, datetime):
        mark = datetime.combine(mark, datetime.min.time())
    return Ladder(chart.get("title", claim.id), chart.get("y_label", ""), name, tuple(kept), mark, chart_display(claim))
