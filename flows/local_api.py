"""Prefect's temporary local API for `claimwatch run`, started as a child that dies with the run, even on kill -9.

Left to itself, Prefect 3.8 starts the same server (SubprocessASGIServer: uvicorn on prefect.server.api.server's
create_app) and stops it only at exit (atexit), so a killed run leaves it running under PID 1. Here the server is
started the same way but asks the kernel for SIGKILL when its parent dies (prctl PR_SET_PDEATHSIG, Linux).
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import prefect
import prefect.context
from prefect.settings import PREFECT_API_URL, get_current_settings

PR_SET_PDEATHSIG = 1


def _die_with(parent_pid: int):
    """A preexec function: SIGKILL this child when its parent dies (and exit now if it already has)."""
    def preexec() -> None:
        if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL) != 0:
            os._exit(70)
        if os.getppid() != parent_pid:
            os._exit(71)
    return preexec


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(timeout: float = 60.0) -> tuple[subprocess.Popen, str]:
    """Start the temporary API as our child; return it and its API URL once /health answers."""
    env = {**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1",
           **get_current_settings().to_environment_variables(exclude_unset=True)}
    deadline = time.monotonic() + timeout
    while True:
        port = free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--app-dir", str(prefect.__module_path__.parent), "--factory",
             "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port", str(port),
             "--log-level", "error", "--lifespan", "on"],
            env=env, preexec_fn=_die_with(os.getpid()),
        )
        url = f"http://127.0.0.1:{port}/api"
        while process.poll() is None and time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    return process, url
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        stop_server(process)
        if time.monotonic() >= deadline:
            raise RuntimeError(f"the temporary Prefect API did not start within {timeout:.0f} s")


def stop_server(process: subprocess.Popen) -> None:
    """Stop the server: SIGTERM, then SIGKILL after 5 s."""
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def temporary_api() -> Iterator[str | None]:
    """Use the configured Prefect API; with none (and on Linux), a temporary one that cannot outlive this process."""
    if PREFECT_API_URL.value() or not sys.platform.startswith("linux"):
        yield PREFECT_API_URL.value()  # a real server, or Prefect's own temporary one elsewhere
        return
    process, url = start_server()
    os.environ["PREFECT_API_URL"] = url
    prefect.context.refresh_global_settings_context()  # background threads read the global settings
    try:
        yield url
    finally:
        drain_workers()
        os.environ.pop("PREFECT_API_URL", None)
        prefect.context.refresh_global_settings_context()
        stop_server(process)


def drain_workers(timeout: float = 10.0) -> None:
    """Send the run's last logs and events while the server still answers (else: "Error logging to API")."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    for worker in (APILogWorker, EventsWorker):
        try:
            worker.drain_all(timeout=timeout)
        except Exception:  # noqa: BLE001 - best effort: the run's outcome is already decided
            pass
