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

import pandas as pd

from claimwatch.errors import FetchError, FormatError
from claimwatch.sources.base import Candidate, ParsedRelease, RawFile, ReleaseRef, Source, read_recorded_file
from claimwatch.sources.csv_file import check_unique, parse_float, parse_int, read_csv_rows

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
        if rows.empty:
            raise FormatError(file.name, "no data rows after the header")
        data_through = rows["month"].max()
        expected = label_data_through(candidate.label)
        if data_through != expected:
            raise FormatError(
                file.name,
                f"the file name says data through {expected:%Y-%m} but its newest month is {data_through:%Y-%m}",
            )
        return ParsedRelease(data_through=data_through, tables={table.name: rows})

    def parse_rows(self, file: RawFile) -> pd.DataFrame:
        """Parse every row into typed columns; keys must be unique per month."""
        table = self.tables[0]
        out: dict[str, list] = {}
        for _, column, kind in self.columns:
            if kind == "fiscal_year":
                out["fiscal_year"], out["fiscal_year_label"] = [], []
            else:
                out[column] = []
        seen: dict = {}
        headers = [h for h, _, _ in self.columns]
        for line, fields in read_csv_rows(file, headers):
            fiscal_year = None
            for (header, column, kind), text in zip(self.columns, fields):
                text = text.strip()
                if kind == "fiscal_year":
                    match = _FISCAL_YEAR.match(text)
                    if not match:
                        raise FormatError(file.name, f"expected a fiscal year like 2024 or '2024 (FYTD)', got {text!r}", row=line, column=header)
                    fiscal_year = int(match.group(1))
                    out["fiscal_year"].append(fiscal_year)
                    out["fiscal_year_label"].append(text)
                elif kind == "month":
                    if text.upper() not in FISCAL_MONTHS:
                        raise FormatError(file.name, f"expected a month abbreviation OCT..SEP, got {text!r}", row=line, column=header)
                    out[column].append(fiscal_month_start(fiscal_year, text.upper()))
                elif kind == "count":
                    out[column].append(parse_int(file, line, header, text))
                elif kind == "quantity":
                    out[column].append(parse_float(file, line, header, text))
                else:
                    if not text:
                        raise FormatError(file.name, "expected a value, got an empty field", row=line, column=header)
                    out[column].append(DEMOGRAPHIC_NAMES.get(text, text) if column == "demographic" else text)
            key = (out["month"][-1], *(out[k][-1] for k in table.keys))
            check_unique(file, seen, key, line)
        return pd.DataFrame(out)
