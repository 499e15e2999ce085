"""CSV releases parsed in DuckDB: the first problem in file order is named by line and column, as Python's csv
module counts lines; values are trimmed and typed as before; importing the sources does not import pandas."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import pytest

from bad_input_support import duplicated, with_field
from claimwatch.errors import FormatError
from claimwatch.sources.base import Candidate, RawFile
from claimwatch.sources.cbp_encounters import CbpEncounters
from claimwatch.sources.csv_file import WHITESPACE
from claimwatch.sources.worldbank_population import WorldBankPopulation

CBP = CbpEncounters()
APR = "nationwide-encounters-fy21-fy24-apr-state.csv"
HEADER = "Fiscal Year,Month Grouping,Month (abbv),Land Border Region,State,Demographic,Citizenship,Title of Authority," \
    "Encounter Count\r\n"
WB = WorldBankPopulation()


@pytest.fixture(scope="module")
def apr(shared_data) -> bytes:
    return (shared_data / CBP.recorded_folder / APR).read_bytes()


def parse_cbp(content: bytes, name: str = APR):
    return CBP.parse(Candidate(CBP.name, CBP.label_of(name), (RawFile(name, "file:///" + name, content),)))


def cbp_error(content: bytes, name: str = APR) -> str:
    with pytest.raises(FormatError) as caught:
        parse_cbp(content, name)
    return str(caught.value)


def parse_wb(content: bytes):
    return WB.parse(Candidate(WB.name, "2026-03-06", (RawFile("population.csv", "file:///population.csv", content),)))


def test_importing_the_sources_does_not_import_pandas():
    code = "import sys, claimwatch.sources; print(sorted(m for m in ('pandas', 'pyarrow') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_whitespace_is_what_str_strip_strips():
    assert set(WHITESPACE) == {c for c in map(chr, range(0x110000)) if c.isspace()}


def test_a_bad_count_deep_in_a_large_file_is_named_before_a_later_duplicate(apr):
    content = duplicated(with_field(apr, 40_000, "Encounter Count", "1.5"), 500, after=41_000)
    assert cbp_error(content).startswith(f"{APR}, line 40000, column 'Encounter Count': expected a whole number, got '1.5'")


def test_a_row_with_too_many_fields_is_named_by_its_line(apr):
    lines = apr.splitlines(keepends=True)
    lines[29_999] = lines[29_999].replace(b"\r\n", b",7\r\n")
    content = with_field(b"".join(lines), 35_000, "Encounter Count", "n/a")
    assert cbp_error(content).startswith(
        f"{APR}, line 30000: 10 fields, expected 9 (Fiscal Year, Month Grouping, Month (abbv), Land Border Region, "
        "State, Demographic, Citizenship, Title of Authority, Encounter Count): truncated or malformed row")


def test_a_bad_value_before_a_short_row_is_named_first(apr):
    lines = apr.splitlines(keepends=True)
    lines[29_999] = lines[29_999].rsplit(b",", 1)[0] + b"\r\n"
    content = with_field(b"".join(lines), 12_000, "Month (abbv)", "Sept")
    assert cbp_error(content).startswith(
        f"{APR}, line 12000, column 'Month (abbv)': expected a month abbreviation OCT..SEP, got 'Sept'")
    assert cbp_error(b"".join(lines)).startswith(f"{APR}, line 30000: 8 fields, expected 9")


FY24_OCT = "nationwide-encounters-fy24-fy24-oct-state.csv"
ROW = "2024,FYTD,OCT,Southwest Land Border,TX,Single Adults,{citizenship},Title 8,{count}\r\n"


def test_lines_count_blank_lines_and_line_breaks_inside_quotes():
    content = (HEADER + ROW.format(citizenship='"MEXICO,\r\nNORTH"', count=1) + "\r\n"
               + ROW.format(citizenship="CUBA", count=2) + ROW.format(citizenship="HAITI", count="x")).encode()
    assert cbp_error(content, FY24_OCT).startswith(
        f"{FY24_OCT}, line 6, column 'Encounter Count': expected a whole number, got 'x'")
    content = content.replace(b"HAITI", b"CUBA").replace(b",x\r\n", b",3\r\n")
    assert cbp_error(content, FY24_OCT).startswith(
        f"{FY24_OCT}, line 6: duplicate row: same key (2023-10-01, Southwest Land Border, TX, Single Adults, CUBA, "
        "Title 8) as line 5")


def test_fields_are_trimmed_typed_and_renamed_as_before():
    content = (HEADER + ROW.format(citizenship="\u00a0CUBA ", count='" 1,234 "').replace("Single Adults", "UC / Single Minors")
               + ROW.format(citizenship="HAITI", count="+5")).encode("utf-8-sig")
    parsed = parse_cbp(content, FY24_OCT)
    assert parsed.data_through == date(2023, 10, 1) and parsed.rows == 2
    rows = parsed.tables["cbp_encounters__monthly"].relation.fetchall()
    assert rows == [
        (2024, "2024", "FYTD", date(2023, 10, 1), "Southwest Land Border", "TX", "UAC", "CUBA", "Title 8", 1234),
        (2024, "2024", "FYTD", date(2023, 10, 1), "Southwest Land Border", "TX", "Single Adults", "HAITI", "Title 8", 5),
    ]


def test_an_empty_text_field_and_a_non_utf8_file_are_named():
    content = (HEADER + ROW.format(citizenship="  ", count=1)).encode()
    assert cbp_error(content, FY24_OCT).startswith(
        f"{FY24_OCT}, line 2, column 'Citizenship': expected a value, got an empty field")
    content = (HEADER + ROW.format(citizenship="CUBA", count=1)).encode().replace(b"CUBA", b"CUB\xc1")
    at = content.index(b"\xc1")
    assert cbp_error(content, FY24_OCT).startswith(f"{FY24_OCT}: not UTF-8 text (byte {at})")


def test_no_data_rows_after_the_header():
    assert cbp_error(HEADER.encode(), FY24_OCT) == f"{FY24_OCT}: no data rows after the header"


WB_HEADER = "Country Name,Country Code,Year,Value\n"


def test_world_bank_values_empty_fractional_and_checked_in_column_order():
    parsed = parse_wb((WB_HEADER + "Canada, CAN ,2023,\nWorld,WLD,2024,212032318.5\n").encode())
    assert parsed.data_through == date(2024, 1, 1)
    assert parsed.tables["worldbank__population"].relation.fetchall() == [
        ("CAN", "Canada", 2023, None), ("WLD", "World", 2024, 212032318.5)]
    with pytest.raises(FormatError, match=r"population.csv, line 3: duplicate row: same key \(CAN, 2023\) as line 2$"):
        parse_wb((WB_HEADER + "Canada,CAN,2023,1\nCanada,CAN,2023,x\n").encode())
    with pytest.raises(FormatError, match=r"line 2, column 'Year': expected a whole number, got ' 2023a'$"):
        parse_wb((WB_HEADER + "Canada,CAN, 2023a,x\n").encode())
    with pytest.raises(FormatError, match=r"line 2, column 'Country Code': expected a 3-character country code, got 'CA'$"):
        parse_wb((WB_HEADER + "Canada,CA,2023a,x\n").encode())
