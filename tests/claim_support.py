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


OPED = "us_mexico_trade_oped_2025"  # the op-ed whose figures most tests pin (claims/us_mexico_trade_oped_2025.yaml)
BRIEF = "border_numbers_brief_2025"  # the fictional newsroom brief, a second article on the same data


def catalog_ids() -> list[str]:
    """The article id of every shipped catalog (claims/*.yaml), for parametrising tests over them."""
    from claimwatch.claims.catalog import load_catalogs

    return [c.article_id for c in load_catalogs()]


def catalog_by_id(article_id: str):
    """The shipped catalog of one article, picked by its id rather than by being the only (or first) one."""
    from claimwatch.claims.catalog import load_catalogs

    found = [c for c in load_catalogs() if c.article_id == article_id]
    assert len(found) == 1, f"no single shipped catalog {article_id!r}; shipped: {catalog_ids()}"
    return found[0]


def verdict_lines(catalogs) -> int:
    """How many verdicts `check --json` and a collect give over these catalogs: one per reading and mode."""
    return sum(max(1, len(c.readings)) * (2 if c.latest else 1) for catalog in catalogs for c in catalog.claims)


def article_text(catalog, shared_data: Path) -> str:
    """The text of a catalog's article: the op-ed's is ../shared/article.md, every other one's claims/<id>.md."""
    path = shared_data.parent / "article.md" if catalog.article_id == OPED else catalog.path.with_suffix(".md")
    assert path.is_file(), f"{catalog.article_id}: its article text {path} is missing"
    return path.read_text()


def catalog_entry(claim_id: str, article_id: str = OPED) -> dict:
    """A fresh copy of one entry of a shipped catalog (default: the op-ed's), to edit in a test."""
    doc = yaml.safe_load(catalog_by_id(article_id).path.read_text())
    return copy.deepcopy(next(c for c in doc["claims"] if c["id"] == claim_id))


def write_catalog(folder: Path, claims: list[dict], article_id: str = OPED) -> Path:
    """A shipped catalog (default: the op-ed's) with these claims instead of its own, written into `folder`."""
    catalog = catalog_by_id(article_id)
    doc = yaml.safe_load(catalog.path.read_text())
    path = folder / catalog.path.name
    path.write_text(yaml.safe_dump({**doc, "claims": claims}, allow_unicode=True))
    return path
