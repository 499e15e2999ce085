"""Which alerts a run writes: digest first, then only verdict changes; kept-out releases; overdue releases."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import duckdb
import pytest
import yaml

from bad_input_support import with_field
from claimwatch.alerts.collect import collect_alerts, transitions
from claimwatch.alerts.outbox import Outbox
from claimwatch.claims.catalog import load_catalog, load_catalogs
from claimwatch.claims.judge import Verdict
from claimwatch.ingest import Outcome, ingest_recorded
from claimwatch.sources import all_sources
from claimwatch.store import open_store

SBO = "cbp_southwest_land_border_encounters"


def v(claim_id: str, verdict: str, mode: str = "as_stated", period: str = "2024", observed: float | None = 1.0):
    return Verdict(claim_id, mode, verdict, period, observed)


def test_transitions_only_where_the_verdict_differs_from_what_was_told():
    told = {("a", "as_stated"): (v("a", "holds"), 3), ("b", "as_stated"): (v("b", "fails"), 4),
            ("c", "latest"): (v("c", "unknown", "latest", observed=None), 5)}
    current = [v("a", "holds", observed=2.0), v("b", "holds", observed=2.0),
               v("c", "fails", "latest", period="2025"), v("d", "holds")]
    changed = {t.after.claim_id: t for t in transitions(told, current)}
    assert set(changed) == {"b", "c", "d"}  # a: same verdict, a new figure alone does not alert
    assert (changed["b"].before.verdict, changed["b"].previous_alert_id) == ("fails", 4)
    assert changed["b"].why == "revision of 2024: 1 -> 2"
    assert changed["c"].why == "data now available for 2025 ()"
    assert changed["d"].before is None and changed["d"].why == "first evaluation"


@pytest.fixture
def sbo_store(shared_data, tmp_path):
    """A store holding the two recorded USBP southwest releases."""
    folder = tmp_path / "releases" / SBO
    folder.mkdir(parents=True)
    for name in ("sbo-encounters-fy22-fy25-nov.csv", "sbo-encounters-fy22-fy25-aug.csv"):
        os.symlink(shared_data / SBO / name, folder / name)
    store = open_store(tmp_path / "c.duckdb")
    outcomes = ingest_recorded(store, tmp_path / "releases", all_sources().values())
    assert [o.status for o in outcomes] == ["published", "published"]
    yield store
    store.close()


def counts(con) -> tuple:
    return tuple(con.execute(f"select count(*) from {t}").fetchone()[0]
                 for t in ("alerts", "claim_notices", "claim_evaluations"))


def test_first_run_sends_one_digest_then_nothing_until_a_verdict_changes(sbo_store):
    catalogs = load_catalogs()
    first = collect_alerts(sbo_store.con, catalogs, charts=False)
    (alert_id,) = first.new_alerts
    outbox = Outbox(sbo_store.con)
    digest = outbox.get(alert_id)
    verdicts = first.verdicts["us_mexico_trade_oped_2025"]
    assert digest["kind"] == "digest" and len(verdicts) == 29
    for verdict in verdicts:
        assert f"{verdict.claim_id} (" in digest["text"]
    assert "✓ holds · lowest_illegal_crossings_30_years (as stated" in digest["text"]
    told = outbox.notices("us_mexico_trade_oped_2025")
    assert {k: t[0].verdict for k, t in told.items()} == {(x.claim_id, x.mode): x.verdict for x in verdicts}
    second = collect_alerts(sbo_store.con, catalogs, charts=False)
    assert second.new_alerts == [] and len(second.verdicts["us_mexico_trade_oped_2025"]) == 29


def test_a_quarantined_release_alerts_with_the_failed_expectation_and_the_last_good_data(sbo_store, shared_data, tmp_path):
    collect_alerts(sbo_store.con, load_catalogs(), charts=False)
    folder = tmp_path / "later" / SBO
    folder.mkdir(parents=True)
    real = (shared_data / SBO / "sbo-encounters-fy22-fy25-aug.csv").read_bytes()
    (folder / "sbo-encounters-fy22-fy25-aug.csv").write_bytes(with_field(real, 2, "Encounter Count", "-1"))
    (outcome,) = ingest_recorded(sbo_store, tmp_path / "later", all_sources().values())
    assert outcome.status == "quarantined"
    collected = collect_alerts(sbo_store.con, load_catalogs(), [outcome], charts=False)
    (alert_id,) = collected.new_alerts  # the claims did not change: the bad release never reached them
    alert = Outbox(sbo_store.con).get(alert_id)
    assert alert["kind"] == "quarantined" and alert["idempotency_key"] == f"quarantined:{outcome.release_id}"
    assert "failed validation and was kept out" in alert["title"]
    assert "value_is_non_negative" in alert["text"] or "between" in alert["text"], alert["text"]
    assert outcome.detail in alert["text"]
    assert "The last good data stay in force: cbp_southwest_encounters/fy22-fy25-aug@" in alert["text"]
    assert "lowest_illegal_crossings_30_years" in alert["text"]
    assert "sbo-encounters-fy22-fy25-aug.csv" in alert["blocks"]
    again = collect_alerts(sbo_store.con, load_catalogs(), [outcome], charts=False)
    assert again.new_alerts == []


def test_a_source_that_cannot_be_fetched_alerts_once_a_day(sbo_store):
    collect_alerts(sbo_store.con, load_catalogs(), charts=False)
    failed = Outcome("cbp_encounters", "", "failed", detail="https://www.cbp.gov/…: HTTP 503 after 4 attempts")
    day = date(2026, 11, 21)
    (alert_id,) = collect_alerts(sbo_store.con, load_catalogs(), [failed], today=day, charts=False).new_alerts
    alert = Outbox(sbo_store.con).get(alert_id)
    assert alert["kind"] == "fetch_failed" and "HTTP 503 after 4 attempts" in alert["text"]
    assert "No earlier release of this source is published." in alert["text"]
    assert "june_2025_lowest_nationwide_encounters" in alert["text"]  # the claims that rely on it
    assert collect_alerts(sbo_store.con, load_catalogs(), [failed], today=day, charts=False).new_alerts == []
    assert len(collect_alerts(sbo_store.con, load_catalogs(), [failed], today=date(2026, 11, 22), charts=False).new_alerts) == 1


def test_an_overdue_release_alerts_once_per_missing_period(sbo_store):
    collect_alerts(sbo_store.con, load_catalogs(), charts=False)
    # newest USBP data: August 2025; September's data is due around 2025-10-15, with 7 days' grace
    assert collect_alerts(sbo_store.con, load_catalogs(), today=date(2025, 10, 22), check_schedule=True,
                          charts=False).new_alerts == []
    (alert_id,) = collect_alerts(sbo_store.con, load_catalogs(), today=date(2025, 10, 23), check_schedule=True,
                                 charts=False).new_alerts
    alert = Outbox(sbo_store.con).get(alert_id)
    assert alert["idempotency_key"] == "overdue:cbp_southwest_encounters:2025-09"
    assert "September 2025" in alert["text"] and "2025-10-15" in alert["text"] and "8 days late" in alert["text"]
    assert collect_alerts(sbo_store.con, load_catalogs(), today=date(2025, 10, 30), check_schedule=True,
                          charts=False).new_alerts == []


def test_a_failure_while_collecting_leaves_the_store_as_it_was(sbo_store, tmp_path):
    collect_alerts(sbo_store.con, load_catalogs(), charts=False)
    before = counts(sbo_store.con)
    (path,) = [c.path for c in load_catalogs()]
    doc = yaml.safe_load(Path(path).read_text())
    doc["article"]["id"] = "broken_article"  # a second catalog whose last claim's query is wrong
    doc["claims"] = doc["claims"][:2] + [{**doc["claims"][0], "id": "broken", "observe": "select nonsense from indicator"}]
    broken = tmp_path / "claims" / "broken_article.yaml"
    broken.parent.mkdir()
    broken.write_text(yaml.safe_dump(doc, allow_unicode=True))
    with pytest.raises(duckdb.Error):  # the first catalog's evaluations were written before the failure
        collect_alerts(sbo_store.con, [*load_catalogs(), load_catalog(broken)], charts=False)
    assert counts(sbo_store.con) == before
