"""When each source's next release is due (release_calendar.yaml), and which expected releases are overdue."""

from __future__ import annotations

import calendar
import os
from dataclasses import dataclass
from functools import lru_cache
from datetime import date, timedelta
from pathlib import Path

import duckdb
import yaml

import claimwatch
from claimwatch.errors import FormatError
from claimwatch.sources.base import period_text

CALENDAR_FILE = "release_calendar.yaml"
GRAINS = ("month", "year")
TEXT_FIELDS = ("agency", "release", "schedule_url")
# field -> (lowest, highest, what it is): the whole-number fields and their ranges
NUMBERS = {
    "lag_months": (1, 36, "months after the data month"),
    "lag_years": (1, 10, "years after the data year"),
    "month": (1, 12, "month of the year"),
    "day": (1, 31, "day of the month"),
    "grace_days": (0, 366, "days"),
}
TIMING = {"month": ("lag_months", "day", "grace_days"), "year": ("lag_years", "month", "day", "grace_days")}
OPTIONAL = ("expected",)


def calendar_path(explicit: str | Path | None = None) -> Path:
    """The calendar file: an explicit path, else $CLAIMWATCH_CALENDAR, else the project's release_calendar.yaml."""
    if explicit or os.environ.get("CLAIMWATCH_CALENDAR"):
        return Path(explicit or os.environ["CLAIMWATCH_CALENDAR"])
    package = Path(claimwatch.__file__).resolve().parent
    candidates = (package.parent / CALENDAR_FILE, package / CALENDAR_FILE)  # a checkout, then a wheel
    return next((c for c in candidates if c.is_file()), candidates[0])


@dataclass(frozen=True)
class Expectation:
    """When a source's release for a period usually appears, and how late it may be before an alert."""

    source: str
    agency: str
    release: str
    schedule_url: str
    grain: str  # "month" or "year"
    expected: bool = True
    lag_months: int | None = None  # month grain: data for month M appear in month M + lag_months ...
    lag_years: int | None = None  # year grain: data for year Y appear in year Y + lag_years ...
    month: int | None = None  # ... (year grain) in this month ...
    day: int | None = None  # ... around this day (clamped to the month's length)
    grace_days: int | None = None


def _field_lines(path: str, text: str) -> dict[tuple[str, str | None], int]:
    """Line numbers (1-based) of each source entry and field; a source named twice is an error."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    lines: dict[tuple[str, str | None], int] = {}
    for key, value in root.value if isinstance(root, yaml.MappingNode) else ():
        if (key.value, None) in lines:
            raise FormatError(path, f"source {key.value!r} appears twice (also on line {lines[key.value, None]}):"
                              " keep one entry", row=key.start_mark.line + 1)
        lines[key.value, None] = key.start_mark.line + 1
        for field, node in value.value if isinstance(value, yaml.MappingNode) else ():
            lines[key.value, field.value] = node.start_mark.line + 1
    return lines


def _check_entry(path: str, source: str, entry, lines: dict) -> Expectation:
    """Check one source's entry field by field and turn it into an Expectation."""
    def fail(field: str | None, problem: str) -> FormatError:
        row = lines.get((source, field)) or lines.get((source, None))
        return FormatError(path, problem, row=row, column=f"{source}.{field}" if field else source)

    if not isinstance(entry, dict):
        raise fail(None, f"expected a mapping of fields ({', '.join(TEXT_FIELDS)}, grain, ...), got {entry!r}")
    for field in TEXT_FIELDS:
        if not isinstance(entry.get(field), str) or not entry[field].strip():
            raise fail(field, f"expected a non-empty text, got {entry.get(field)!r}")
    if not entry["schedule_url"].startswith(("https://", "http://")):
        raise fail("schedule_url", f"expected an http(s):// address, got {entry['schedule_url']!r}")
    grain = entry.get("grain")
    if grain not in GRAINS:
        raise fail("grain", f"expected one of {', '.join(GRAINS)}, got {grain!r}")
    expected = entry.get("expected", True)
    if not isinstance(expected, bool):
        raise fail("expected", f"expected true or false, got {expected!r}")
    allowed = {*TEXT_FIELDS, "grain", *TIMING[grain], *OPTIONAL}
    for field in entry:
        if field not in allowed:
            other = "yearly" if grain == "month" else "monthly"
            why = f"a {other} field; a {grain}ly entry has" if field in NUMBERS else "unknown field; expected"
            raise fail(str(field), f"{why} {', '.join(sorted(allowed))}")
    numbers = {}
    for field in TIMING[grain]:
        value = entry.get(field)
        if value is None and not expected:
            continue
        low, high, what = NUMBERS[field]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            missing = "missing; " if field not in entry else ""
            raise fail(field, f"{missing}expected a whole number {low}-{high} ({what}), got {value!r}")
        numbers[field] = value
    return Expectation(source, entry["agency"].strip(), entry["release"].strip(), entry["schedule_url"].strip(),
                       grain, expected, **numbers)


def load_calendar(path: str | Path | None = None) -> dict[str, Expectation]:
    """Read and check the release calendar; a wrong entry raises FormatError naming `<source>.<field>`."""
    path = calendar_path(path)
    return dict(_parsed(path, path.read_text()))


@lru_cache(maxsize=8)
def _parsed(path: Path, text: str) -> dict[str, Expectation]:
    """The calendar's entries, parsed once per text (a site build asks three times; the entries are frozen)."""
    try:
        doc = yaml.safe_load(text)
        lines = _field_lines(str(path), text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise FormatError(str(path), f"not valid YAML ({exc})", row=mark.line + 1 if mark else None) from None
    if not isinstance(doc, dict) or not doc:
        raise FormatError(str(path), "expected one entry per source name (source: {agency: ..., grain: ...})")
    result = {}
    for source, entry in doc.items():
        if not isinstance(source, str):
            raise FormatError(str(path), f"source names are text, got {source!r}", row=lines.get((str(source), None)))
        result[source] = _check_entry(str(path), source, entry, lines)
    return result


def _add_months(start: date, months: int) -> tuple[int, int]:
    """Year and month `months` after the month of `start`."""
    index = start.year * 12 + start.month - 1 + months
    return index // 12, index % 12 + 1


def _on_day(year: int, month: int, day: int) -> date:
    """The day of the month, or its last day when the month is shorter."""
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def next_period(data_through: date, grain: str) -> date:
    """The period after `data_through` (any day of it): the first day of the next month or year."""
    if grain == "month":
        return date(*_add_months(data_through, 1), 1)
    if grain == "year":
        return date(data_through.year + 1, 1, 1)
    raise ValueError(f"grain {grain!r}, expected one of {GRAINS}")


def due_date(period: date, expectation: Expectation) -> date:
    """The usual date of the release holding data for `period` (its day clamped to the month's length)."""
    if not expectation.expected:
        raise ValueError(f"{expectation.source} is not expected on a date (expected: false)")
    if expectation.grain == "month":
        return _on_day(*_add_months(period, expectation.lag_months), expectation.day)
    return _on_day(period.year + expectation.lag_years, expectation.month, expectation.day)


def period_name(period: date, grain: str) -> str:
    """A period as an editor reads it: October 2025, or 2025."""
    return f"{calendar.month_name[period.month]} {period.year}" if grain == "month" else str(period.year)


@dataclass(frozen=True)
class Overdue:
    """An expected release that has not appeared by its usual date plus the grace period."""

    source: str
    period: date  # the earliest missing period (first day of its month or year)
    due: date
    alert_after: date  # due + grace_days: overdue from the day after
    days_late: int  # days since `due`
    missing_periods: int  # overdue periods from `period` on
    expectation: Expectation

    @property
    def key(self) -> str:
        """Identifies the alert: the same missing release gives the same key on every run."""
        return f"overdue:{self.source}:{period_text(self.period, self.expectation.grain)}"

    @property
    def text(self) -> str:
        """One plain sentence for an editor."""
        grain = self.expectation.grain
        previous = date(*_add_months(self.period, -1), 1) if grain == "month" else date(self.period.year - 1, 1, 1)
        days = f"{self.days_late} day{'s' if self.days_late != 1 else ''}"
        more = ""
        if self.missing_periods > 1:
            last = self.period
            for _ in range(self.missing_periods - 1):
                last = next_period(last, grain)
            more = (f" {self.missing_periods} releases are overdue, with data for {period_name(self.period, grain)}"
                    f" to {period_name(last, grain)}.")
        return (f"{self.expectation.release}: the release with data for {period_name(self.period, grain)} was expected"
                f" around {self.due:%Y-%m-%d} and is {days} late (newest data in the store:"
                f" {period_name(previous, grain)}).{more} Schedule: {self.expectation.schedule_url}")


def overdue(calendar: dict[str, Expectation], latest: dict[str, date | None], today: date) -> list[Overdue]:
    """Releases expected by `today` (plus grace) after each source's newest data, earliest missing period first."""
    found = []
    for source, through in sorted(latest.items()):
        expectation = calendar.get(source)
        if expectation is None or not expectation.expected or through is None:
            continue
        period = next_period(through, expectation.grain)
        due = due_date(period, expectation)
        grace = timedelta(days=expectation.grace_days)
        if not today > due + grace:
            continue
        missing, later = 1, next_period(period, expectation.grain)
        while today > due_date(later, expectation) + grace:
            missing, later = missing + 1, next_period(later, expectation.grain)
        found.append(Overdue(source, period, due, due + grace, (today - due).days, missing, expectation))
    return found


def latest_data_through(con: duckdb.DuckDBPyConnection) -> dict[str, date | None]:
    """Newest data-through of each source's published releases (None: releases seen, none published)."""
    rows = con.execute(
        "select source, max(data_through) filter (where status = 'published') from releases group by source"
    ).fetchall()
    return dict(rows)
