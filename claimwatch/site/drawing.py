"""Draw a build's new charts together, one worker process per core: each PNG is drawn from plain data (a ChartData
or a Ladder), so a forked worker needs nothing of the parent but the code.

matplotlib holds the GIL while it lays a chart out, so threads would not help. Workers are forked: a spawned one
would import matplotlib and the chart code again (0.9–1.0 s measured here) before its first chart. The children
touch no DuckDB connection or open file of the parent; they draw and return bytes. Where fork is missing (or one
chart is new, or one core is there), the charts are drawn here, one after another, with the same bytes.
"""

from __future__ import annotations

import multiprocessing
import os
import warnings
from concurrent.futures import ProcessPoolExecutor

from claimwatch.charts import ChartData, ChartSize, render_png
from claimwatch.ladder_chart import Ladder, render_ladder_png

Job = tuple[ChartData | Ladder, ChartSize]


def draw(job: Job) -> bytes:
    """One PNG: a claim's chart or its revision ladder, at one size."""
    what, size = job
    return render_ladder_png(what, size) if isinstance(what, Ladder) else render_png(what, size=size)


def workers(jobs: int) -> int:
    """How many processes draw `jobs` charts: one per core, none beyond one per chart, 0 when forking is not possible."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return 0
    count = min(jobs, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
    return count if count > 1 else 0


def draw_all(jobs: list[Job]) -> list[bytes]:
    """Every job's PNG, in order."""
    count = workers(len(jobs))
    if not count:
        return [draw(job) for job in jobs]
    with warnings.catch_warnings():  # Python 3.12+ warns of forking a process with threads (DuckDB's): see above
        warnings.simplefilter("ignore", DeprecationWarning)
        with ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("fork")) as pool:
            return list(pool.map(draw, jobs))
