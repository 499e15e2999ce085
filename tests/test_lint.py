"""`claimwatch lint`: every catalog query dry-run, every key checked against a store; wrong entries are errors."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from claim_support import catalog_entry, catalog_ids, write_catalog

from claimwatch.claims.catalog import load_catalog, load_catalogs
from claimwatch.claims.evaluate import evaluate_catalog
from claimwatch.claims.lint import lint_catalog
from claimwatch.cli import app
from claimwatch.errors import CatalogError


def test_every_shipped_catalog_lints_clean_on_an_empty_schema_and_on_the_recorded_store(catalog, built_con):
    assert lint_catalog(catalog) == []
    assert lint_catalog(catalog, built_con) == []


def test_queries_that_do_not_bind_or_lack_a_column_are_reported(tmp_path):
    exports, ratio, low = catalog_entry("mexico_exports_2024"), catalog_entry("mexico_china_ratio_2024"), catalog_entry("lowest_illegal_crossings_30_years")
    exports["observe"] = "select exports_busd as amount, complete from indicator where year = $year"
    ratio["observe"] = ratio["observe"].replace("exports_busd", "exports_usd_bn", 1)
    low["observe"] = low["observe"].replace("month as period, ", "")
    low["chart"]["query"] = "select month as x from indicator"
    path = write_catalog(tmp_path, [exports, ratio, low])
    problems = lint_catalog(load_catalog(path))
    assert problems[0] == (f"{path}: claim mexico_exports_2024: observe returns ['amount', 'complete'], the "
                           "stated_amount rule needs ['observed']")
    assert any("claim mexico_china_ratio_2024: observe (as_stated) Binder Error" in p and "exports_usd_bn" in p
               for p in problems), problems
    assert f"{path}: claim lowest_illegal_crossings_30_years: a rule with a window needs a 'period' column " \
           "(a month date or a year)" in problems
    assert f"{path}: claim lowest_illegal_crossings_30_years: chart query returns ['x'], needs x and y" in problems


def test_a_subject_absent_from_the_indicator_is_a_catalog_error_not_unknown(tmp_path, built_con):
    buyer = catalog_entry("mexico_largest_buyer")
    buyer["readings"][1]["rule"]["subject"] = "Mexcio"
    catalog = load_catalog(write_catalog(tmp_path, [buyer]))
    assert lint_catalog(catalog) == []  # an empty store cannot tell
    assert lint_catalog(catalog, built_con) == [
        f"{catalog.path}: claim mexico_largest_buyer, reading total_trade: rule.subject 'Mexcio' is not a key of "
        "trade_by_partner_year (233 keys)"]
    with pytest.raises(CatalogError, match=r"claim mexico_largest_buyer, reading total_trade: rule.subject 'Mexcio'"):
        evaluate_catalog(built_con, catalog)


def test_the_lint_command_exits_one_on_any_problem(tmp_path, built_db):
    runner = CliRunner()
    clean = runner.invoke(app, ["lint", "--db", str(built_db)])
    assert clean.exit_code == 0, clean.output
    catalogs = load_catalogs()
    assert len(catalogs) == len(catalog_ids()) >= 2
    assert (f"{sum(len(c.claims) for c in catalogs)} claims in {len(catalogs)} catalog(s): 0 problem(s) "
            "(keys checked against") in clean.output
    next10 = catalog_entry("mexico_canada_vs_next_10")
    next10["readings"][0]["rule"]["top_keys"] = ["Mexico", "Canadá"]
    bad = runner.invoke(app, ["lint", "--db", str(built_db), "--catalog", str(write_catalog(tmp_path, [next10]))])
    assert bad.exit_code == 1
    assert "rule.top_keys ['Canadá'] are not keys of trade_by_partner_year" in bad.output
    ratio = catalog_entry("mexico_china_ratio_2024")
    ratio["rule"]["decimals"] = "one"
    wrong = runner.invoke(app, ["lint", "--catalog", str(write_catalog(tmp_path, [ratio]))])
    assert wrong.exit_code == 1 and "catalog error:" in wrong.output and "rule.decimals must be an integer" in wrong.output
