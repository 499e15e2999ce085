"""`claimwatch run` as a real process: a killed run takes Prefect's temporary API server with it, and a run that
finds the store busy (or not a store) exits 2 with one line."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from claimwatch.run_lock import run_lock
from test_cli import claimwatch_command, small_releases

SERVER = "prefect.server.api.server:create_app"


def descendants(pid: int) -> list[int]:
    """Every live process below `pid` (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    """Running, not gone nor a zombie waiting for PID 1 to reap it."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def run_env() -> dict:
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}  # the temporary API, as an editor runs it
    return {**env, "DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}


def test_kill_9_of_a_run_leaves_no_temporary_server(shared_data, tmp_path):
    command = [claimwatch_command(), "run", "--releases", str(small_releases(shared_data, tmp_path)),
               "--source", "cbp_southwest_encounters", "--db", str(tmp_path / "c.duckdb")]
    run = subprocess.Popen(command, env=run_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    server = None
    try:
        deadline = time.monotonic() + 90
        while server is None and time.monotonic() < deadline and run.poll() is None:
            server = next((p for p in descendants(run.pid) if SERVER in cmdline(p)), None)
            time.sleep(0.2)
        assert server is not None, "no temporary Prefect server seen under the run"
        port = cmdline(server).split("--port ")[1].split()[0]
        while time.monotonic() < deadline and run.poll() is None:  # up: it answers on its port
            if subprocess.run(["python3", "-c", f"import urllib.request; urllib.request.urlopen("
                               f"'http://127.0.0.1:{port}/api/health', timeout=1)"], capture_output=True).returncode == 0:
                break
            time.sleep(0.2)
        assert run.poll() is None, "the run ended before it could be killed"
        os.kill(run.pid, signal.SIGKILL)
        run.wait(timeout=10)
        gone_by = time.monotonic() + 5
        while alive(server) and time.monotonic() < gone_by:
            time.sleep(0.1)
        assert not alive(server), f"the temporary server (pid {server}) outlived the killed run"
    finally:
        if run.poll() is None:
            run.kill()
        if server is not None and alive(server):
            os.kill(server, signal.SIGKILL)  # what the old code left behind, so the test cleans up after it


def test_a_run_that_finds_the_store_busy_exits_2_with_one_line(shared_data, tmp_path):
    db = tmp_path / "c.duckdb"
    with run_lock(db):  # e.g. `claimwatch ingest` in progress
        done = subprocess.run([claimwatch_command(), "run", "--releases", str(small_releases(shared_data, tmp_path)),
                               "--source", "cbp_southwest_encounters", "--db", str(db)],
                              env=run_env(), capture_output=True, text=True, timeout=180)
    assert done.returncode == 2, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()  # checked before Prefect starts (the flow itself ends Failed "busy: ")
    assert len(lines) == 1 and lines[0].startswith("error: ") and "another claimwatch run holds" in lines[0], lines
    assert not db.exists()


def test_a_run_on_a_file_that_is_not_a_store_is_one_line(shared_data, tmp_path):
    text = tmp_path / "notes.duckdb"
    text.write_text("notes\n")
    done = subprocess.run([claimwatch_command(), "run", "--releases", str(small_releases(shared_data, tmp_path)),
                           "--db", str(text)], env=run_env(), capture_output=True, text=True, timeout=180)
    assert done.returncode == 2 and done.stderr.strip().splitlines() == [
        f"error: {text}: not a claimwatch (DuckDB) database; give the path of a store with --db, or move this file away"]
