"""`claimwatch --help` and the reading commands start without pandas, Great Expectations or Prefect."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

HEAVY = ("pandas", "great_expectations", "prefect")

# Runs the command line as the `claimwatch` script does and reports, at exit, which heavy modules were imported.
PROBE = """
import atexit, json, sys
atexit.register(lambda: print(json.dumps([m for m in %r if sys.modules.get(m) is not None]), file=sys.stderr))
sys.argv = ["claimwatch", *%r]
from claimwatch.cli import main
main()
"""


def imported(*args: str) -> list[str]:
    result = subprocess.run([sys.executable, "-c", PROBE % (HEAVY, [str(a) for a in args])],
                            capture_output=True, text=True, timeout=120, env={"COLUMNS": "200", "PATH": ""})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stderr.strip().splitlines()[-1])


def test_help_imports_nothing_heavy():
    assert imported("--help") == []


@pytest.mark.parametrize("command", [["check"], ["history", "lowest_illegal_crossings_30_years"], ["releases"],
                                     ["alerts"], ["sql", "select count(*) from releases"]])
def test_reading_commands_import_nothing_heavy(built_db, command):
    assert imported(*command, "--db", built_db) == []


def test_the_site_imports_nothing_heavy(built_db, tmp_path):
    assert imported("site", "--out", tmp_path / "site", "--db", built_db) == []
    assert (tmp_path / "site" / "index.html").is_file()


@pytest.mark.parametrize("command", [["check", "--record"], ["backfill", "lowest_illegal_crossings_30_years"]])
def test_evaluating_commands_import_nothing_heavy(built_db, tmp_path, command):
    db = shutil.copyfile(built_db, tmp_path / "c.duckdb")
    assert imported(*command, "--db", db) == []


def test_claim_coverage_commands_import_nothing_heavy(shared_data, tmp_path):
    article = shared_data.parent / "article.md"
    assert imported("scan", article) == []
    assert imported("new-article", "An op-ed", "--from", article, "--claims", tmp_path) == []
    assert (tmp_path / "an_op_ed.yaml").is_file()
