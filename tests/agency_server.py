"""A local stand-in for the agencies' web servers: the recorded releases served at their original URL paths.

The files are read from ../shared/data (never copied): each CBP file at the path of its original URL in
PROVENANCE.md, one chosen Census country.xlsx vintage and World Bank population.csv vintage at their fixed
URLs, hand-written CBP landing pages linking to the listed files, the DHS OHSS KHSM USBP workbook under
OHSS's Drupal file area linked from a hand-written KHSM page (PROVENANCE.md gives only that page's URL), and
small hand-written Census API responses (tests/data/census_api/). Every file has an ETag (quoted sha256) and a Last-Modified; conditional GETs get a
304. Replies can be scripted per path (errors, stalls, HTML error pages) and every request is logged.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import pytest

from claimwatch.sources.cbp_drug_seizures import CbpDrugSeizures
from claimwatch.sources.cbp_encounters import CbpEncounters
from claimwatch.sources.cbp_southwest_encounters import CbpSouthwestEncounters
from claimwatch.sources.census_trade import CensusTrade
from claimwatch.sources.dhs_khsm_usbp import DhsKhsmUsbp
from claimwatch.sources.worldbank_population import WorldBankPopulation

API_DATA = Path(__file__).resolve().parent / "data" / "census_api"
API_FILES = {
    "/data/timeseries/intltrade/exports/hs": "exports.json",
    "/data/timeseries/intltrade/imports/hs": "imports.json",
    "/data/timeseries/idb/5year": "idb.json",
}
CBP_SOURCES = (CbpEncounters, CbpSouthwestEncounters, CbpDrugSeizures)
KHSM_FOLDER = "/sites/default/files/2024-12/"  # OHSS (Drupal) upload folder; fy25m11 appeared in December 2024
CENSUS_DEFAULT, WORLDBANK_DEFAULT = "release-2025-04_data-through-2025-02", "commit-2026-03-06"
RELEASE_DAYS = {"2025-04": 3}  # the FT-900 of 2025-04-03 (PROVENANCE.md); other vintages: the 1st of the month
CONTENT_TYPES = {".csv": "text/csv", ".json": "application/json", ".pdf": "application/pdf",
                 ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
HTML_ERROR_PAGE = (b"<!DOCTYPE html>\n<html lang=\"en\"><head><title>Service Unavailable | CBP</title></head>\n"
                   b"<body><h1>We are sorry</h1><p>The page is temporarily unavailable.</p></body></html>\n")


def original_urls(provenance: Path) -> dict[str, str]:
    """Recorded file (path under the data folder) -> its original URL, from PROVENANCE.md's per-file sections."""
    urls, current = {}, None
    for line in provenance.read_text(encoding="utf-8").splitlines():
        if heading := re.match(r"### `([^`]+)`", line):
            current = heading.group(1)
        elif (found := re.match(r"- \*\*Publisher / original URL:\*\* (https?://\S+)", line)) and current:
            urls[current] = found.group(1)
    return urls


def http_date(year: int, month: int, day: int = 1) -> str:
    return format_datetime(datetime(year, month, day, 12, tzinfo=timezone.utc), usegmt=True)


def folder_date(url_path: str) -> str:
    """Last-Modified of a CBP file: the month of its upload folder (/2025-11/ or /2024-May/)."""
    match = re.search(r"/(\d{4})-(\d{2}|[A-Za-z]{3})/", url_path)
    month = match.group(2)
    return http_date(int(match.group(1)), int(month) if month.isdigit() else datetime.strptime(month, "%b").month)


@dataclass(frozen=True)
class Reply:
    """A scripted reply: `status` with `body` and `headers`, or (stall > 0) a wait before the normal reply."""

    status: int = 200
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    stall: float = 0.0


def error(status: int, retry_after: int | None = None) -> Reply:
    headers = (("Retry-After", str(retry_after)),) if retry_after is not None else ()
    return Reply(status, f"error {status}\n".encode(), (("Content-Type", "text/plain"), *headers))


def stall(seconds: float) -> Reply:
    return Reply(stall=seconds)


HTML_ERROR = Reply(200, HTML_ERROR_PAGE, (("Content-Type", "text/html; charset=utf-8"),))


def html_error_dated(last_modified: str | None = None) -> Reply:
    """An HTML error page with status 200 and a Last-Modified (default: now) but no ETag, as some CMSs send."""
    modified = last_modified or format_datetime(datetime.now(timezone.utc), usegmt=True)
    return Reply(200, HTML_ERROR_PAGE, (("Content-Type", "text/html; charset=utf-8"), ("Last-Modified", modified)))


@dataclass
class Request:
    """One request as the server saw it, and the status it answered."""

    path: str
    query: str
    headers: dict[str, str]
    at: float = field(default_factory=time.monotonic)
    status: int = 0


class AgencyServer:
    """The server and its settable state: vintages, linked CBP files, scripted replies, request log."""

    def __init__(self, shared_data: Path):
        self.shared_data = shared_data
        self.cbp_files: dict[str, Path] = {}  # URL path -> recorded file
        self.datasets: dict[str, list[str]] = defaultdict(list)  # landing path -> file names, as recorded
        folders = {cls.recorded_folder: cls.landing_path for cls in CBP_SOURCES}
        for relative, url in original_urls(shared_data / "PROVENANCE.md").items():
            parts = urlsplit(url)
            if parts.netloc == "www.cbp.gov" and (shared_data / relative).is_file():
                self.cbp_files[parts.path] = shared_data / relative
                if relative.split("/")[0] in folders:
                    self.datasets[folders[relative.split("/")[0]]].append(relative.split("/")[-1])
        khsm = shared_data / DhsKhsmUsbp.recorded_folder
        for local in sorted(khsm.glob("*.xlsx")) if khsm.is_dir() else ():
            self.cbp_files[KHSM_FOLDER + quote(local.name)] = local  # the name percent-encoded, as in a link
            self.datasets[DhsKhsmUsbp.landing_path].append(local.name)
        self._by_name = {unquote(path.rsplit("/", 1)[-1]): path for path in self.cbp_files}
        self._cache: dict[Path, tuple[bytes, str]] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.agency = self
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.reset()

    def reset(self) -> None:
        """Back to the default state: newest vintages, every recorded CBP file linked, no scripts, empty log."""
        with self._lock:
            self.census_vintage, self.worldbank_vintage = CENSUS_DEFAULT, WORLDBANK_DEFAULT
            self.listed = {landing: list(names) for landing, names in self.datasets.items()}
            self.scripts: dict[str, deque[Reply]] = defaultdict(deque)
            self.always: dict[str, Reply] = {}
            self.log: list[Request] = []

    def start(self) -> AgencyServer:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def path_of(self, file_name: str) -> str:
        """The URL path of a recorded CBP file, by file name."""
        return self._by_name[file_name]

    def script(self, path: str, *replies: Reply) -> None:
        """Answer the next requests for `path` with these replies, in order, then normally."""
        with self._lock:
            self.scripts[path].extend(replies)

    def fail_always(self, path: str, reply: Reply) -> None:
        """Answer every request for `path` with `reply` (until reset)."""
        with self._lock:
            self.always[path] = reply

    def requests(self, path: str) -> list[Request]:
        with self._lock:
            return [r for r in self.log if r.path == path]

    def _next_reply(self, path: str) -> Reply | None:
        with self._lock:
            queue = self.scripts.get(path)
            return queue.popleft() if queue else self.always.get(path)

    def _record(self, request: Request) -> None:
        with self._lock:
            self.log.append(request)

    def _file(self, path: Path) -> tuple[bytes, str]:
        with self._lock:
            if path not in self._cache:
                content = path.read_bytes()
                self._cache[path] = (content, f'"{hashlib.sha256(content).hexdigest()}"')
            return self._cache[path]

    def landing_page(self, landing: str) -> bytes:
        """A stand-in CBP landing page: links to the listed files (absolute and relative) and to -aor.csv files."""
        if landing == DhsKhsmUsbp.landing_path:
            return self.khsm_page()
        items = []
        for index, name in enumerate(self.listed.get(landing, ())):
            path = self.path_of(name)
            href = f"https://www.cbp.gov{path}" if index % 2 == 0 else path
            aor = re.sub(r"(-state)?\.csv$", "-aor.csv", path)
            items.append(f'<li><a href="{href}">{name}</a> (<a href="{aor}">by area of responsibility</a>)</li>')
        return (f"<!DOCTYPE html>\n<html><head><title>{landing}</title></head><body>\n<h1>{landing}</h1>\n"
                f"<ul>\n" + "\n".join(items) + "\n</ul>\n</body></html>\n").encode()

    def khsm_page(self) -> bytes:
        """A stand-in OHSS KHSM page: absolute links to the listed USBP workbooks and to an OFO one not served."""
        items = [f'<li><a href="https://ohss.dhs.gov{self.path_of(name)}">{name}</a></li>'
                 for name in self.listed.get(DhsKhsmUsbp.landing_path, ())]
        items.append(f'<li><a href="{KHSM_FOLDER}KHSM%20Encounters%20%28OFO%29%20fy25m11.xlsx">OFO encounters</a></li>')
        return ("<!DOCTYPE html>\n<html><head><title>CBP Encounters | Homeland Security</title></head><body>\n"
                "<h1>CBP Encounters</h1>\n<ul>\n" + "\n".join(items) + "\n</ul>\n</body></html>\n").encode()

    def resolve(self, path: str) -> tuple[bytes, str, str, str] | None:
        """(content, ETag, Last-Modified, Content-Type) of the file served at `path`, if any."""
        if path in self.cbp_files:
            local, modified = self.cbp_files[path], folder_date(path)
        elif path == CensusTrade.path:
            local = self.shared_data / "census_trade_country_xlsx" / self.census_vintage / "country.xlsx"
            year, month = map(int, re.match(r"release-(\d{4})-(\d{2})", self.census_vintage).groups())
            modified = http_date(year, month, RELEASE_DAYS.get(f"{year}-{month:02d}", 1))
        elif path == WorldBankPopulation.path:
            local = self.shared_data / "worldbank_population_datahub" / self.worldbank_vintage / "population.csv"
            modified = http_date(*map(int, re.match(r"commit-(\d{4})-(\d{2})-(\d{2})", self.worldbank_vintage).groups()))
        elif path in API_FILES:
            local = API_DATA / API_FILES[path]
            modified = format_datetime(datetime.fromtimestamp(int(local.stat().st_mtime), timezone.utc), usegmt=True)
        else:
            return None
        content, etag = self._file(local)
        return content, etag, modified, CONTENT_TYPES[local.suffix]


def not_modified(headers, etag: str, last_modified: str) -> bool:
    """RFC 9110: If-None-Match decides when present; otherwise If-Modified-Since."""
    if (tags := headers.get("If-None-Match")) is not None:
        return tags.strip() == "*" or etag in (t.strip() for t in tags.split(","))
    if since := headers.get("If-Modified-Since"):
        try:
            return parsedate_to_datetime(since) >= parsedate_to_datetime(last_modified)
        except (TypeError, ValueError):
            return False
    return False


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:  # the request log is AgencyServer.log
        pass

    def do_GET(self) -> None:
        agency: AgencyServer = self.server.agency
        parts = urlsplit(self.path)
        request = Request(parts.path, parts.query, dict(self.headers.items()))
        agency._record(request)
        reply = agency._next_reply(parts.path)
        if reply is not None and reply.stall:
            agency._stopping.wait(reply.stall)
            reply = None
        if reply is not None:
            return self._send(request, reply.status, reply.body, dict(reply.headers))
        if parts.path in agency.listed:
            return self._send(request, 200, agency.landing_page(parts.path), {"Content-Type": "text/html; charset=utf-8"})
        found = agency.resolve(parts.path)
        if found is None:
            return self._send(request, 404, b"not found\n", {"Content-Type": "text/plain"})
        content, etag, modified, content_type = found
        validators = {"ETag": etag, "Last-Modified": modified}
        if not_modified(self.headers, etag, modified):
            return self._send(request, 304, b"", validators)
        self._send(request, 200, content, {"Content-Type": content_type, **validators})

    def _send(self, request: Request, status: int, body: bytes, headers: dict[str, str]) -> None:
        request.status = status
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            if status != 304:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (e.g. timed out during a stall)
            pass


@pytest.fixture(scope="session")
def agency_server_session(shared_data):
    """One server for the test session (started on a free loopback port, stopped at the end)."""
    server = AgencyServer(shared_data).start()
    yield server
    server.stop()


@pytest.fixture
def agency_server(agency_server_session):
    """The session's server, reset to its default state before and after the test."""
    agency_server_session.reset()
    yield agency_server_session
    agency_server_session.reset()
