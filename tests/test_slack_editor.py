"""What an editor sees in Slack: the consequence first, one message per release, links, ack and mute (issue #15).

Real releases from ../shared/data, real DuckDB stores, the local Slack server (tests/slack_server.py).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from typer.testing import CliRunner

from alert_support import add_release, bot_settings, catalog, outbox_with, real_change
from claimwatch.alerts import compose
from claimwatch.alerts.collect import _verdict_change, collect_alerts, source_files
from claimwatch.alerts.deliver import deliver
from claimwatch.alerts.outbox import Outbox
from claimwatch.alerts.release_message import ClaimChange, release_alert
from claimwatch.alerts.states import alert_states
from claim_support import catalog_by_id
from claimwatch.cli import app
from claimwatch.store import open_store

SITE = "https://newsroom.example.org/claimwatch"
ARTICLE = "us_mexico_trade_oped_2025"
QUIET = dict(printer=lambda line: None)


def mrkdwn(message: dict) -> str:
    return "\n".join(p.get("text", "") for b in message["blocks"]
                     for p in [b.get("text") or {}, *b.get("elements", [])])



def test_a_release_that_changes_several_claims_is_one_message_with_links(shared_data, tmp_path, slack_server):
    """CBP's fy22-fy25 release brings July 2025: a new record low and a new latest month, two claims, one message."""
    settings = bot_settings(slack_server)
    with open_store(tmp_path / "c.duckdb") as store:
        add_release(store, shared_data, tmp_path, "cbp_nationwide_encounters_state", "nationwide-encounters-fy21-fy24-state.csv")
        collect_alerts(store.con, [catalog_by_id(ARTICLE)], charts=False, site_url=SITE)  # the digest
        deliver(Outbox(store.con), settings, **QUIET)
        outcome = add_release(store, shared_data, tmp_path, "cbp_nationwide_encounters_state", "nationwide-encounters-fy22-fy25-state.csv")
        (alert_id,) = collect_alerts(store.con, [catalog_by_id(ARTICLE)], [outcome], charts=False, site_url=SITE).new_alerts
        covered = [c["claim_id"] for c in Outbox(store.con).covered(alert_id)]
        [result] = deliver(Outbox(store.con), settings, **QUIET)
    assert result.status == "delivered"
    assert sorted(covered) == ["june_2025_lowest_nationwide_encounters", "june_2025_vs_2021_2024_average"]
    digest, message = slack_server.messages
    assert message["thread_ts"] is None  # several claims: in the channel, not in one claim's thread
    header = message["blocks"][0]["text"]["text"]
    assert header.startswith("↻ Update: June 2025: the fewest border encounters on record: record broken (July 2025 (24,589 "
                             "encounters) went below June 2025") and header.endswith("(+1 more claim)")
    assert len(header) <= 150 and len(message["blocks"]) <= 50
    text = mrkdwn(message)
    assert "cbp_encounters fy22-fy25 changed 2 claims" in text
    assert ("*↻ Update: June 2025 encounters nearly 90% below the 2021–2024 average: newest period (September 2025 against the 2021-2024 monthly "
            "average) holds; the article's figure still holds, no correction needed*") in text
    for claim in covered:  # each claim's page on the site, as claimwatch/site/build.py writes it
        assert f"<{SITE}/articles/us_mexico_trade_oped_2025/claims/{claim}.html|Claim page>" in text
    # the agency's URL of the file, as the site shows it (claimwatch/sources/origin.py reads PROVENANCE.md)
    assert ("<https://www.cbp.gov/sites/default/files/2025-11/nationwide-encounters-fy22-fy25-state.csv|"
            "nationwide-encounters-fy22-fy25-state.csv>") in text
    assert "file://" not in text and "file://" not in message["text"]
    # the same run again writes nothing new and Slack gets nothing twice
    with open_store(tmp_path / "c.duckdb") as store:
        assert collect_alerts(store.con, [catalog_by_id(ARTICLE)], [outcome], charts=False, site_url=SITE).new_alerts == []
        assert deliver(Outbox(store.con), settings, **QUIET) == []
    assert len(slack_server.messages) == 2


def change(con, claim_id: str, mode: str) -> ClaimChange:
    before, after, why, current = real_change(con, claim_id, mode)
    event = compose.ClaimEvent(_verdict_change(before, after), before, after, why)
    return ClaimChange(catalog().claim(claim_id), [event], current, source_files(con, after.vintages),
                       f"{SITE}/articles/us_mexico_trade_oped_2025/claims/{claim_id}.html")


def test_the_headline_says_the_consequence(built_con, slack_server, tmp_path):
    correction = change(built_con, "mexico_largest_buyer", "as_stated")
    update = change(built_con, "lowest_illegal_crossings_30_years", "latest")
    holding = next(v for v in update.current if v.mode == "as_stated")
    close = ClaimChange(update.claim, [compose.ClaimEvent("close_to_failing", holding, replace(holding, close=True),
                                                          "within the catalog's margin")], update.current)
    cat = catalog()
    alerts = [release_alert(f"k{i}", cat.article, [c], "a release") for i, c in enumerate((correction, update, close))]
    store, outbox, _ = outbox_with(tmp_path / "a.duckdb", alerts)
    with store:
        deliver(outbox, bot_settings(slack_server), **QUIET)
    headers = [m["blocks"][0]["text"]["text"] for m in slack_server.messages]
    assert headers[0] == "✗ Correction needed: Mexico is the largest buyer of U.S. goods fails as published (other readings differ)"
    assert headers[1].startswith("↻ Update: Lowest illegal crossings in 30 years: newest period (August 2025) fails; "
                                 "the article's figure still holds")
    assert headers[2] == ("⚠ Close to failing: Lowest illegal crossings in 30 years still holds, within the catalog's "
                          "margin of its threshold")
    # a correction goes first in a message about several claims, whatever order they come in
    both = release_alert("k9", cat.article, [update, correction], "census_trade 2025-04")
    assert both.title.startswith("✗ Correction needed: Mexico is the largest buyer of U.S. goods") and both.kind == "correction"
    assert both.text.index("Correction needed") < both.text.index("↻ Update")


def test_a_claim_with_a_thread_gets_a_pointer_when_a_release_message_covers_it(built_con, slack_server, tmp_path):
    update, correction = change(built_con, "lowest_illegal_crossings_30_years", "latest"), \
        change(built_con, "mexico_largest_buyer", "as_stated")
    cat = catalog()
    first = release_alert("claim:1", cat.article, [update], "cbp_southwest_encounters fy22-fy25-aug")
    store, outbox, _ = outbox_with(tmp_path / "a.duckdb", [])
    with store:
        outbox.enqueue(first, claims=[(update.claim.id, update.kind, update.title)])
        deliver(outbox, bot_settings(slack_server), **QUIET)
        both = release_alert("release:2", cat.article, [update, correction], "two releases")
        alert_id, _ = outbox.enqueue(both, claims=[(c.claim.id, c.kind, c.title) for c in (update, correction)])
        deliver(outbox, bot_settings(slack_server), **QUIET)
        notes = {c["claim_id"]: c["note_ts"] for c in outbox.covered(alert_id)}
        later = release_alert("claim:3", cat.article, [correction], "later")
        outbox.enqueue(later, claims=[(correction.claim.id, correction.kind, correction.title)])
        deliver(outbox, bot_settings(slack_server), **QUIET)
    root, release, note, reply = slack_server.messages
    assert root["thread_ts"] is None and release["thread_ts"] is None
    assert note["thread_ts"] == root["ts"] and note["text"].startswith("↳ ↻ Update: Lowest illegal crossings in 30 years")
    assert notes == {update.claim.id: note["ts"], correction.claim.id: None}  # no thread yet: none needed
    assert reply["thread_ts"] == release["ts"]  # the release message became the thread of the claims it started


def test_mute_records_without_posting_until_the_date_then_ack(shared_data, tmp_path, slack_server):
    """mexico_largest_buyer changes with Census' 2023-03 release (latest year fails) and 2025-04 (as published)."""
    settings, db, runner = bot_settings(slack_server), tmp_path / "c.duckdb", CliRunner()
    census = "census_trade_country_xlsx"
    with open_store(db) as store:
        add_release(store, shared_data, tmp_path, census, "release-2020-10_data-through-2020-08")
        collect_alerts(store.con, [catalog_by_id(ARTICLE)], charts=False, today=date(2023, 3, 1))
        deliver(Outbox(store.con), settings, **QUIET)
    muted = runner.invoke(app, ["alerts", "--db", str(db), "--mute", "mexico_largest_buyer", "--until", "2025-04-10"])
    assert muted.exit_code == 0, muted.output
    assert f"{ARTICLE}/mexico_largest_buyer muted" in muted.output  # the one catalog holding that id: its article
    assert runner.invoke(app, ["alerts", "--db", str(db), "--mute", "mexico_largest_buyer"]).exit_code == 2
    with open_store(db) as store:
        outcome = add_release(store, shared_data, tmp_path, census, "release-2023-03_data-through-2023-01")
        new = collect_alerts(store.con, [catalog_by_id(ARTICLE)], [outcome], charts=False, today=date(2023, 3, 20)).new_alerts
        outbox = Outbox(store.con)
        rows = {a: outbox.get(a) for a in new}
        recorded = [a for a, row in rows.items() if row["status"] == "muted"]
        assert [c["claim_id"] for a in recorded for c in outbox.covered(a)] == ["mexico_largest_buyer"]
        told = outbox.notices(ARTICLE)[("mexico_largest_buyer", "exports", "latest")][0]
        assert (told.period, told.verdict) == ("calendar 2022", "fails")  # recorded as told: not said again later
        posted_before = len(slack_server.messages)
        deliver(outbox, settings, **QUIET)
        assert outbox.get(recorded[0])["status"] == "muted"
        states = alert_states(store.con, date(2023, 3, 20))
        assert states[(ARTICLE, "mexico_largest_buyer")].muted_until == date(2025, 4, 10)
    assert not any("mexico_largest_buyer" in m["text"] for m in slack_server.messages[posted_before:])
    with open_store(db) as store:  # after --until, its next change posts
        outcome = add_release(store, shared_data, tmp_path, census, "release-2025-04_data-through-2025-02")
        new = collect_alerts(store.con, [catalog_by_id(ARTICLE)], [outcome], charts=False, today=date(2025, 4, 10)).new_alerts
        deliver(Outbox(store.con), settings, **QUIET)
        buyer = [a for a in new if "mexico_largest_buyer" in {c["claim_id"] for c in Outbox(store.con).covered(a)}]
    assert len(buyer) == 1
    posted = [m for m in slack_server.messages if "Correction needed: Mexico is the largest buyer of U.S. goods" in mrkdwn(m)]
    assert len(posted) == 1 and posted[0]["blocks"][0]["text"]["text"].startswith("✗ Correction needed: ")
    acked = runner.invoke(app, ["alerts", "--db", str(db), "--ack", str(buyer[0])])
    assert acked.exit_code == 0, acked.output
    with open_store(db, read_only=True) as store:
        state = alert_states(store.con, date(2025, 4, 10))[(ARTICLE, "mexico_largest_buyer")]
    assert state.alert_id == buyer[0] and state.acknowledged and state.muted_until is None
    assert state.title.startswith("✗ Correction needed: Mexico is the largest buyer of U.S. goods")
