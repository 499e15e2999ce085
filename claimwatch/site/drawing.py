"""Draw a build's new charts while the build goes on, one worker process per core: each PNG is drawn from plain
data (a ChartData or a Ladder), so a forked worker needs nothing of the parent but the code.

matplotlib holds the GIL while it lays a chart out, so threads would not help. Workers are forked: a spawned one
would import matplotlib and the chart code again (0.9–1.0 s measured here) before its first chart. The children
touch no DuckDB connection or open file of the parent; they draw and return bytes. A chart is handed to the
workers as soon as its claim is read, and the build reads the other claims, the sources and renders the pages
meanwhile; `finish` collects the PNGs before they are written. Where fork is missing, or one core is there, or
a build has one new chart, the charts are drawn here at `finish`, one after another, with the same bytes.
"""

from __future__ import annotations

import multiprocessing
import os
import warnings
from concurrent.futures import Future, ProcessPoolExecutor

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


class Drawing:
    """The charts of one build: `add` promises `images[name]`, drawn from `job`; `finish` fills every promise.

    The workers start with the second chart (a build with one new chart forks nothing); leaving the `with` block
    stops them, waiting for nothing more when the build failed."""

    def __init__(self) -> None:
        self._count = workers(2)  # the processes to start once two charts are waiting (0: draw here)
        self._pool: ProcessPoolExecutor | None = None
        self._waiting: list[tuple[dict, str, Job | Future]] = []

    @property
    def started(self) -> int:
        """The worker processes drawing now (0: none started, or stopped)."""
        return self._count if self._pool is not None else 0

    def __enter__(self) -> Drawing:
        return self

    def __exit__(self, *failed) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def add(self, images: dict, name: str, job: Job) -> None:
        """Draw `job` as `images[name]`: handed to the workers now, or drawn here at `finish`."""
        self._waiting.append((images, name, job))
        if self._pool is None and self._count and len(self._waiting) >= 2:
            with warnings.catch_warnings():  # Python 3.12+ warns of forking a process with threads (DuckDB's): see above
                warnings.simplefilter("ignore", DeprecationWarning)
                self._pool = ProcessPoolExecutor(self._count, mp_context=multiprocessing.get_context("fork"))
                self._waiting = [(i, n, self._pool.submit(draw, j)) for i, n, j in self._waiting]  # forks here
        elif self._pool is not None:
            self._waiting[-1] = (images, name, self._pool.submit(draw, job))

    def finish(self) -> None:
        """Wait for the workers and draw what was kept here: every promised image is in its dict."""
        for images, name, work in self._waiting:
            images[name] = work.result() if isinstance(work, Future) else draw(work)
        self._waiting = []
        self.__exit__()


def draw_all(jobs: list[Job]) -> list[bytes]:
    """Every job's PNG, in order."""
    drawn: dict[int, bytes] = {}
    with Drawing() as drawing:
        for n, job in enumerate(jobs):
            drawing.add(drawn, n, job)
        drawing.finish()
    return [drawn[n] for n in range(len(jobs))]
