"""`claimwatch check`: every reading in both modes, as a table or JSON lines, and a CI gate on primary failures."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

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
    (catalog,) = load_catalogs()
    assert len(lines) == sum(max(1, len(c.readings)) * (2 if c.latest else 1) for c in catalog.claims)
    assert all(FIELDS <= set(line) for line in lines)
    by_key = {(x["claim"], x["reading"], x["mode"]): x for x in lines}
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
    assert [name.strip(",") for name in failing] == ["mexico_largest_buyer", "per_capita_mexicans_canadians_worldbank"]
    table = runner.invoke(app, ["check", "--db", store_copy], env={"COLUMNS": "250"})
    assert table.exit_code == 0
    assert "⇄ depends on the reading" in table.output and "◐ holds over the 25.8 years" in table.output
    wrong = runner.invoke(app, ["check", "--db", store_copy, "--fail-on", "unknowns"])
    assert wrong.exit_code == 2 and "expected 'fails'" in wrong.output
