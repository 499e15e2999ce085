"""The claimwatch command line on real stores."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from claimwatch.cli import app
from claimwatch.store import open_store

runner = CliRunner()


def small_releases(shared_data, tmp_path):
    """A releases folder holding two real southwest-border releases and an unrelated folder."""
    folder = tmp_path / "releases"
    (folder / "cbp_southwest_land_border_encounters").mkdir(parents=True)
    for name in ("sbo-encounters-fy22-fy25-nov.csv", "sbo-encounters-fy22-fy25-aug.csv"):
        os.symlink(shared_data / "cbp_southwest_land_border_encounters" / name, folder / "cbp_southwest_land_border_encounters" / name)
    (folder / "notes").mkdir()
    return folder


def test_ingest_then_releases_then_sql(shared_data, tmp_path):
    folder, db = small_releases(shared_data, tmp_path), tmp_path / "c.duckdb"
    result = runner.invoke(app, ["ingest", "--releases", str(folder), "--db", str(db)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert result.output.count("published") == 2
    assert "notes: not a source claimwatch reads" in result.output

    again = runner.invoke(app, ["ingest", "--releases", str(folder), "--db", str(db)], env={"COLUMNS": "200"})
    assert again.exit_code == 0 and again.output.count("unchanged") == 2

    listing = runner.invoke(app, ["releases", "--db", str(db)], env={"COLUMNS": "200"})
    assert listing.exit_code == 0
    assert "fy22-fy25-aug" in listing.output and "2025-08" in listing.output and "1,936" in listing.output
    assert listing.output.count("passed") == 2 and listing.output.count("published") == 2
    assert "Great Expectations Data Docs of this run:" in result.output

    query = runner.invoke(app, ["sql", "select sum(encounter_count) as n from cbp_southwest_encounters__monthly_latest "
                                "where month = '2024-11-01' and component = 'U.S. Border Patrol'", "--db", str(db), "--csv"])
    assert query.exit_code == 0
    assert query.output.splitlines()[0] == "n"
    assert int(query.output.splitlines()[1]) > 0


def test_sql_is_read_only(built_db):
    result = runner.invoke(app, ["sql", "delete from releases", "--db", str(built_db)])
    assert result.exit_code == 2
    assert "read-only" in result.output.lower()


def test_releases_on_missing_database_says_so(tmp_path):
    result = runner.invoke(app, ["releases", "--db", str(tmp_path / "none.duckdb")])
    assert result.exit_code != 0
    assert "claimwatch ingest" in str(result.exception) + result.output


def test_rejected_release_makes_ingest_fail(tmp_path):
    folder = tmp_path / "releases" / "cbp_nationwide_drug_seizures"
    folder.mkdir(parents=True)
    (folder / "nationwide-drugs-fy23-fy26-dec.csv").write_text("<!DOCTYPE html><html><body>Access Denied</body></html>")
    result = runner.invoke(app, ["ingest", "--releases", str(folder.parent), "--db", str(tmp_path / "c.duckdb")], env={"COLUMNS": "200"})
    assert result.exit_code == 1
    assert "rejected" in result.output and "HTML" in result.output


def test_unknown_source_is_named(tmp_path):
    result = runner.invoke(app, ["ingest", "--source", "nope", "--releases", str(tmp_path), "--db", str(tmp_path / "c.duckdb")])
    assert result.exit_code == 2
    assert "nope" in result.output


def claimwatch_command():
    return str(Path(sys.executable).with_name("claimwatch"))


def test_a_busy_store_gets_a_clear_message_and_status_2(built_db, tmp_path):
    db = tmp_path / "busy.duckdb"
    shutil.copy(built_db, db)
    with open_store(db):  # this process now holds DuckDB's write lock
        result = subprocess.run([claimwatch_command(), "releases", "--db", str(db)], capture_output=True, text=True)
    assert result.returncode == 2
    assert "in use by another claimwatch run" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_missing_releases_folder_is_named(tmp_path):
    result = subprocess.run(
        [claimwatch_command(), "ingest", "--releases", str(tmp_path / "nowhere"), "--db", str(tmp_path / "c.duckdb")],
        capture_output=True, text=True,
    )
    assert result.returncode == 2
    assert "nowhere: no such folder of recorded releases" in result.stderr.replace("\n", "")
