"""The DHS OHSS KHSM USBP encounters workbook: parse, recorded ingest, validation and the live fetch."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest
from bad_input_support import build_store, ingest_quarantined_release, place_release
from python_calamine import CalamineWorkbook

from claimwatch.errors import FormatError
from claimwatch.http import HttpClient
from claimwatch.pipeline import ingest_recorded
from claimwatch.sources.base import Candidate, RawFile
from claimwatch.sources.dhs_khsm_usbp import NATIONWIDE, DhsKhsmUsbp, label_data_through
from claimwatch.store import open_store

SOURCE = DhsKhsmUsbp()
NAME = "KHSM Encounters (USBP) fy25m11.xlsx"
CALENDAR = ("October November December January February March April May June July August September").split()


def sheet(path, name) -> list[list]:
    """A sheet's data rows, as calamine reads them."""
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python()[1:]


def month_of(fiscal_year: float, label: str) -> date:
    """'02 November' of FY2025 -> 2024-11-01, computed here independently of the parser."""
    number = CALENDAR.index(label.split()[1]) + 10
    return date(int(fiscal_year) - 1, number, 1) if number <= 12 else date(int(fiscal_year), number - 12, 1)


@pytest.fixture(scope="module")
def workbook(shared_data):
    return shared_data / SOURCE.recorded_folder / NAME


@pytest.fixture(scope="module")
def parsed(workbook):
    return SOURCE.parse(SOURCE.recorded(workbook))


def test_file_name_gives_fiscal_year_and_calendar_month():
    assert label_data_through("fy25m11") == date(2024, 11, 1)  # FY2025's 2nd month, '02 November'
    assert label_data_through("fy25m09") == date(2025, 9, 1)
    assert label_data_through("fy24m10") == date(2023, 10, 1)
    with pytest.raises(ValueError):
        label_data_through("fy25m13")


def test_parse_keeps_every_region_and_the_nationwide_count_of_every_month(workbook, parsed):
    regions, counts = sheet(workbook, "Monthly Region"), sheet(workbook, "Monthly Count")
    frame = parsed.tables["dhs_khsm_usbp__monthly"]
    got = {(r.month, r.region): (r.fiscal_year, r.is_total, r.encounter_count) for r in frame.itertuples()}
    expected = {(month_of(fy, m), region): (int(fy), False, int(q)) for fy, m, region, q in regions}
    expected |= {(month_of(fy, m), NATIONWIDE): (int(fy), True, int(q)) for fy, m, q in counts}
    assert got == expected and len(frame) == len(regions) + len(counts)
    months = sorted({m for m, _ in got})
    assert (months[0], months[-1], len(months)) == (date(1999, 10, 1), date(2024, 11, 1), 302)
    assert parsed.data_through == date(2024, 11, 1)
    # a few figures read straight off the sheet: the first and the last rows
    assert got[date(1999, 10, 1), "Southwest Land Border"][2] == int(regions[2][3])
    assert got[date(2024, 11, 1), NATIONWIDE][2] == int(counts[-1][2])


def test_fy2000_annual_total_is_the_sum_of_its_months_within_rounding(workbook, parsed):
    annual = {int(fy): int(q) for fy, q in sheet(workbook, "Annual Count")}
    frame = parsed.tables["dhs_khsm_usbp__monthly"]
    fy2000 = frame[frame.fiscal_year == 2000]
    months = fy2000[fy2000.is_total]
    assert len(months) == 12 and months.month.min() == date(1999, 10, 1) and months.month.max() == date(2000, 9, 1)
    # every figure is rounded to the nearest 10 on its own: 12 months and the year differ by at most 13 x 5
    assert abs(annual[2000] - months.encounter_count.sum()) <= 65
    assert abs(annual[2000] - fy2000[~fy2000.is_total].encounter_count.sum()) <= 3 * 12 * 5 + 5
    for year, total in annual.items():
        assert abs(total - frame[(frame.fiscal_year == year) & frame.is_total].encounter_count.sum()) <= 65, year


def test_regions_add_up_to_the_nationwide_count_within_rounding(parsed):
    frame = parsed.tables["dhs_khsm_usbp__monthly"]
    assert set(frame.region) == {"Coastal Border", "Northern Land Border", "Southwest Land Border", NATIONWIDE}
    sums = frame[~frame.is_total].groupby("month").encounter_count.sum()
    totals = frame[frame.is_total].set_index("month").encounter_count
    differences = (sums - totals).abs()
    assert differences.max() <= 20  # 3 regions and the total, each within 5
    assert differences.max() == 10  # measured on the recorded release: 207 months equal, 95 off by 10
    assert (differences == 0).sum() == 207
    assert (frame.encounter_count % 10 == 0).all()


def test_recorded_release_is_published_and_passes_its_suite(built_con, workbook):
    rows = len(sheet(workbook, "Monthly Region")) + len(sheet(workbook, "Monthly Count"))
    release = built_con.execute(
        "select r.release_label, r.status, r.data_through, r.row_count, v.outcome, v.errors, v.warnings "
        "from releases r join validations v using (release_id) where r.source = 'dhs_khsm_usbp'"
    ).fetchall()
    assert release == [("fy25m11", "published", date(2024, 11, 1), rows, "passed", 0, 0)]
    frames = built_con.execute(
        "select distinct frame from validation_results where release_id like 'dhs_khsm_usbp/%' order by 1"
    ).fetchall()
    assert frames == [("newest_period",), ("period_revisions",), ("regions_total",), ("release_summary",), ("rows",)]
    latest = built_con.execute("select count(*), max(month) from dhs_khsm_usbp__monthly_latest").fetchone()
    assert latest == (rows, date(2024, 11, 1))


def small_workbook(regions: dict, totals: dict | None = None, annual: int | None = None, month_label: str = "02 November") -> bytes:
    """A hand-written KHSM workbook of FY2025 October and November (the 3 sheets claimwatch reads)."""
    totals = totals or {m: sum(by_region.values()) for m, by_region in regions.items()}
    book = openpyxl.Workbook()
    book.active.title = "Annual Count"
    book.active.append(["Fiscal\nYear", "Quantity"])
    book.active.append([2025, annual if annual is not None else sum(totals.values())])
    count = book.create_sheet("Monthly Count")
    count.append(["Fiscal\nYear", "Month", "Quantity"])
    region = book.create_sheet("Monthly Region")
    region.append(["Fiscal\nYear", "Month", "Region", "Quantity"])
    for month in regions:
        label = month if month == "01 October" else month_label
        count.append([2025, label, totals[month]])
        for name, quantity in regions[month].items():
            region.append([2025, label, name, quantity])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


GOOD = {
    "01 October": {"Coastal Border": 520, "Northern Land Border": 1020, "Southwest Land Border": 56530},
    "02 November": {"Coastal Border": 230, "Northern Land Border": 700, "Southwest Land Border": 46610},
}


def parse_bytes(content: bytes):
    return SOURCE.parse(Candidate(SOURCE.name, "fy25m11", (RawFile(NAME, "file:///" + NAME, content),)))


def test_a_hand_written_workbook_parses():
    frame = parse_bytes(small_workbook(GOOD)).tables["dhs_khsm_usbp__monthly"]
    assert len(frame) == 8
    assert frame[frame.is_total].encounter_count.tolist() == [58070, 47540]


@pytest.mark.parametrize("content, problem", [
    (small_workbook(GOOD, month_label="02 October"), "sheet 'Monthly Region', line 5, column 'Month': expected a fiscal month '01 October' .. '12 September', got '02 October'"),
    (small_workbook(GOOD, annual=100_000), "sheet 'Annual Count', line 2, column 'Quantity': FY2025 is 100,000 but its 2 months"),
    (small_workbook({"01 October": GOOD["01 October"]}), "the file name says data through 2024-11 but its newest month is 2024-10"),
    (small_workbook({**GOOD, "02 November": {**GOOD["02 November"], "Coastal Border": "230 (est.)"}},
                    totals={"01 October": 58070, "02 November": 47540}),
     "sheet 'Monthly Region', line 5, column 'Quantity': expected a whole number, got '230 (est.)'"),
    (b"<!DOCTYPE html><html><body>Access denied</body></html>", "got an HTML page instead of an xlsx workbook"),
    (b"PK\x03\x04 not really a zip", "not a readable xlsx workbook"),
])
def test_malformed_workbook_is_rejected_naming_the_problem(content, problem):
    with pytest.raises(FormatError) as raised:
        parse_bytes(content)
    assert str(raised.value).startswith(NAME) and problem in str(raised.value), str(raised.value)


@pytest.fixture(scope="module")
def empty_db(tmp_path_factory):
    return build_store(tmp_path_factory.mktemp("khsm") / "empty.duckdb", [])


def test_regions_not_adding_up_to_the_nationwide_count_are_quarantined(empty_db, tmp_path):
    off = {**GOOD, "02 November": {**GOOD["02 November"], "Southwest Land Border": 46710}}
    totals = {m: sum(by_region.values()) for m, by_region in GOOD.items()}  # the published totals, 100 short
    reason = ingest_quarantined_release(
        tmp_path, empty_db, "dhs_khsm_usbp", NAME, small_workbook(off, totals),
        ("dhs_khsm_usbp__monthly", "regions_total", "expect_column_values_to_be_between", "difference"),
    )
    assert "100" in reason


def test_a_figure_not_rounded_to_10_is_published_with_a_warning(empty_db, tmp_path):
    odd = {**GOOD, "01 October": {**GOOD["01 October"], "Coastal Border": 523}}
    releases, _, db = place_release(tmp_path, empty_db, "dhs_khsm_usbp", NAME, small_workbook(odd))
    with open_store(db) as store:
        (outcome,) = ingest_recorded(store, releases, [SOURCE])
        findings = store.con.execute(
            "select severity, frame, column_name from validation_findings where release_id = ?", [outcome.release_id]
        ).fetchall()
    assert (outcome.status, outcome.warnings) == ("published", 1)
    assert findings == [("warning", "regions_total", "not_multiple_of_10")]


def test_live_fetch_finds_the_workbook_on_the_khsm_page(agency_server, workbook):
    source = DhsKhsmUsbp(agency_server.url)
    http = HttpClient(backoff=0.01)
    ref = source.discover(http)
    assert ref.label == "fy25m11"
    assert ref.urls == (agency_server.url + "/sites/default/files/2024-12/KHSM%20Encounters%20%28USBP%29%20fy25m11.xlsx",)
    candidate = source.fetch(http, ref)
    assert candidate.files[0].content == workbook.read_bytes()
    assert source.parse(candidate).data_through == date(2024, 11, 1)


def test_live_discovery_takes_the_newest_workbook_and_fails_clearly_without_one(agency_server):
    page = (
        '<a href="/sites/default/files/2024-11/KHSM%20Encounters%20%28USBP%29%20fy25m10.xlsx">Oct</a>'
        '<a href="https://ohss.dhs.gov/sites/default/files/2024-12/khsm_encounters_usbp_fy25m11.xlsx">Nov</a>'
        '<a href="/sites/default/files/2024-09/KHSM%20Encounters%20%28USBP%29%20fy24m08.xlsx">Aug</a>'
    ).encode()
    from agency_server import Reply

    agency_server.script(DhsKhsmUsbp.landing_path, Reply(200, page, (("Content-Type", "text/html"),)))
    ref = DhsKhsmUsbp(agency_server.url).discover(HttpClient(backoff=0.01))
    assert (ref.label, ref.urls) == ("fy25m11", (agency_server.url + "/sites/default/files/2024-12/khsm_encounters_usbp_fy25m11.xlsx",))

    agency_server.listed[DhsKhsmUsbp.landing_path] = []
    with pytest.raises(Exception, match=r"/khsm/cbp-encounters: no link to a KHSM USBP encounters workbook"):
        DhsKhsmUsbp(agency_server.url).discover(HttpClient(backoff=0.01))


def test_recorded_entry_must_be_named_like_the_published_workbook(tmp_path):
    wrong = tmp_path / "usbp.xlsx"
    wrong.write_bytes(b"x")
    with pytest.raises(FormatError, match="expected a file named like 'KHSM Encounters"):
        SOURCE.recorded(wrong)
