"""Census FT-900 goods trade by partner: country.xlsx (https://www.census.gov/foreign-trade/balance/country.xlsx).

Exports and imports by partner and calendar month in $ millions, not seasonally adjusted, one row per
(year, partner) with IJAN..IDEC, IYR, EJAN..EDEC, EYR. Months not yet published are 0 in the file: they become
NULL. Codes below 1000 are aggregates (0015 World, 0003 European Union, 0001 OPEC ...); 1000 and up are
countries (Census schedule C). Landing page: https://www.census.gov/foreign-trade/statistics/country/index.html
"""

from __future__ import annotations

import io
import math
import re
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from python_calamine import CalamineWorkbook

from claimwatch.errors import FormatError
from claimwatch.sources.base import (
    Candidate, ParsedRelease, RawFile, ReleaseRef, Source, TableSpec, published_at, read_recorded_file,
)
from claimwatch.sources.csv_file import check_not_html

if TYPE_CHECKING:
    import pandas as pd

MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
HEADER = ["year", "CTY_CODE", "CTYNAME", *(f"I{m}" for m in MONTHS), "IYR", *(f"E{m}" for m in MONTHS), "EYR"]
WORLD = "0015"
FLOWS = (("imports", "I"), ("exports", "E"))
_RECORDED = re.compile(r"release-(\d{4}-\d{2})(?:_data-through-(\d{4}-\d{2}))?")

TRADE_TABLE = TableSpec(
    "census_trade__monthly", period="month", keys=("flow", "partner_code"), values=("value_usd",),
    total_rows="not is_aggregate", published=(1e-6, "${value:,.1f}M"),  # FT-900 tables: $ millions, one decimal
)


def partner_code(raw) -> str:
    """Census country codes are 4-digit strings; a workbook may store them as numbers."""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    return str(raw).strip().zfill(4)


def millions_to_dollars(value: float) -> int:
    """$ millions (as stored, to 6 decimals) to whole dollars."""
    return round(value * 1_000_000)


class CensusTrade(Source):
    """The FT-900 country.xlsx workbook."""

    name = "census_trade"
    title = "Census goods trade by partner (FT-900 country.xlsx)"
    recorded_folder = "census_trade_country_xlsx"
    grain = "month"
    base_url = "https://www.census.gov"
    path = "/foreign-trade/balance/country.xlsx"
    tables = (TRADE_TABLE,)

    def discover(self, http) -> ReleaseRef:
        # The file lives at one fixed URL; a conditional GET in fetch() tells whether it changed.
        return ReleaseRef(label="", urls=(self.base_url + self.path,))

    def fetch(self, http, ref: ReleaseRef) -> Candidate:
        file = http.get_file(ref.urls[0])
        # Census publishes early each month: the month of Last-Modified labels the release.
        return Candidate(self.name, ref.label or f"{published_at(file):%Y-%m}", (file,), origin="live")

    def is_release_entry(self, entry: Path) -> bool:
        return entry.is_dir() and bool(_RECORDED.fullmatch(entry.name))

    def recorded(self, entry: Path) -> Candidate:
        match = _RECORDED.fullmatch(entry.name)
        if not entry.is_dir() or not match:
            raise FormatError(str(entry), "expected a folder named release-YYYY-MM[_data-through-YYYY-MM] holding country.xlsx")
        file = read_recorded_file(entry / "country.xlsx")
        stated = date.fromisoformat(match.group(2) + "-01") if match.group(2) else None
        return Candidate(self.name, match.group(1), (file,), origin="recorded", stated_through=stated)

    def parse(self, candidate: Candidate) -> ParsedRelease:
        (file,) = candidate.files
        rows = read_sheet(file)
        frame, data_through = normalise(file, rows)
        if candidate.stated_through and candidate.stated_through != data_through:
            raise FormatError(
                file.name,
                f"the release folder says data through {candidate.stated_through:%Y-%m} but the World row's "
                f"newest published month is {data_through:%Y-%m}",
            )
        return ParsedRelease(data_through=data_through, tables={TRADE_TABLE.name: frame})


def read_sheet(file: RawFile) -> list[list]:
    """Rows of the workbook's first sheet, header checked."""
    check_not_html(file, "an xlsx workbook")
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(file.content))
        rows = workbook.get_sheet_by_index(0).to_python()
    except Exception as exc:  # calamine raises its own error types for broken zips and sheets
        raise FormatError(file.name, f"not a readable xlsx workbook ({exc}); the file may be truncated") from None
    if not rows:
        raise FormatError(file.name, "the first sheet is empty; expected a header row " + ", ".join(HEADER))
    header = [str(h).strip() for h in rows[0]]
    if header != HEADER:
        missing = [c for c in HEADER if c not in header]
        unexpected = [c for c in header if c not in HEADER]
        raise FormatError(
            file.name, f"header does not match: missing {missing}, unexpected {unexpected}; expected {HEADER}", row=1
        )
    return rows[1:]


def normalise(file: RawFile, rows: list[list]) -> tuple[pd.DataFrame, date]:
    """Long form (flow, partner, month, value in dollars); unpublished months of the newest year become NULL.

    A workbook as Census publishes it (numbers in every cell, nothing out of place) goes through `fast_normalise`;
    anything else through `checked_normalise`, which names the row and column of a problem: same frame either way."""
    found = fast_normalise(rows)
    return found if found is not None else checked_normalise(file, rows)


def fast_normalise(rows: list[list]) -> tuple[pd.DataFrame, date] | None:
    """checked_normalise's frame built column-wise with numpy (0.26-0.42 s a workbook in Python loops, 215,000 values);
    None as soon as anything is not as published: a missing or non-number cell, a bad year or code, a duplicate
    row, no World row or a value in an unpublished month; checked_normalise then says which."""
    import numpy as np
    import pandas as pd

    if not rows or any(len(row) != len(HEADER) for row in rows):
        return None
    months = [HEADER.index(prefix + m) for _, prefix in FLOWS for m in MONTHS]  # imports JAN..DEC, exports JAN..DEC
    try:
        years_raw = np.array([row[0] for row in rows], dtype=object).astype(float)
        values = np.array([[row[i] for i in months] for row in rows], dtype=object).astype(float)
    except (TypeError, ValueError):  # a text cell (e.g. '1,234.5') or an empty one: the checked path reads those
        return None
    if not (np.isfinite(years_raw).all() and np.isfinite(values).all()):
        return None
    years = np.trunc(years_raw).astype(int)
    codes = [partner_code(row[1]) for row in rows]
    if not all(code.isdigit() and len(code) == 4 for code in codes) or len(set(zip(years.tolist(), codes))) != len(rows):
        return None
    newest = int(years.max())
    world = [n for n, code in enumerate(codes) if code == WORLD and years[n] == newest]
    published = np.flatnonzero(values[world[0]].reshape(2, 12).any(axis=0)) if world else []
    if not len(published):
        return None
    through = int(published.max()) + 1
    later = np.tile(np.arange(1, 13) > through, 2)  # the newest year's months after the data-through month
    if values[years == newest][:, later].any():
        return None
    per_row = len(months)
    first = int(years.min())
    calendar = np.array([date(y, m, 1) for y in range(first, newest + 1) for m in range(1, 13)], dtype=object)
    month_of = np.tile(np.arange(12), 2)
    dollars = pd.array(np.round(values * 1_000_000).astype("int64").ravel(), dtype="Int64")
    dollars[np.repeat(years == newest, per_row) & np.tile(later, len(rows))] = pd.NA
    frame = pd.DataFrame({
        "flow": np.tile(np.repeat(np.array([flow for flow, _ in FLOWS], dtype=object), 12), len(rows)),
        "partner_code": np.repeat(np.array(codes, dtype=object), per_row),
        "partner_name": np.repeat(np.array([str(row[2]).strip() for row in rows], dtype=object), per_row),
        "is_aggregate": np.repeat(np.array([int(code) < 1000 for code in codes]), per_row),
        "month": calendar[(np.repeat(years - first, per_row) * 12 + np.tile(month_of, len(rows)))],
        "value_usd": dollars,
    })
    return frame, date(newest, through, 1)


def checked_normalise(file: RawFile, rows: list[list]) -> tuple[pd.DataFrame, date]:
    """normalise, row by row: each problem is a FormatError naming the file, the row and the column."""
    parsed = []
    seen: dict = {}
    for index, row in enumerate(rows, start=2):
        try:
            year = int(float(row[0]))
        except (TypeError, ValueError):
            raise FormatError(file.name, f"expected a year, got {row[0]!r}", row=index, column="year") from None
        code = partner_code(row[1])
        if not code.isdigit() or len(code) != 4:
            raise FormatError(file.name, f"expected a 4-digit country code, got {row[1]!r}", row=index, column="CTY_CODE")
        values = {}
        for column, cell in zip(HEADER[3:], row[3:]):
            if column.endswith("YR"):
                continue
            if isinstance(cell, str):
                cell = cell.strip().replace(",", "")
            try:
                values[column] = float(cell)
            except (TypeError, ValueError):
                values[column] = math.nan
            if not math.isfinite(values[column]):  # float() also accepts 'nan' and 'inf'
                raise FormatError(file.name, f"expected a number ($ millions), got {cell!r}", row=index, column=column)
        first = seen.setdefault((year, code), index)
        if first != index:
            raise FormatError(file.name, f"duplicate row: year {year} and CTY_CODE {code} already on line {first}", row=index)
        parsed.append((index, year, code, str(row[2]).strip(), values))
    if not parsed:
        raise FormatError(file.name, "no data rows after the header")
    data_through = published_through(file, parsed)
    records = []
    for index, year, code, name, values in parsed:
        for flow, prefix in FLOWS:
            for month_no, month in enumerate(MONTHS, start=1):
                value = values[prefix + month]
                period = date(year, month_no, 1)
                if period > data_through:
                    if value != 0:
                        raise FormatError(
                            file.name,
                            f"{value} for a month after the data-through month {data_through:%Y-%m}; expected 0 (unpublished)",
                            row=index, column=prefix + month,
                        )
                    amount = None
                else:
                    amount = millions_to_dollars(value)
                records.append((flow, code, name, int(code) < 1000, period, amount))
    import pandas as pd  # only when parsing: importing the sources stays light

    frame = pd.DataFrame(records, columns=["flow", "partner_code", "partner_name", "is_aggregate", "month", "value_usd"])
    frame["value_usd"] = frame["value_usd"].astype("Int64")
    return frame, data_through


def published_through(file: RawFile, parsed: list) -> date:
    """The newest month with a World total: later months of the newest year are unpublished zeros."""
    newest = max(year for _, year, *_ in parsed)
    world = [values for _, year, code, _, values in parsed if year == newest and code == WORLD]
    if not world:
        raise FormatError(file.name, f"no World (CTY_CODE {WORLD}) row for {newest}; cannot tell which months are published")
    months = [n for n, m in enumerate(MONTHS, start=1) if world[0]["E" + m] or world[0]["I" + m]]
    if not months:
        raise FormatError(file.name, f"the World row for {newest} has no published month")
    return date(newest, max(months), 1)
