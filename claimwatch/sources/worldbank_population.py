"""World Bank population (SP.POP.TOTL) by country and year, in the long CSV form of datahub's `population` dataset.

Indicator: https://data.worldbank.org/indicator/SP.POP.TOTL (CC BY 4.0). The CSV
(`Country Name,Country Code,Year,Value`, ISO3 codes) is rebuilt by datahub from the World Bank API; it
includes aggregates (World, income groups, regions) as well as countries; some vintages give aggregates
fractional values (e.g. 212032318.5), so population is stored as a double, as published.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from claimwatch.errors import FormatError
from claimwatch.sources.base import (
    Candidate, DuckTable, ParsedRelease, ReleaseRef, Source, TableSpec, published_at, read_recorded_file,
)
from claimwatch.sources.csv_file import (
    Check, CsvRows, connect, decimal_number, duplicate_check, stripped, whole_number,
)

HEADER = ("Country Name", "Country Code", "Year", "Value")
WB_TABLE = TableSpec("worldbank__population", period="year", keys=("country_code",), values=("population",))


class WorldBankPopulation(Source):
    """SP.POP.TOTL as published in datahub's population.csv."""

    name = "worldbank_population"
    title = "World Bank population (SP.POP.TOTL)"
    recorded_folder = "worldbank_population_datahub"
    grain = "year"
    base_url = "https://raw.githubusercontent.com"
    path = "/datasets/population/main/data/population.csv"
    tables = (WB_TABLE,)

    def discover(self, http) -> ReleaseRef:
        return ReleaseRef(label="", urls=(self.base_url + self.path,))

    def fetch(self, http, ref: ReleaseRef) -> Candidate:
        file = http.get_file(ref.urls[0])
        return Candidate(self.name, f"{published_at(file):%Y-%m-%d}", (file,), origin="live")

    def is_release_entry(self, entry: Path) -> bool:
        return entry.is_dir() and bool(re.fullmatch(r"commit-\d{4}-\d{2}-\d{2}", entry.name))

    def recorded(self, entry: Path) -> Candidate:
        match = re.fullmatch(r"commit-(\d{4}-\d{2}-\d{2})", entry.name)
        if not entry.is_dir() or not match:
            raise FormatError(str(entry), "expected a folder named commit-YYYY-MM-DD holding population.csv")
        return Candidate(self.name, match.group(1), (read_recorded_file(entry / "population.csv"),), origin="recorded",
                         published=date.fromisoformat(match.group(1)))

    def parse(self, candidate: Candidate) -> ParsedRelease:
        (file,) = candidate.files
        con = connect()
        rows = CsvRows(con, file, HEADER)
        name, code, year, value = (rows.field(h) for h in HEADER)
        con.execute(f"""create table parsed as
            select record, {stripped(code)} as country_code, {stripped(name)} as country_name,
                {whole_number(year)} as year,
                {stripped(value)} <> '' as has_value, case when has_value then {decimal_number(value)} end as population
            from csv_rows""")
        unique = duplicate_check(rows, "parsed", ("country_code", "year"))
        rows.check("parsed_checked", [
            Check("Country Code", "not regexp_full_match(country_code, '[A-Z0-9]{3}')",
                  lambda row: f"expected a 3-character country code, got {row['country_code']!r}"),
            Check("Year", "year is null", lambda row: f"expected a whole number, got {row[year] or ''!r}"),
            unique,
            Check("Value", "has_value and population is null",
                  lambda row: f"expected a number, got {row[value] or ''!r}"),
        ])
        if not rows.count:
            raise FormatError(file.name, "no data rows after the header")
        table = DuckTable(con.sql("select country_code, country_name, year, population from parsed"))  # in file order
        (last_year,) = con.execute("select max(year) from parsed").fetchone()
        return ParsedRelease(data_through=date(last_year, 1, 1), tables={WB_TABLE.name: table})
