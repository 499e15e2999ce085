"""The built wheel, installed in a fresh virtual environment outside the checkout, checks its own catalogs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from claimwatch.claims.catalog import load_catalogs

PROJECT = Path(__file__).resolve().parents[1]


def uv(*args, cwd: Path) -> None:
    """Run uv (the project's installer), failing the test with its output."""
    found = shutil.which("uv")
    assert found, "uv is needed to build and install the wheel"
    done = subprocess.run([found, *map(str, args)], cwd=cwd, capture_output=True, text=True)
    assert done.returncode == 0, f"uv {' '.join(map(str, args))}: {done.stdout}{done.stderr}"


def test_an_installed_wheel_checks_its_own_catalogs_outside_the_checkout(built_db, tmp_path):
    uv("build", "--wheel", "-q", "-o", tmp_path / "dist", cwd=PROJECT)
    uv("export", "--frozen", "--no-dev", "--no-emit-project", "--no-hashes", "-q", "-o", tmp_path / "pins.txt", cwd=PROJECT)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    uv("venv", "-q", tmp_path / "venv", cwd=elsewhere)
    python = tmp_path / "venv" / "bin" / "python"
    (wheel,) = (tmp_path / "dist").glob("claimwatch-*.whl")
    uv("pip", "install", "-q", "--python", python, "-r", tmp_path / "pins.txt", wheel, cwd=elsewhere)
    shutil.copy(built_db, elsewhere / "store.duckdb")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLAIMWATCH_", "VIRTUAL_ENV", "PYTHON"))}
    where = subprocess.run([python, "-c", "import claimwatch.claims.articles as a; print(a.project_claims_dir())"],
                           cwd=elsewhere, env=env, capture_output=True, text=True)
    assert where.returncode == 0, where.stderr
    assert Path(where.stdout.strip()).parts[-2:] == ("claimwatch", "catalogs")
    assert PROJECT not in Path(where.stdout.strip()).parents  # the installed copy, not the checkout's claims/
    done = subprocess.run([tmp_path / "venv" / "bin" / "claimwatch", "check", "--db", "store.duckdb", "--json"],
                          cwd=elsewhere, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    expected = {(c.article_id, claim.id) for c in load_catalogs([PROJECT / "claims"]) for claim in c.claims}
    assert {(x["article"], x["claim"]) for x in lines} == expected
    assert {x["verdict"] for x in lines} >= {"holds", "fails"}
