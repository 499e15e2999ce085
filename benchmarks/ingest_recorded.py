"""Time ingesting every recorded release into an empty store, per source and in total.

Usage: uv run python benchmarks/ingest_recorded.py [--releases ../shared/data] [--repeat 3]
Prints a table and writes benchmarks/results/ingest_recorded.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from claimwatch.ingest import recorded_candidates, recorded_entries
from claimwatch.pipeline import ingest_candidate
from claimwatch.sources import all_sources
from claimwatch.store import open_store


def view_seconds(con) -> dict[str, float]:
    """Seconds to count every row of each _latest and _revisions view."""
    views = [r[0] for r in con.execute("select view_name from duckdb_views() where not internal order by 1").fetchall()]
    out = {}
    for view in views:
        t0 = time.perf_counter()
        con.execute(f"select count(*) from {view}").fetchone()
        out[view] = time.perf_counter() - t0
    return out


def one_run(releases: Path) -> tuple[float, dict[str, float], int, int, dict[str, float]]:
    """Ingest everything once into a new store; return seconds (total, per source), rows, file size, view seconds."""
    candidates, failed = recorded_candidates(releases, all_sources().values())  # in release order, as ingest does
    if failed:
        raise SystemExit(f"unreadable recorded releases: {failed}")
    per_source: dict[str, float] = defaultdict(float)
    rows = 0
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.duckdb"
        started = time.perf_counter()
        with open_store(path) as store:
            for source, candidate in candidates:
                t0 = time.perf_counter()
                outcome = ingest_candidate(store, source, candidate)
                per_source[source.name] += time.perf_counter() - t0
                if outcome.status != "published":
                    raise SystemExit(f"{candidate.release_id}: {outcome.status} {outcome.detail}")
                rows += outcome.rows or 0
            store.con.execute("checkpoint")
            total = time.perf_counter() - started
            views = view_seconds(store.con)
        size = path.stat().st_size
    return total, dict(per_source), rows, size, views


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--releases", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    runs = [one_run(args.releases) for _ in range(args.repeat)]
    totals = [r[0] for r in runs]
    sources = sorted(runs[0][1])
    result = {
        "machine": f"{platform.machine()} {platform.python_version()}",
        "repeat": args.repeat,
        "releases": len(recorded_entries(args.releases, all_sources().values())[0]),
        "rows": runs[0][2],
        "db_bytes": runs[0][3],
        "total_seconds_median": statistics.median(totals),
        "total_seconds_all": totals,
        "seconds_per_source_median": {s: statistics.median(r[1][s] for r in runs) for s in sources},
        "view_seconds_median": {v: statistics.median(r[4][v] for r in runs) for v in sorted(runs[0][4])},
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    print(f"{result['releases']} releases, {result['rows']:,} rows, store {result['db_bytes'] / 2**20:.1f} MiB")
    print(f"total: median {result['total_seconds_median']:.2f} s over {args.repeat} runs {[round(t, 2) for t in totals]}")
    for source, seconds in result["seconds_per_source_median"].items():
        print(f"  {source:28s} {seconds:6.2f} s")
    for view, seconds in result["view_seconds_median"].items():
        print(f"  select count(*) from {view:42s} {seconds:6.3f} s")
    print(f"peak RSS {result['peak_rss_mib']:.0f} MiB")
    out = Path(__file__).parent / "results" / "ingest_recorded.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
