"""Census International Database (IDB) population by country and year, from the Census data API.

https://api.census.gov/data/timeseries/idb/5year?get=NAME,GENC,POP&YR=YYYY:YYYY&for=genc+standard+countries+and+areas:*
Documented at https://www.census.gov/data/developers/data-sets/international-database.html.
Countries are identified by GENC two-letter codes; POP is mid-year population.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from pathlib import Path


from claimwatch.errors import FormatError
from claimwatch.sources.base import Candidate, ParsedRelease, ReleaseRef, Source, TableSpec, read_recorded_file
from claimwatch.sources.census_api import api_key_params, check_unique, parse_int, read_api_table

IDB_TABLE = TableSpec("census_idb__population", period="year", keys=("country_code",), values=("population",))


class CensusIdbPopulation(Source):
    """Mid-year population by country from the Census IDB API."""

    name = "census_idb"
    title = "Census International Database population"
    recorded_folder = "census_idb_population"
    grain = "year"
    base_url = "https://api.census.gov"
    tables = (IDB_TABLE,)

    def discover(self, http) -> ReleaseRef:
        year = date.today().year
        url = (
            f"{self.base_url}/data/timeseries/idb/5year?get=NAME,GENC,POP"
            f"&YR={year - 10}:{year + 1}&for=genc+standard+countries+and+areas:*"
        )
        return ReleaseRef(label=f"api-{date.today():%Y-%m-%d}", urls=(url,))

    def fetch(self, http, ref: ReleaseRef) -> Candidate:
        file = replace(http.get_file(ref.urls[0], secret_params=api_key_params()), name="idb.json")
        return Candidate(self.name, ref.label, (file,), origin="live")

    def is_release_entry(self, entry: Path) -> bool:
        return entry.is_file() and entry.suffix.lower() == ".json"

    def recorded(self, entry: Path) -> Candidate:
        file = read_recorded_file(entry)
        return Candidate(self.name, entry.stem, (file,), origin="recorded")

    def parse(self, candidate: Candidate) -> ParsedRelease:
        (file,) = candidate.files
        records, seen = [], {}
        for number, row in read_api_table(file, ("NAME", "GENC", "POP", "YR")):
            code = row["GENC"].strip().upper()
            if not re.fullmatch(r"[A-Z]{2}", code):
                raise FormatError(file.name, f"expected a two-letter GENC code, got {row['GENC']!r}", row=number, column="GENC")
            year = parse_int(file, number, "YR", row["YR"])
            population = parse_int(file, number, "POP", row["POP"])
            check_unique(file, seen, (code, year), number)
            records.append((code, row["NAME"].strip(), year, population))
        import pandas as pd  # only when parsing: importing the sources stays light

        frame = pd.DataFrame(records, columns=["country_code", "country_name", "year", "population"])
        return ParsedRelease(data_through=date(int(frame["year"].max()), 1, 1), tables={IDB_TABLE.name: frame})
