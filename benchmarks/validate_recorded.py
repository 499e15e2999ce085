"""Time Great Expectations validation of every recorded release against staging, and its scaling with rows.

Part 1 stages all recorded releases into an empty store (parse + write), then validates and publishes each
staged release in order with one Auditor, timing staging, the Validator's creation (GX import), each
validation, each publish and the Data Docs build (auditor.finish()) separately, and per frame kind (`rows`,
each audit frame) the frames built, their rows, the DuckDB seconds building them and the GX seconds running
them; once as now (`rows` frames reduced against their baseline release, GX configurations memoized) and
once as before issue #14 (full frames, GX as shipped), with the same statuses and failed expectations.
Part 2 copies the newest census_trade__monthly release 1x, 10x and 100x into synthetic staged releases (copy
k has its months moved back k*100 years, so keys stay unique and partner codes stay valid) and times
Validator.validate on each, split into building the frames (DuckDB -> pandas) and running GX, with the peak
RSS of each step measured in its own subprocess. A step that would not fit in available memory is skipped.

Usage: uv run python benchmarks/validate_recorded.py [--releases ../shared/data] [--repeat 1] [--scales 1,10,100]
Prints a report and writes benchmarks/results/validate_recorded.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from claimwatch.audit import Auditor
from claimwatch.ingest import stage_recorded
from claimwatch.sources import all_sources
from claimwatch.store import open_store
from claimwatch.validation import Validator
from claimwatch.validation import runner
from claimwatch.validation.frames import ROWS

TABLE, NEWEST = "census_trade__monthly", "census_trade/2025-04"


def peak_rss_mib() -> float:
    """This process's peak RSS: VmHWM (ru_maxrss of a child also counts its parent's RSS at fork)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def available_mib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) / 1024
    return float("inf")


def one_run(releases: Path, full_frames: bool = False) -> dict:
    """Stage everything into a new store, then validate and publish each staged release in order; with
    `full_frames` as before issue #14 (full `rows` frames, GX configurations built on every read)."""
    with tempfile.TemporaryDirectory() as tmp, FrameTimer() as timer:
        with open_store(Path(tmp) / "bench.duckdb") as store:
            t0 = time.perf_counter()
            stage_recorded(store, releases, all_sources().values())
            staging = time.perf_counter() - t0
            t0 = time.perf_counter()
            validator = Validator(docs_dir=Path(tmp) / "docs", full_frames=full_frames)
            validator.memoize = not full_frames  # before: full frames and GX as shipped, as validation was on main
            validator_init = time.perf_counter() - t0
            auditor = Auditor(store, docs_dir=Path(tmp) / "docs", validator=validator)
            per_release, cpu = [], time.process_time()
            for release_id in store.staged():
                t0 = time.perf_counter()
                validation = auditor.validate(release_id)
                t1 = time.perf_counter()
                status = auditor.publish(release_id)
                t2 = time.perf_counter()
                per_release.append({
                    "release_id": release_id, "rows": store.release(release_id)["row_count"],
                    "validate_seconds": t1 - t0, "publish_seconds": t2 - t1, "status": status,
                    "expectations": len(validation.findings), "failed": len(validation.errors + validation.warnings),
                    "findings": sorted(f.describe() for f in validation.findings if not f.success),
                    "rows_checked": sum(f["checked"] for f in validation.rows_frames.values()),
                })
            cpu = time.process_time() - cpu
            t0 = time.perf_counter()
            auditor.finish()
            docs = time.perf_counter() - t0
    validation = sum(r["validate_seconds"] for r in per_release)
    publish = sum(r["publish_seconds"] for r in per_release)
    whole = staging + validator_init + validation + publish + docs
    return {"staging_seconds": staging, "validator_init_seconds": validator_init, "validation_seconds": validation,
            "publish_seconds": publish, "docs_seconds": docs, "whole_seconds": whole, "per_release": per_release,
            "validate_publish_cpu_seconds": cpu, "frames": timer.table()}


class FrameTimer:
    """Patches runner.build_frame, runner.rows_parts and Validator._definition to add up, per frame kind, the
    frames built (a `rows` frame's parts count one each), their rows, the seconds building them (DuckDB -> pandas)
    and the seconds GX runs on them."""

    def __init__(self):
        self.build, self.gx = defaultdict(float), defaultdict(float)
        self.runs, self.rows = defaultdict(int), defaultdict(int)

    def __enter__(self):
        build_frame, rows_parts, definition = self._saved = runner.build_frame, runner.rows_parts, Validator._definition

        def timed_build_frame(con, spec, frame, release_id, *args):
            t0 = time.perf_counter()
            df = build_frame(con, spec, frame, release_id, *args)
            self.build[frame] += time.perf_counter() - t0
            self.runs[frame] += 1
            self.rows[frame] += len(df)
            return df

        def timed_rows_parts(*args):
            parts, t0 = rows_parts(*args), time.perf_counter()
            for part in parts:
                self.build[ROWS] += time.perf_counter() - t0
                self.runs[ROWS] += 1
                self.rows[ROWS] += len(part[2])
                yield part
                t0 = time.perf_counter()

        runner.build_frame, runner.rows_parts = timed_build_frame, timed_rows_parts
        Validator._definition = lambda v, t, f, e: TimedDefinition(definition(v, t, f, e), f, self.gx)
        return self

    def __exit__(self, *exc):
        runner.build_frame, runner.rows_parts, Validator._definition = self._saved

    def table(self) -> dict[str, dict]:
        return {f: {"runs": self.runs[f], "rows": self.rows[f], "build_seconds": self.build[f], "gx_seconds": self.gx[f]}
                for f in sorted(self.runs, key=lambda f: (f != ROWS, f))}


class TimedDefinition:
    """Wraps a GX ValidationDefinition so that its run() adds to the frame's GX seconds."""

    def __init__(self, definition, frame: str, seconds: dict[str, float]):
        self.definition, self.frame, self.seconds = definition, frame, seconds

    def run(self, **kwargs):
        t0 = time.perf_counter()
        result = self.definition.run(**kwargs)
        self.seconds[self.frame] += time.perf_counter() - t0
        return result


def scale_step(releases: Path, copies: int, repeat: int) -> dict:
    """(In a subprocess.) Validate `copies` copies of the newest census_trade release as one staged release."""
    source = all_sources()["census_trade"]
    with tempfile.TemporaryDirectory() as tmp, open_store(Path(tmp) / "scale.duckdb") as store, FrameTimer() as timer:
        stage_recorded(store, releases, [source])
        (real,) = [r for r in store.staged("census_trade") if r.startswith(NEWEST)]
        store.set_status(real, "published", None)  # the release the synthetic one is compared with
        release_id = f"census_trade/synthetic-{copies}x@00000000"
        params = {"real": real, "synthetic": release_id, "copies": copies}
        t0 = time.perf_counter()
        store.con.execute(
            f"""insert into {TABLE} select $synthetic, flow, partner_code, partner_name, is_aggregate,
                cast(month - to_years(cast(k * 100 as integer)) as date), value_usd
            from {TABLE}, range($copies) as copies(k) where release_id = $real""", params)
        rows = store.con.execute(f"select count(*) from {TABLE} where release_id = $synthetic",
                                 {"synthetic": release_id}).fetchone()[0]
        store.con.execute(
            """insert into releases select $synthetic, source, 'synthetic-' || $copies || 'x', grain, data_through,
                repeat('0', 64), size_bytes, file_count, null, 'staged', null, origin, fetched_at, now()
            from releases where release_id = $real""", params)
        store.con.execute("update releases set row_count = ? where release_id = ?", [rows, release_id])
        store.con.execute("checkpoint")
        insert = time.perf_counter() - t0
        validator = Validator(docs_dir=None)
        rss_before = peak_rss_mib()
        times, findings = [], None
        for _ in range(repeat):
            validation = validator.validate(store.con, source.tables, release_id)
            times.append(validation.seconds)
            findings = validation.findings
    return {
        "copies": copies, "rows": rows, "insert_seconds": insert, "validate_seconds": statistics.median(times),
        "validate_seconds_all": times, "build_frame_seconds": {k: v / repeat for k, v in timer.build.items()},
        "gx_run_seconds": {k: v / repeat for k, v in timer.gx.items()},
        "failed_expectations": sorted({f"{f.frame}:{f.expectation}({f.column or ''})" for f in findings if not f.success}),
        "peak_rss_before_validate_mib": rss_before, "peak_rss_mib": peak_rss_mib(),
    }


def scaling(releases: Path, scales: list[int], repeat: int) -> tuple[list[dict], str | None]:
    """Run each scale step in its own subprocess (so each peak RSS is that step's), smallest first."""
    steps, skipped = [], None
    for copies in scales:
        if steps:  # extrapolate memory from the previous step: baseline + (validation growth per row) * rows
            last = steps[-1]
            per_row = (last["peak_rss_mib"] - last["peak_rss_before_validate_mib"]) / last["rows"]
            needed = last["peak_rss_mib"] + per_row * last["rows"] * (copies / last["copies"] - 1)
            if needed * 1.25 > available_mib():
                skipped = (f"{copies}x skipped: needs ~{needed:,.0f} MiB (estimated from {last['copies']}x), "
                           f"{available_mib():,.0f} MiB available")
                break
        cmd = [sys.executable, __file__, "--releases", str(releases), "--repeat", str(repeat), "--scale", str(copies)]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        steps.append(json.loads(out.strip().splitlines()[-1]))
    return steps, skipped


def report(result: dict) -> None:
    p = result["pipeline"]
    print(f"== Staging vs validation: {len(p['per_release'])} recorded releases, "
          f"{sum(r['rows'] for r in p['per_release']):,} rows (median of {result['repeat']} run(s))")
    for label, key in (("staging (parse + write)", "staging_seconds"), ("Validator() (GX import)", "validator_init_seconds"),
                       ("validation (all releases)", "validation_seconds"), ("publish (all releases)", "publish_seconds"),
                       ("Data Docs build", "docs_seconds"), ("whole run", "whole_seconds")):
        print(f"  {label:28s} {p[key]:8.2f} s  {100 * p[key] / p['whole_seconds']:5.1f} %")
    print(f"  validation / (staging + validation) {100 * p['validation_seconds'] / (p['staging_seconds'] + p['validation_seconds']):.1f} %")
    print(f"  {'release':48s} {'rows':>8s} {'validate s':>10s} {'publish s':>9s}  status (failed/expectations)")
    for r in p["per_release"]:
        print(f"  {r['release_id']:48s} {r['rows']:8,d} {r['validate_seconds']:10.2f} {r['publish_seconds']:9.3f}"
              f"  {r['status']} ({r['failed']}/{r['expectations']})")
    print(f"== Scaling: Validator.validate on {TABLE} (newest release copied N times), each step in its own process")
    print(f"  {'copies':>6s} {'rows':>12s} {'validate s':>10s} {'s / M rows':>10s} {'frames s':>9s} {'GX s':>7s}"
          f" {'RSS before MiB':>14s} {'peak RSS MiB':>12s}")
    for s in result["scaling"]:
        print(f"  {s['copies']:5d}x {s['rows']:12,d} {s['validate_seconds']:10.2f} {s['validate_seconds'] / s['rows'] * 1e6:10.2f}"
              f" {sum(s['build_frame_seconds'].values()):9.2f} {sum(s['gx_run_seconds'].values()):7.2f}"
              f" {s['peak_rss_before_validate_mib']:14,.0f} {s['peak_rss_mib']:12,.0f}")
    if result["scaling_skipped"]:
        print(f"  {result['scaling_skipped']}")
    if result["scaling"]:
        big = result["scaling"][-1]
        print(f"  per frame at {big['copies']}x (build frame s / GX run s):")
        for frame in big["gx_run_seconds"]:
            print(f"    {frame:16s} {big['build_frame_seconds'][frame]:8.2f} {big['gx_run_seconds'][frame]:8.2f}")
        print(f"  failing on synthetic data at {big['copies']}x: {', '.join(big['failed_expectations']) or 'none'}")
    print(f"peak RSS of this process (part 1) {result['peak_rss_mib']:.0f} MiB; {result['machine']}")


def summarise(runs: list[dict]) -> dict:
    """Median over runs of each total, of each release's seconds and of each frame kind's figures."""
    pipeline = {k: statistics.median(r[k] for r in runs) for k in runs[0] if k not in ("per_release", "frames")}
    pipeline["per_release"] = [
        {**rel, **{k: statistics.median(r["per_release"][i][k] for r in runs) for k in ("validate_seconds", "publish_seconds")}}
        for i, rel in enumerate(runs[0]["per_release"])
    ]
    pipeline["frames"] = {
        frame: {k: statistics.median(r["frames"][frame][k] for r in runs) for k in figures}
        for frame, figures in runs[0]["frames"].items()
    }
    pipeline["validation_seconds_all"] = [r["validation_seconds"] for r in runs]
    return pipeline


def frame_report(reduced: dict, full: dict) -> None:
    """Per frame kind: frames built, rows, DuckDB and GX seconds, full frames against reduced `rows` frames."""
    print("== Per frame kind, all releases: before (full `rows` frames, GX as shipped) -> now (`rows` frames"
          " reduced against the baseline release, GX configurations memoized)")
    print(f"  {'frame':18s} {'runs':>5s} {'rows before':>11s} {'rows now':>9s} {'build s before':>14s} {'now':>6s}"
          f" {'GX s before':>11s} {'now':>6s} {'GX ms/run now':>13s}")
    totals = defaultdict(float)
    for frame, now in reduced["frames"].items():
        was = full["frames"][frame]
        print(f"  {frame:18s} {now['runs']:5.0f} {was['rows']:11,.0f} {now['rows']:9,.0f} {was['build_seconds']:14.2f}"
              f" {now['build_seconds']:6.2f} {was['gx_seconds']:11.2f} {now['gx_seconds']:6.2f}"
              f" {1000 * now['gx_seconds'] / now['runs']:13.1f}")
        for key, value in (("build full", was["build_seconds"]), ("build", now["build_seconds"]),
                           ("gx full", was["gx_seconds"]), ("gx", now["gx_seconds"])):
            totals[key] += value
    print(f"  {'all frames':18s} {'':5s} {'':11s} {'':9s} {totals['build full']:14.2f} {totals['build']:6.2f}"
          f" {totals['gx full']:11.2f} {totals['gx']:6.2f}")
    for label, runs in (("before", full), ("now", reduced)):
        each = ", ".join(f"{x:.2f}" for x in runs["validation_seconds_all"])
        print(f"  validation (all releases), {label:6s}: median {runs['validation_seconds']:.2f} s (runs: {each});"
              f" validate + publish CPU {runs['validate_publish_cpu_seconds']:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--releases", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each measurement (median reported)")
    parser.add_argument("--scales", default="1,10,100", help="copies of the newest census_trade release to validate")
    parser.add_argument("--scale", type=int, help=argparse.SUPPRESS)  # internal: one scaling step, JSON on stdout
    args = parser.parse_args()
    if args.scale:
        print(json.dumps(scale_step(args.releases, args.scale, args.repeat)))
        return
    runs, full_runs = [], []
    for _ in range(args.repeat):  # interleaved, so that a busy machine weighs on both alike
        runs.append(one_run(args.releases))
        full_runs.append(one_run(args.releases, full_frames=True))
    pipeline, full = summarise(runs), summarise(full_runs)
    steps, skipped = scaling(args.releases, [int(s) for s in args.scales.split(",")], args.repeat)
    result = {
        "machine": f"{platform.machine()} {platform.python_version()}, {available_mib():,.0f} MiB available",
        "repeat": args.repeat, "pipeline": pipeline, "pipeline_runs": runs, "full_frames": full,
        "same_outcomes": all(  # each release's status and failed expectations (described)
            (a["release_id"], a["status"], a["findings"]) == (b["release_id"], b["status"], b["findings"])
            for a, b in zip(runs[0]["per_release"], full_runs[0]["per_release"], strict=True)),
        "scaling": steps, "scaling_skipped": skipped, "peak_rss_mib": peak_rss_mib(),
    }
    report(result)
    frame_report(pipeline, full)
    print(f"  same statuses and failed expectations, before vs now: {'yes' if result['same_outcomes'] else 'NO'}")
    out = Path(__file__).parent / "results" / "validate_recorded.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
