"""deployments/prefect.yaml on a real local Prefect server: deploy, run a deployment with a worker, see it Completed."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import yaml

from claimwatch.claims.catalog import load_catalogs
from claimwatch.store import open_store

PROJECT = Path(__file__).resolve().parents[1]
PREFECT_FILE = PROJECT / "deployments" / "prefect.yaml"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prefect(env: dict, *args: str, timeout: float = 180) -> str:
    env = {**env, "PWD": str(PROJECT)}  # prefect.yaml's pull step records {{ $PWD }} as the runs' working folder
    done = subprocess.run([sys.executable, "-m", "prefect", *args], cwd=PROJECT, env=env, capture_output=True,
                          text=True, timeout=timeout)
    assert done.returncode == 0, f"prefect {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture
def prefect_server(tmp_path):
    """A Prefect server on 127.0.0.1 with its own PREFECT_HOME, stopped (with everything it started) afterwards."""
    port = free_port()
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect-home"), "DO_NOT_TRACK": "1",
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
           "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "5"}
    env.pop("PREFECT_API_KEY", None)
    log = open(tmp_path / "server.log", "w")
    server = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                               "--port", str(port)], cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT,
                              start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{env['PREFECT_API_URL']}/health", timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            assert server.poll() is None, (tmp_path / "server.log").read_text()
            time.sleep(0.5)
        else:
            pytest.fail("the Prefect server did not answer within 120 s:\n" + (tmp_path / "server.log").read_text())
        yield env
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=30)
        log.close()


def scheduled_runs(env: dict, wait: float = 90) -> list[dict]:
    """The server's scheduled flow runs, once its scheduler service has made some (it runs every few seconds)."""
    deadline = time.monotonic() + wait
    while True:
        runs = requests.post(f"{env['PREFECT_API_URL']}/flow_runs/filter", timeout=10,
                             json={"flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}}}).json()
        if runs or time.monotonic() > deadline:
            return runs
        time.sleep(2)


def test_prefect_yaml_schedules_follow_the_release_calendars():
    doc = yaml.safe_load(PREFECT_FILE.read_text())
    by_name = {d["name"]: d for d in doc["deployments"]}
    assert {d["work_pool"]["name"] for d in by_name.values()} == {"claimwatch"}
    crons = {name: [(s["cron"], s["timezone"]) for s in d.get("schedules", [])] for name, d in by_name.items()}
    assert crons == {
        "census-trade": [("45 8 2-9 * *", "America/New_York")],  # after the 8:30 a.m. FT-900 release, first week
        "cbp-monthly": [("0 18 12-20 * *", "America/New_York")],  # CBP's mid-month update
        "daily-probe": [("0 7 * * *", "America/New_York")],
        "replay": [],
    }
    for d in by_name.values():
        assert set(d["parameters"]) >= {"releases"} or d["name"] == "daily-probe"
        assert "slack_channel" in d["parameters"] or d["name"] == "replay"


def test_deploy_run_and_complete_on_a_real_prefect_server(prefect_server, shared_data, tmp_path):
    env = prefect_server
    folder = tmp_path / "releases" / "cbp_southwest_land_border_encounters"
    folder.mkdir(parents=True)
    os.symlink(shared_data / folder.name / "sbo-encounters-fy22-fy25-nov.csv", folder / "sbo-encounters-fy22-fy25-nov.csv")
    db = tmp_path / "store" / "claimwatch.duckdb"
    prefect(env, "work-pool", "create", "claimwatch", "--type", "process")
    deployed = prefect(env, "--no-prompt", "deploy", "--all", "--prefect-file", str(PREFECT_FILE))
    assert "monthly-check/cbp-monthly" in deployed and "probe/daily-probe" in deployed
    listed = requests.post(f"{env['PREFECT_API_URL']}/deployments/filter", json={}, timeout=10).json()
    assert sorted(d["name"] for d in listed) == ["cbp-monthly", "census-trade", "daily-probe", "replay"]
    started = prefect(env, "deployment", "run", "monthly-check/cbp-monthly", "--param", f"releases={folder.parent}",
                      "--param", f"db={db}", "--param", 'sources=["cbp_southwest_encounters"]')
    flow_run_id = re.search(r"UUID: ([0-9a-f-]{36})", started).group(1)
    prefect(env, "worker", "start", "--pool", "claimwatch", "--run-once", timeout=600)
    run = requests.get(f"{env['PREFECT_API_URL']}/flow_runs/{flow_run_id}", timeout=10).json()
    assert run["state"]["type"] == "COMPLETED", run["state"]
    assert run["parameters"]["db"] == str(db)
    assert scheduled_runs(env), "the cron schedules create scheduled runs"
    with open_store(db, read_only=True) as store:
        assert store.con.execute("select source, status from releases").fetchall() == [
            ("cbp_southwest_encounters", "published")]
        assert store.con.execute("select kind, status from alerts").fetchall() == [("digest", "printed")] * len(
            load_catalogs())  # each article's first digest
