"""A build's new charts drawn in forked worker processes while the build goes on: the same bytes as drawn one by one,
in order, once the build finishes them."""

from __future__ import annotations

import io

from PIL import Image

from claimwatch.charts import DESKTOP, PHONE, chart_data
from claimwatch.claims.catalog import load_catalogs
import pytest

from claimwatch.site.drawing import Drawing, draw, draw_all, workers


def test_charts_drawn_by_workers_are_the_bytes_drawn_here_in_order(built_con):
    claims = [c for catalog in load_catalogs() for c in catalog.claims if c.chart][:3]
    jobs = [(chart_data(built_con, claim), size) for claim in claims for size in (DESKTOP, PHONE)]
    assert workers(len(jobs)) >= 2, "this test needs two cores and fork, as CI has"
    drawn = draw_all(jobs)
    assert drawn == [draw(job) for job in jobs]
    sizes = [Image.open(io.BytesIO(png)).size for png in drawn]
    assert sizes == [(660, 330), (720, 720)] * len(claims)
    assert len(set(drawn)) == len(drawn)  # each job its own chart


def test_one_chart_is_drawn_here(built_con):
    claim = next(c for catalog in load_catalogs() for c in catalog.claims if c.chart)
    assert workers(1) == 0  # no pool for one chart
    assert draw_all([(chart_data(built_con, claim), DESKTOP)])[0].startswith(b"\x89PNG")


def _jobs(con, count: int) -> list:
    claims = [c for catalog in load_catalogs() for c in catalog.claims if c.chart][:count]
    return [(chart_data(con, claim), DESKTOP) for claim in claims]


def test_a_build_hands_its_charts_over_and_finds_them_drawn_when_it_finishes(built_con):
    jobs = _jobs(built_con, 3)
    images: dict = {}
    with Drawing() as drawing:
        drawing.add(images, "a", jobs[0])
        assert drawing.started == 0  # one chart: nothing forked yet
        drawing.add(images, "b", jobs[1])
        drawing.add(images, "c", jobs[2])
        assert drawing.started == workers(2) >= 2  # the workers draw while the build goes on
        assert images == {}  # promised, not yet kept
        drawing.finish()
        assert drawing.started == 0
    assert [images[n] for n in "abc"] == [draw(job) for job in jobs]


def test_a_build_that_fails_stops_its_workers(built_con):
    jobs = _jobs(built_con, 3)
    drawing = Drawing()
    with pytest.raises(RuntimeError, match="the build failed"):
        with drawing:
            for n, job in enumerate(jobs):
                drawing.add({}, n, job)
            assert drawing.started >= 2
            raise RuntimeError("the build failed")
    assert drawing.started == 0
