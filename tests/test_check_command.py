"""`claimwatch check`: every reading in both modes, as a table or JSON lines, and a CI gate on primary failures."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from claim_support import BRIEF, OPED, verdict_lines

from claimwatch import present
from claimwatch.claims.catalog import load_catalogs
from claimwatch.cli import app

runner = CliRunner()
FIELDS = {"article", "claim", "reading", "mode", "verdict", "observed", "claimed", "compared_with", "period", "window",
          "vintages", "explanation"}


@pytest.fixture
def store_copy(built_db, tmp_path):
    """A writable copy of the recorded store (check records its evaluations)."""
    path = tmp_path / "claimwatch.duckdb"
    shutil.copy(built_db, path)
    return str(path)


def test_check_json_gives_one_object_per_reading_and_mode(store_copy):
    result = runner.invoke(app, ["check", "--db", store_copy, "--json"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    catalogs = load_catalogs()
    assert len(lines) == verdict_lines(catalogs)  # every catalog's readings and modes
    for catalog in catalogs:
        assert sum(1 for x in lines if x["article"] == catalog.article_id) == verdict_lines([catalog])
    assert all(FIELDS <= set(line) for line in lines)
    by_key = {(x["claim"], x["reading"], x["mode"]): x for x in lines if x["article"] == OPED}
    total = by_key["mexico_canada_vs_next_10", "total_trade", "as_stated"]
    exports = by_key["mexico_canada_vs_next_10", "exports", "as_stated"]
    assert (total["verdict"], exports["verdict"]) == ("holds", "fails")
    assert total["claim_verdict"] == exports["claim_verdict"] == "depends_on_reading"
    assert total["primary"] and not exports["primary"]
    assert total["compared_with"].startswith("the next 10 by total trade combined (China, Germany, Japan, …): $647.8")
    single = by_key["mexico_exports_2024", None, "as_stated"]
    assert single["reading"] is None and single["window"] is None and single["claim_verdict"] == "holds"
    crossings = by_key["lowest_illegal_crossings_30_years", None, "as_stated"]
    assert crossings["verdict"] == "holds_over_coverage"
    assert crossings["window"] == {"needed_years": 30, "covered_years": 25.8, "since": "October 1999"}
    assert crossings["verdict_text"] == "holds over the 25.8 years the data cover, since October 1999 (claim: 30 years)"
    assert by_key["june_2025_lowest_nationwide_encounters", None, "as_stated"]["record_broken"].startswith("July 2025")


def test_fail_on_fails_gates_on_primary_readings_as_stated(store_copy):
    result = runner.invoke(app, ["check", "--db", store_copy, "--fail-on", "fails"])
    assert result.exit_code == 1
    failing = result.output.rsplit("claim(s) fail as stated on their primary reading: ", 1)[1].split()
    expected = {OPED: ["mexico_largest_buyer", "per_capita_mexicans_canadians_worldbank"],
                BRIEF: ["fentanyl_less_than_half_fy2024"]}  # each catalog's failures, in catalog order
    assert [name.strip(",") for name in failing] == [n for c in load_catalogs() for n in expected[c.article_id]]
    as_json = runner.invoke(app, ["check", "--db", store_copy, "--json", "--fail-on", "fails"])
    assert as_json.exit_code == 1  # the gate works with --json too, and stdout stays JSON lines
    assert all(json.loads(line) for line in as_json.stdout.splitlines())
    wrong = runner.invoke(app, ["check", "--db", store_copy, "--fail-on", "unknowns"])
    assert wrong.exit_code == 2 and "expected 'fails'" in wrong.output


def test_check_prints_one_line_per_claim_within_80_columns_and_a_summary(store_copy):
    result = runner.invoke(app, ["check", "--db", store_copy], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert max(len(line) for line in lines) <= 80
    catalogs = load_catalogs()
    for catalog in catalogs:
        for claim in catalog.claims:
            assert sum(1 for line in lines if f" {claim.id}:" in line or f"⇄ {claim.id}:" in line) == 1, claim.id
    catalog = next(c for c in catalogs if c.article_id == OPED)
    by_id = {claim.id: next(line for line in lines if f"{claim.id}:" in line) for claim in catalog.claims}
    assert by_id["mexico_exports_2024"].startswith("✓ holds    ✓ holds    mexico_exports_2024: $334.0 billion vs")
    assert by_id["mexico_largest_buyer"].startswith("✗ fails    ✗ fails    ⇄ mexico_largest_buyer: $334.0 billion vs")
    assert by_id["june_2025_lowest_nationwide_encounters"].startswith("◐ holds    ✗ fails    june_2025_lowest")
    assert by_id["factory_job_link"].startswith("– n/a                 factory_job_link:")
    # the summary counts each claim once, by its verdict as stated over every reading, from the JSON of the same store
    stated = {}
    for line in runner.invoke(app, ["check", "--db", store_copy, "--json"]).output.splitlines():
        row = json.loads(line)
        if row["mode"] == "as_stated":
            stated[row["article"], row["claim"]] = row["claim_verdict"]
    order = ("holds", "fails", "depends_on_reading", "unknown", "not_checkable")

    def counts(article_id=None):
        codes = ["holds" if c == "holds_over_coverage" else c for (a, _), c in stated.items() if article_id in (None, a)]
        return tuple(codes.count(code) for code in order)

    assert len(stated) == sum(len(c.claims) for c in catalogs)
    assert sum(1 for a, _ in stated if a == OPED) == len(catalog.claims) == 25
    assert counts(OPED) == (8, 0, 3, 3, 11)
    assert counts(BRIEF) == (8, 1, 1, 0, 1)  # tests/test_brief_catalog.py pins each claim
    assert counts() == tuple(map(sum, zip(*(counts(c.article_id) for c in catalogs))))
    # one summary over every catalog (it may wrap at 80 columns), worded by present.py from the same verdicts
    assert present.summary_line(list(stated.values())) in " ".join(lines)
    if {c.article_id for c in catalogs} == {OPED, BRIEF}:
        assert "36 claims: 16 hold, 1 fails, 4 depend on the reading, 3 unknown, 12 not checkable" in " ".join(lines)


def test_check_verbose_gives_every_reading_with_its_sentence_and_source(store_copy):
    result = runner.invoke(app, ["check", "--db", store_copy, "--verbose"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    assert max(len(line) for line in result.output.splitlines()) <= 80
    text = " ".join(line.strip() for line in result.output.splitlines())  # the prose wraps between words
    assert ("✗ by U.S. goods exports (what Mexico buys) (primary): fails In calendar 2024, the data give $334.0 "
            "billion for Mexico, $15.3 billion below Canada's $349.4 billion") in text
    assert "Source: census_trade/2025-04@b06b33b6; 12 of 12 months published" in text
    assert "$1.0 billion below the claimed $335 billion, within the ±1% the rule allows: the claim holds." in text


def test_check_json_adds_the_figures_as_text(store_copy):
    result = runner.invoke(app, ["check", "--db", store_copy, "--json"])
    rows = {(r["claim"], r["reading"], r["mode"]): r for r in map(json.loads, result.output.splitlines())}
    exports = rows["mexico_exports_2024", None, "as_stated"]
    assert exports["observed"] == pytest.approx(334.041359045) and exports["claimed"] == 335  # raw numbers stay
    assert exports["text"]["observed"] == "$334.0 billion" and exports["text"]["claimed"] == "$335 billion"
    assert exports["text"]["margin"] == "$1.0 billion below the claimed $335 billion, within the ±1% the rule allows"
    assert exports["text"]["figures"] == {"exports to Mexico": "$334,041.4M"}  # Census's unit: $ millions, 1 decimal
    assert "census_trade" not in exports["text"]["sentence"] and exports["text"]["footer"].startswith("Source: census_trade/")
    buyer = rows["mexico_largest_buyer", "exports", "as_stated"]
    assert buyer["compared_with"] == buyer["text"]["compared_with"] == "Canada's $349.4 billion"
    june = rows["june_2025_lowest_nationwide_encounters", None, "latest"]
    assert june["text"]["margin"] == "1,413 encounters above July 2025's 24,589 encounters"
    unknown = rows["per_capita_chinese_idb", None, "as_stated"]
    assert unknown["text"]["observed"] is None and unknown["text"]["sentence"].startswith("The claim cannot be judged")


@pytest.mark.parametrize("args,valid", [
    (["check", "--article", "nope"], "us_mexico_trade_oped_2025"),
    (["releases", "--source", "nope"], "census_trade, census_trade_api, cbp_encounters"),
    (["ingest", "--source", "census_trade", "--source", "nope"], "dhs_khsm_usbp"),
    (["replay", "--releases", ".", "--source", "nope"], "worldbank_population"),
    (["alerts", "--status", "nope"], "pending, sending, delivered, printed, unconfirmed"),
])
def test_an_unknown_option_value_names_the_valid_ones_and_exits_2(args, valid, store_copy, tmp_path):
    db = store_copy if args[0] in ("check", "releases", "alerts") else str(tmp_path / "new.duckdb")
    result = runner.invoke(app, [*args, "--db", db], env={"COLUMNS": "200"})
    assert result.exit_code == 2, result.output
    assert "'nope'" in result.output and valid in result.output
    assert not (tmp_path / "new.duckdb").exists()  # refused before anything was created
