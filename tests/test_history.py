"""A claim's verdict across every recorded vintage, the changes the data really contains, and the CLI."""

from __future__ import annotations

import hashlib
import shutil

import duckdb
from typer.testing import CliRunner

from claim_support import OPED, catalog_by_id

from claimwatch.claims.history import claim_history, claim_sources
from claimwatch.cli import app

CATALOG = catalog_by_id(OPED)
runner = CliRunner()


def test_exports_claim_across_census_vintages(built_con):
    steps = claim_history(built_con, CATALOG.claim("mexico_exports_2024"))
    labels = [s.release_id.split("@")[0] for s in steps if s.verdict.mode == "as_stated"]
    assert labels == ["census_trade/2019-12", "census_trade/2020-10", "census_trade/2023-03", "census_trade/2024-08",
                      "census_trade/2024-10", "census_trade/2025-04"]
    stated = [(s.verdict.verdict, s.verdict.explanation) for s in steps if s.verdict.mode == "as_stated"]
    assert [v for v, _ in stated] == ["unknown"] * 5 + ["holds"]
    assert stated[3][1] == "period incomplete: 6 of 12 months published"  # 2024-08 vintage: data through June
    assert stated[4][1] == "period incomplete: 8 of 12 months published"
    latest = [(s.verdict.period, s.verdict.verdict, s.change) for s in steps if s.verdict.mode == "latest"]
    assert [p for p, _, _ in latest] == ["calendar 2018", "calendar 2019", "calendar 2022", "calendar 2023",
                                         "calendar 2023", "calendar 2024"]
    assert latest[-1] == ("calendar 2024", "holds", "new period: calendar 2023 -> calendar 2024")
    assert latest[4][2] == ""  # 2024-10 changed nothing for calendar 2023
    final = [s for s in steps if s.verdict.mode == "as_stated"][-1]
    assert final.change == "data now available for calendar 2024 in the census_trade release 2025-04"


def test_june_2025_claim_waits_for_the_file_that_has_june(built_con):
    claim = CATALOG.claim("june_2025_vs_2021_2024_average")
    assert claim_sources(claim) == ["cbp_encounters"]
    steps = [s for s in claim_history(built_con, claim) if s.verdict.mode == "as_stated"]
    assert len(steps) == 11  # one per recorded encounters release
    assert [s.verdict.verdict for s in steps] == ["unknown"] * 10 + ["holds"]
    assert steps[-1].release_id.startswith("cbp_encounters/fy22-fy25@")


def test_check_and_history_only_read_and_record_or_backfill_write(built_db, tmp_path):
    db = tmp_path / "c.duckdb"
    shutil.copyfile(built_db, db)
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    result = runner.invoke(app, ["check", "--db", str(db)], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert "✗ fails" in result.output and "✓ holds" in result.output and "– n/a" in result.output
    assert "⇄ mexico_largest_buyer" in result.output and "◐ holds" in result.output
    result = runner.invoke(app, ["history", "mexico_china_ratio_2024", "--db", str(db)], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert "5 earlier vintage(s) of its sources have no stored step" in result.output
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before  # looking wrote nothing
    result = runner.invoke(app, ["backfill", "mexico_china_ratio_2024", "--db", str(db)], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert "Backfilled 5 claim step(s)" in result.output
    result = runner.invoke(app, ["history", "mexico_china_ratio_2024", "--db", str(db)], env={"COLUMNS": "250"})
    assert "new period: calendar 2023 -> calendar 2024" in result.output and "no stored step" not in result.output
    with duckdb.connect(str(db), read_only=True) as con:
        past = con.execute(
            "select count(distinct as_of_release_id) from claim_steps where claim_id = 'mexico_china_ratio_2024'"
        ).fetchone()[0]
    assert past == 6
    unknown = runner.invoke(app, ["history", "no_such_claim", "--db", str(db)])
    assert unknown.exit_code != 0
    assert runner.invoke(app, ["backfill", "no_such_claim", "--db", str(db)]).exit_code != 0
