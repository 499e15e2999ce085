"""The monthly-check Prefect flow under Prefect's test harness, on recorded releases."""

from __future__ import annotations

import os
import re

import pytest
from prefect.testing.utilities import prefect_test_harness

from bad_input_support import with_field
from claim_support import catalog_by_id, catalog_ids
from claimwatch.claims.catalog import load_catalogs
from claimwatch.store import open_store
from flows.monthly_check import monthly_check


@pytest.fixture(scope="module", autouse=True)
def prefect_harness():
    with prefect_test_harness(server_startup_timeout=120):  # 30 s by default: short on a loaded 2-core machine
        yield


def releases_folder(shared_data, tmp_path, *, bad: bool = False, negative: bool = False):
    folder = tmp_path / "releases"
    sbo = folder / "cbp_southwest_land_border_encounters"
    sbo.mkdir(parents=True)
    nov = shared_data / sbo.name / "sbo-encounters-fy22-fy25-nov.csv"
    if negative:
        (sbo / nov.name).write_bytes(with_field(nov.read_bytes(), 2, "Encounter Count", "-1"))
    else:
        os.symlink(nov, sbo / nov.name)
    drugs = folder / "cbp_nationwide_drug_seizures"
    drugs.mkdir()
    if bad:
        (drugs / "nationwide-drugs-fy23-fy26-dec.csv").write_bytes(b"")
    else:
        os.symlink(shared_data / drugs.name / "nationwide-drugs-fy23-fy26-dec.csv", drugs / "nationwide-drugs-fy23-fy26-dec.csv")
    return folder


def test_monthly_check_ingests_then_finds_nothing_new(shared_data, tmp_path):
    folder, db = releases_folder(shared_data, tmp_path), str(tmp_path / "c.duckdb")
    sources = ["cbp_southwest_encounters", "cbp_drug_seizures"]
    first = monthly_check(db=db, releases=str(folder), sources=sources)
    assert [(o["source"], o["status"]) for o in first] == [
        ("cbp_southwest_encounters", "published"), ("cbp_drug_seizures", "published")
    ]
    second = monthly_check(db=db, releases=str(folder), sources=sources)
    assert {o["status"] for o in second} == {"unchanged"}


def test_monthly_check_fails_with_a_summary_when_a_release_is_rejected(shared_data, tmp_path):
    folder, db = releases_folder(shared_data, tmp_path, bad=True), str(tmp_path / "c.duckdb")
    state = monthly_check(
        db=db, releases=str(folder), sources=["cbp_southwest_encounters", "cbp_drug_seizures"], return_state=True
    )
    assert state.is_failed()
    with pytest.raises(RuntimeError, match=r"1 of 2 releases not published: cbp_drug_seizures fy23-fy26-dec: rejected .*empty"):
        state.result()


def test_monthly_check_validates_before_publishing(shared_data, tmp_path):
    """A release with a negative count is staged, fails validation, is quarantined; the run fails and says so."""
    folder, db = releases_folder(shared_data, tmp_path, negative=True), str(tmp_path / "c.duckdb")
    docs = tmp_path / "docs"
    state = monthly_check(db=db, releases=str(folder), sources=["cbp_southwest_encounters", "cbp_drug_seizures"],
                          docs_dir=str(docs), return_state=True)
    assert state.is_failed()
    with pytest.raises(RuntimeError, match=r"1 of 2 releases not published: cbp_southwest_encounters fy22-fy25-nov: "
                                           r"quarantined \(failed expectations: cbp_southwest_encounters__monthly/rows "
                                           r"expect_column_values_to_be_between\(encounter_count\)"):
        state.result()
    assert (docs / "index.html").is_file()
    with open_store(db, read_only=True) as store:
        statuses = store.con.execute("select source, status from releases order by 1").fetchall()
        visible = store.con.execute("select count(*) from cbp_southwest_encounters__monthly_latest").fetchone()
        validated = store.con.execute("select count(*) from validations").fetchone()
    assert statuses == [("cbp_drug_seizures", "published"), ("cbp_southwest_encounters", "quarantined")]
    assert visible == (0,) and validated == (2,)


def test_monthly_check_evaluates_every_claim_after_publishing(shared_data, tmp_path):
    folder, db = releases_folder(shared_data, tmp_path), str(tmp_path / "c.duckdb")
    monthly_check(db=db, releases=str(folder), sources=["cbp_southwest_encounters", "cbp_drug_seizures"])
    with open_store(db, read_only=True) as store:
        rows = dict(store.con.execute(  # what the first run's digest told, claim by claim
            "select claim_id || '/' || mode, verdict from claim_notices where reading = ''"
        ).fetchall())
        stored = dict(store.con.execute(  # the steps stored: claims whose sources have a published release
            "select claim_id || '/' || mode, verdict from claim_steps"
        ).fetchall())
    assert stored["lowest_illegal_crossings_30_years/as_stated"] == "unknown"
    assert not any(key.startswith("mexico_exports_2024/") for key in stored)  # no Census release: nothing to store
    # only the November 2024 southwest file is in: June 2025 is not yet in the data, Census not at all
    assert rows["lowest_illegal_crossings_30_years/as_stated"] == "unknown"
    assert rows["mexico_exports_2024/as_stated"] == "unknown"
    assert rows["fentanyl_lethal_doses/as_stated"] == "holds"
    assert rows["small_business_exports_110b/as_stated"] == "not_checkable"


def test_monthly_check_sends_a_digest_first_then_nothing_new(shared_data, tmp_path, monkeypatch, capsys):
    for name in ("SLACK_BOT_TOKEN", "SLACK_CHANNEL", "SLACK_WEBHOOK_URL"):
        monkeypatch.delenv(name, raising=False)
    folder, db = releases_folder(shared_data, tmp_path), str(tmp_path / "c.duckdb")
    sources = ["cbp_southwest_encounters", "cbp_drug_seizures"]
    monthly_check(db=db, releases=str(folder), sources=sources)
    assert "claimwatch is now watching: Op-ed on U.S.-Mexico trade and border security" in capsys.readouterr().out
    monthly_check(db=db, releases=str(folder), sources=sources)
    with open_store(db, read_only=True) as store:
        alerts = store.con.execute("select kind, status, delivered_via from alerts").fetchall()
    assert alerts == [("digest", "printed", "terminal")] * len(catalog_ids())  # one digest per article
    # built by the run, beside the store and named after it (c.duckdb: c-site/), so it overwrites no other store's site
    assert "lowest_illegal_crossings_30_years" in (tmp_path / "c-site" / "index.html").read_text()
    assert not (tmp_path / "site").exists()


def test_monthly_check_alerts_slack_when_a_release_is_quarantined(shared_data, tmp_path, monkeypatch, slack_server):
    monkeypatch.setenv("SLACK_BOT_TOKEN", slack_server.token)
    monkeypatch.setenv("SLACK_API_URL", slack_server.api_url)
    monkeypatch.delenv("SLACK_WEBHOOK_URL", raising=False)
    folder, db = releases_folder(shared_data, tmp_path, negative=True), str(tmp_path / "c.duckdb")
    state = monthly_check(db=db, releases=str(folder), sources=["cbp_southwest_encounters", "cbp_drug_seizures"],
                          slack_channel="#claims", return_state=True)
    assert state.is_failed()
    titles = [m["blocks"][0]["text"]["text"] for m in slack_server.messages]
    watching = [f"claimwatch is now watching: {catalog_by_id(a).article['title']}" for a in catalog_ids()]
    assert titles == [*watching,  # a digest per article, then the problem
                      "⚠ Source problem: one row with a negative encounter count in cbp_southwest_encounters "
                      "(release fy22-fy25-nov kept out)"]  # in plain words, not the expectation's name
    assert "claimwatch is now watching: Op-ed on U.S.-Mexico trade and border security" in watching
    own = {c.channel for c in load_catalogs() if c.channel}  # the brief names its own channel
    assert own and {m["channel"] for m in slack_server.messages} == {"#claims"} | own  # else the deployment's


def test_monthly_check_reports_its_own_failure(shared_data, tmp_path, monkeypatch, capsys):
    for name in ("SLACK_BOT_TOKEN", "SLACK_CHANNEL", "SLACK_WEBHOOK_URL"):
        monkeypatch.delenv(name, raising=False)
    db = tmp_path / "c.duckdb"
    monkeypatch.setenv("CLAIMWATCH_CALENDAR", str(tmp_path / "missing-calendar.yaml"))  # read by live runs only
    state = monthly_check(db=str(db), releases=None, sources=["cbp_southwest_encounters"],
                          mirror="http://127.0.0.1:9", return_state=True)  # nothing listens on port 9
    assert state.is_failed()
    out = capsys.readouterr().out
    assert "🔥 claimwatch run failed: monthly-check" in out and "missing-calendar.yaml" in out
    with open_store(db, read_only=True) as store:
        (kind, status), = store.con.execute("select kind, status from alerts where kind = 'pipeline_failed'").fetchall()
    assert (kind, status) == ("pipeline_failed", "printed")


def test_monthly_check_reads_slack_settings_from_prefect_secret_blocks(shared_data, tmp_path, monkeypatch, slack_server):
    from prefect.blocks.system import Secret

    for name in ("SLACK_BOT_TOKEN", "SLACK_CHANNEL", "SLACK_WEBHOOK_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SLACK_API_URL", slack_server.api_url)
    Secret(value=slack_server.token).save("claimwatch-slack-bot-token", overwrite=True)
    Secret(value="#from-a-block").save("claimwatch-slack-channel", overwrite=True)
    try:
        folder, db = releases_folder(shared_data, tmp_path), str(tmp_path / "c.duckdb")
        monthly_check(db=db, releases=str(folder), sources=["cbp_southwest_encounters", "cbp_drug_seizures"])
    finally:
        for name in ("claimwatch-slack-bot-token", "claimwatch-slack-channel"):
            Secret.delete(name)  # the harness is shared by this module's tests
    assert sorted(m["channel"] for m in slack_server.messages) == sorted(  # the digests: an article's own channel,
        c.channel or "#from-a-block" for c in load_catalogs())  # else the block's
    with open_store(db, read_only=True) as store:
        stored = str(store.con.execute("select * from alerts").fetchall())
    assert slack_server.token not in stored and "#from-a-block" not in stored


def test_monthly_check_with_a_relative_store_path(shared_data, tmp_path, monkeypatch):
    """As a deployment runs it: db relative to the working folder (GX needs absolute Data Docs paths)."""
    folder = releases_folder(shared_data, tmp_path)
    monkeypatch.chdir(tmp_path)
    state = monthly_check(db="data/c.duckdb", releases=str(folder), sources=["cbp_southwest_encounters"],
                          return_state=True)
    assert state.is_completed(), state.message
    (docs,) = (tmp_path / "data" / "validation-docs").iterdir()
    assert (docs / "index.html").is_file()


# -- a shared DuckLake store: the sources at once ----------------------------------------------------------------------
LAKE_SOURCES = ["cbp_southwest_encounters", "cbp_drug_seizures"]


def task_runs_tagged(tag: str) -> list:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import TaskRunFilter, TaskRunFilterTags

    with get_client(sync_client=True) as client:
        return client.read_task_runs(task_run_filter=TaskRunFilter(tags=TaskRunFilterTags(all_=[tag])))


def every_log_message() -> list[str]:
    from prefect.client.orchestration import get_client

    messages, offset = [], 0
    with get_client(sync_client=True) as client:
        while page := client.read_logs(limit=200, offset=offset):
            messages += [log.message for log in page]
            offset += len(page)
    return messages


def test_monthly_check_on_a_ducklake_runs_the_sources_at_once(postgres_server, shared_data, tmp_path, monkeypatch):
    """Each source a `check-source` task tagged source:<name>, in worker processes at the same time; the catalog's
    password from the Secret block only (a wrong $PGPASSWORD is overridden), never in a log."""
    from uuid import uuid4

    from prefect.blocks.system import Secret
    from prefect.client.orchestration import get_client

    from claimwatch.errors import StoreError

    password = f"pw-{uuid4().hex}"
    user = f"writer_{uuid4().hex[:8]}"
    dbname = postgres_server.password_database(user, password)
    setting = f"ducklake:postgres:dbname={dbname} host=127.0.0.1 port={postgres_server.port} user={user}"
    monkeypatch.setenv("PGPASSWORD", "not-the-password")
    monkeypatch.setenv("CLAIMWATCH_DATA_PATH", str(tmp_path / "lake"))
    monkeypatch.chdir(tmp_path)
    folder = releases_folder(shared_data, tmp_path)
    with pytest.raises(StoreError, match="cannot attach the DuckLake"):  # no block: the wrong password fails
        monthly_check(db=setting, releases=str(folder), sources=LAKE_SOURCES)
    Secret(value=password).save("claimwatch-store-password", overwrite=True)
    try:
        state = monthly_check(db=setting, releases=str(folder), sources=LAKE_SOURCES, workers=2, return_state=True)
    finally:
        Secret.delete("claimwatch-store-password")  # the harness is shared by this module's tests
    assert state.is_completed(), state.message
    assert sorted((o["source"], o["status"]) for o in state.result()) == sorted((s, "published") for s in LAKE_SOURCES)
    runs = {s: task_runs_tagged(f"source:{s}") for s in LAKE_SOURCES}
    assert {s: [(r.name, r.state.type.value) for r in rs] for s, rs in runs.items()} == {
        s: [(f"check {s}", "COMPLETED")] for s in LAKE_SOURCES}
    (a,), (b,) = runs.values()
    assert a.start_time < b.end_time and b.start_time < a.end_time, "the two sources ran at the same time"
    with get_client(sync_client=True) as client:
        for s in LAKE_SOURCES:  # made by the run: one check of a source at a time, whatever the deployment
            assert client.read_concurrency_limit_by_tag(f"source:{s}").concurrency_limit == 1
            client.delete_concurrency_limit_by_tag(f"source:{s}")
    assert not any(password in m for m in every_log_message())
    assert (tmp_path / "lake" / "site" / "index.html").is_file()  # the site in the lake's data folder, and per
    assert sorted(source.name for run in (tmp_path / "lake" / "validation-docs").iterdir()  # source Data Docs
                  for source in run.iterdir()) == sorted(LAKE_SOURCES)
    assert not list(tmp_path.glob("ducklake:*"))  # no folder named after the setting
    with open_store(setting, read_only=True) as store:
        assert store.con.execute("select source, status from releases order by 1").fetchall() == sorted(
            (s, "published") for s in LAKE_SOURCES)
        assert store.con.execute("select count(*) from alerts where kind = 'digest'").fetchone()[0] == len(load_catalogs())
        assert store.con.execute("select count(*) from source_locks").fetchone()[0] == 0


def test_monthly_check_on_a_ducklake_reports_a_source_another_run_holds(lake_setting, shared_data, tmp_path):
    from claimwatch.store.source_lock import SourceLock

    folder = releases_folder(shared_data, tmp_path)
    with open_store(lake_setting) as holder:
        lock = SourceLock(holder.con, "cbp_southwest_encounters").take()
        state = monthly_check(db=lake_setting, releases=str(folder), sources=LAKE_SOURCES, return_state=True)
        assert state.is_failed()
        assert re.match(rf"busy: source cbp_southwest_encounters: another claimwatch run is ingesting it \(held by pid "
                        rf"{os.getpid()} ", state.message), state.message
        with open_store(lake_setting, read_only=True) as store:  # the other source went on
            assert store.con.execute("select source, status from releases").fetchall() == [
                ("cbp_drug_seizures", "published")]
        lock.release()
    again = monthly_check(db=lake_setting, releases=str(folder), sources=LAKE_SOURCES, return_state=True)
    assert again.is_completed(), again.message
    assert sorted((o["source"], o["status"]) for o in again.result()) == [
        ("cbp_drug_seizures", "unchanged"), ("cbp_southwest_encounters", "published")]
