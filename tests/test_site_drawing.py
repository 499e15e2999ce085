"""A build's new charts drawn together in forked worker processes: the same bytes as drawn one by one, in order."""

from __future__ import annotations

import io

from PIL import Image

from claimwatch.charts import DESKTOP, PHONE, chart_data
from claimwatch.claims.catalog import load_catalogs
from claimwatch.site.drawing import draw, draw_all, workers


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
