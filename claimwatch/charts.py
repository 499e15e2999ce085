"""Small charts of a claim's indicator over time with the claimed level marked, for alerts and the status page.

A claim's `chart` (claims/<article-id>.yaml) has a `query` over the view `indicator` returning `x` (a year or a
date), `y` and optionally `series` (one line each), ordered by x; a `title` and `y_label`; `level`, the claimed
level drawn as a dashed line (a number; for a level computed from the data, the query returns it instead as a
`level` column, the same on every row); `level_label`, which may use `{level}` (e.g. `{level:,.0f}`); `mark`,
the x to highlight (a year, or an ISO date for monthly data); and `display`, how a y value is printed, when it is
not the primary reading's rule `display` (the chart's unit differs from the claim's). The arithmetic (units,
ratios) is done in the SQL. Tick labels, the marked value and the default level label are printed through
claimwatch/present.py, as on the site and in Slack (claimwatch/chart_labels.py).

`render_png(data, trigger=x)` also marks the period that triggered an alert (when it is not the stated one), and
`size=PHONE` draws the chart for a phone screen: the status site serves it below 600 px, so that its smallest
text, shown about 340 px wide, is still 10 px or more (the smallest text's pixel size is kept in the PNG's
`min-text-px` field, which the site's tests read).
"""

from __future__ import annotations

import io
import math
import textwrap
import warnings
from dataclasses import dataclass
from datetime import date, datetime, time

import duckdb
from matplotlib import dates as mdates
from matplotlib import ticker
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.image import imsave
from matplotlib.text import Text

from claimwatch import present
from claimwatch.chart_labels import X, TickLabels, chart_display, figure_text, period_label
from claimwatch.claims.catalog import Claim, indicator_sql

SERIES_STYLES = (  # colour (Okabe-Ito), line style, marker: the series differ without colour too
    ("#0072B2", "-", "o"),
    ("#D55E00", ":", "s"),
    ("#009E73", "-.", "^"),
    ("#CC79A7", (0, (5, 1, 1, 1, 1, 1)), "D"),
)
LEVEL_COLOR = "#333333"
LEVEL_DASHES = (0, (6, 3))  # the level alone is dashed
MAX_MARKERS = 24  # markers on a line, at most (every nth point on long series)
TRIGGER_COLOR = "#B42318"


@dataclass(frozen=True)
class ChartSize:
    """A chart's size in inches and pixels per inch, and its text sizes in points."""

    width: float
    height: float
    dpi: int
    title: float
    text: float  # ticks, axis label, legend, values
    title_chars: int  # a longer title is wrapped
    max_ticks: int
    legend_below: bool = False  # a narrow chart has no room for the legend inside the axes


DESKTOP = ChartSize(6, 3, 110, 10, 7.5, 90, 8)  # 660×330 px, shown at its own size
PHONE = ChartSize(3.6, 3.6, 200, 10, 8.5, 40, 5, True)  # 720×720 px, shown about 340 px wide on a 390 px screen


def add_legend(fig: Figure, ax, handles: list, size: ChartSize) -> None:
    """The legend inside the axes, or below them (labels wrapped) on a narrow chart."""
    if not handles:
        return
    if not size.legend_below:
        ax.legend(handles=handles, fontsize=size.text, framealpha=0.9, edgecolor="none", handlelength=2.8)
        return
    for handle in handles:
        handle.set_label(textwrap.fill(handle.get_label(), size.title_chars - 4))
    fig.legend(handles=handles, loc="outside lower left", fontsize=size.text, frameon=False, handlelength=2.4)


@dataclass(frozen=True)
class ChartData:
    """The points of a claim's chart, with its claimed level and highlighted x."""

    title: str
    y_label: str
    series: dict[str, list[tuple[X, float]]]
    level: float | None = None
    level_label: str = ""
    mark: X | None = None
    display: str | None = None  # how a value is printed (claimwatch/present.py)


def _level(claim: Claim, rows: list[dict]) -> float | None:
    found = {float(r["level"]) for r in rows if r.get("level") is not None}
    if claim.chart.get("level") is not None:
        if found:
            raise ValueError(f"chart of {claim.id}: a 'level' in the catalog and a level column in the query")
        return float(claim.chart["level"])
    if len(found) > 1:
        raise ValueError(f"chart of {claim.id}: the query's level column differs between rows")
    return found.pop() if found else None


def _mark(mark, series: dict[str, list[tuple[X, float]]]) -> X | None:
    """The mark as an x of the data (an ISO date string for dates), or None when no series has that x."""
    if mark is None:
        return None
    sample = next(iter(series.values()))[0][0]
    if isinstance(sample, date) and isinstance(mark, str):
        mark = date.fromisoformat(mark)
    if isinstance(sample, datetime) and isinstance(mark, date) and not isinstance(mark, datetime):
        mark = datetime.combine(mark, time())
    return mark if any(x == mark for points in series.values() for x, _ in points) else None


def chart_data(con: duckdb.DuckDBPyConnection, claim: Claim) -> ChartData | None:
    """The claim's chart on the connection's current view of the store; None without a chart or points."""
    chart = claim.chart
    if not chart:
        return None
    con.execute(f"create or replace temp view indicator as {indicator_sql(claim.indicator)}")
    cursor = con.execute(chart["query"])
    names = [d[0] for d in cursor.description]
    if missing := {"x", "y"} - set(names):
        raise ValueError(f"chart of {claim.id}: the query returns no column(s) {sorted(missing)}")
    rows = [dict(zip(names, row)) for row in cursor.fetchall()]
    y_label = chart.get("y_label", "")
    series: dict[str, list[tuple[X, float]]] = {}
    for row in rows:
        if row["x"] is not None and row["y"] is not None:
            series.setdefault(str(row.get("series") or y_label), []).append((row["x"], float(row["y"])))
    if not series:
        return None
    series = {name: sorted(points) for name, points in series.items()}
    level = _level(claim, rows)
    display = chart_display(claim)
    default = f"claimed: {present.stated(level, {'display': display})}" if level is not None else ""
    label = "" if level is None else chart.get("level_label", default).format(level=level)
    return ChartData(chart.get("title", claim.id), y_label, series, level, label, _mark(chart.get("mark"), series),
                     display)


def _crowded(points: list[tuple[X, float]], xs: list[X], mark: X, y: float, above: bool) -> int:
    """How many points lie where the mark's value would be written (a fifth of the width, an eighth of the height)."""
    at, n = xs.index(mark), len(xs)
    share, width = at / max(1, n - 1), n // 5  # the text runs left of a mark on the right, right of one on the left
    if share > 0.7:
        left, right = at - width, at
    else:
        left, right = (at, at + width) if share < 0.3 else (at - width // 2, at + width // 2)
    near = set(xs[max(0, left):right + 1])
    ys = [v for _, v in points]
    band = (max(ys) - min(0.0, min(ys))) / 8
    low, high = (y, y + band) if above else (y - band, y)
    below_axis = not above and low < min(0.0, min(ys))
    return sum(x in near and x != mark and low <= v <= high for x, v in points) + (n if below_axis else 0)


def _highlight(ax, data: ChartData, points: list[tuple[X, float]], fontsize: float) -> None:
    """A dot and the value at the marked x on every line that has it, and a faint vertical rule."""
    xs = sorted({x for x, _ in points})
    ax.axvline(data.mark, color="#bbbbbb", linewidth=0.8, linestyle=":", zorder=0)
    share = xs.index(data.mark) / max(1, len(xs) - 1)
    ha, dx = ("right", -6) if share > 0.7 else ("left", 6) if share < 0.3 else ("center", 0)
    hits = sorted(
        ((y, n) for n, pts in enumerate(data.series.values()) for x, y in pts if x == data.mark), reverse=True
    )
    for rank, (y, n) in enumerate(hits):
        color = SERIES_STYLES[n % len(SERIES_STYLES)][0]
        ax.plot([data.mark], [y], linestyle="none", marker="o", markersize=7, color=color,
                markeredgecolor="black", markeredgewidth=0.8, zorder=5)
        value = figure_text(y, data.display)
        text = f"{period_label(data.mark)}: {value}" if rank == 0 else value  # the colour says which line
        above = rank == 0 and (len(hits) > 1 or _crowded(points, xs, data.mark, y, True)
                               <= _crowded(points, xs, data.mark, y, False))
        ax.annotate(text, xy=(data.mark, y), xytext=(dx, 8 if above else -8 - 11 * max(0, rank - 1)),
                    textcoords="offset points", ha=ha, va="bottom" if above else "top", fontsize=fontsize,
                    color=color, fontweight="bold", zorder=6,
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.7})


def _trigger(ax, data: ChartData, trigger: X, points: list[tuple[X, float]], fontsize: float) -> None:
    """A red rule and label at the period that triggered an alert, with a ring on each line's point there."""
    ax.axvline(trigger, color=TRIGGER_COLOR, linewidth=1.2, linestyle="--", zorder=1)
    ys = [y for x, y in points if x == trigger]
    ax.plot([trigger] * len(ys), ys, linestyle="none", marker="o", markersize=9, markerfacecolor="none",
            markeredgecolor=TRIGGER_COLOR, markeredgewidth=1.6, zorder=6)
    xs = sorted({x for x, _ in points})
    left = xs.index(trigger) / max(1, len(xs) - 1) > 0.5 if trigger in xs else True
    ax.annotate(f"alert: {period_label(trigger)}", xy=(trigger, 1), xycoords=("data", "axes fraction"),
                xytext=(-4 if left else 4, -2), textcoords="offset points", ha="right" if left else "left",
                va="top", fontsize=fontsize, color=TRIGGER_COLOR, fontweight="bold", zorder=6)


def min_text_px(fig: Figure) -> float:
    """The smallest visible text of a drawn figure, in the image's pixels."""
    sizes = [t.get_fontsize() for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
    return round(min(sizes) * fig.dpi / 72, 1)


def format_axes(ax, points: list[tuple[X, float]], size: ChartSize, display: str | None = None) -> None:
    """Ticks from zero for counts, concise dates or whole years on x, y ticks through present.py, a light grid."""
    if min(y for _, y in points) >= 0:
        ax.set_ylim(bottom=0)  # counts and amounts from zero
    if isinstance(points[0][0], date):
        locator = mdates.AutoDateLocator(minticks=3, maxticks=size.max_ticks)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    elif all(isinstance(x, int) for x, _ in points):
        ax.xaxis.set_major_locator(ticker.MaxNLocator(nbins=size.max_ticks, integer=True))
        ax.xaxis.set_major_formatter(ticker.StrMethodFormatter("{x:.0f}"))  # years, without separators
    ax.yaxis.set_major_formatter(TickLabels(display))
    ax.tick_params(labelsize=size.text)
    ax.grid(axis="y", color="#e5e5e5", linewidth=0.6, zorder=0)
    ax.spines[["top", "right"]].set_visible(False)


def new_figure(size: ChartSize) -> Figure:
    """An empty figure of this size with a canvas."""
    fig = Figure(figsize=(size.width, size.height), dpi=size.dpi, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def png_bytes(fig: Figure) -> bytes:
    """The figure as PNG, the same bytes for the same figure, with its smallest text's size in `min-text-px`."""
    buffer = io.BytesIO()
    with warnings.catch_warnings():  # AutoDateLocator falls back to 6-month steps on a long range, as wanted
        warnings.simplefilter("ignore", UserWarning)
        fig.canvas.draw()  # drawn once (layout included), then saved as savefig would: a second draw cost 40 %
        smallest = min_text_px(fig)
    imsave(buffer, fig.canvas.buffer_rgba(), format="png", origin="upper", dpi=fig.dpi,
           metadata={"Software": None, "min-text-px": str(smallest)})
    return buffer.getvalue()


def render_png(data: ChartData, trigger: X | str | None = None, size: ChartSize = DESKTOP) -> bytes:
    """The chart as a small PNG (660×330 pixels; PHONE: 720×720), byte for byte the same for the same data.

    `trigger`: the period that triggered an alert (a year, a date or an ISO date), marked in red when the data
    have it and it is not the marked (stated) period."""
    return png_bytes(chart_figure(data, trigger, size))


def chart_figure(data: ChartData, trigger: X | str | None = None, size: ChartSize = DESKTOP) -> Figure:
    """The chart drawn on a figure (what render_png saves)."""
    fig = new_figure(size)
    ax = fig.add_subplot()
    points = sorted((p for pts in data.series.values() for p in pts), key=lambda p: p[0])
    lines = []
    for n, (name, pts) in enumerate(data.series.items()):
        color, style, marker = SERIES_STYLES[n % len(SERIES_STYLES)]
        xs, ys = zip(*pts)
        lines += ax.plot(xs, ys, color=color, linestyle=style, linewidth=1.6, marker=marker, markersize=3.5,
                         markevery=max(1, math.ceil(len(xs) / MAX_MARKERS)), label=name, zorder=3)
    legend = lines if len(lines) > 1 else []  # one line needs no legend entry
    if data.level is not None:  # labelled in the legend, which matplotlib places clear of the data
        legend.append(ax.axhline(data.level, color=LEVEL_COLOR, linestyle=LEVEL_DASHES, linewidth=1.2,
                                 label=data.level_label, zorder=2))
    if data.mark is not None and any(x == data.mark for x, _ in points):
        _highlight(ax, data, points, size.text)
    trigger = _mark(trigger, data.series)
    if trigger is not None and trigger != data.mark:
        _trigger(ax, data, trigger, points, size.text)
    ax.margins(x=0.02, y=0.2)  # headroom for the mark's value
    format_axes(ax, points + ([(points[0][0], data.level)] if data.level is not None else []), size, data.display)
    ax.set_title(textwrap.fill(data.title, size.title_chars), fontsize=size.title, loc="left")
    ax.set_ylabel(data.y_label, fontsize=size.text)
    add_legend(fig, ax, legend, size)
    return fig


def claim_chart_png(con: duckdb.DuckDBPyConnection, claim: Claim, trigger: X | str | None = None,
                    size: ChartSize = DESKTOP) -> bytes | None:
    """The claim's chart as PNG on the connection's current view of the store (marking `trigger`, the period that
    triggered an alert); None when it has none."""
    data = chart_data(con, claim)
    return None if data is None else render_png(data, trigger, size)
