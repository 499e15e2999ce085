"""Time evaluating every claim of every catalog (every reading, both modes) and replaying each claim's history.

Usage: uv run python benchmarks/evaluate_claims.py [--releases ../shared/data] [--repeat 3] [--smoke]
Builds a store from the recorded releases (--smoke: the southwest-border and KHSM files only, one repeat), then
measures a catalog evaluation with indicators computed once per evaluation (the default) against one indicator run
per claim, reading and mode (no cache), and every claim's history. Prints a table and writes
benchmarks/results/evaluate_claims.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import tempfile
import time
from pathlib import Path

from claimwatch.audit import Auditor
from claimwatch.claims import evaluate
from claimwatch.claims.catalog import load_catalogs
from claimwatch.claims.history import claim_history
from claimwatch.pipeline import ingest_recorded
from claimwatch.sources import all_sources
from claimwatch.store import open_store

SMOKE_FOLDERS = ("cbp_southwest_land_border_encounters", "dhs_ohss_khsm_usbp_encounters")


def build_store(releases: Path, folder: Path, smoke: bool) -> Path:
    """A store of the recorded releases (or, for a smoke run, of two small sources)."""
    if smoke:
        linked = folder / "releases"
        linked.mkdir()
        for name in SMOKE_FOLDERS:
            os.symlink(releases / name, linked / name)
        releases = linked
    path = folder / "claimwatch.duckdb"
    with open_store(path) as store:
        outcomes = ingest_recorded(store, releases, all_sources().values(), auditor=Auditor(store))
    bad = [o for o in outcomes if o.status != "published"]
    if bad:
        raise SystemExit(f"releases not published: {bad}")
    return path


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def uncached_catalog(con, catalog) -> None:
    """Evaluate as before the cache: every claim, reading and mode runs its indicator again."""
    evaluate.set_as_of(con, None)
    for claim in catalog.claims:
        for mode in evaluate.modes(claim):
            evaluate.evaluate_claim(con, claim, mode)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--releases", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--smoke", action="store_true", help="two small sources, one repeat: checks the script runs")
    args = parser.parse_args()
    repeat = 1 if args.smoke else args.repeat
    catalogs = load_catalogs()
    with tempfile.TemporaryDirectory() as tmp:
        path = build_store(args.releases, Path(tmp), args.smoke)
        with open_store(path, read_only=True) as store:
            con = store.con
            verdicts = sum(len(evaluate.evaluate_catalog(con, c)) for c in catalogs)
            cached = [sum(timed(lambda c=c: evaluate.evaluate_catalog(con, c)) for c in catalogs) for _ in range(repeat)]
            uncached = [sum(timed(lambda c=c: uncached_catalog(con, c)) for c in catalogs) for _ in range(repeat)]
            histories = {claim.id: timed(lambda claim=claim: claim_history(con, claim))
                         for c in catalogs for claim in c.claims if claim.readings}
        releases = store_releases(path)
    result = {
        "machine": f"{platform.machine()} {platform.python_version()}", "smoke": args.smoke, "repeat": repeat,
        "releases": releases, "verdicts": verdicts,
        "catalog_seconds_median": statistics.median(cached), "catalog_seconds_uncached_median": statistics.median(uncached),
        "history_seconds": histories, "history_seconds_total": sum(histories.values()),
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    print(f"{releases} releases, {verdicts} verdicts ({'smoke' if args.smoke else f'{repeat} runs'})")
    print(f"catalog: {result['catalog_seconds_median']:.2f} s (indicators once per evaluation), "
          f"{result['catalog_seconds_uncached_median']:.2f} s (once per claim, reading and mode)")
    print(f"histories of {len(histories)} claims: {result['history_seconds_total']:.2f} s")
    for claim_id, seconds in sorted(histories.items(), key=lambda item: -item[1])[:5]:
        print(f"  {claim_id:45s} {seconds:6.2f} s")
    print(f"peak RSS {result['peak_rss_mib']:.0f} MiB")
    out = Path(__file__).parent / "results" / "evaluate_claims.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2))


def store_releases(path: Path) -> int:
    with open_store(path, read_only=True) as store:
        return store.con.execute("select count(*) from releases").fetchone()[0]


if __name__ == "__main__":
    main()
