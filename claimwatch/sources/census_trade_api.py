"""Census international trade API: country totals by month (exports/hs ALL_VAL_MO, imports/hs GEN_VAL_MO).

https://api.census.gov/data/timeseries/intltrade/exports/hs?get=CTY_CODE,CTY_NAME,ALL_VAL_MO&time=from+YYYY-MM
(and imports/hs with GEN_VAL_MO). Values are whole dollars written as strings. Without a commodity predicate
the API returns all-commodity totals per country, plus group codes (e.g. 0003 European Union, 1XXX North
America) and '-' for the total of all countries. Guide:
https://www.census.gov/foreign-trade/reference/guides/Guide_to_International_Trade_Datasets.pdf
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path


from claimwatch.errors import FormatError
from claimwatch.sources.base import Candidate, ParsedRelease, ReleaseRef, Source, TableSpec, read_recorded_file
from claimwatch.sources.census_api import api_key_params, check_unique, read_api_table

ENDPOINTS = {"exports": ("exports/hs", "ALL_VAL_MO"), "imports": ("imports/hs", "GEN_VAL_MO")}
API_TABLE = TableSpec(
    "census_trade_api__monthly", period="month", keys=("flow", "partner_code"), values=("value_usd",),
    total_rows="not is_aggregate",
)


def is_aggregate(code: str) -> bool:
    """Country codes are 4 digits >= 1000; anything else ('-', 0003, 1XXX) is a total or a group."""
    return not (code.isdigit() and int(code) >= 1000)


class CensusTradeApi(Source):
    """Monthly exports and imports by country from the Census international trade API."""

    name = "census_trade_api"
    title = "Census international trade API, country totals"
    recorded_folder = "census_trade_api"
    grain = "month"
    base_url = "https://api.census.gov"
    tables = (API_TABLE,)
    years_back = 2

    def discover(self, http) -> ReleaseRef:
        start = f"{date.today().year - self.years_back}-01"
        urls = tuple(
            f"{self.base_url}/data/timeseries/intltrade/{path}?get=CTY_CODE,CTY_NAME,{value}&time=from+{start}"
            for path, value in ENDPOINTS.values()
        )
        return ReleaseRef(label=f"api-{date.today():%Y-%m-%d}", urls=urls)

    def fetch(self, http, ref: ReleaseRef) -> Candidate:
        files = []
        for flow, url in zip(ENDPOINTS, ref.urls):
            files.append(replace(http.get_file(url, secret_params=api_key_params()), name=f"{flow}.json"))
        return Candidate(self.name, ref.label, tuple(files), origin="live")

    def is_release_entry(self, entry: Path) -> bool:
        return entry.is_dir() and any((entry / f"{flow}.json").is_file() for flow in ENDPOINTS)

    def recorded(self, entry: Path) -> Candidate:
        files = tuple(read_recorded_file(entry / f"{flow}.json") for flow in ENDPOINTS)
        return Candidate(self.name, entry.name, files, origin="recorded")

    def parse(self, candidate: Candidate) -> ParsedRelease:
        by_name = {f.name: f for f in candidate.files}
        records, seen = [], {}
        for flow, (_, value_column) in ENDPOINTS.items():
            file = by_name.get(f"{flow}.json")
            if file is None:
                raise FormatError(candidate.label, f"release lacks {flow}.json")
            for number, row in read_api_table(file, ("CTY_CODE", "CTY_NAME", value_column, "time")):
                if not re.fullmatch(r"\d{4}-\d{2}", row["time"]):
                    raise FormatError(file.name, f"expected a month YYYY-MM, got {row['time']!r}", row=number, column="time")
                month = datetime.strptime(row["time"], "%Y-%m").date()
                text = row[value_column].strip()
                if not re.fullmatch(r"-?\d+", text):
                    raise FormatError(file.name, f"expected whole dollars, got {text!r}", row=number, column=value_column)
                code = row["CTY_CODE"].strip()
                check_unique(file, seen, (flow, code, month), number)
                records.append((flow, code, row["CTY_NAME"].strip(), is_aggregate(code), month, int(text)))
        import pandas as pd  # only when parsing: importing the sources stays light

        frame = pd.DataFrame(records, columns=["flow", "partner_code", "partner_name", "is_aggregate", "month", "value_usd"])
        return ParsedRelease(data_through=frame["month"].max(), tables={API_TABLE.name: frame})
