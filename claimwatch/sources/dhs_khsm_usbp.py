"""DHS OHSS Key Homeland Security Metrics (KHSM), USBP encounters workbook (https://ohss.dhs.gov/khsm/cbp-encounters).

An xlsx of U.S. Border Patrol encounters since FY2000 (October 1999), annual and monthly, nationwide and by
region, sector, citizenship and family status (16 sheets), every figure rounded by OHSS to the nearest 10.
claimwatch keeps 'Monthly Region' (Fiscal Year, Month, Region, Quantity) and the nationwide 'Monthly Count'
(Fiscal Year, Month, Quantity), stored as region 'Nationwide Total' with is_total: each figure is rounded on
its own, so the regions add up to the published total only within rounding (audit frame `regions_total`).
Months are labelled '01 October' .. '12 September' (the fiscal year runs October to September). The file name
`KHSM Encounters (USBP) fyYYmMM.xlsx` gives the data-through month: fiscal year YY, calendar month MM
(fy25m11 holds data through November 2024, FY2025's second month). 'Annual Count' must agree with the sum of
its months within rounding. The landing page links the workbook from OHSS's Drupal file area
(/sites/default/files/YYYY-MM/).
"""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path
from urllib.parse import unquote, urljoin

from python_calamine import CalamineWorkbook

from claimwatch.errors import FetchError, FormatError
from claimwatch.sources.base import Candidate, ParsedRelease, RawFile, ReleaseRef, Source, TableSpec, read_recorded_file
from claimwatch.sources.cbp_release import FISCAL_MONTHS, fiscal_month_start
from claimwatch.sources.csv_file import check_not_html

NATIONWIDE = "Nationwide Total"  # the region name of the 'Monthly Count' rows (as on OHSS's KHSM page)
ROUNDING = 5  # each published figure is within 5 of the true count (rounded to the nearest 10)
SHEETS = {
    "Monthly Region": ("Fiscal Year", "Month", "Region", "Quantity"),
    "Monthly Count": ("Fiscal Year", "Month", "Quantity"),
    "Annual Count": ("Fiscal Year", "Quantity"),
}
_LABEL = re.compile(r"fy(\d{2})m(\d{2})", re.I)
_LINK = re.compile(r"usbp.*fy(\d{2})m(\d{2})\.xlsx$", re.I)  # the workbook's name, unquoted
_MONTH = re.compile(r"(\d{2})\s+([A-Za-z]+)")

KHSM_TABLE = TableSpec(
    "dhs_khsm_usbp__monthly", period="month", keys=("region",), values=("encounter_count",), total_rows="not is_total"
)


def label_data_through(label: str) -> date:
    """Data-through month of a label: fy25m11 -> 2024-11 (fiscal year 2025, calendar month 11)."""
    match = _LABEL.fullmatch(label)
    month = int(match.group(2)) if match else 0
    if not 1 <= month <= 12:
        raise ValueError(f"not a KHSM release label (fyYYmMM, MM a calendar month): {label!r}")
    fiscal_year = 2000 + int(match.group(1))
    return date(fiscal_year - 1 if month >= 10 else fiscal_year, month, 1)


class DhsKhsmUsbp(Source):
    """The KHSM USBP encounters workbook: monthly encounters by region and nationwide."""

    name = "dhs_khsm_usbp"
    title = "DHS OHSS Key Homeland Security Metrics: USBP encounters"
    recorded_folder = "dhs_ohss_khsm_usbp_encounters"
    grain = "month"
    base_url = "https://ohss.dhs.gov"
    landing_path = "/khsm/cbp-encounters"
    tables = (KHSM_TABLE,)

    def discover(self, http) -> ReleaseRef:
        page_url = self.base_url + self.landing_path
        found = {}
        for href in re.findall(r"""href\s*=\s*["']([^"']+)["']""", http.get_text(page_url), flags=re.I):
            name = unquote(href.split("?")[0].rsplit("/", 1)[-1])
            if match := _LINK.search(name):
                found[f"fy{match.group(1)}m{match.group(2)}"] = self.on_mirror(urljoin(page_url, href))
        found = {label: url for label, url in found.items() if 1 <= int(label[-2:]) <= 12}
        if not found:
            raise FetchError(f"{page_url}: no link to a KHSM USBP encounters workbook (… (USBP) fyYYmMM.xlsx)")
        label = max(found, key=label_data_through)
        return ReleaseRef(label, (found[label],))

    def is_release_entry(self, entry: Path) -> bool:
        return entry.is_file() and bool(_LINK.search(entry.name))

    def recorded(self, entry: Path) -> Candidate:
        match = _LINK.search(entry.name)
        if not entry.is_file() or not match or not 1 <= int(match.group(2)) <= 12:
            raise FormatError(str(entry), "expected a file named like 'KHSM Encounters (USBP) fyYYmMM.xlsx'")
        file = read_recorded_file(entry)
        label = f"fy{match.group(1)}m{match.group(2)}"
        return Candidate(self.name, label, (file,), origin="recorded", stated_through=label_data_through(label))

    def parse(self, candidate: Candidate) -> ParsedRelease:
        (file,) = candidate.files
        sheets = read_sheets(file)
        regions = monthly_rows(file, "Monthly Region", sheets["Monthly Region"])
        totals = monthly_rows(file, "Monthly Count", sheets["Monthly Count"])
        check_same_months(file, regions, totals)
        check_annual(file, totals, sheets["Annual Count"])
        import pandas as pd  # only when parsing: importing the sources stays light

        frame = pd.DataFrame(
            [(fy, month, region, False, count) for (fy, month, region), count in regions.items()]
            + [(fy, month, NATIONWIDE, True, count) for (fy, month, _), count in totals.items()],
            columns=["fiscal_year", "month", "region", "is_total", "encounter_count"],
        ).sort_values(["month", "is_total", "region"], ignore_index=True)
        data_through = frame["month"].max()
        expected = label_data_through(candidate.label)
        if data_through != expected:
            raise FormatError(
                file.name, f"the file name says data through {expected:%Y-%m} but its newest month is {data_through:%Y-%m}"
            )
        return ParsedRelease(data_through=data_through, tables={KHSM_TABLE.name: frame})


def read_sheets(file: RawFile) -> dict[str, list[tuple[int, list]]]:
    """(line, cells) of each sheet claimwatch reads, after checking its header."""
    check_not_html(file, "an xlsx workbook")
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(file.content))
    except Exception as exc:  # calamine raises its own error types for broken zips
        raise FormatError(file.name, f"not a readable xlsx workbook ({exc}); the file may be truncated") from None
    out = {}
    for sheet, header in SHEETS.items():
        if sheet not in workbook.sheet_names:
            raise FormatError(file.name, f"no sheet {sheet!r}; the workbook has {workbook.sheet_names}")
        rows = workbook.get_sheet_by_name(sheet).to_python()
        found = tuple(" ".join(str(h).split()) for h in rows[0]) if rows else ()
        if found[: len(header)] != header or any(str(h).strip() for h in found[len(header):]):
            raise FormatError(f"{file.name}, sheet {sheet!r}", f"header {list(found)}, expected {list(header)}", row=1)
        out[sheet] = [(line, row[: len(header)]) for line, row in enumerate(rows[1:], start=2)
                      if any(str(c).strip() for c in row)]
    return out


def whole_number(file: RawFile, sheet: str, line: int, column: str, cell) -> int:
    """A cell holding a whole number (calamine gives floats), or a FormatError naming sheet, line and column."""
    if isinstance(cell, str):
        cell = cell.strip().replace(",", "")
    try:
        value = float(cell)
    except (TypeError, ValueError):
        value = float("nan")
    if not value.is_integer():
        raise FormatError(f"{file.name}, sheet {sheet!r}", f"expected a whole number, got {cell!r}", row=line, column=column)
    return int(value)


def fiscal_month(file: RawFile, sheet: str, line: int, fiscal_year: int, cell) -> date:
    """'02 November' of FY2025 -> 2024-11-01; the number must be the month's place in the fiscal year."""
    match = _MONTH.fullmatch(str(cell).strip())
    abbv = match.group(2)[:3].upper() if match else ""
    if abbv not in FISCAL_MONTHS or int(match.group(1)) != FISCAL_MONTHS.index(abbv) + 1:
        raise FormatError(f"{file.name}, sheet {sheet!r}", f"expected a fiscal month '01 October' .. '12 September', "
                          f"got {cell!r}", row=line, column="Month")
    return fiscal_month_start(fiscal_year, abbv)


def monthly_rows(file: RawFile, sheet: str, rows: list[tuple[int, list]]) -> dict[tuple, int]:
    """{(fiscal year, month, region or ''): count} of a monthly sheet; a repeated key is an error."""
    out, seen = {}, {}
    for line, cells in rows:
        fiscal_year = whole_number(file, sheet, line, "Fiscal Year", cells[0])
        if not 1990 <= fiscal_year <= 2100:
            raise FormatError(f"{file.name}, sheet {sheet!r}", f"expected a fiscal year, got {cells[0]!r}", row=line, column="Fiscal Year")
        month = fiscal_month(file, sheet, line, fiscal_year, cells[1])
        region = str(cells[2]).strip() if len(cells) == 4 else ""
        if len(cells) == 4 and not region:
            raise FormatError(f"{file.name}, sheet {sheet!r}", "expected a region, got an empty cell", row=line, column="Region")
        key = (fiscal_year, month, region)
        if (first := seen.setdefault(key, line)) != line:
            raise FormatError(f"{file.name}, sheet {sheet!r}", f"duplicate row: same fiscal year, month and region as line {first}", row=line)
        out[key] = whole_number(file, sheet, line, "Quantity", cells[-1])
    if not out:
        raise FormatError(f"{file.name}, sheet {sheet!r}", "no data rows after the header")
    return out


def check_same_months(file: RawFile, regions: dict, totals: dict) -> None:
    """Every month has a nationwide count and at least one region."""
    by_region = {month for _, month, _ in regions}
    by_total = {month for _, month, _ in totals}
    if by_region != by_total:
        odd = sorted(by_region ^ by_total)[0]
        where = "'Monthly Count'" if odd in by_region else "'Monthly Region'"
        raise FormatError(file.name, f"month {odd:%Y-%m} is missing from sheet {where}: the two sheets must cover the same months")


def check_annual(file: RawFile, totals: dict, annual: list[tuple[int, list]]) -> None:
    """Each fiscal year of 'Annual Count' equals the sum of its months within rounding (5 per figure)."""
    sums: dict[int, list[int]] = {}
    for (fiscal_year, _, _), count in totals.items():
        sums.setdefault(fiscal_year, []).append(count)
    for line, (year_cell, quantity) in annual:
        fiscal_year = whole_number(file, "Annual Count", line, "Fiscal Year", year_cell)
        total = whole_number(file, "Annual Count", line, "Quantity", quantity)
        months = sums.get(fiscal_year)
        if months is None:
            raise FormatError(f"{file.name}, sheet 'Annual Count'", f"FY{fiscal_year} has no months in 'Monthly Count'", row=line)
        if abs(total - sum(months)) > ROUNDING * (len(months) + 1):
            raise FormatError(
                f"{file.name}, sheet 'Annual Count'", f"FY{fiscal_year} is {total:,} but its {len(months)} months in 'Monthly Count' "
                f"add up to {sum(months):,} (expected equal within rounding, ±{ROUNDING * (len(months) + 1)})",
                row=line, column="Quantity",
            )
