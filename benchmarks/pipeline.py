"""Time claimwatch's whole pipeline against the targets of issue #14, in one process.

Usage: uv run python benchmarks/pipeline.py [--releases ../shared/data] [--repeat 3] [--scales 1,4,16] [--smoke]
Measures, in order: a bare DuckDB + python-calamine load of the recorded files; claimwatch's own ingest + validate +
evaluate of them into an empty store (with Data Docs, as `claimwatch ingest` does) and its peak RSS; a rerun with
nothing new; `claimwatch check` (current_verdicts in process, and the command); evaluate + site after a run that
added one release; `claimwatch --help`; Prefect's start-up (import, temporary API server); and the per-run cost of
adding one release to stores holding 1x, 4x and 16x the recorded vintages (synthetic_vintages.py), with their
stored steps backfilled. Each added-release run is a process of its own, as a monthly run is (add_one_process).
Prints the tables and writes benchmarks/results/pipeline.json. A missed target is reported, not failed; an error
exits non-zero. --smoke (what CI runs): two small sources, one repeat, scales 1 and 2.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
from python_calamine import CalamineWorkbook

from claimwatch import pipeline
from claimwatch.alerts.release_calendar import _parsed
from claimwatch.audit import Auditor
from claimwatch.claims.catalog import load_catalogs
from claimwatch.claims.steps import current_verdicts
from claimwatch.ingest import recorded_entries, release_order
from claimwatch.site.articles import article_folder
from claimwatch.site.gather import claim_pages, source_pages
from claimwatch.sources import all_sources
from claimwatch.store import open_store

from synthetic_vintages import YEARS_PER_COPY, add_copies  # benchmarks/ is on sys.path when this file runs as a script

ROOT = Path(__file__).resolve().parents[1]
CLI = ROOT / ".venv" / "bin" / "claimwatch"
HELD_SOURCE = "cbp_encounters"  # the source whose newest release the one-release runs add
SMOKE_FOLDERS = ("cbp_southwest_land_border_encounters", "dhs_ohss_khsm_usbp_encounters")
SMOKE_HELD_SOURCE = "cbp_southwest_encounters"
MIB = 1024  # ru_maxrss is in KiB on Linux


def stats(values: list[float]) -> dict:
    return {"min": min(values), "median": statistics.median(values), "max": max(values), "all": values}


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def command_seconds(args: list[str], env: dict | None = None) -> float:
    """Wall seconds of a subprocess; a failure raises."""
    start = time.perf_counter()
    subprocess.run(args, check=True, capture_output=True, env={**os.environ, **(env or {})})
    return time.perf_counter() - start


# -- 1. bare load ----------------------------------------------------------------------------------------------------
def bare_load(releases: Path) -> tuple[float, int]:
    """Every recorded CSV into an in-memory DuckDB (all varchar), every xlsx sheet to Python lists: seconds, files."""
    files = sorted(p for folder in releases.iterdir() if folder.is_dir() for p in folder.rglob("*")
                   if p.suffix in (".csv", ".xlsx"))
    start = time.perf_counter()
    con = duckdb.connect()
    for n, path in enumerate(files):
        if path.suffix == ".csv":
            con.execute(f"create table t{n} as select * from read_csv(?, all_varchar = true)", [str(path)])
        else:
            book = CalamineWorkbook.from_path(str(path))
            for sheet in book.sheet_names:
                book.get_sheet_by_name(sheet).to_python()
    con.close()
    return time.perf_counter() - start, len(files)


# -- 2, 3. full ingest, no-change rerun ------------------------------------------------------------------------------
def ingest(path: Path, releases: Path, catalogs) -> pipeline.Ingested:
    """What `claimwatch ingest --releases` does: the pipeline's ingest, then the Data Docs."""
    with open_store(path) as store:
        auditor = Auditor(store)
        ingested = pipeline.ingest(store, all_sources().values(), releases=releases, auditor=auditor, catalogs=catalogs)
        auditor.finish()
    bad = [f"{o.release_id or o.label}: {o.status} {o.detail}" for o in ingested.outcomes if not o.ok]
    if bad:
        raise RuntimeError(f"releases not published: {bad}")
    return ingested


# -- 4. check --------------------------------------------------------------------------------------------------------
def check_seconds(path: Path, catalogs) -> float:
    with open_store(path, read_only=True) as store:
        return timed(lambda: [current_verdicts(store.con, c) for c in catalogs])[0]


# -- 5, 8. one added release -----------------------------------------------------------------------------------------
def smoke_releases(releases: Path, folder: Path) -> Path:
    """A folder of symlinks to two small sources' recorded releases."""
    folder.mkdir()
    for name in SMOKE_FOLDERS:
        os.symlink(releases / name, folder / name)
    return folder


def split_releases(releases: Path, folder: Path, held_source: str) -> tuple[Path, Path, str]:
    """Two folders of symlinks: every recorded release but the newest of `held_source`, and just that one."""
    entries, _ = recorded_entries(releases, all_sources().values())
    source = all_sources()[held_source]
    held_entry, held = max(((e, source.recorded(e)) for s, e in entries if s.name == held_source),
                           key=lambda pair: release_order(pair[1]))  # the order recorded_candidates sorts by
    base, added = folder / "base", folder / "added"
    for source, entry in entries:
        target = (added if entry == held_entry else base) / source.recorded_folder / entry.name
        target.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(entry, target)
    return base, added, held.release_id


def add_one(template: Path, added: Path, folder: Path, catalogs) -> dict:
    """On a copy of the template store: site (warm), stage + audit the added release, then time evaluate and site."""
    path = folder / "run.duckdb"
    shutil.copy(template, path)
    with open_store(path) as store:
        pipeline.site(store, catalogs, folder / "site")
        sources = list(all_sources().values())
        auditor = Auditor(store, docs_dir=folder / "docs")
        outcomes = pipeline.audit_staged(store, sources, pipeline.stage(store, sources, added), auditor)
        if [o.status for o in outcomes] != ["published"]:
            raise RuntimeError(f"the added release was not published: {outcomes}")
        _parsed.cache_clear()  # what this process parsed for the warm build, a new run's process parses again
        evaluate, evaluated = timed(lambda: pipeline.evaluate(store, catalogs))
        site = timed(lambda: pipeline.site(store, catalogs, folder / "site"))[0]
        vintages = store.con.execute("select count(*) from releases where status = 'published'").fetchone()[0]
        charts = folder / "site" / article_folder(catalogs[0].article_id) / "charts"  # as the next build reads them
        claims = timed(lambda: claim_pages(store.con, catalogs[0], previous_charts=charts))[0]  # where the site's time goes, timed again
        sources = timed(lambda: source_pages(store.con))[0]
    steps = sum(len(s) for s in evaluated.steps.values())
    return {"evaluate": evaluate, "site": site, "total": evaluate + site, "vintages": vintages, "steps": steps,
            "site_claim_pages": claims, "site_source_pages": sources, "site_rest": max(site - claims - sources, 0.0)}


def add_one_process(template: Path, added: Path, folder: Path) -> dict:
    """add_one in a new process, as a monthly run is one: not in this one, whose heap holds whatever the benchmark
    did before (after a 16x backfill, Python's garbage collector and the drawing workers' fork cost more there:
    measured at 1x, 1.3 s in a fresh process, 1.7 s with 8 million live objects beside it)."""
    done = subprocess.run([sys.executable, __file__, "--add-one", str(template), str(added), str(folder)],
                          check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(done.stdout.strip().splitlines()[-1])


def repeated_add_one(template: Path, added: Path, folder: Path, repeat: int) -> dict:
    runs = []
    for i in range(repeat):
        (folder / f"r{i}").mkdir()
        runs.append(add_one_process(template, added, folder / f"r{i}"))
    out = {k: stats([r[k] for r in runs]) for k in ("evaluate", "site", "total", "site_claim_pages",
                                                     "site_source_pages", "site_rest")}
    return {**out, "vintages": runs[0]["vintages"], "steps": runs[0]["steps"]}


def stored_periods(store) -> int:
    """The distinct periods of every table, summed: how far the stored history reaches."""
    return sum(store.con.execute(f"select count(distinct {spec.period}) from {spec.name}").fetchone()[0]
               for source in all_sources().values() for spec in source.tables)


def make_base_store(releases: Path, tmp: Path, held_source: str, catalogs) -> tuple[Path, Path, str]:
    """A store of every recorded release but the held one (split_releases): its path, the held release's folder and
    id, for the added-release runs and the growth table."""
    base, added, held = split_releases(releases, tmp / "split", held_source)
    store = tmp / "base" / "claimwatch.duckdb"
    ingest(store, base, catalogs)
    return store, added, held


def growth(base_store: Path, added: Path, folder: Path, catalogs, scales: list[int], repeat: int,
           years_per_copy: int = YEARS_PER_COPY) -> dict:
    """Per scale: clone the vintages (each copy years_per_copy older: synthetic_vintages.py), backfill the steps, then
    the one-added-release run."""
    found = {}
    for scale in scales:
        work = folder / f"x{scale}"
        work.mkdir()
        template = work / "template.duckdb"
        shutil.copy(base_store, template)
        with open_store(template) as store:
            copies = add_copies(store, scale, years_per_copy)
            backfill = timed(lambda: pipeline.evaluate(store, catalogs, backfill=True))[0]
            store.con.execute("checkpoint")
            periods = stored_periods(store)
        found[scale] = {"copies": copies, "backfill_seconds": backfill, "periods": periods,
                        **repeated_add_one(template, added, work, repeat)}
        say(f"growth {scale}x: {found[scale]['vintages']} vintages, backfill {backfill:.1f} s, "
              f"evaluate+site {found[scale]['total']['median']:.2f} s")
    return found


# -- 6, 7. --help, Prefect -------------------------------------------------------------------------------------------
PREFECT_API = ("import time; t = time.perf_counter(); from flows.local_api import temporary_api\n"
               "t1 = time.perf_counter()\nwith temporary_api(): pass\nprint(time.perf_counter() - t1)")


def prefect_startup(repeat: int) -> dict:
    env = {"DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    imports = [command_seconds([sys.executable, "-c", "import prefect"], env) for _ in range(repeat)]
    api = []
    for _ in range(repeat):
        done = subprocess.run([sys.executable, "-c", PREFECT_API], check=True, capture_output=True, text=True,
                              cwd=ROOT, env={**os.environ, **env})
        api.append(float(done.stdout.strip().splitlines()[-1]))
    return {"import_prefect": stats(imports), "temporary_api": stats(api)}


# -- report ----------------------------------------------------------------------------------------------------------
def git_commit() -> str:
    done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return done.stdout.strip() or "unknown"


def report_growth(r: dict, scales: list[int]) -> float:
    """Print the growth table; the 1x per-run cost (evaluate + site, median)."""
    base = r["growth"][scales[0]]["total"]["median"]
    print(f"\n{'scale':>5s} {'vintages':>8s} {'periods':>7s} {'backfill s':>10s} {'evaluate s':>10s} {'site s':>8s} {'eval+site':>9s} "
          f"{'ratio':>6s} | site: {'claim pages':>11s} {'source pages':>12s} {'render':>7s}")
    for scale in scales:
        g = r["growth"][scale]
        print(f"{scale:4d}x {g['vintages']:8d} {g['periods']:7d} {g['backfill_seconds']:10.1f} {g['evaluate']['median']:10.2f} "
              f"{g['site']['median']:8.2f} {g['total']['median']:9.2f} {g['total']['median'] / base:6.2f} | "
              f"      {g['site_claim_pages']['median']:11.2f} {g['site_source_pages']['median']:12.2f} "
              f"{g['site_rest']['median']:7.2f}")
    print(f"(each synthetic vintage {r['years_per_copy']} year(s) older than the one it copies)")
    return base


def report(r: dict, scales: list[int]) -> None:
    m = lambda key: r[key]["median"]  # noqa: E731
    print(f"\n{r['releases']} recorded releases{' (smoke: two small sources)' if r['smoke'] else ''}, {r['cpus']} CPUs "
          f"(load average {r['load_average_at_start'][0]:.1f} at start), {r['repeat']} repeat(s), commit {r['commit'][:10]}")
    rows = [("bare load (DuckDB + calamine)", r["bare"]), ("full ingest+validate+evaluate", r["full"]),
            ("no-change rerun", r["rerun"]), ("check: current_verdicts", r["check_in_process"]),
            ("check: claimwatch check", r["check_command"]), ("added release: evaluate", r["added"]["evaluate"]),
            ("added release: site", r["added"]["site"]), ("claimwatch --help", r["help"]),
            ("import prefect", r["prefect"]["import_prefect"]), ("temporary_api up+down", r["prefect"]["temporary_api"])]
    print(f"{'measure':34s} {'min':>8s} {'median':>8s} {'max':>8s}")
    for name, s in rows:
        print(f"{name:34s} {s['min']:8.2f} {s['median']:8.2f} {s['max']:8.2f}")
    print(f"peak RSS after the full ingest: {r['peak_rss_mib']:.0f} MiB (after the bare load, which ran first in this "
          f"process: {r['peak_rss_after_bare_mib']:.0f} MiB)")
    base = report_growth(r, scales)
    targets = [("ingest+validate+evaluate / bare", m("full") / m("bare"), 3.0, "x"),
               ("no-change run", m("rerun"), 1.0, "s"), ("check (command)", m("check_command"), 1.0, "s"),
               ("site after one added release (evaluate+site)", r["added"]["total"]["median"], 3.0, "s"),
               ("--help", m("help"), 0.5, "s"), ("peak RSS full ingest", r["peak_rss_mib"], 400, "MiB")]
    if len(scales) > 1:
        targets.append((f"{scales[-1]}x / 1x per-run cost", r["growth"][scales[-1]]["total"]["median"] / base, 1.5, "x"))
    print(f"\n{'target':46s} {'measured':>10s} {'goal':>8s}  met")
    for name, value, goal, unit in targets:
        print(f"{name:46s} {value:8.2f} {unit:3s} {'<= ' + str(goal):>8s}  {'yes' if value <= goal else 'NO'}")
    r["targets"] = [{"target": n, "measured": v, "goal": g, "unit": u, "met": v <= g} for n, v, g, u in targets]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--releases", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scales", default="1,4,16")
    parser.add_argument("--years-per-copy", type=int, default=YEARS_PER_COPY,
                        help="how much older each synthetic vintage is (synthetic_vintages.py): 1 a history of "
                             "overlapping vintages, 0 vintages of the same periods, 40 every copy new periods")
    parser.add_argument("--growth-only", action="store_true", help="only the growth table (no other measure)")
    parser.add_argument("--smoke", action="store_true", help="two small sources, one repeat, scales 1,2: checks the script runs")
    parser.add_argument("--add-one", nargs=3, type=Path, metavar=("TEMPLATE", "ADDED", "FOLDER"),
                        help="internal: one added-release run (add_one), its figures printed as JSON")
    args = parser.parse_args()
    if args.add_one:
        print(json.dumps(add_one(*args.add_one, load_catalogs())))
        return
    repeat, scales = (1, [1, 2]) if args.smoke else (args.repeat, [int(s) for s in args.scales.split(",")])
    releases, catalogs = args.releases.resolve(), load_catalogs()
    r: dict = {"machine": f"{platform.machine()} {platform.python_version()}", "cpus": os.cpu_count(),
               "load_average_at_start": os.getloadavg(), "commit": git_commit(), "smoke": args.smoke,
               "repeat": repeat, "scales": scales, "years_per_copy": args.years_per_copy}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if args.smoke:
            releases = smoke_releases(releases, tmp / "smoke")
        r["releases"] = len(recorded_entries(releases, all_sources().values())[0])
        held_source = SMOKE_HELD_SOURCE if args.smoke else HELD_SOURCE
        if args.growth_only:
            base, added, r["added_release"] = make_base_store(releases, tmp, held_source, catalogs)
            (tmp / "growth").mkdir()
            r["growth"] = growth(base, added, tmp / "growth", catalogs, scales, repeat, args.years_per_copy)
            base_cost = report_growth(r, scales)
            ratio = r["growth"][scales[-1]]["total"]["median"] / base_cost
            print(f"{scales[-1]}x / 1x per-run cost: {ratio:.2f} (goal <= 1.5: {'met' if ratio <= 1.5 else 'NOT met'})")
            write_results(r, "pipeline_growth.json")
            return
        bare = [bare_load(releases) for _ in range(repeat)]
        r["bare"], r["bare_files"] = stats([b[0] for b in bare]), bare[0][1]
        r["peak_rss_after_bare_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / MIB
        say(f"bare load: {r['bare']['median']:.2f} s")
        full, rerun = [], []
        for i in range(repeat):
            store = tmp / f"full{i}" / "claimwatch.duckdb"
            full.append(timed(lambda: ingest(store, releases, catalogs))[0])
            if i == 0:
                r["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / MIB
            rerun.append(timed(lambda: ingest(store, releases, catalogs))[0])
            say(f"full ingest: {full[-1]:.2f} s, no-change rerun: {rerun[-1]:.2f} s")
        r["full"], r["rerun"] = stats(full), stats(rerun)
        r["check_in_process"] = stats([check_seconds(store, catalogs) for _ in range(3)])
        r["check_command"] = stats([command_seconds([str(CLI), "check", "--db", str(store)]) for _ in range(3)])
        say(f"check: {r['check_in_process']['median']:.2f} s in process, {r['check_command']['median']:.2f} s command")
        base, added, r["added_release"] = make_base_store(releases, tmp, held_source, catalogs)
        (tmp / "added").mkdir()
        r["added"] = repeated_add_one(base, added, tmp / "added", repeat)
        say(f"added {r['added_release']}: evaluate+site {r['added']['total']['median']:.2f} s")
        r["help"] = stats([command_seconds([str(CLI), "--help"]) for _ in range(3)])
        r["prefect"] = prefect_startup(1 if args.smoke else 3)
        say(f"--help {r['help']['median']:.2f} s; import prefect {r['prefect']['import_prefect']['median']:.2f} s, "
            f"temporary_api {r['prefect']['temporary_api']['median']:.2f} s")
        (tmp / "growth").mkdir()
        r["growth"] = growth(base, added, tmp / "growth", catalogs, scales, repeat, args.years_per_copy)
    report(r, scales)
    write_results(r, "pipeline.json")


def write_results(r: dict, name: str) -> None:
    out = Path(__file__).parent / "results" / name
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(r, indent=2, default=str))


if __name__ == "__main__":
    main()
