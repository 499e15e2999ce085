"""Network faults against the local agency server: dated HTML error pages, long Retry-After, hanging servers."""

from __future__ import annotations

import time
from datetime import date

import pytest
from agency_server import error, html_error_dated, stall

from claimwatch.alerts.collect import problem_alerts
from claimwatch.errors import FetchError
from claimwatch.http import HttpClient
from claimwatch.ingest import stage_live
from claimwatch.pipeline import ingest_live
from claimwatch.sources.cbp_drug_seizures import CbpDrugSeizures
from claimwatch.sources.cbp_encounters import CbpEncounters
from claimwatch.sources.cbp_southwest_encounters import CbpSouthwestEncounters
from claimwatch.sources.worldbank_population import WorldBankPopulation
from claimwatch.store import open_store

AUG = "sbo-encounters-fy22-fy25-aug.csv"


def client(store=None, **kwargs) -> HttpClient:
    return HttpClient(store, **{"backoff": 0.01, "timeout": (2.0, 0.5), **kwargs})


def southwest(server, db):
    with open_store(db) as store:
        return ingest_live(store, [CbpSouthwestEncounters(server.url)], client(store))


def test_after_a_dated_html_error_page_the_real_file_is_fetched(agency_server, tmp_path):
    path = agency_server.path_of(AUG)
    agency_server.script(path, html_error_dated())  # 200, Last-Modified: now, no ETag; then the real CSV
    db = tmp_path / "c.duckdb"
    (first,) = southwest(agency_server, db)
    assert (first.status, first.label) == ("rejected", "fy22-fy25-aug")
    (second,) = southwest(agency_server, db)
    assert (second.status, second.data_through) == ("published", date(2025, 8, 1)), second
    again = agency_server.requests(path)[1]
    assert "If-Modified-Since" not in again.headers and "If-None-Match" not in again.headers
    assert again.status == 200


def test_a_source_whose_newest_file_stays_rejected_keeps_failing(agency_server, tmp_path):
    agency_server.fail_always(agency_server.path_of(AUG), html_error_dated())
    db = tmp_path / "c.duckdb"
    (first,) = southwest(agency_server, db)
    for _ in range(2):
        (again,) = southwest(agency_server, db)
        assert not again.ok and again.status == "rejected", again
        assert first.release_id in again.detail and "HTML page instead of a CSV file" in again.detail
    with open_store(db) as store:
        (alert,) = problem_alerts(store.con, [again], [], date(2026, 1, 5))
    assert alert.key == "rejected:cbp_southwest_encounters:fy22-fy25-aug:2026-01-05"
    assert first.release_id in alert.text


def test_retry_after_is_capped(agency_server):
    path = agency_server.path_of(AUG)
    agency_server.fail_always(path, error(503, retry_after=600))
    started = time.monotonic()
    with pytest.raises(FetchError, match="HTTP 503"):
        client(retries=2, max_retry_after=0.2).get_file(agency_server.url + path)
    assert time.monotonic() - started < 2.0
    at = [r.at for r in agency_server.requests(path)]
    assert len(at) == 3 and all(0.18 <= b - a < 1.0 for a, b in zip(at, at[1:]))


def test_retry_after_cap_comes_from_the_environment(agency_server, shared_data, monkeypatch):
    monkeypatch.setenv("CLAIMWATCH_HTTP_MAX_RETRY_AFTER", "0.3")
    assert HttpClient().max_retry_after == 0.3
    path = agency_server.path_of(AUG)
    agency_server.script(path, error(429, retry_after=600))
    file = client().get_file(agency_server.url + path)
    first, second = agency_server.requests(path)
    assert 0.28 <= second.at - first.at < 2.0
    assert file.content == (shared_data / "cbp_southwest_land_border_encounters" / AUG).read_bytes()


def test_a_retry_after_past_the_time_limit_gives_up_at_once(agency_server):
    path = agency_server.path_of(AUG)
    agency_server.fail_always(path, error(503, retry_after=600))
    started = time.monotonic()
    with pytest.raises(FetchError) as caught:
        client().for_source(1.0).get_file(agency_server.url + path)
    assert time.monotonic() - started < 0.9
    assert "gave up after 1 s" in str(caught.value) and "next try would be in 60 s" in str(caught.value)
    assert len(agency_server.requests(path)) == 1


def test_hanging_sources_give_up_in_parallel_and_the_others_go_on(agency_server, tmp_path, monkeypatch):
    monkeypatch.setenv("CLAIMWATCH_SOURCE_FETCH_SECONDS", "1.5")
    hanging = (CbpEncounters, CbpSouthwestEncounters, CbpDrugSeizures)
    for cls in hanging:
        agency_server.fail_always(cls.landing_path, stall(5.0))
    sources = [cls(agency_server.url) for cls in hanging] + [WorldBankPopulation(agency_server.url)]
    with open_store(tmp_path / "c.duckdb") as store:
        started = time.monotonic()
        outcomes = stage_live(store, sources, client(store))
        seconds = time.monotonic() - started
    assert [o.status for o in outcomes] == ["failed", "failed", "failed", "staged"], outcomes
    assert all("gave up after 1.5 s" in o.detail for o in outcomes[:3])
    assert seconds < 3.0  # one at a time, or without the limit (5 tries of 0.5 s each), it would take 4.5 s or more
    for cls in hanging:
        assert 2 <= len(agency_server.requests(cls.landing_path)) <= 4
