"""What CBP's monthly CSV releases share: fiscal months, file-name labels, landing-page discovery, parsing.

CBP publishes each dataset as `<prefix>-fyAA-fyBB[-mon]<suffix>.csv` under `/sites/default/files/YYYY-MM/`,
linked from a landing page under https://www.cbp.gov/document/stats/. A file without a month is the final
release of fiscal years AA..BB; with a month it is the fiscal-year-to-date release through that month.
The fiscal year runs October to September (data dictionary: ../shared/data/cbp_reference/).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import ClassVar
from urllib.parse import urljoin

from claimwatch.errors import FetchError, FormatError
from claimwatch.sources.base import Candidate, DuckTable, ParsedRelease, RawFile, ReleaseRef, Source, read_recorded_file
from claimwatch.sources.csv_file import (
    Check, CsvRows, connect, decimal_number, duplicate_check, sql_text, stripped, whole_number,
)

FISCAL_MONTHS = ("OCT", "NOV", "DEC", "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP")
_MONTH = "|".join(m.lower() for m in FISCAL_MONTHS)  # only a month, not e.g. the "-aor" of a by-AOR file
_FISCAL_YEAR = re.compile(r"^(\d{4})(?:\s*\(FYTD\))?$")
# CBP renamed the demographic "UC / Single Minors" to "UAC" (unaccompanied children) in its 2025 files.
DEMOGRAPHIC_NAMES = {"UC / Single Minors": "UAC"}


def fiscal_month_start(fiscal_year: int, month_abbv: str) -> date:
    """First day of the calendar month of a fiscal month: FY2024 OCT is 2023-10-01."""
    index = FISCAL_MONTHS.index(month_abbv)
    month = (index + 9) % 12 + 1
    return date(fiscal_year - 1 if month >= 10 else fiscal_year, month, 1)


def label_data_through(label: str) -> date:
    """Data-through month a file-name label implies: fy21-fy24-apr -> 2024-04; fy21-fy24 -> 2024-09."""
    match = re.fullmatch(r"fy(\d{2})-fy(\d{2})(?:-([a-z]{3}))?", label)
    if not match:
        raise ValueError(f"not a CBP release label: {label!r}")
    fiscal_year = 2000 + int(match.group(2))
    return fiscal_month_start(fiscal_year, (match.group(3) or "sep").upper())


class CbpCsvSource(Source):
    """A CBP CSV release; subclasses give the file-name pattern, landing page and column layout."""

    grain = "month"
    base_url = "https://www.cbp.gov"
    landing_path: ClassVar[str]
    file_prefix: ClassVar[str]  # e.g. "nationwide-encounters"
    file_suffix: ClassVar[str]  # e.g. "-state"
    # (CSV header, table column, kind) with kind one of fiscal_year, month, text, count, quantity
    columns: ClassVar[tuple[tuple[str, str, str], ...]]

    def file_pattern(self) -> re.Pattern:
        return re.compile(
            rf"{re.escape(self.file_prefix)}-(fy\d{{2}}-fy\d{{2}}(?:-(?:{_MONTH}))?){re.escape(self.file_suffix)}\.csv$"
        )

    def label_of(self, file_name: str) -> str:
        match = self.file_pattern().search(file_name.lower())
        if not match:
            raise FormatError(file_name, f"file name does not look like {self.file_prefix}-fyAA-fyBB[-mon]{self.file_suffix}.csv")
        return match.group(1)

    def discover(self, http) -> ReleaseRef:
        page_url = self.base_url + self.landing_path
        html = http.get_text(page_url)
        pattern = self.file_pattern()
        found = {}
        for href in re.findall(r"""href\s*=\s*["']([^"']+)["']""", html, flags=re.I):
            match = pattern.search(href.lower())
            if match:
                found[match.group(1)] = self.on_mirror(urljoin(page_url, href))
        if not found:
            raise FetchError(f"{page_url}: no link to a {self.file_prefix}-fyAA-fyBB[-mon]{self.file_suffix}.csv file")
        label = max(found, key=lambda lab: (label_data_through(lab), lab))
        return ReleaseRef(label, (found[label],))

    def is_release_entry(self, entry: Path) -> bool:
        return entry.is_file() and bool(self.file_pattern().search(entry.name.lower()))

    def recorded(self, entry: Path) -> Candidate:
        file = read_recorded_file(entry)
        label = self.label_of(file.name)
        return Candidate(self.name, label, (file,), origin="recorded", stated_through=label_data_through(label))

    def parse(self, candidate: Candidate) -> ParsedRelease:
        (file,) = candidate.files
        table = self.tables[0]
        rows = self.parse_rows(file)
        if not len(rows):
            raise FormatError(file.name, "no data rows after the header")
        data_through = rows.relation.aggregate("max(month)").fetchone()[0]
        expected = label_data_through(candidate.label)
        if data_through != expected:
            raise FormatError(
                file.name,
                f"the file name says data through {expected:%Y-%m} but its newest month is {data_through:%Y-%m}",
            )
        return ParsedRelease(data_through=data_through, tables={table.name: rows})

    def parse_rows(self, file: RawFile) -> DuckTable:
        """Parse every row into typed columns (in DuckDB); keys must be unique per month."""
        con = connect()
        rows = CsvRows(con, file, [h for h, _, _ in self.columns])
        typed, checks = [], []
        for header, column, kind in self.columns:
            selects, check = column_sql(header, rows.field(header), column, kind)
            typed += selects
            checks.append(check)
        con.execute(f"create table parsed as select record, {', '.join(typed)} from csv_rows")
        checks.append(duplicate_check(rows, "parsed", ("month", *self.tables[0].keys)))
        rows.check("parsed_checked", checks)
        output = [c for _, column, kind in self.columns
                  for c in ((column, "fiscal_year_label") if kind == "fiscal_year" else (column,))]
        return DuckTable(con.sql(f"select {', '.join(output)} from parsed"))  # in file order


def column_sql(header: str, field: str, column: str, kind: str) -> tuple[list[str], Check]:
    """The typed column(s) SQL makes of one CSV field, and the check on it (messages quote the trimmed field)."""
    text = stripped(field)

    def check(bad: str, expected: str) -> Check:
        return Check(header, bad, lambda row: f"expected {expected}, got {(row[field] or '').strip()!r}")

    if kind == "fiscal_year":
        year = f"try_cast(regexp_extract({text}, '^([0-9]{{4}})(?:\\s*\\(FYTD\\))?$', 1) as integer)"
        return [f"{year} as fiscal_year", f"{text} as fiscal_year_label"], check(
            "fiscal_year is null", "a fiscal year like 2024 or '2024 (FYTD)'")
    if kind == "month":
        index = f"list_position([{', '.join(map(sql_text, FISCAL_MONTHS))}], upper({text}))"
        month = f"({index} + 8) % 12 + 1"
        return [f"make_date(fiscal_year - ({month} >= 10)::integer, {month}, 1) as {column}"], check(
            f"{column} is null", "a month abbreviation OCT..SEP")
    if kind == "count":
        return [f"{whole_number(field)} as {column}"], check(f"{column} is null", "a whole number")
    if kind == "quantity":
        return [f"{decimal_number(field)} as {column}"], check(f"{column} is null", "a number")
    value = text
    if column == "demographic":
        renamed = " ".join(f"when {sql_text(old)} then {sql_text(new)}" for old, new in DEMOGRAPHIC_NAMES.items())
        value = f"case {text} {renamed} else {text} end"
    return [f"{value} as {column}"], Check(header, f"{column} = ''", lambda row: "expected a value, got an empty field")
