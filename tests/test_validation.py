"""The expectation suites and their audit frames, on the store built from every recorded release."""

from __future__ import annotations

import csv
import json
from collections import Counter

import pytest

from claimwatch.errors import FormatError
from claimwatch.sources import all_sources, all_tables
from claimwatch.store.store import sql_dir
from claimwatch.validation import expectations_dir, load_suites
from claimwatch.validation.frames import ROWS, audit_sql_path, build_frame
from claimwatch.validation.suites import load_suite

SUITES = load_suites()
CBP = all_sources()["cbp_encounters"]


def test_every_recorded_release_passes_every_expectation(built_con):
    """All 24 recorded releases pass: no error and no warning (none of them breaks a rule)."""
    rows = built_con.execute(
        "select r.source, r.status, v.outcome, v.errors, v.warnings, v.expectations from releases r"
        " join validations v using (release_id) order by r.source"
    ).fetchall()
    assert len(rows) == 24
    assert {row[1:5] for row in rows} == {("published", "passed", 0, 0)}
    expected = {cls_name: sum(SUITES[t.name].expectation_count for t in src.tables) for cls_name, src in all_sources().items()}
    assert all(row[5] == expected[row[0]] for row in rows)
    assert built_con.execute("select count(*) from validation_findings").fetchone() == (0,)


def test_results_say_what_was_checked_and_observed(built_con):
    """Each result row names the suite, frame, expectation, severity and what GX observed."""
    (release_id,) = built_con.execute(
        "select release_id from releases where source = 'cbp_encounters' and release_label = 'fy21-fy24-may'"
    ).fetchone()
    rows = built_con.execute(
        "select frame, expectation, column_name, severity, success, kwargs from validation_results where release_id = ?",
        [release_id],
    ).fetchall()
    frames = Counter(r[0] for r in rows)
    assert set(frames) == {"rows", "release_summary", "period_revisions", "fiscal_years", "newest_period"}
    assert all(r[4] for r in rows)
    fresh = [r for r in rows if r[2] == "periods_newer_than_previous"]
    assert [(r[1], r[3], json.loads(r[5])["min_value"]) for r in fresh] == [("expect_column_values_to_be_between", "error", 0)]
    domains = [r for r in rows if r[1] == "expect_column_values_to_be_in_set" and r[3] == "warning"]
    assert {r[2] for r in domains} == {"land_border_region", "title_of_authority", "demographic", "citizenship", "state"}


def test_release_summary_against_the_previous_vintage(built_con, shared_data):
    """May 2024 against April 2024: one month newer, no gap, rows as in the file."""
    ids = dict(built_con.execute("select release_label, release_id from releases where source = 'cbp_encounters'").fetchall())
    summary = build_frame(built_con, CBP.tables[0], "release_summary", ids["fy21-fy24-may"]).iloc[0]
    with open(shared_data / CBP.recorded_folder / "nationwide-encounters-fy21-fy24-may-state.csv", newline="") as f:
        lines = sum(1 for _ in csv.reader(f)) - 1
    assert summary["row_count"] == lines
    assert summary["previous_release_id"] == ids["fy21-fy24-apr"]
    assert (summary["periods_newer_than_previous"], summary["missing_periods"], summary["periods_after_data_through"]) == (1, 0, 0)
    assert summary["periods_covered"] == 44  # October 2020 to May 2024
    assert summary["common_periods"] == 43


def test_fiscal_year_frame_matches_the_csv(built_con, shared_data):
    """The fiscal_years frame of the FY21-FY24 release against sums computed here from the file."""
    (release_id,) = built_con.execute(
        "select release_id from releases where source = 'cbp_encounters' and release_label = 'fy21-fy24'"
    ).fetchone()
    totals: Counter = Counter()
    with open(shared_data / CBP.recorded_folder / "nationwide-encounters-fy21-fy24-state.csv", newline="") as f:
        for row in csv.DictReader(f):
            totals[int(row["Fiscal Year"][:4])] += int(row["Encounter Count"].replace(",", ""))
    frame = build_frame(built_con, CBP.tables[0], "fiscal_years", release_id)
    assert {int(r.fiscal_year): int(r.stated_total) for r in frame.itertuples()} == dict(totals)
    assert dict(totals) == {2021: 1_956_519, 2022: 2_766_582, 2023: 3_201_144, 2024: 2_901_142}
    assert set(frame["difference"]) == {0} and set(frame["months"]) == {12}


def test_census_world_total_frame_shows_the_pre_1992_gap(built_con):
    """Countries sum to World within 0.1% from 1992; before 1992 they fall 1-3% short (why the bound differs)."""
    (release_id,) = built_con.execute(
        "select release_id from releases where source = 'census_trade' and release_label = '2025-04'"
    ).fetchone()
    frame = build_frame(built_con, all_sources()["census_trade"].tables[0], "world_total", release_id)
    recent, early = frame[frame["year"] >= 1992], frame[frame["year"] < 1992]
    assert recent["relative_gap"].abs().max() < 0.001
    assert 0.009 < early["relative_gap"].abs().max() < 0.03
    row = frame[(frame["flow"] == "exports") & (frame["year"] == 2024)].iloc[0]
    assert round(row["world_total"] / 1e6, 1) == 2_065_131.1


def test_every_table_has_a_suite_covering_its_schema(built_con):
    for spec in all_tables():
        suite = SUITES[spec.name]
        rows = suite.by_frame[ROWS]
        ddl = [r[0] for r in built_con.execute(f"describe {spec.name}").fetchall() if r[0] != "release_id"]
        (columns,) = [e["kwargs"]["column_set"] for e in rows if e["type"] == "expect_table_columns_to_match_set"]
        assert sorted(columns) == sorted(ddl), spec.name
        typed = {e["kwargs"]["column"] for e in rows if e["type"] == "expect_column_values_to_be_of_type"}
        assert typed == set(ddl), spec.name
        not_null = {e["kwargs"]["column"] for e in rows if e["type"] == "expect_column_values_to_not_be_null"}
        assert not_null == {*spec.keys, spec.period}, spec.name
        (unique,) = [e["kwargs"]["column_list"] for e in rows if e["type"] == "expect_compound_columns_to_be_unique"]
        assert unique == [*spec.keys, spec.period], spec.name
        nonnegative = {e["kwargs"]["column"] for e in rows if e["kwargs"].get("min_value") == 0}
        assert set(spec.values) <= nonnegative, spec.name
        for frame in suite.by_frame:
            if frame != ROWS:
                assert audit_sql_path(spec.name, frame).is_relative_to(sql_dir() / "audits")
        for frame in ("release_summary", "period_revisions"):
            assert frame in suite.by_frame, (spec.name, frame)
    assert sorted(SUITES) == sorted(t.name for t in all_tables())


def test_a_malformed_suite_names_the_file_and_expectation(tmp_path):
    doc = json.loads((expectations_dir() / "worldbank__population.json").read_text())
    doc["expectations"][2]["severity"] = "fatal"
    path = tmp_path / "worldbank__population.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(FormatError, match=r"worldbank__population.json: expectation 3 \(expect_column_values_to_be_of_type\): "
                                          r"severity 'fatal', expected one of \['critical', 'info', 'warning'\]"):
        load_suite(path)
    path.write_text("{")
    with pytest.raises(FormatError, match=r"worldbank__population.json, line 1: not valid JSON"):
        load_suite(path)
