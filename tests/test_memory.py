"""What keeps an ingest's memory bounded: DuckDB's memory limit (with a clear error when a release needs more),
Great Expectations without SQLAlchemy and with SciPy's statistics and Altair unexecuted, and freed heap handed back between releases (claimwatch/memory.py)."""

from __future__ import annotations

import os
import subprocess
import sys

from claimwatch.memory import release_free_memory
from claimwatch.store import open_store
from test_cli import claimwatch_command, small_releases
from test_cli_faults import one_error_line, release_count

CENSUS = "census_trade_country_xlsx"


def test_a_release_beyond_the_memory_limit_is_one_line_naming_the_setting_and_keeps_the_store(shared_data, tmp_path):
    small_db = tmp_path / "store" / "c.duckdb"
    ingest = [claimwatch_command(), "ingest", "--releases", str(small_releases(shared_data, tmp_path)), "--db", str(small_db)]
    assert subprocess.run(ingest, capture_output=True, timeout=300).returncode == 0
    folder = tmp_path / "census" / CENSUS
    folder.mkdir(parents=True)
    os.symlink(shared_data / CENSUS / "release-2025-04_data-through-2025-02", folder / "release-2025-04_data-through-2025-02")
    before = release_count(small_db)
    result = subprocess.run([claimwatch_command(), "ingest", "--releases", str(folder.parent), "--db", str(small_db)],
                            capture_output=True, text=True, timeout=300,
                            env={**os.environ, "CLAIMWATCH_DUCKDB_MEMORY_LIMIT": "16MB"})
    line = one_error_line(result)
    assert "memory limit of 16MB" in line and "CLAIMWATCH_DUCKDB_MEMORY_LIMIT" in line and str(small_db) in line
    with open_store(small_db, read_only=True) as store:
        assert store.con.execute("select count(*) from releases where status = 'published'").fetchone()[0] == before == 2
        assert [r for (r,) in store.con.execute("select source from releases where status <> 'published'").fetchall()] in (
            [], ["census_trade"])  # written but not audited: staged
    again = subprocess.run([claimwatch_command(), "ingest", "--releases", str(folder.parent), "--db", str(small_db)],
                           capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    with open_store(small_db, read_only=True) as store:
        assert store.con.execute("select status from releases where source = 'census_trade'").fetchall() == [("published",)]


def test_great_expectations_is_loaded_without_sqlalchemy_which_stays_importable():
    code = """
import sys
from claimwatch.validation.runner import Validator
Validator(docs_dir=None)
assert "sqlalchemy" not in sys.modules, "GX pulled in SQLAlchemy"
import sqlalchemy  # Prefect, loaded later, still gets it
print(sqlalchemy.__version__)
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()[:1].isdigit()


def test_great_expectations_leaves_scipy_stats_and_altair_unexecuted_until_they_are_used():
    code = """
import sys
from claimwatch.validation.gx_import import LAZY
from claimwatch.validation.runner import Validator
Validator(docs_dir=None)
assert set(LAZY) <= set(sys.modules), "GX imports them at module level"
assert "scipy.stats._stats_py" not in sys.modules and "altair.vegalite" not in sys.modules, "executed at GX's import"
from great_expectations.expectations.core import expect_column_kl_divergence_to_be_less_than as kl
assert kl.stats.norm.cdf(0) == 0.5 and kl.alt.Chart  # GX's own names for them work on first use
assert "scipy.stats._stats_py" in sys.modules and "altair.vegalite" in sys.modules
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_prefect_loaded_first_keeps_its_sqlalchemy_for_gx_too():
    code = """
import sys
import sqlalchemy
from claimwatch.validation.gx_import import import_gx
import_gx()
from great_expectations.compatibility import sqlalchemy as gx_sa
assert gx_sa.sqlalchemy is sqlalchemy
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_handing_back_freed_heap_is_available_on_this_glibc():
    from claimwatch.memory import _malloc_trim

    assert _malloc_trim() is not None and release_free_memory() in (True, False)
