"""The flows under Prefect's test harness: a full monthly-check, a second run that changes nothing, one agency
failing while the others publish, the daily probe, the run lock, and replay over ../shared/data."""

from __future__ import annotations

import subprocess
import sys

import pytest
from prefect.testing.utilities import prefect_test_harness

from agency_server import error
from claim_support import BRIEF, OPED, catalog_ids
from claimwatch.run_lock import run_lock
from claimwatch.sources.census_trade import CensusTrade
from claimwatch.store import open_store
from flows.monthly_check import monthly_check
from flows.probe import probe
from flows.replay import replay

# The brief's alerts over a replay of ../shared/data (besides its digest): a correction (fentanyl "less than half"),
# a clarification (largest trading partner: holds by total trade, fails by exports), and 10 messages covering 19 changes
BRIEF_REPLAY_KINDS = {"checked": 1, "correction": 2, "update": 7}
BRIEF_REPLAY_CHANGES = (10, 19)

# Everything a run writes.
STATE = ["releases", "raw_files", "validations", "validation_results", "alerts", "claim_notices", "claim_steps",
         "census_trade__monthly_latest", "cbp_encounters__monthly_latest", "worldbank__population_latest"]


@pytest.fixture(scope="module", autouse=True)
def prefect_harness():
    with prefect_test_harness(server_startup_timeout=120):  # 30 s by default: not enough on a loaded 2-core machine
        yield


@pytest.fixture(autouse=True)
def no_slack(monkeypatch):
    for name in ("SLACK_BOT_TOKEN", "SLACK_CHANNEL", "SLACK_WEBHOOK_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CLAIMWATCH_HTTP_BACKOFF", "0.01")


def state(db) -> dict[str, list]:
    with open_store(db, read_only=True) as store:
        return {t: store.con.execute(f"select * exclude (content) from {t} order by all" if t == "raw_files"
                                     else f"select * from {t} order by all").fetchall() for t in STATE}


def test_full_monthly_check_from_an_empty_store_then_a_run_that_changes_nothing(shared_data, tmp_path):
    db = str(tmp_path / "c.duckdb")
    first = monthly_check(db=db, releases=str(shared_data))
    assert len(first) == 24 and {o["status"] for o in first} == {"published"}
    before = state(db)
    assert [a[2] for a in before["alerts"]] == ["digest"] * len(catalog_ids())  # one per article
    second = monthly_check(db=db, releases=str(shared_data))
    assert len(second) == 24 and {o["status"] for o in second} == {"unchanged"}
    assert state(db) == before


def test_one_agency_failing_does_not_stop_the_others(agency_server, tmp_path):
    agency_server.fail_always(CensusTrade.path, error(500))
    db = str(tmp_path / "c.duckdb")
    run = monthly_check(db=db, mirror=agency_server.url, return_state=True)
    assert run.is_failed()
    assert f"census_trade : failed ({agency_server.url}{CensusTrade.path}: HTTP 500" in run.message
    with open_store(db, read_only=True) as store:
        statuses = dict(store.con.execute("select source, status from releases").fetchall())
        kinds = store.con.execute("select kind, idempotency_key from alerts order by alert_id").fetchall()
    assert "census_trade" not in statuses and set(statuses.values()) == {"published"} and len(statuses) == 7
    n = len(catalog_ids())  # one digest per article, then the failure
    assert [k for k, _ in kinds][:n + 1] == ["digest"] * n + ["fetch_failed"]
    assert kinds[n][1].startswith("fetch_failed:census_trade::")


def test_the_daily_probe_checks_only_sources_with_new_files(agency_server, tmp_path):
    db = str(tmp_path / "c.duckdb")
    first = probe(db=db, mirror=agency_server.url)
    assert len(first) == 8  # an empty store: every source is new, and monthly-check ingested them
    with open_store(db, read_only=True) as store:
        assert store.con.execute("select count(*) from releases where status = 'published'").fetchone()[0] == 8
    before = state(db)
    requests_before = len(agency_server.log)
    assert probe(db=db, mirror=agency_server.url) == []
    assert state(db) == before
    file_requests = [r for r in agency_server.log[requests_before:] if r.path not in agency_server.listed]
    assert file_requests and {r.status for r in file_requests} <= {304}, {r.status for r in file_requests}


def test_a_second_run_fails_busy_without_touching_the_database(shared_data, tmp_path):
    db = tmp_path / "c.duckdb"
    with run_lock(db):  # another run, or `claimwatch ingest`, holds the store
        run = monthly_check(db=str(db), releases=str(shared_data), return_state=True)
        probed = probe(db=str(db), return_state=True)
        replayed = replay(releases=str(shared_data), db=str(db), return_state=True)
    assert run.is_failed() and run.message.startswith("busy: ")  # a state an operator can alert on
    assert "another claimwatch run holds" in run.message
    assert probed.is_failed() and probed.message.startswith("busy: ")
    assert replayed.is_failed() and replayed.message.startswith("busy: ")
    assert not db.exists()


def test_a_run_while_another_program_has_the_file_fails_busy_at_once(shared_data, tmp_path):
    db = tmp_path / "c.duckdb"
    with open_store(db):
        pass
    holder = subprocess.Popen([sys.executable, "-c", f"import duckdb, sys; con = duckdb.connect({str(db)!r}); "
                               "print('open', flush=True); sys.stdin.read()"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"  # another program (the duckdb CLI, a notebook) writes
        run = monthly_check(db=str(db), releases=str(shared_data), sources=["cbp_drug_seizures"], return_state=True)
    finally:
        holder.communicate("", timeout=30)
    assert run.is_failed() and run.message.startswith("busy: ") and "in use by another" in run.message


def test_replay_over_the_recorded_releases(shared_data, tmp_path, capfd):
    db = tmp_path / "replay.duckdb"
    steps = replay(releases=str(shared_data), db=str(db), charts=False)
    assert len(steps) == 24 and {s["status"] for s in steps} == {"published"}
    n = len(catalog_ids())
    assert steps[0]["alerts"] == list(range(1, n + 1))  # a digest per article, after the first release
    out, err = capfd.readouterr()  # printed inside tasks: Prefect's log_prints sends it to the run's log
    assert "── alert 1 (digest) ──" in out + err and "Replayed 24 release(s)" in out + err
    # one message per release and article: a release that changes an article's claims writes one alert for them all
    assert all(len(s["alerts"]) <= n for s in steps[1:])
    messages = [(s["release_id"], a) for s in steps[1:] for a in s["alerts"]]
    with open_store(db, read_only=True) as store:
        article_of = dict(store.con.execute("select alert_id, article_id from alerts").fetchall())
        kinds = store.con.execute("select article_id, kind, count(*) from alerts group by all").fetchall()
        statuses = {r[0] for r in store.con.execute("select status from alerts").fetchall()}
        covered = dict(store.con.execute("select alert_id, count(*) from alert_claims group by all").fetchall())
        multi = {r[0] for r in store.con.execute(
            "select source || ' ' || release_label from releases where list_contains(?, release_id)",
            [[r for r, a in messages if covered[a] > 1 and article_of[a] == OPED]]).fetchall()}
    assert statuses == {"printed"} and sorted(covered) == [a for _, a in messages]  # a message covers what it moved
    assert len({(r, article_of[a]) for r, a in messages}) == len(messages)
    per_article = {a: {k: c for art, k, c in kinds if art == a} for a in catalog_ids()}
    changes = {a: (sum(1 for _, m in messages if article_of[m] == a),
                   sum(c for m, c in covered.items() if article_of[m] == a)) for a in catalog_ids()}
    assert per_article[OPED] == {"digest": 1, "update": 8, "correction": 2}
    assert changes[OPED] == (10, 18)  # claim changes: several in one message when one release moves several claims
    assert per_article[BRIEF] == {"digest": 1, **BRIEF_REPLAY_KINDS} and changes[BRIEF] == BRIEF_REPLAY_CHANGES
    assert {"census_trade 2025-04", "cbp_encounters fy22-fy25"} <= multi
    # exactly once: replaying the same folder into the same store changes nothing and writes no alert
    again = replay(releases=str(shared_data), db=str(db), charts=False)
    assert {s["status"] for s in again} == {"unchanged"} and [a for s in again for a in s["alerts"]] == []
    with open_store(db, read_only=True) as store:
        assert store.con.execute("select count(*) from alerts").fetchone()[0] == n + len(messages)  # the digests and the change messages


def test_live_sources_wait_on_the_network_at_the_same_time(agency_server, tmp_path, monkeypatch):
    from agency_server import stall
    from claimwatch.sources.cbp_drug_seizures import CbpDrugSeizures
    from claimwatch.sources.cbp_encounters import CbpEncounters
    from claimwatch.sources.cbp_southwest_encounters import CbpSouthwestEncounters

    monkeypatch.setenv("CLAIMWATCH_SOURCE_FETCH_SECONDS", "1.5")
    hanging = (CbpEncounters, CbpSouthwestEncounters, CbpDrugSeizures)
    for cls in hanging:
        agency_server.fail_always(cls.landing_path, stall(5.0))
    db = str(tmp_path / "c.duckdb")
    run = monthly_check(db=db, mirror=agency_server.url, return_state=True)
    assert run.is_failed()
    for cls in hanging:
        assert f"{cls.name} : failed ({agency_server.url}{cls.landing_path}: gave up after 1.5 s" in run.message
    firsts = [agency_server.requests(cls.landing_path)[0].at for cls in hanging]
    assert max(firsts) - min(firsts) < 1.5  # all three were waiting at once, not one after another's limit
    with open_store(db, read_only=True) as store:
        published = {r[0] for r in store.con.execute("select source from releases where status = 'published'").fetchall()}
    assert published == {"census_trade", "census_trade_api", "worldbank_population", "census_idb", "dhs_khsm_usbp"}


def test_task_runs_are_named_by_the_source_and_release_they_work_on(shared_data, tmp_path):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    db = str(tmp_path / "c.duckdb")
    run = monthly_check(db=db, releases=str(shared_data), sources=["cbp_drug_seizures"], return_state=True)
    assert run.is_completed(), run.message
    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run.state_details.flow_run_id])))
    names = {t.name for t in runs}
    with open_store(db, read_only=True) as store:
        ids = [r[0] for r in store.con.execute("select release_id from releases").fetchall()]
    assert ids and "stage cbp_drug_seizures" in names
    for release_id in ids:  # 'cbp_drug_seizures/fy23-fy26-nov@5b8fbc01' runs as 'validate cbp_drug_seizures fy23-fy26-nov'
        source, label = release_id.split("@")[0].split("/")
        assert {f"validate {source} {label}", f"publish {source} {label}"} <= names, names
