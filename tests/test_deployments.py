"""deployments/prefect.yaml on a real local Prefect server: deploy, run a deployment with a worker, see it Completed."""

from __future__ import annotations

import json
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
from claimwatch.store.location import parse_store

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
        "lake-monthly": [("45 8 2-9 * *", "America/New_York"), ("0 18 12-20 * *", "America/New_York")],
        "replay": [],
    }
    for d in by_name.values():
        assert set(d["parameters"]) >= {"releases"} or d["name"] == "daily-probe"
        assert "slack_channel" in d["parameters"] or d["name"] == "replay"


def test_the_shared_ducklake_variant_limits_each_source_not_the_deployment():
    doc = yaml.safe_load(PREFECT_FILE.read_text())
    by_name = {d["name"]: d for d in doc["deployments"]}
    lake = by_name["lake-monthly"]
    env = lake["work_pool"]["job_variables"]["env"]
    assert env["CLAIMWATCH_STORE"].startswith("ducklake:postgres:") and "password" not in env["CLAIMWATCH_STORE"]
    assert env["CLAIMWATCH_DATA_PATH"] and "PGPASSWORD" not in env  # the password: Secret block claimwatch-store-password
    assert "concurrency_limit" not in lake and lake["parameters"]["workers"] >= 2
    assert lake["entrypoint"] == "flows/monthly_check.py:monthly_check"
    assert all("concurrency_limit" in d for name, d in by_name.items() if name in ("census-trade", "cbp-monthly"))


def test_deploy_run_and_complete_on_a_real_prefect_server(prefect_server, postgres_server, shared_data, tmp_path,
                                                          monkeypatch):
    env = prefect_server
    folder = tmp_path / "releases" / "cbp_southwest_land_border_encounters"
    folder.mkdir(parents=True)
    os.symlink(shared_data / folder.name / "sbo-encounters-fy22-fy25-nov.csv", folder / "sbo-encounters-fy22-fy25-nov.csv")
    drugs = tmp_path / "releases" / "cbp_nationwide_drug_seizures"
    drugs.mkdir()
    os.symlink(shared_data / drugs.name / "nationwide-drugs-fy23-fy26-dec.csv", drugs / "nationwide-drugs-fy23-fy26-dec.csv")
    db = tmp_path / "store" / "claimwatch.duckdb"
    prefect(env, "work-pool", "create", "claimwatch", "--type", "process")
    deployed = prefect(env, "--no-prompt", "deploy", "--all", "--prefect-file", str(PREFECT_FILE))
    assert "monthly-check/cbp-monthly" in deployed and "probe/daily-probe" in deployed
    listed = requests.post(f"{env['PREFECT_API_URL']}/deployments/filter", json={}, timeout=10).json()
    assert sorted(d["name"] for d in listed) == ["cbp-monthly", "census-trade", "daily-probe", "lake-monthly", "replay"]
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

    # the shared-DuckLake variant, run by a worker against a real catalog whose password only the Secret block holds
    password = "pw-" + os.urandom(8).hex()
    dbname = postgres_server.password_database("deployed_writer", password)
    lake_env = {"CLAIMWATCH_STORE": f"ducklake:postgres:dbname={dbname} host=127.0.0.1 port={postgres_server.port}"
                                    " user=deployed_writer", "CLAIMWATCH_DATA_PATH": str(tmp_path / "lake")}
    saved = subprocess.run([sys.executable, "-c", "import sys; from prefect.blocks.system import Secret; "
                            "Secret(value=sys.argv[1]).save('claimwatch-store-password')", password],
                           env={**env, "PWD": str(PROJECT)}, cwd=PROJECT, capture_output=True, text=True, timeout=180)
    assert saved.returncode == 0, saved.stderr
    started = prefect(env, "deployment", "run", "monthly-check/lake-monthly", "--param", f"releases={folder.parent}",
                      "--param", 'sources=["cbp_southwest_encounters", "cbp_drug_seizures"]',
                      "--job-variable", "env=" + json.dumps(lake_env))  # the yaml's env, pointed at this catalog
    flow_run_id = re.search(r"UUID: ([0-9a-f-]{36})", started).group(1)
    prefect({k: v for k, v in env.items() if k != "PGPASSWORD"}, "worker", "start", "--pool", "claimwatch",
            "--run-once", timeout=900)
    run = requests.get(f"{env['PREFECT_API_URL']}/flow_runs/{flow_run_id}", timeout=10).json()
    assert run["state"]["type"] == "COMPLETED", run["state"]
    for source in ("cbp_southwest_encounters", "cbp_drug_seizures"):
        tasks = requests.post(f"{env['PREFECT_API_URL']}/task_runs/filter", timeout=10,
                              json={"task_runs": {"tags": {"all_": [f"source:{source}"]}}}).json()
        assert [(t["name"], t["state"]["type"]) for t in tasks] == [(f"check {source}", "COMPLETED")]
        limit = requests.get(f"{env['PREFECT_API_URL']}/concurrency_limits/tag/source:{source}", timeout=10).json()
        assert limit["concurrency_limit"] == 1
    monkeypatch.setenv("PGPASSWORD", password)  # this test's own reading of the store
    with open_store(parse_store(lake_env["CLAIMWATCH_STORE"], lake_env["CLAIMWATCH_DATA_PATH"]), read_only=True) as store:
        assert store.con.execute("select source, status from releases order by 1").fetchall() == [
            ("cbp_drug_seizures", "published"), ("cbp_southwest_encounters", "published")]
