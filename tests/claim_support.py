"""Figures computed in the tests straight from the recorded files, independently of the store and its SQL."""

from __future__ import annotations

import copy
import csv
from collections import Counter
from pathlib import Path

import openpyxl
import yaml

MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


def census_exports_by_partner(xlsx: Path, year: int) -> dict[str, tuple[str, float]]:
    """{CTY_CODE: (CTYNAME, exports in $ millions)} for one year of an FT-900 country.xlsx (E<MON> columns)."""
    book = openpyxl.load_workbook(xlsx, read_only=True)
    rows = book.worksheets[0].iter_rows(values_only=True)
    header = list(next(rows))
    columns = [header.index(f"E{m}") for m in MONTHS]
    out = {}
    for row in rows:
        if str(row[0]) == str(year):
            out[str(row[1])] = (row[2], sum(float(row[i] or 0) for i in columns))
    book.close()
    return out


def worldbank_population(csv_path: Path, year: int) -> dict[str, float]:
    """{ISO3: population} for one year of datahub's population.csv."""
    with open(csv_path, newline="") as f:
        return {r["Country Code"]: float(r["Value"]) for r in csv.DictReader(f) if r["Year"] == str(year)}


def cbp_monthly_totals(csv_path: Path) -> dict[tuple[int, int], int]:
    """{(calendar year, month): encounters} from a CBP nationwide encounters CSV (fiscal year starts in October)."""
    totals: Counter = Counter()
    with open(csv_path, newline="") as f:
        for r in csv.DictReader(f):
            fiscal_year, month = int(r["Fiscal Year"][:4]), MONTHS.index(r["Month (abbv)"]) + 1
            year = fiscal_year - 1 if month >= 10 else fiscal_year
            totals[year, month] += int(r["Encounter Count"].replace(",", ""))
    return dict(totals)


def census_trade_by_partner(xlsx: Path, year: int) -> dict[str, dict]:
    """{CTYNAME: {code, exports, imports, total}} in $ millions for one year of a country.xlsx, countries only."""
    book = openpyxl.load_workbook(xlsx, read_only=True)
    rows = book.worksheets[0].iter_rows(values_only=True)
    header = list(next(rows))
    exports = [header.index(f"E{m}") for m in MONTHS]
    imports = [header.index(f"I{m}") for m in MONTHS]
    out = {}
    for row in rows:
        if str(row[0]) == str(year) and int(row[1]) >= 1000:
            e, i = (sum(float(row[c] or 0) for c in cols) for cols in (exports, imports))
            out[row[2]] = {"code": str(row[1]), "exports": e, "imports": i, "total": e + i}
    book.close()
    return out


def catalog_entry(claim_id: str) -> dict:
    """A fresh copy of one entry of the shipped catalog, to edit in a test."""
    from claimwatch.claims.catalog import load_catalogs

    (catalog,) = load_catalogs()
    doc = yaml.safe_load(catalog.path.read_text())
    return copy.deepcopy(next(c for c in doc["claims"] if c["id"] == claim_id))


def write_catalog(folder: Path, claims: list[dict]) -> Path:
    """The shipped catalog with these claims instead of its own, written into `folder`."""
    from claimwatch.claims.catalog import load_catalogs

    (catalog,) = load_catalogs()
    doc = yaml.safe_load(catalog.path.read_text())
    path = folder / catalog.path.name
    path.write_text(yaml.safe_dump({**doc, "claims": claims}, allow_unicode=True))
    return path
