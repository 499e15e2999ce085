"""The release calendar: the project's file, its checks, due dates on real calendars, and overdue releases."""

from __future__ import annotations

import calendar as cal
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from claimwatch.alerts.release_calendar import (
    Expectation, calendar_path, due_date, latest_data_through, load_calendar, next_period, overdue,
)
from claimwatch.errors import FormatError
from claimwatch.sources import SOURCE_CLASSES

PROJECT_CALENDAR = Path(__file__).resolve().parents[1] / "release_calendar.yaml"
CBP = Expectation("cbp_encounters", "U.S. Customs and Border Protection", "CBP Nationwide Encounters",
                  "https://www.cbp.gov/newsroom/stats/nationwide-encounters", "month", lag_months=1, day=15, grace_days=7)
FT900 = Expectation("census_trade", "U.S. Census Bureau", "FT-900", "https://www.census.gov/foreign-trade/schedule.html",
                    "month", lag_months=2, day=6, grace_days=5)
WDI = Expectation("worldbank_population", "World Bank", "WDI population", "https://datatopics.worldbank.org/",
                  "year", lag_years=1, month=7, day=1, grace_days=60)
IDB = Expectation("census_idb", "U.S. Census Bureau", "IDB", "https://www.census.gov/", "year", expected=False)
CALENDAR = {e.source: e for e in (CBP, FT900, WDI, IDB)}


# --- the pure logic --------------------------------------------------------------------------------------

def test_next_period_crosses_month_and_year_ends():
    assert next_period(date(2025, 1, 1), "month") == date(2025, 2, 1)
    assert next_period(date(2025, 1, 31), "month") == date(2025, 2, 1)  # any day of the month
    assert next_period(date(2025, 12, 1), "month") == date(2026, 1, 1)
    assert next_period(date(2024, 1, 1), "year") == date(2025, 1, 1)
    with pytest.raises(ValueError, match="grain 'week'"):
        next_period(date(2025, 1, 1), "week")


def test_due_dates_cross_year_ends():
    assert due_date(date(2025, 10, 1), CBP) == date(2025, 11, 15)
    assert due_date(date(2025, 12, 1), CBP) == date(2026, 1, 15)  # December data in January
    assert due_date(date(2025, 11, 1), FT900) == date(2026, 1, 6)  # lag 2 crosses the year end
    assert due_date(date(2025, 12, 1), FT900) == date(2026, 2, 6)
    assert due_date(date(2025, 1, 1), WDI) == date(2026, 7, 1)


def test_due_day_is_clamped_to_the_month_length_leap_years_included():
    end = Expectation("x", "a", "r", "https://x", "month", lag_months=1, day=31, grace_days=0)
    assert due_date(date(2024, 1, 1), end) == date(2024, 2, 29)  # leap year
    assert due_date(date(2025, 1, 1), end) == date(2025, 2, 28)
    assert due_date(date(2025, 3, 1), end) == date(2025, 4, 30)
    assert due_date(date(2025, 6, 1), end) == date(2025, 7, 31)
    leap_day = Expectation("y", "a", "r", "https://x", "year", lag_years=1, month=2, day=29, grace_days=0)
    assert due_date(date(2023, 1, 1), leap_day) == date(2024, 2, 29)
    assert due_date(date(2024, 1, 1), leap_day) == date(2025, 2, 28)
    with pytest.raises(ValueError, match="not expected"):
        due_date(date(2024, 1, 1), IDB)


def test_the_last_grace_day_is_not_late_the_next_day_is():
    latest = {"cbp_encounters": date(2025, 9, 1)}  # October 2025 data due 2025-11-15, grace 7
    assert overdue(CALENDAR, latest, date(2025, 11, 15)) == []
    assert overdue(CALENDAR, latest, date(2025, 11, 22)) == []
    (late,) = overdue(CALENDAR, latest, date(2025, 11, 23))
    assert (late.period, late.due, late.alert_after, late.days_late, late.missing_periods) == (
        date(2025, 10, 1), date(2025, 11, 15), date(2025, 11, 22), 8, 1)
    assert late.key == "overdue:cbp_encounters:2025-10"
    assert late.text == (
        "CBP Nationwide Encounters: the release with data for October 2025 was expected around 2025-11-15 and is"
        " 8 days late (newest data in the store: September 2025)."
        " Schedule: https://www.cbp.gov/newsroom/stats/nationwide-encounters"
    )


def test_december_data_due_in_january_and_february():
    assert overdue(CALENDAR, {"cbp_encounters": date(2025, 11, 1)}, date(2026, 1, 22)) == []
    (cbp,) = overdue(CALENDAR, {"cbp_encounters": date(2025, 11, 1)}, date(2026, 1, 23))
    assert (cbp.key, cbp.due, cbp.days_late) == ("overdue:cbp_encounters:2025-12", date(2026, 1, 15), 8)
    assert overdue(CALENDAR, {"census_trade": date(2025, 11, 1)}, date(2026, 2, 11)) == []
    (ft,) = overdue(CALENDAR, {"census_trade": date(2025, 11, 1)}, date(2026, 2, 12))
    assert (ft.key, ft.due, ft.alert_after, ft.days_late) == ("overdue:census_trade:2025-12", date(2026, 2, 6),
                                                             date(2026, 2, 11), 6)
    strict = {"cbp_encounters": replace(CBP, grace_days=0)}  # no grace: late the day after the usual date
    assert overdue(strict, {"cbp_encounters": date(2025, 11, 1)}, date(2026, 1, 15)) == []
    (one,) = overdue(strict, {"cbp_encounters": date(2025, 11, 1)}, date(2026, 1, 16))
    assert " and is 1 day late " in one.text


def test_several_missed_months_report_the_earliest_and_count_them():
    (late,) = overdue(CALENDAR, {"census_trade": date(2025, 8, 1)}, date(2026, 1, 12))
    # September (due 11-06), October (12-06), November (2026-01-06, alert after 01-11) are all overdue
    assert (late.period, late.due, late.missing_periods) == (date(2025, 9, 1), date(2025, 11, 6), 3)
    assert late.days_late == (date(2026, 1, 12) - date(2025, 11, 6)).days
    assert late.key == "overdue:census_trade:2025-09"
    assert "3 releases are overdue, with data for September 2025 to November 2025." in late.text
    assert "(newest data in the store: August 2025)" in late.text
    # on the last grace day of November's release, only two are overdue
    assert overdue(CALENDAR, {"census_trade": date(2025, 8, 1)}, date(2026, 1, 11))[0].missing_periods == 2


def test_yearly_grain():
    latest = {"worldbank_population": date(2024, 1, 1)}  # 2025 data due 2026-07-01, grace 60 -> 2026-08-30
    assert overdue(CALENDAR, latest, date(2026, 8, 30)) == []
    (late,) = overdue(CALENDAR, latest, date(2026, 8, 31))
    assert (late.period, late.due, late.alert_after, late.days_late, late.missing_periods) == (
        date(2025, 1, 1), date(2026, 7, 1), date(2026, 8, 30), 61, 1)
    assert late.key == "overdue:worldbank_population:2025"
    assert "data for 2025 was expected around 2026-07-01 and is 61 days late (newest data in the store: 2024)" in late.text
    (two,) = overdue(CALENDAR, {"worldbank_population": date(2023, 1, 1)}, date(2026, 9, 1))
    assert (two.period, two.missing_periods) == (date(2024, 1, 1), 2)
    assert "2 releases are overdue, with data for 2024 to 2025." in two.text


def test_unexpected_unknown_and_empty_sources_are_never_overdue():
    latest = {"census_idb": date(2020, 1, 1), "not_in_calendar": date(2000, 1, 1), "cbp_encounters": None}
    assert overdue(CALENDAR, latest, date(2030, 1, 1)) == []
    assert overdue(CALENDAR, {}, date(2030, 1, 1)) == []  # calendar sources without data are not compared


def test_overdue_lists_every_late_source_in_name_order():
    latest = {"census_trade": date(2025, 2, 1), "cbp_encounters": date(2025, 9, 1), "worldbank_population": date(2024, 1, 1)}
    assert [o.source for o in overdue(CALENDAR, latest, date(2026, 11, 21))] == [
        "cbp_encounters", "census_trade", "worldbank_population"]


# --- the project's calendar file -------------------------------------------------------------------------

def test_every_source_has_a_valid_entry_in_the_project_calendar():
    entries = load_calendar(PROJECT_CALENDAR)
    assert set(entries) == {cls.name for cls in SOURCE_CLASSES}
    for cls in SOURCE_CLASSES:
        entry = entries[cls.name]
        assert entry.source == cls.name and entry.grain == cls.grain, cls.name
        assert entry.schedule_url.startswith("https://"), cls.name
        if entry.expected:
            assert entry.grace_days >= 1, cls.name
            assert due_date(next_period(date(2025, 12, 1), entry.grain), entry) > date(2025, 12, 31), cls.name
    assert (entries["census_trade"].lag_months, entries["census_trade"].day) == (2, 6)
    assert (entries["cbp_encounters"].lag_months, entries["cbp_encounters"].day) == (1, 15)
    assert not entries["census_idb"].expected


def test_calendar_path_explicit_then_environment_then_project(monkeypatch, tmp_path):
    monkeypatch.delenv("CLAIMWATCH_CALENDAR", raising=False)
    assert calendar_path() == PROJECT_CALENDAR
    assert load_calendar() == load_calendar(PROJECT_CALENDAR)
    other = tmp_path / "calendar.yaml"
    other.write_text(ENTRY.format(extra=""))
    monkeypatch.setenv("CLAIMWATCH_CALENDAR", str(other))
    assert calendar_path() == other
    assert list(load_calendar()) == ["cbp_encounters"]
    assert calendar_path(PROJECT_CALENDAR) == PROJECT_CALENDAR


# --- clear errors for a malformed file -------------------------------------------------------------------

ENTRY = """\
# a comment
cbp_encounters:
  agency: U.S. Customs and Border Protection
  release: CBP Nationwide Encounters
  schedule_url: https://www.cbp.gov/newsroom/stats/nationwide-encounters
  grain: month
  lag_months: 1
  day: 15
  grace_days: 7
{extra}"""


def load_text(tmp_path, text: str):
    path = tmp_path / "release_calendar.yaml"
    path.write_text(text)
    return load_calendar(path)


@pytest.mark.parametrize(("old", "new", "field", "line", "problem"), [
    ("  day: 15\n", "  day: 32\n", "cbp_encounters.day", 8, "expected a whole number 1-31 (day of the month), got 32"),
    ("  day: 15\n", "  day: mid\n", "cbp_encounters.day", 8, "expected a whole number 1-31 (day of the month), got 'mid'"),
    ("  day: 15\n", "", "cbp_encounters.day", 2, "missing; expected a whole number 1-31"),
    ("  grace_days: 7\n", "  grace_days: -1\n", "cbp_encounters.grace_days", 9, "expected a whole number 0-366"),
    ("  lag_months: 1\n", "  lag_months: true\n", "cbp_encounters.lag_months", 7, "got True"),
    ("  grain: month\n", "  grain: weekly\n", "cbp_encounters.grain", 6, "expected one of month, year, got 'weekly'"),
    ("  agency: U.S. Customs and Border Protection\n", "", "cbp_encounters.agency", 2, "expected a non-empty text, got None"),
    ("  release: CBP Nationwide Encounters\n", "  release: ''\n", "cbp_encounters.release", 4, "expected a non-empty text"),
    ("https://www.cbp", "www.cbp", "cbp_encounters.schedule_url", 5, "expected an http(s):// address"),
    ("  lag_months: 1\n", "  lag_years: 1\n", "cbp_encounters.lag_years", 7, "a yearly field; a monthly entry has"),
    ("  day: 15\n", "  day: 15\n  grace: 3\n", "cbp_encounters.grace", 9, "unknown field; expected agency, day"),
    ("  day: 15\n", "  day: 15\n  expected: no way\n", "cbp_encounters.expected", 9, "expected true or false"),
])
def test_a_wrong_field_names_the_file_line_and_field(tmp_path, old, new, field, line, problem):
    with pytest.raises(FormatError) as caught:
        load_text(tmp_path, ENTRY.format(extra="").replace(old, new))
    error = caught.value
    assert (error.file, error.column, error.row) == (str(tmp_path / "release_calendar.yaml"), field, line)
    assert str(error).startswith(f"{tmp_path / 'release_calendar.yaml'}, line {line}, column '{field}': ")
    assert problem in error.problem


def test_a_yearly_entry_needs_its_month_and_an_unexpected_one_needs_no_dates(tmp_path):
    yearly = ENTRY.format(extra="").replace("grain: month\n  lag_months: 1\n", "grain: year\n  lag_years: 1\n")
    with pytest.raises(FormatError, match=r"column 'cbp_encounters.month': missing; expected a whole number 1-12"):
        load_text(tmp_path, yearly)
    (entry,) = load_text(tmp_path, yearly.replace("  day: 15\n", "  month: 7\n  day: 15\n")).values()
    assert (entry.grain, entry.lag_years, entry.month, entry.day, entry.lag_months) == ("year", 1, 7, 15, None)
    irregular = "census_idb:\n  agency: Census\n  release: IDB\n  schedule_url: https://www.census.gov/\n" \
                "  grain: year\n  expected: false\n"
    assert load_text(tmp_path, irregular)["census_idb"] == Expectation(
        "census_idb", "Census", "IDB", "https://www.census.gov/", "year", expected=False)
    with pytest.raises(FormatError, match=r"'census_idb.day': expected a whole number 1-31"):
        load_text(tmp_path, irregular + "  day: 0\n")


def test_unknown_sources_are_allowed_but_must_be_named_by_text(tmp_path):
    renamed = ENTRY.format(extra="").replace("cbp_encounters:", "cbp_new_dataset:")
    assert list(load_text(tmp_path, renamed)) == ["cbp_new_dataset"]
    with pytest.raises(FormatError, match=r"line 2: source names are text, got 2024"):
        load_text(tmp_path, ENTRY.format(extra="").replace("cbp_encounters:", "2024:"))


def test_whole_file_errors(tmp_path):
    with pytest.raises(FormatError, match=r"line 11: source 'cbp_encounters' appears twice \(also on line 2\)"):
        load_text(tmp_path, ENTRY.format(extra="\n" + ENTRY.format(extra="").split("\n", 1)[1]))
    with pytest.raises(FormatError, match=r"release_calendar.yaml, line 3: not valid YAML"):
        load_text(tmp_path, "cbp_encounters:\n  agency: [x\n  grain: month\n")
    with pytest.raises(FormatError, match="expected one entry per source name"):
        load_text(tmp_path, "# nothing yet\n")
    with pytest.raises(FormatError, match=r"column 'cbp_encounters': expected a mapping of fields"):
        load_text(tmp_path, "cbp_encounters: monthly\n")


# --- the store -------------------------------------------------------------------------------------------

def test_latest_data_through_on_the_recorded_store(built_con):
    latest = latest_data_through(built_con)
    for source in ("cbp_encounters", "census_trade", "worldbank_population"):
        (expected,) = built_con.execute(
            "select max(data_through) from releases where source = ? and status = 'published'", [source]
        ).fetchone()
        assert latest[source] == expected and isinstance(expected, date), source
    assert latest["cbp_encounters"] == date(2025, 9, 1)

    entries = load_calendar(PROJECT_CALENDAR)
    monthly = {s for s, e in entries.items() if e.grain == "month" and e.expected and latest.get(s)}
    assert {"census_trade", "cbp_encounters", "cbp_southwest_encounters", "cbp_drug_seizures"} <= monthly
    assert {o.source for o in overdue(entries, latest, date(2026, 11, 21))} >= monthly
    assert latest["dhs_khsm_usbp"] == date(2024, 11, 1) and "dhs_khsm_usbp" not in {  # irregular: never late
        o.source for o in overdue(entries, latest, date(2026, 11, 21))}
    for source in monthly:
        through = latest[source]
        day_after = date(through.year, through.month, cal.monthrange(through.year, through.month)[1]).toordinal() + 1
        assert overdue(entries, {source: through}, date.fromordinal(day_after)) == [], source
