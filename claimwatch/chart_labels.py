"""The text on a chart, through claimwatch/present.py as on the site and in Slack: the y tick labels, the marked
value, the x labels, and the display a chart prints its values with."""

from __future__ import annotations

from datetime import date

from matplotlib import ticker

from claimwatch import present
from claimwatch.claims.catalog import Claim

X = int | float | date


def chart_display(claim: Claim) -> str | None:
    """How a claim's chart prints a value: the chart's own `display`, else its primary reading's rule display."""
    return (claim.chart or {}).get("display") or claim.primary.rule.get("display")


def figure_text(value: float, display: str | None) -> str:
    """A charted value as the site and Slack print it ("$334.0 billion", "6,068 encounters")."""
    return present.figure(value, {"display": display})


def tick_display(display: str | None) -> str:
    """A display cut to its number and the symbols touching it, for tick labels: "${value:,.1f} billion" ->
    "${value:,.1f}", "{value:.1f}% lower" -> "{value:.1f}%" (the axis label says the unit)."""
    found = present.FIELD.search(display or "")
    if not found or not present.FIXED.match(found.group("spec") or ""):
        return "{value:,.0f}"
    return display[:found.start()].split(" ")[-1] + found.group() + display[found.end():].split(" ")[0]


class TickLabels(ticker.Formatter):
    """Tick labels through present.py: the display's number format and symbols, as few decimals as the ticks need."""

    places = 0

    def __init__(self, display: str | None = None):
        self.display = tick_display(display)

    def set_locs(self, locs):
        exact = (d for d in range(5) if all(abs(round(v, d) - v) < 1e-9 * max(1.0, abs(v)) for v in locs))
        self.places = next(exact, 4)

    def __call__(self, value, pos=None):
        return present.number(value, self.display, self.places)


def period_label(x: X) -> str:
    """A chart's x as a label: 'Jun 2025', '2024'."""
    return x.strftime("%b %Y") if isinstance(x, date) else f"{x:g}" if isinstance(x, float) else str(x)
