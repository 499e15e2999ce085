"""HttpClient against a real local HTTP server (tests/agency_server.py): retries, timeouts, conditional GETs, secrets."""

from __future__ import annotations

import hashlib
import logging
import time
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qs

import pytest
from agency_server import error, stall

from claimwatch import __version__
from claimwatch.errors import FetchError
from claimwatch.http import HttpClient
from claimwatch.pipeline import ingest_live
from claimwatch.sources.cbp_southwest_encounters import CbpSouthwestEncounters
from claimwatch.sources.census_idb_population import CensusIdbPopulation
from claimwatch.sources.census_trade_api import CensusTradeApi
from claimwatch.store import open_store

AUG = "sbo-encounters-fy22-fy25-aug.csv"
IDB_PATH = "/data/timeseries/idb/5year"
SECRET = "cw-test-key-7f3a9d1e"



def recorded(shared_data, name=AUG) -> bytes:
    return (shared_data / "cbp_southwest_land_border_encounters" / name).read_bytes()


def client(**kwargs) -> HttpClient:
    return HttpClient(**{"backoff": 0.01, "timeout": (2.0, 0.5), **kwargs})


def test_user_agent_names_claimwatch(agency_server):
    client().get_text(agency_server.url + CbpSouthwestEncounters.landing_path)
    (request,) = agency_server.log
    assert request.headers["User-Agent"].startswith(f"claimwatch/{__version__} ")
    assert "fact-checking" in request.headers["User-Agent"]


def test_503_twice_then_200_is_retried(agency_server, shared_data):
    path = agency_server.path_of(AUG)
    agency_server.script(path, error(503), error(503))
    file = client().get_file(agency_server.url + path)
    assert file.content == recorded(shared_data)
    assert [r.status for r in agency_server.requests(path)] == [503, 503, 200]


def test_retries_back_off_exponentially(agency_server):
    path = agency_server.path_of(AUG)
    agency_server.script(path, error(503), error(503), error(503))
    client(backoff=0.1).get_file(agency_server.url + path)
    at = [r.at for r in agency_server.requests(path)]
    gaps = [b - a for a, b in zip(at, at[1:])]
    assert len(gaps) == 3
    assert gaps[1] >= 0.18 and gaps[2] >= 0.38  # urllib3: 0, then 0.1 * 2, then 0.1 * 4 seconds


def test_429_waits_for_retry_after(agency_server, shared_data):
    path = agency_server.path_of(AUG)
    agency_server.script(path, error(429, retry_after=1))
    file = client().get_file(agency_server.url + path)
    first, second = agency_server.requests(path)
    assert (first.status, second.status) == (429, 200)
    assert second.at - first.at >= 0.95  # Retry-After: 1, not the 0.01 s backoff
    assert file.content == recorded(shared_data)


def test_500_forever_is_a_fetch_error_naming_url_and_status(agency_server):
    path = agency_server.path_of(AUG)
    agency_server.fail_always(path, error(500))
    url = agency_server.url + path
    with pytest.raises(FetchError) as caught:
        client(retries=2).get_file(url)
    assert str(caught.value).startswith(f"{url}: HTTP 500")
    assert len(agency_server.requests(path)) == 3  # the first try and two retries


def test_one_stall_is_retried(agency_server, shared_data):
    path = agency_server.path_of(AUG)
    agency_server.script(path, stall(2.0))
    assert client().get_file(agency_server.url + path).content == recorded(shared_data)
    assert len(agency_server.requests(path)) == 2


def test_stall_beyond_the_timeout_is_a_fetch_error(agency_server):
    path = agency_server.path_of(AUG)
    agency_server.fail_always(path, stall(3.0))
    url = agency_server.url + path
    started = time.monotonic()
    with pytest.raises(FetchError) as caught:
        client(retries=1, timeout=(2.0, 0.3)).get_file(url)
    assert time.monotonic() - started < 2.0  # two reads of 0.3 s, not the server's 3 s stall
    assert str(caught.value).startswith(f"{url}: ") and "timed out" in str(caught.value).lower()
    assert len(agency_server.requests(path)) == 2


def test_conditional_get_returns_stored_bytes_on_304(agency_server, shared_data, tmp_path):
    with open_store(tmp_path / "c.duckdb") as store:
        http = client(cache=store)
        (outcome,) = ingest_live(store, [CbpSouthwestEncounters(agency_server.url)], http)
        assert (outcome.status, outcome.label) == ("published", "fy22-fy25-aug")
        url = agency_server.url + agency_server.path_of(AUG)
        etag, last_modified = store.con.execute("select etag, last_modified from raw_files where url = ?", [url]).fetchone()
        file = http.get_file(url)
    content = recorded(shared_data)
    assert etag == f'"{hashlib.sha256(content).hexdigest()}"'
    assert f"{parsedate_to_datetime(last_modified):%Y-%m}" == "2025-09"  # the 2025-09 upload folder
    first, second = agency_server.requests(agency_server.path_of(AUG))
    assert "If-None-Match" not in first.headers and first.status == 200
    assert second.headers["If-None-Match"] == etag and second.headers["If-Modified-Since"] == last_modified
    assert second.status == 304
    assert file.content == content and file.etag == etag


def test_api_key_is_sent_but_never_stored_reported_or_logged(agency_server, tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("CENSUS_API_KEY", SECRET)
    caplog.set_level(logging.DEBUG)
    path = tmp_path / "c.duckdb"
    with open_store(path) as store:
        http = client(cache=store, retries=1, timeout=(2.0, 0.3))
        sources = [CensusTradeApi(agency_server.url), CensusIdbPopulation(agency_server.url)]
        outcomes = ingest_live(store, sources, http)
        assert [o.status for o in outcomes] == ["published", "published"]
        api_requests = [r for r in agency_server.log if r.path.startswith("/data/")]
        assert len(api_requests) == 3
        assert all(parse_qs(r.query)["key"] == [SECRET] for r in api_requests)
        urls = [u for (u,) in store.con.execute("select url from raw_files").fetchall()]
        assert len(urls) == 3 and not any(SECRET in u for u in urls)

        idb_url = sources[1].discover(http).urls[0]
        messages = []
        for reply in (error(500), stall(2.0)):
            agency_server.fail_always(IDB_PATH, reply)
            with pytest.raises(FetchError) as caught:
                http.get_file(idb_url, secret_params={"key": SECRET})
            messages.append(str(caught.value))
    assert "HTTP 500" in messages[0] and "timed out" in messages[1].lower()
    assert not any(SECRET in m for m in messages)
    logged = [r for r in caplog.records if IDB_PATH in r.getMessage()]
    assert logged, "urllib3 logged no request for the IDB path: the log check would be vacuous"
    assert SECRET not in caplog.text
    assert SECRET.encode() not in path.read_bytes()


def test_no_key_parameter_without_census_api_key(agency_server, tmp_path, monkeypatch):
    monkeypatch.delenv("CENSUS_API_KEY", raising=False)
    with open_store(tmp_path / "c.duckdb") as store:
        (outcome,) = ingest_live(store, [CensusIdbPopulation(agency_server.url)], client(cache=store))
    assert outcome.status == "published"
    (request,) = agency_server.requests(IDB_PATH)
    assert "key" not in parse_qs(request.query) and parse_qs(request.query)["get"] == ["NAME,GENC,POP"]
