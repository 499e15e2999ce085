"""Which sources an unknown verdict waits on: those its reading reads that do not yet reach the period it needs.

A claim with an unknown verdict is "unknown because data is overdue" only when one of these is overdue. A claim
reading two sources (Census trade and the Census IDB) whose unknown comes from the one with no data does not wait
on the other, however late that one is. The period needed is the article's own (`as_stated` year or month); the
latest mode's period is the newest the data hold, so a late source makes it older, never unknown: a latest
verdict waits only on sources with no published data. A comparison with data no source holds waits on none.
"""

from __future__ import annotations

from datetime import date

from claimwatch.claims.catalog import Claim
from claimwatch.claims.evaluate import reading_sources
from claimwatch.claims.judge import Verdict


def needed_period(claim: Claim, mode: str) -> tuple[str, date] | None:
    """The period a mode's verdict needs, as ("year" | "month", its first day); None when it depends on the data."""
    if mode != "as_stated":
        return None
    if (month := claim.as_stated.get("month")) is not None:
        return "month", month if isinstance(month, date) else date.fromisoformat(str(month))
    if (year := claim.as_stated.get("year")) is not None:
        return "year", date(int(year), 1, 1)
    return None


def reaches(through: date, grain: str, needed: tuple[str, date]) -> bool:
    """Whether data through `through` (a source of this grain) cover the needed period."""
    kind, first = needed
    if grain == "year":
        return through.year >= first.year
    return through >= (date(first.year, 12, 1) if kind == "year" else first)


def awaited_sources(claim: Claim, verdict: Verdict, through: dict[str, date | None],
                    grains: dict[str, str]) -> list[str]:
    """The sources an unknown verdict waits on: read by its reading, with no published data or none reaching the
    period it needs (`through`: each source's newest published data; `grains`: "month" unless "year")."""
    if verdict.verdict != "unknown" or not claim.readings:
        return []
    reading = claim.reading(verdict.reading)
    if reading.rule.get("kind") == "missing_comparison":
        return []
    needed = needed_period(claim, verdict.mode)
    return [s for s in reading_sources(reading) if through.get(s) is None
            or (needed is not None and not reaches(through[s], grains.get(s, "month"), needed))]
