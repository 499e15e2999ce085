"""Broken Census FT-900 country.xlsx releases are rejected with a clear reason and change nothing else."""

from __future__ import annotations

import pytest

from bad_input_support import CENSUS_ERROR_PAGE, SOURCES, Workbook, build_store, ingest_bad_release

CENSUS = SOURCES["census_trade"]
GOOD = "release-2024-10_data-through-2024-08"  # already stored
NEW = "release-2025-04_data-through-2025-02"  # arrives broken; data through Feb 2025, later 2025 months are 0
XLSX = f"{NEW}/country.xlsx"


@pytest.fixture(scope="module")
def base_db(shared_data, tmp_path_factory):
    """A store holding one good country.xlsx release (copy it per test)."""
    return build_store(tmp_path_factory.mktemp("bad_input_census") / "base.duckdb",
                       [("census_trade", shared_data / CENSUS.recorded_folder / GOOD)])


@pytest.fixture(scope="module")
def workbook(shared_data) -> Workbook:
    return Workbook(shared_data / CENSUS.recorded_folder / XLSX)


def test_workbook_facts(workbook):
    """What the cases below rely on: the header, Canada's rows, and 2025 published through February."""
    assert workbook.header[:5] == ["year", "CTY_CODE", "CTYNAME", "IJAN", "IFEB"]
    row = workbook.row_of["2025", "1220"]
    (canada,) = workbook.sheet.iter_rows(min_row=row, max_row=row, values_only=True)
    assert canada[2] == "Canada"
    assert canada[3] > 0 and canada[4] > 0 and canada[5:15] == (0,) * 10  # IJAN, IFEB published; IMAR..IDEC not yet


def header_renamed(wb: Workbook):
    return (wb.with_cell(1, "ISEP", "ISEPT"), "country.xlsx, line 1",
            ["header does not match", "missing ['ISEP']", "unexpected ['ISEPT']", "expected ['year', 'CTY_CODE', 'CTYNAME', 'IJAN'"])


def value_not_numeric(text: str):
    def case(wb: Workbook):
        row = wb.row_of["2024", "1220"]  # Canada 2024
        return (wb.with_cell(row, "IMAR", text), f"country.xlsx, line {row}, column 'IMAR'",
                [f"expected a number ($ millions), got {text!r}"])
    return case


def value_after_data_through(wb: Workbook):
    row = wb.row_of["2025", "1220"]  # Canada 2025: Census publishes the World row first, so Feb is the last month
    return (wb.with_cell(row, "EJUN", 1.5), f"country.xlsx, line {row}, column 'EJUN'",
            ["1.5 for a month after the data-through month 2025-02", "expected 0 (unpublished)"])


CASES = {
    "empty file": lambda wb: (b"", "country.xlsx", ["the file is empty", "expected an xlsx workbook"]),
    "truncated": lambda wb: (
        wb.original[: len(wb.original) // 2], "country.xlsx", ["not a readable xlsx workbook", "may be truncated"]),
    "HTML error page": lambda wb: (
        CENSUS_ERROR_PAGE, "country.xlsx", ["HTML page instead of an xlsx workbook", "error page"]),
    "renamed header cell": header_renamed,
    "non-numeric value": value_not_numeric("12a"),
    "suppression marker": value_not_numeric("(D)"),
    "NaN text": value_not_numeric("NaN"),
    "value after the data-through month": value_after_data_through,
}


@pytest.mark.parametrize("case", CASES)
def test_broken_census_release_is_rejected_and_changes_nothing(case, tmp_path, base_db, workbook):
    content, where, expected = CASES[case](workbook)
    assert content != workbook.original
    ingest_bad_release(tmp_path, base_db, "census_trade", XLSX, content, where, expected)
