"""A throwaway PostgreSQL server for a DuckLake store's catalog: `initdb` into a temp folder, a free port on
127.0.0.1, stopped and removed at the end. Used by the tests (tests/pg_server.py) and the benchmarks; no pytest here.
Debian's `postgresql` package must be installed (.ci/run installs it)."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

USER = "claimwatch"


class PostgresMissing(RuntimeError):
    """PostgreSQL's server programs are not installed."""


def pg_bin(name: str) -> str:
    """A PostgreSQL server program: Debian keeps them in /usr/lib/postgresql/<version>/bin."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or [shutil.which(name)]
    if not found[-1]:
        raise PostgresMissing(f"PostgreSQL's {name} not found (install Debian's postgresql package: .ci/run does)")
    return found[-1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def as_server_user(args: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run it as Debian's `postgres` user then."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@dataclass
class PostgresServer:
    folder: Path
    port: int

    def conninfo(self, dbname: str) -> str:
        return f"dbname={dbname} host=127.0.0.1 port={self.port} user={USER}"

    def psql(self, sql: str, dbname: str = "postgres") -> str:
        return subprocess.run([pg_bin("psql"), "-X", "-A", "-t", "-c", sql, self.conninfo(dbname)], check=True,
                              capture_output=True, text=True).stdout

    def new_database(self) -> str:
        """A fresh, empty database; its name."""
        name = f"t_{uuid.uuid4().hex[:12]}"
        self.psql(f"create database {name}")
        return name

    def password_database(self, user: str, password: str) -> str:
        """A new database owned by a new login role that must give its password (scram-sha-256, from 127.0.0.1);
        the database's name. The server's other users keep `trust`."""
        self.psql(f"create role {user} login password '{password}'")
        name = self.new_database()
        self.psql(f"alter database {name} owner to {user}")
        hba = self.folder / "data" / "pg_hba.conf"
        hba.write_text(f"host all {user} 127.0.0.1/32 scram-sha-256\n" + hba.read_text())
        self.psql("select pg_reload_conf()")
        return name

    def store_setting(self, dbname: str | None = None) -> str:
        """The CLAIMWATCH_STORE setting of a DuckLake whose catalog is this database (a new one by default)."""
        return f"ducklake:postgres:{self.conninfo(dbname or self.new_database())}"


def start_server(settings: dict[str, str] | None = None) -> PostgresServer:
    """Start a new server; `settings` are extra `-c name=value` server settings."""
    folder = Path(tempfile.mkdtemp(prefix="claimwatch-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    port = free_port()
    subprocess.run(as_server_user([pg_bin("initdb"), "-D", str(folder / "data"), "-A", "trust", "-U", USER]),
                   check=True, capture_output=True)
    extra = "".join(f" -c {k}={v}" for k, v in (settings or {}).items())
    subprocess.run(as_server_user([pg_bin("pg_ctl"), "-D", str(folder / "data"), "-l", str(folder / "server.log"),
                                   "-o", f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c max_connections=200"
                                   f" -c fsync=off{extra}", "-w", "start"]), check=True, capture_output=True)
    return PostgresServer(folder, port)


def stop_server(server: PostgresServer) -> None:
    subprocess.run(as_server_user([pg_bin("pg_ctl"), "-D", str(server.folder / "data"), "-m", "immediate", "stop"]),
                   capture_output=True)
    shutil.rmtree(server.folder, ignore_errors=True)


@contextmanager
def running_server(settings: dict[str, str] | None = None) -> Iterator[PostgresServer]:
    """A server for the length of the block."""
    server = start_server(settings)
    try:
        yield server
    finally:
        stop_server(server)
