"""Claim charts: every catalog chart on the store built from ../shared/data, and the PNG they render to."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from PIL import Image

from claimwatch import present
from claimwatch.chart_labels import TickLabels, chart_display
from claimwatch.charts import PHONE, ChartData, chart_data, chart_figure, claim_chart_png, render_png
from claim_support import OPED, catalog_by_id
from claimwatch.claims.catalog import indicator_sql, load_catalogs
from claimwatch.claims.evaluate import set_as_of

CATALOG = catalog_by_id(OPED)  # the tests that name a claim pin the op-ed's charts
CHARTED = [c for catalog in load_catalogs() for c in catalog.claims if c.chart]  # every catalog's charts


def _indicator(con, claim, sql: str) -> list[tuple]:
    con.execute(f"create or replace temp view indicator as {indicator_sql(claim.indicator)}")
    return con.execute(sql).fetchall()


def test_the_catalog_charts_the_claims_a_picture_helps():
    assert {c.id for c in CHARTED} >= {
        "mexico_exports_2024", "mexico_china_ratio_2024", "mexico_largest_buyer",
        "per_capita_mexicans_canadians_worldbank", "per_capita_chinese_worldbank",
        "june_2025_lowest_nationwide_encounters", "june_2025_vs_2021_2024_average", "lowest_illegal_crossings_30_years",
    }


@pytest.mark.parametrize("claim", CHARTED, ids=lambda c: f"{Path(c.catalog_path).stem}:{c.id}")
def test_every_chart_query_returns_points(built_con, claim):
    data = chart_data(built_con, claim)
    assert data is not None and data.title and data.y_label
    for name, points in data.series.items():
        assert len(points) >= 6, name  # CBP's fiscal-year charts have 6 (encounters, FY2020-25) or 7 (seizures)
        assert [x for x, _ in points] == sorted({x for x, _ in points}), f"{name}: one point per x, in order"
    assert data.mark is not None, "the marked period is in the data"
    if claim.chart.get("level") is not None:
        assert data.level == claim.chart["level"]


def test_exports_chart_matches_the_indicator(built_con):
    claim = CATALOG.claim("mexico_exports_2024")
    data = chart_data(built_con, claim)
    sql = "select exports_busd from indicator where partner_code = '2010' and year = 2024"
    (expected,) = _indicator(built_con, claim, sql)
    (points,) = data.series.values()
    assert dict(points)[2024] == pytest.approx(expected[0]) and round(expected[0], 1) == 334.0
    assert (data.level, data.level_label, data.mark) == (335.0, "claimed: $335 billion", 2024)
    assert max(x for x, _ in points) == 2024  # complete years only: 2025 has two months


def test_two_series_for_the_largest_buyer(built_con):
    data = chart_data(built_con, CATALOG.claim("mexico_largest_buyer"))
    assert list(data.series) == ["Mexico", "Canada"] and data.level is None
    mexico, canada = (dict(points) for points in data.series.values())
    assert canada[2024] > mexico[2024] == pytest.approx(334.04, abs=0.01)


def test_level_computed_by_the_query(built_con):
    claim = CATALOG.claim("june_2025_vs_2021_2024_average")
    data = chart_data(built_con, claim)
    rows = _indicator(built_con, claim, "select avg(encounters) from indicator where year(month) between 2021 and 2024")
    assert data.level == pytest.approx(rows[0][0] / 10)
    assert data.level_label == f"claimed: 90% below the 2021–2024 monthly average ({rows[0][0] / 10:,.0f})"
    (points,) = data.series.values()
    assert data.mark == date(2025, 6, 1) and dict(points)[data.mark] == 25_185
    low = chart_data(built_con, CATALOG.claim("june_2025_lowest_nationwide_encounters"))
    assert low.level > 25_185 == min(y for x, y in points if x <= date(2025, 6, 1))


def test_chart_follows_the_store_as_of_an_earlier_release(built_con):
    (ingested_at,) = built_con.execute(
        "select ingested_at from releases where release_id like 'census_trade/2024-10@%'"
    ).fetchone()
    set_as_of(built_con, ingested_at)
    try:
        data = chart_data(built_con, CATALOG.claim("mexico_exports_2024"))
    finally:
        set_as_of(built_con, None)
    (points,) = data.series.values()
    assert max(x for x, _ in points) == 2023 and data.mark is None  # 2024 not complete in that vintage


def test_no_chart_no_picture(built_con):
    claim = CATALOG.claim("mexico_exports_2024")
    assert chart_data(built_con, replace(claim, chart=None)) is None
    assert claim_chart_png(built_con, CATALOG.claim("fentanyl_lethal_doses")) is None
    nothing = "select year as x, exports_busd as y from indicator where false"
    empty = replace(claim, chart={**claim.chart, "query": nothing})
    assert chart_data(built_con, empty) is None


def test_a_query_without_x_and_y_is_an_error(built_con):
    claim = CATALOG.claim("mexico_exports_2024")
    bad = replace(claim, chart={"query": "select year, exports_busd from indicator"})
    with pytest.raises(ValueError, match=r"mexico_exports_2024: the query returns no column\(s\) \['x', 'y'\]"):
        chart_data(built_con, bad)


def test_png_is_small_and_decodes(built_con):
    for claim in CHARTED:
        png = claim_chart_png(built_con, claim)
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) < 60_000, claim.id
        with Image.open(io.BytesIO(png)) as image:
            assert image.format == "PNG" and image.size == (660, 330), claim.id
            assert "Software" not in image.info


def test_same_data_same_bytes():
    data = ChartData(
        "Monthly", "encounters", {"a": [(date(2025, m, 1), 1000.0 * m) for m in range(1, 13)],
                                  "b": [(date(2025, m, 1), 1500.0 * m) for m in range(1, 13)]},
        level=5000.0, level_label="claimed: 5,000", mark=date(2025, 6, 1),
    )
    first = render_png(data)
    assert render_png(data) == first
    assert render_png(replace(data, level=6000.0)) != first
    yearly = ChartData("Yearly", "$ billion", {"x": [(2020, 1.5), (2021, 2.5)]})  # no level, no mark
    assert render_png(yearly)[:4] == b"\x89PNG"


def test_the_period_that_triggered_an_alert_is_marked_apart_from_the_stated_one():
    months = {"encounters": [(date(2025, m, 1), 1000.0 * m) for m in range(1, 13)]}
    data = ChartData("Monthly", "encounters", months, mark=date(2025, 6, 1))
    plain = render_png(data)
    marked = render_png(data, trigger="2025-08-01")
    assert marked != plain and render_png(data, trigger=date(2025, 8, 1)) == marked
    assert render_png(data, trigger="2025-06-01") == plain  # the stated period is marked already
    assert render_png(data, trigger="2030-01-01") == plain  # a period the data lack is not drawn
    with Image.open(io.BytesIO(marked)) as image:  # the red rule and ring: pixels of the trigger colour
        assert (180, 35, 24) in {p[:3] for p in image.convert("RGB").get_flattened_data()}
    with Image.open(io.BytesIO(plain)) as image:
        assert (180, 35, 24) not in {p[:3] for p in image.convert("RGB").get_flattened_data()}


def test_a_phone_chart_keeps_its_text_at_10_px_when_shown_340_px_wide(built_con):
    for claim in CHARTED:
        with Image.open(io.BytesIO(claim_chart_png(built_con, claim, size=PHONE))) as image:
            assert image.size == (720, 720), claim.id
            assert float(image.info["min-text-px"]) * 340 / 720 >= 10, claim.id


def test_tick_labels_and_the_marked_value_print_through_present(built_con):
    """The chart's y ticks and its marked value use claimwatch/present.py, as the site and Slack do."""
    exports = CATALOG.claim("mexico_exports_2024")
    fig = chart_figure(chart_data(built_con, exports))
    fig.draw_without_rendering()
    (ax,) = fig.axes
    ticks = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert ticks[:3] == ["$0", "$50", "$100"] and all(re.fullmatch(r"\$[\d,]+", t) for t in ticks), ticks
    marked = [t.get_text() for t in ax.texts]
    assert marked == [f"2024: {present.figure(334.041359045, exports.rule)}"] == ["2024: $334.0 billion"]
    # a chart in another unit than its claim's figure (encounters, not "% lower") says so with its own display
    average = CATALOG.claim("june_2025_vs_2021_2024_average")
    assert chart_display(average) == "{value:,.0f} encounters" != average.rule["display"]
    fig = chart_figure(chart_data(built_con, average), size=PHONE)
    fig.draw_without_rendering()
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.texts] == ["Jun 2025: 25,185 encounters"]
    assert "50,000" in [t.get_text() for t in ax.get_yticklabels()]


def test_the_tick_formatter_is_presents_number_with_the_decimals_the_ticks_need():
    billions = TickLabels("${value:,.1f} billion")
    billions.set_locs([0.0, 1000.0, 2500.0])
    assert [billions(v) for v in (0.0, 1000.0, 2500.0)] == ["$0", "$1,000", "$2,500"]
    assert billions(2500.0) == present.number(2500.0, "${value:,.1f}", 0)
    billions.set_locs([0.0, 0.5, 1.0])
    assert [billions(v) for v in (0.0, 0.5, 1.0)] == ["$0.0", "$0.5", "$1.0"]
    share = TickLabels("{value:.1f}% lower")
    share.set_locs([0.0, 50.0])
    assert share(50.0) == "50%"  # the unit's symbol stays, its words go to the axis label
    plain = TickLabels(None)
    plain.set_locs([0.0, 25000.0])
    assert plain(25000.0) == "25,000"


def test_a_chart_display_must_be_a_template_of_value():
    from claimwatch.claims.catalog import _chart_problem

    entry = {"indicator": "x", "chart": {"query": "select 1 as x, 1 as y", "display": "{level:,.0f}"}}
    assert "display" in _chart_problem(entry)
    entry["chart"]["display"] = "{value:,.0f} encounters"
    assert _chart_problem(entry) is None
