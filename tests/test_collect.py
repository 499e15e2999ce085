"""Which alerts a run writes: digest first, then only verdict changes; kept-out releases; overdue releases."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import duckdb
import pytest
import yaml

from bad_input_support import with_field
from claim_support import OPED, catalog_by_id, verdict_lines
from claimwatch.alerts.collect import claim_events, collect_alerts
from claimwatch.alerts.outbox import Outbox
from claimwatch.claims.catalog import load_catalog, load_catalogs
from claimwatch.claims.judge import Verdict
from claimwatch.ingest import Outcome
from claimwatch.pipeline import ingest_recorded
from claimwatch.sources import all_sources
from claimwatch.store import open_store

SBO = "cbp_southwest_land_border_encounters"


def v(claim_id: str, verdict: str, mode: str = "as_stated", period: str = "2024", observed: float | None = 1.0, **kw):
    return Verdict(claim_id, mode, verdict, period, observed, **kw)


def test_events_say_correction_update_revision_and_close_to_failing():
    catalog = catalog_by_id(OPED)
    claim = catalog.claim("mexico_exports_2024")
    told = {("mexico_exports_2024", None, "as_stated"): (v(claim.id, "holds", figures={"exports to Mexico": 334.0}), 3),
            ("mexico_exports_2024", None, "latest"): (v(claim.id, "holds", "latest"), 4)}
    same = [v(claim.id, "holds", figures={"exports to Mexico": 334.0}), v(claim.id, "holds", "latest")]
    assert claim_events(claim, told, same) == []  # nothing new: nothing to say
    revised = [v(claim.id, "holds", figures={"exports to Mexico": 334.1}), v(claim.id, "holds", "latest")]
    ((event, alert_id),) = claim_events(claim, told, revised)
    assert (event.kind, alert_id) == ("revision", 3)
    assert event.why == "revision of 2024: exports to Mexico revised from $334,000.0M to $334,100.0M"
    latest = [v(claim.id, "holds", figures={"exports to Mexico": 334.0}), v(claim.id, "fails", "latest", "2025")]
    ((event, alert_id),) = claim_events(claim, told, latest)
    assert (event.kind, alert_id, event.why) == ("update", 4, "new period: 2024 -> 2025")  # never a correction
    stated = [v(claim.id, "fails", figures={"exports to Mexico": 300.0}), v(claim.id, "holds", "latest")]
    ((event, _),) = claim_events(claim, told, stated)
    assert event.kind == "correction" and event.before.verdict == "holds"
    close = [v(claim.id, "holds", figures={"exports to Mexico": 334.0}, close=True), v(claim.id, "holds", "latest")]
    ((event, _),) = claim_events(claim, told, close)
    assert event.kind == "close_to_failing"
    first = claim_events(claim, {}, same)
    assert [(e.kind, e.before, e.why) for e, _ in first] == [("checked", None, "first evaluation"),
                                                             ("update", None, "first evaluation")]
    unfailing = claim_events(claim, {**told, ("mexico_exports_2024", None, "as_stated"): (v(claim.id, "fails"), 5)}, same)
    assert [(e.kind, a) for e, a in unfailing] == [("correction", 5)]  # a correction withdrawn is a correction too


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
                 for t in ("alerts", "claim_notices", "claim_steps"))


def test_first_run_sends_one_digest_then_nothing_until_a_verdict_changes(sbo_store):
    catalogs = load_catalogs()
    first = collect_alerts(sbo_store.con, catalogs, charts=False)
    assert len(first.new_alerts) == len(catalogs)  # one digest per article
    outbox = Outbox(sbo_store.con)
    digests = {a["idempotency_key"]: a for a in map(outbox.get, first.new_alerts)}
    assert set(digests) == {f"digest:{c.article_id}" for c in catalogs}
    for catalog in catalogs:
        digest = digests[f"digest:{catalog.article_id}"]
        verdicts = first.verdicts[catalog.article_id]
        assert digest["kind"] == "digest" and len(verdicts) == verdict_lines([catalog])
        for verdict in verdicts:
            assert f"{verdict.claim_id}:" in digest["text"]
        told = outbox.notices(catalog.article_id)
        assert {k: t[0] for k, t in told.items()} == {(x.claim_id, x.reading, x.mode): x for x in verdicts}
    assert verdict_lines([catalog_by_id(OPED)]) == 49  # 25 claims: every reading in both modes
    crossings = digests[f"digest:{OPED}"]["text"].split("lowest_illegal_crossings_30_years:")[1]
    assert crossings.splitlines()[1].startswith("  ◐ As stated (June 2025 (the month the article cites)): holds over the")
    assert "(claim: 30 years)" in crossings.splitlines()[1]
    second = collect_alerts(sbo_store.con, catalogs, charts=False)
    assert second.new_alerts == []
    assert {a: len(vs) for a, vs in second.verdicts.items()} == {c.article_id: verdict_lines([c]) for c in catalogs}


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
    assert alert["title"] == ("⚠ Source problem: one row with a negative encounter count in cbp_southwest_encounters "
                              "(release fy22-fy25-aug kept out)")  # plain words; GX's names stay in the details
    assert "cbp_southwest_encounters fy22-fy25-aug failed validation and was kept out" in alert["text"]
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
    path = catalog_by_id(OPED).path
    doc = yaml.safe_load(Path(path).read_text())
    doc["article"]["id"] = "broken_article"  # a second catalog whose last claim's query is wrong
    doc["claims"] = doc["claims"][:2] + [{**doc["claims"][0], "id": "broken", "observe": "select nonsense from indicator"}]
    broken = tmp_path / "claims" / "broken_article.yaml"
    broken.parent.mkdir()
    broken.write_text(yaml.safe_dump(doc, allow_unicode=True))
    with pytest.raises(duckdb.Error):  # the first catalog's evaluations were written before the failure
        collect_alerts(sbo_store.con, [*load_catalogs(), load_catalog(broken)], charts=False)
    assert counts(sbo_store.con) == before


CENSUS = "census_trade_country_xlsx"
REVISED = ("release-2020-10_data-through-2020-08", "release-2023-03_data-through-2023-01")


def stated_2019(tmp_path) -> list:
    """The article's trade claims, as if written about 2019: a year Census revised between the two vintages."""
    doc = yaml.safe_load(catalog_by_id(OPED).path.read_text())
    doc["article"]["id"] = "trade_2019"
    claims = [c for c in doc["claims"] if c["id"] in ("mexico_exports_2024", "mexico_largest_buyer")]
    for claim in claims:
        claim["as_stated"] = {"year": 2019, "label": "calendar 2019"}
        claim["latest"] = False  # only the stated year: its revisions are the news here
    claims[0]["rule"]["claimed"] = 257
    path = tmp_path / "claims" / "trade_2019.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(yaml.safe_dump(doc, allow_unicode=True))
    return [load_catalog(path)]


def test_a_revision_of_the_stated_figure_is_news_though_the_verdict_stays(shared_data, tmp_path):
    from claim_support import census_trade_by_partner

    old, new = (census_trade_by_partner(shared_data / CENSUS / r / "country.xlsx", 2019) for r in REVISED)
    assert round(old["Mexico"]["exports"], 1) == 256_570.2 and round(new["Mexico"]["exports"], 1) == 256_676.5
    catalogs = stated_2019(tmp_path)
    folder = tmp_path / "releases" / CENSUS
    folder.mkdir(parents=True)
    with open_store(tmp_path / "c.duckdb") as store:
        for release in REVISED:
            os.symlink(shared_data / CENSUS / release, folder / release)
            (outcome,) = [o for o in ingest_recorded(store, tmp_path / "releases", all_sources().values())
                          if o.status != "unchanged"]
            assert outcome.status == "published"
            collected = collect_alerts(store.con, catalogs, [outcome], charts=False)
        (alert_id,) = collected.new_alerts  # one release, two claims revised: one message
        outbox = Outbox(store.con)
        message, covered = outbox.get(alert_id), {c["claim_id"]: c for c in outbox.covered(alert_id)}
    assert set(covered) == {"mexico_exports_2024", "mexico_largest_buyer"}
    assert message["kind"] == "revision" and message["thread_key"] is None  # several claims: in the channel
    exports = covered["mexico_exports_2024"]
    assert exports["kind"] == "revision"
    assert exports["title"].startswith("✎ Revised: Mexico bought $335 billion of U.S. goods in 2024") and "verdict unchanged (holds)" in exports["title"]
    # the claim with a failing reading leads, the other is counted in the header and has its own section
    assert message["title"] == covered["mexico_largest_buyer"]["title"] + " (+1 more claim)"
    assert message["text"].index(covered["mexico_largest_buyer"]["title"]) < message["text"].index(exports["title"])
    assert (f"revision of calendar 2019: exports to Mexico revised from ${old['Mexico']['exports']:,.1f}M to "
            f"${new['Mexico']['exports']:,.1f}M") in message["text"]
    assert "$256,570.2M to $256,676.5M" in message["text"]  # at the unit Census publishes, not "256.6 -> 256.7"
    buyer = covered["mexico_largest_buyer"]
    moved = [n for n in ("Mexico", "Canada") if round(old[n]["exports"], 1) != round(new[n]["exports"], 1)]
    assert buyer["kind"] == "revision" and moved
    for name in moved:  # each figure that moved is named, with its old and new value
        assert (f"{name} revised from ${old[name]['exports']:,.1f}M to ${new[name]['exports']:,.1f}M"
                in message["text"]), message["text"]
