"""The revision ladder of a claim's chart (ALFRED-style): one line per stored vintage of the series around the
stated period, the newest drawn solid and dark, older ones thinner and lighter, the stated period marked."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from matplotlib.lines import Line2D

from claimwatch.chart_labels import figure_text, period_label
from claimwatch.charts import DESKTOP, ChartSize, X, add_legend, format_axes, new_figure, png_bytes

NEWEST = "#0072B2"
OLDER = ("#b0b0b0", "#7a7a7a", "#3d3d3d")  # light to dark: the older the lighter (the newest is also solid)
OLDER_DASHES = (0, (4, 2))


@dataclass(frozen=True)
class Vintage:
    """The chart's first series as the store stood once one release was written."""

    release_id: str
    label: str  # 'census_trade 2025-04'
    points: tuple[tuple[X, float], ...]

    def value_at(self, x: X) -> float | None:
        """The vintage's figure for period x, or None when it did not have it yet."""
        return next((y for px, y in self.points if px == x), None)


@dataclass(frozen=True)
class Ladder:
    """Every stored vintage that changed the series, oldest first, with the stated period."""

    title: str
    y_label: str
    series: str
    vintages: tuple[Vintage, ...]
    mark: X | None = None
    display: str | None = None  # how a value is printed (claimwatch/present.py)

    def text(self, y: float) -> str:
        """A value of the ladder as the site and Slack print it ("25,185 encounters")."""
        return figure_text(y, self.display)


def _window(ladder: Ladder, before: int) -> list[X]:
    """The periods shown: `before` periods ahead of the marked one (or the last 2×before), up to the newest."""
    xs = sorted({x for v in ladder.vintages for x, _ in v.points})
    start = xs.index(ladder.mark) - before if ladder.mark in xs else len(xs) - 2 * before
    return xs[max(0, start):]


def render_ladder_png(ladder: Ladder, size: ChartSize = DESKTOP) -> bytes:
    """The ladder as a PNG: one line per vintage over the periods around the stated one."""
    yearly = all(isinstance(x, int) for v in ladder.vintages for x, _ in v.points)
    shown = set(_window(ladder, 8 if yearly else 24))
    fig = new_figure(size)
    ax = fig.add_subplot()
    points = []
    count = len(ladder.vintages)
    for n, vintage in enumerate(ladder.vintages):
        pts = [(x, y) for x, y in vintage.points if x in shown]
        if not pts:
            continue
        points += pts
        xs, ys = zip(*pts)
        newest = n == count - 1
        color = NEWEST if newest else OLDER[min(len(OLDER) - 1, (n * len(OLDER)) // max(1, count - 1))]
        ax.plot(xs, ys, color=color, linewidth=2.2 if newest else 1.0, linestyle="-" if newest else OLDER_DASHES,
                marker="o" if newest else None, markersize=3.5, zorder=2 if newest else 3)  # older ones on top: seen where they differ
    if not points:
        raise ValueError(f"{ladder.title}: no vintage has a point to draw")
    if ladder.mark in shown:
        ax.axvline(ladder.mark, color="#bbbbbb", linewidth=0.8, linestyle=":", zorder=0)
        newest = ladder.vintages[-1].value_at(ladder.mark)
        if newest is not None:
            ax.annotate(f"{period_label(ladder.mark)}: {ladder.text(newest)}", xy=(ladder.mark, newest), xytext=(0, 8),
                        textcoords="offset points", ha="center", va="bottom", fontsize=size.text, color=NEWEST,
                        fontweight="bold", bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.7})
    ax.margins(x=0.03, y=0.2)
    format_axes(ax, sorted(points, key=lambda p: p[0]), size, ladder.display)
    title = f"{ladder.title}, as published in {count} vintage{'s' if count != 1 else ''}"
    ax.set_title(textwrap.fill(title, size.title_chars), fontsize=size.title, loc="left")
    ax.set_ylabel(ladder.y_label, fontsize=size.text)
    handles = [Line2D([], [], color=NEWEST, linewidth=2.2, marker="o", markersize=3.5,
                      label=f"newest: {ladder.vintages[-1].label}")]
    if count > 1:
        handles.append(Line2D([], [], color=OLDER[1], linewidth=1.0, linestyle=OLDER_DASHES,
                              label=f"{count - 1} earlier, lighter = older"))
    add_legend(fig, ax, handles, size)
    return png_bytes(fig)
