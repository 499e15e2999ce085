"""The whole live path against a local stand-in for the agencies' servers: discover -> fetch -> parse -> store."""

from __future__ import annotations

import csv
import hashlib
import re
import shutil
from datetime import date

import pytest
from agency_server import CBP_SOURCES, HTML_ERROR, error
from python_calamine import CalamineWorkbook
from typer.testing import CliRunner

from claimwatch.cli import app
from claimwatch.http import HttpClient
from claimwatch.pipeline import ingest_live
from claimwatch.sources import all_sources
from claimwatch.sources.cbp_southwest_encounters import CbpSouthwestEncounters
from claimwatch.sources.census_trade import CensusTrade
from claimwatch.store import open_store

SOUTHWEST = CbpSouthwestEncounters.landing_path
NOV, AUG = "sbo-encounters-fy22-fy25-nov.csv", "sbo-encounters-fy22-fy25-aug.csv"
NEWEST_CENSUS = "release-2025-04_data-through-2025-02"
TODAY = f"api-{date.today():%Y-%m-%d}"
NEWEST = {  # source: (label, data through) of the newest release the sites list before CBP posts August
    "census_trade": ("2025-04", date(2025, 2, 1)),
    "census_trade_api": (TODAY, date(2025, 2, 1)),
    "cbp_encounters": ("fy22-fy25", date(2025, 9, 1)),
    "cbp_southwest_encounters": ("fy22-fy25-nov", date(2024, 11, 1)),
    "cbp_drug_seizures": ("fy23-fy26-dec", date(2025, 12, 1)),
    "worldbank_population": ("2026-03-06", date(2024, 1, 1)),
    "census_idb": (TODAY, date(2024, 1, 1)),
    "dhs_khsm_usbp": ("fy25m11", date(2024, 11, 1)),
}



def before_august(server) -> None:
    """The sites as at the first run: every recorded release, but CBP has not yet posted the August southwest file."""
    server.listed[SOUTHWEST] = [NOV]


def run(server, db_path):
    with open_store(db_path) as store:
        return ingest_live(store, all_sources(mirror=server.url).values(), HttpClient(cache=store, backoff=0.01))


def file_requests(server):
    return [r for r in server.log if r.path not in server.listed]


@pytest.fixture(scope="module")
def baseline(agency_server_session, tmp_path_factory):
    """A store after a first run against the sites as `before_august`, with the server's request log."""
    server = agency_server_session
    server.reset()
    before_august(server)
    path = tmp_path_factory.mktemp("live") / "baseline.duckdb"
    outcomes = run(server, path)
    log = list(server.log)
    server.reset()
    return path, outcomes, log


@pytest.fixture
def store_after_first_run(baseline, agency_server, tmp_path):
    """A copy of the baseline store, with the server back in the baseline's state."""
    before_august(agency_server)
    return shutil.copy(baseline[0], tmp_path / "c.duckdb")


def test_first_run_publishes_the_newest_release_of_every_source(baseline, shared_data):
    path, outcomes, log = baseline
    assert {o.source: (o.status, o.label, o.data_through) for o in outcomes} == {
        name: ("published", label, through) for name, (label, through) in NEWEST.items()
    }
    assert not any(r.path.endswith("-aor.csv") for r in log)
    with open_store(path, read_only=True) as store:
        sha, url = store.con.execute(
            "select r.sha256, f.url from releases r join raw_files f using (release_id) where r.source = 'cbp_encounters'"
        ).fetchone()
    recorded = shared_data / "cbp_nationwide_encounters_state" / "nationwide-encounters-fy22-fy25-state.csv"
    assert sha == hashlib.sha256(recorded.read_bytes()).hexdigest()
    assert url.endswith("/sites/default/files/2025-11/nationwide-encounters-fy22-fy25-state.csv")


def test_landing_pages_mix_absolute_and_relative_links_and_aor_files(agency_server):
    cbp = {cls.landing_path for cls in CBP_SOURCES}
    pages = {landing: agency_server.landing_page(landing).decode() for landing in agency_server.listed if landing in cbp}
    hrefs = [h for page in pages.values() for h in re.findall(r'href="([^"]+)"', page)]
    assert any(h.startswith("https://www.cbp.gov/sites/") for h in hrefs)
    assert any(h.startswith("/sites/") for h in hrefs)
    assert all(any(h.endswith("-aor.csv") for h in re.findall(r'href="([^"]+)"', p)) for p in pages.values())


@pytest.mark.parametrize("vintage, label", [(NEWEST_CENSUS, "2025-04"), ("release-2024-10_data-through-2024-08", "2024-10")])
def test_census_release_is_labelled_by_its_last_modified_month(agency_server, shared_data, vintage, label):
    agency_server.census_vintage = vintage
    source = CensusTrade(agency_server.url)
    http = HttpClient(backoff=0.01)
    candidate = source.fetch(http, source.discover(http))
    assert candidate.label == label
    assert candidate.files[0].content == (shared_data / "census_trade_country_xlsx" / vintage / "country.xlsx").read_bytes()


def test_published_figures_match_the_recorded_files(baseline, shared_data):
    path, outcomes, _ = baseline
    ids = {o.source: o.release_id for o in outcomes}
    encounters_csv = shared_data / "cbp_nationwide_encounters_state" / "nationwide-encounters-fy22-fy25-state.csv"
    with encounters_csv.open(newline="", encoding="utf-8-sig") as handle:
        fy2025 = sum(int(row["Encounter Count"]) for row in csv.DictReader(handle) if row["Fiscal Year"].startswith("2025"))
    workbook = CalamineWorkbook.from_path(str(shared_data / "census_trade_country_xlsx" / NEWEST_CENSUS / "country.xlsx"))
    rows = workbook.get_sheet_by_index(0).to_python()
    mexico_2024 = next(dict(zip(rows[0], r)) for r in rows[1:] if str(r[1]) == "2010" and int(float(r[0])) == 2024)
    with open_store(path, read_only=True) as store:
        q = store.con.execute
        by_fy = dict(q("select fiscal_year, sum(encounter_count) from cbp_encounters__monthly where release_id = ? "
                       "group by all", [ids["cbp_encounters"]]).fetchall())
        trade = q("select round(sum(value_usd) / 1e6, 1) from census_trade__monthly where release_id = ? and flow = 'exports' "
                  "and partner_code = '2010' and year(month) = 2024", [ids["census_trade"]]).fetchone()[0]
        unpublished = q("select count(*) from census_trade__monthly where release_id = ? and month = '2025-03-01' "
                        "and value_usd is not null", [ids["census_trade"]]).fetchone()[0]
        api_dec = q("select value_usd from census_trade_api__monthly where release_id = ? and flow = 'exports' "
                    "and partner_code = '2010' and month = '2024-12-01'", [ids["census_trade_api"]]).fetchone()[0]
        canada = q("select population from worldbank__population where release_id = ? and country_code = 'CAN' "
                   "and year = 2023", [ids["worldbank_population"]]).fetchone()[0]
        idb = q("select count(*) from census_idb__population where release_id = ?", [ids["census_idb"]]).fetchone()[0]
    assert by_fy[2025] == fy2025
    assert by_fy[2024] == 2_901_142  # CBP's published FY2024 total
    assert trade == 334_041.4
    assert unpublished == 0
    assert api_dec == round(mexico_2024["EDEC"] * 1_000_000) == 24_620_571_178
    assert canada == 40_083_484
    assert idb == 6



def test_second_run_is_unchanged_and_answered_with_304s(agency_server, store_after_first_run):
    outcomes = run(agency_server, store_after_first_run)
    assert [o.status for o in outcomes] == ["unchanged"] * len(NEWEST), outcomes
    files = file_requests(agency_server)
    assert len(files) == 9  # country.xlsx, 2 trade API calls, 3 CBP files, population.csv, IDB, the KHSM workbook
    assert all(r.status == 304 and r.headers.get("If-None-Match") for r in files), [(r.path, r.status) for r in files]
    with open_store(store_after_first_run, read_only=True) as store:
        assert store.con.execute("select count(*) from releases").fetchone()[0] == len(NEWEST)


def test_a_newly_posted_cbp_release_is_the_only_one_ingested(agency_server, store_after_first_run):
    agency_server.listed[SOUTHWEST] = [NOV, AUG]
    outcomes = run(agency_server, store_after_first_run)
    changed = [(o.source, o.status, o.label, o.data_through) for o in outcomes if o.status != "unchanged"]
    assert changed == [("cbp_southwest_encounters", "published", "fy22-fy25-aug", date(2025, 8, 1))]
    assert [r.path for r in file_requests(agency_server) if r.status == 200] == [agency_server.path_of(AUG)]
    with open_store(store_after_first_run, read_only=True) as store:
        latest = store.con.execute(
            "select distinct r.release_label from cbp_southwest_encounters__monthly_latest join releases r using (release_id) "
            "where month = '2024-11-01'"
        ).fetchall()
    assert latest == [("fy22-fy25-aug",)]


def test_one_source_failing_does_not_stop_the_others(agency_server, tmp_path):
    agency_server.fail_always(CensusTrade.path, error(500))
    db = tmp_path / "c.duckdb"
    outcomes = run(agency_server, db)
    failed = [o for o in outcomes if o.status == "failed"]
    assert [o.source for o in failed] == ["census_trade"]
    assert failed[0].detail.startswith(f"{agency_server.url}{CensusTrade.path}: HTTP 500")
    assert all(o.status == "published" for o in outcomes if o.source != "census_trade")
    with open_store(db, read_only=True) as store:
        assert store.con.execute("select count(*) from releases where source = 'census_trade'").fetchone()[0] == 0
        assert store.con.execute("select count(*) from census_trade__monthly").fetchone()[0] == 0
        assert store.con.execute("select count(*) from releases where status = 'published'").fetchone()[0] == 7

    agency_server.reset()  # census.gov is back
    again = {o.source: o.status for o in run(agency_server, db)}
    assert again.pop("census_trade") == "published" and set(again.values()) == {"unchanged"}


def test_an_html_error_page_instead_of_the_csv_is_rejected(agency_server, store_after_first_run):
    agency_server.listed[SOUTHWEST] = [NOV, AUG]
    agency_server.script(agency_server.path_of(AUG), HTML_ERROR)
    outcomes = {o.source: o for o in run(agency_server, store_after_first_run)}
    rejected = outcomes.pop("cbp_southwest_encounters")
    assert (rejected.status, rejected.label) == ("rejected", "fy22-fy25-aug")
    assert "HTML page instead of a CSV file" in rejected.detail
    assert {o.status for o in outcomes.values()} == {"unchanged"}
    with open_store(store_after_first_run, read_only=True) as store:
        status, reason = store.con.execute(
            "select status, reason from releases where release_id = ?", [rejected.release_id]).fetchone()
        latest = store.con.execute("select max(month) from cbp_southwest_encounters__monthly_latest").fetchone()[0]
    assert status == "rejected" and "HTML" in reason
    assert latest == date(2024, 11, 1)  # still the November release's data

    retried = {o.source: o for o in run(agency_server, store_after_first_run)}["cbp_southwest_encounters"]
    assert (retried.status, retried.data_through) == ("published", date(2025, 8, 1))


def test_cli_ingest_from_a_mirror(agency_server, tmp_path, monkeypatch):
    monkeypatch.delenv("CENSUS_API_KEY", raising=False)
    db = tmp_path / "cli.duckdb"
    result = CliRunner().invoke(app, ["ingest", "--mirror", agency_server.url, "--db", str(db)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert result.output.count("published") == len(NEWEST)
    assert "fy22-fy25-aug" in result.output and "47,100" in result.output
    with open_store(db, read_only=True) as store:
        labels = dict(store.con.execute("select source, release_label from releases where status = 'published'").fetchall())
    assert labels["cbp_southwest_encounters"] == "fy22-fy25-aug" and labels["census_trade"] == "2025-04"
