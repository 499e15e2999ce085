"""The message of each alert kind, as Slack receives it from a bot token (a real local HTTP server)."""

from __future__ import annotations

from datetime import date

import pytest

from alert_support import bot_settings, catalog, claim_change_alert, outbox_with
from claimwatch.alerts import compose
from claimwatch.alerts.collect import problem_alerts, source_files
from claimwatch.alerts.deliver import deliver
from claimwatch.alerts.release_calendar import latest_data_through, load_calendar, overdue
from claimwatch.claims.evaluate import evaluate_catalog
from claimwatch.claims.judge import overall
from claimwatch.ingest import Outcome


def delivered(slack_server, tmp_path, alert) -> dict:
    """Send one alert through the outbox; return the message Slack received."""
    store, outbox, _ = outbox_with(tmp_path / "a.duckdb", [alert])
    with store:
        [result] = deliver(outbox, bot_settings(slack_server), printer=lambda line: None)
    assert result.status == "delivered", result
    [message] = slack_server.messages
    assert message["text"] == alert.text and message["blocks"] == alert.blocks
    assert message["blocks"][0]["type"] == "header" and len(message["blocks"][0]["text"]["text"]) <= 150
    assert len(message["blocks"]) <= 50
    for block in message["blocks"]:
        for part in [block.get("text") or {}, *block.get("fields", []), *block.get("elements", [])]:
            assert len(part.get("text", "")) <= 3000
    return message


def mrkdwn(message: dict) -> str:
    parts = []
    for block in message["blocks"]:
        parts += [p.get("text", "") for p in [block.get("text") or {}, *block.get("fields", []), *block.get("elements", [])]]
    return "\n".join(parts)


def test_claim_change_message(built_con, slack_server, tmp_path):
    alert = claim_change_alert(built_con, "lowest_illegal_crossings_30_years", "latest", "claim:m/1")
    message = delivered(slack_server, tmp_path, alert)
    text, blocks = message["text"], mrkdwn(message)
    claim = catalog().claim("lowest_illegal_crossings_30_years")
    assert message["blocks"][0]["text"]["text"].startswith(
        "↻ Update: Lowest illegal crossings in 30 years: newest period (August 2025) fails; the article's figure still "
        "holds, no correction needed")
    assert claim.sentence in text and "Op-ed on U.S.-Mexico trade and border security" in text
    assert "latest period: ◐ holds over the data's years → ✗ fails; new period: November 2024 -> August 2025" in text
    # every figure through claimwatch/present.py: whose it is, the margin in words with its unit
    assert ("✗ Latest period (August 2025): fails\n    August 2025's 6,321 encounters, 1,725 encounters above July 2025's "
            "4,596 encounters") in text
    assert text.index("As stated (June 2025") < text.index("Latest period (August 2025)")  # as stated first
    assert "Paste-ready: The data give 6,068 encounters for June 2025" in text  # the sentence as published, judged on its own period
    paste = next(line for line in text.splitlines() if line.startswith("Paste-ready:"))
    assert "@" not in paste and "fy22-fy25" not in paste  # newsroom prose: the provenance is the footer line after it
    assert text.splitlines()[text.splitlines().index(paste) + 1].startswith("Source: cbp_southwest_encounters/fy22-fy25-aug@")
    # the agency's URL of the file from PROVENANCE.md (the recorded copy's file:// path never leaves the machine)
    assert "<https://www.cbp.gov/sites/default/files/2025-09/sbo-encounters-fy22-fy25-aug.csv|sbo-encounters-fy22-fy25-aug.csv>" in blocks
    assert "file://" not in blocks and "file://" not in text


def test_digest_message(built_con, slack_server, tmp_path):
    cat = catalog()
    verdicts = evaluate_catalog(built_con, cat)
    alert = compose.digest_alert("digest:m", cat.article, {c.id: c for c in cat.claims}, verdicts)
    message = delivered(slack_server, tmp_path, alert)
    assert message["blocks"][0]["text"]["text"] == "claimwatch is now watching: Op-ed on U.S.-Mexico trade and border security"
    groups = {(v.claim_id, v.mode) for v in verdicts}
    codes = [overall([v for v in verdicts if (v.claim_id, v.mode) == g])[0] for g in groups]
    assert f"{len(groups)} verdicts on {len(cat.claims)} claims: {codes.count('holds')} holds, " in message["text"]
    assert f"{codes.count('depends_on_reading')} depends on the reading" in message["text"]
    for v in verdicts:
        assert f"*{v.claim_id}*" in mrkdwn(message)
    buyer = message["text"].split("mexico_largest_buyer:\n")[1]
    assert buyer.startswith("  ⇄ As stated (calendar 2024): depends on the reading\n")  # each reading's figures follow
    assert ("      ✗ by U.S. goods exports (what Mexico buys) (primary): fails; Mexico's $334.0 billion, $15.3 billion "
            "below Canada's $349.4 billion") in buyer
    assert ("      ✓ by total trade (exports + imports), as Census ranks its top trading partners: holds; Mexico's $839.9 "
            "billion, $77.8 billion above the next highest, Canada's $762.1 billion") in buyer
    assert ("mexico_exports_2024:\n  ✓ As stated (calendar 2024): holds\n      exports to Mexico: $334.0 billion, $1.0 "
            "billion below the claimed $335 billion, within the ±1% the rule allows") in message["text"]
    assert "margin" not in message["text"]
    assert "holds over the 25.8 years the data cover, since October 1999 (claim: 30 years)" in message["text"]


@pytest.mark.parametrize("status,kind,phrase", [
    ("quarantined", "quarantined", "failed validation and was kept out"),
    ("rejected", "rejected", "could not be read and was kept out"),
    ("failed", "fetch_failed", "could not be fetched after its retries"),
])
def test_source_problem_messages(built_con, slack_server, tmp_path, status, kind, phrase):
    release_id = None if status == "failed" else built_con.execute(
        "select release_id from releases where source = 'cbp_encounters' order by ingested_at desc limit 1").fetchone()[0]
    outcome = Outcome("cbp_encounters", "fy22-fy25", status, release_id, detail="the reason, as the store records it")
    (alert,) = problem_alerts(built_con, [outcome], [catalog()], date(2026, 11, 21))
    message = delivered(slack_server, tmp_path, alert)
    assert message["blocks"][0]["text"]["text"] == f"⚠ Source problem: cbp_encounters fy22-fy25 {phrase}"
    assert "Detail: the reason, as the store records it" in message["text"]
    assert "The last good data stay in force: cbp_encounters/fy22-fy25@" in message["text"]
    assert "june_2025_lowest_nationwide_encounters, june_2025_vs_2021_2024_average" in message["text"]
    if release_id:
        assert "nationwide-encounters-fy22-fy25-state.csv" in mrkdwn(message)


def test_overdue_message(built_con, slack_server, tmp_path):
    late = {o.source: o for o in overdue(load_calendar(), latest_data_through(built_con), date(2026, 11, 21))}
    o = late["census_trade"]
    message = delivered(slack_server, tmp_path, compose.overdue_alert(o.key, o.source, o.text, o.expectation.schedule_url))
    assert message["blocks"][0]["text"]["text"] == "⏰ Release overdue: census_trade"
    assert "data for March 2025" in message["text"] and "newest data in the store: February 2025" in message["text"]
    assert "https://www.census.gov/foreign-trade/schedule.html" in mrkdwn(message)


def test_pipeline_failed_message(slack_server, tmp_path):
    alert = compose.pipeline_failed_alert("pipeline_failed:x", "monthly-check 2026-11-21T06:30:00Z",
                                          "StoreBusyError: data/claimwatch.duckdb: in use by another claimwatch run")
    message = delivered(slack_server, tmp_path, alert)
    assert message["blocks"][0]["text"]["text"] == "🔥 claimwatch run failed: monthly-check 2026-11-21T06:30:00Z"
    assert "StoreBusyError: data/claimwatch.duckdb: in use by another claimwatch run" in mrkdwn(message)
    assert "Releases published before the failure stay published" in message["text"]


def test_sources_link_to_the_agencys_urls(built_con):
    stored = built_con.execute("select url from raw_files where release_id = 'census_trade/2025-04@b06b33b6'").fetchone()[0]
    assert stored.startswith("file://")  # recorded, not fetched
    files = source_files(built_con, ["census_trade/2025-04@b06b33b6"])
    assert [(f.file_name, f.url) for f in files] == [("country.xlsx", "https://www.census.gov/foreign-trade/balance/country.xlsx")]


def test_the_title_leads_with_the_consequence():
    from claimwatch.alerts.collect import _verdict_change
    from claimwatch.claims.judge import Verdict

    cat = catalog()
    claim = cat.claim("mexico_exports_2024")
    fails = Verdict(claim.id, "as_stated", "fails", "calendar 2024", 300.0, 335.0, -31.65, primary=True)
    holds = Verdict(claim.id, "as_stated", "holds", "calendar 2024", 334.0, 335.0, 2.39, primary=True)
    latest = Verdict(claim.id, "latest", "fails", "calendar 2025", 301.0, 335.0, -30.6)

    def title(before, after, current):
        event = compose.ClaimEvent(_verdict_change(before, after), before, after, "why")
        return compose.claim_alert("k", cat.article, claim, [event], current, []).title

    unknown = Verdict(claim.id, "as_stated", "unknown", "calendar 2024")
    assert title(None, fails, [fails]) == title(unknown, fails, [fails]) == \
        "✗ Correction needed: Mexico bought $335 billion of U.S. goods in 2024 fails as published"
    assert title(holds, fails, [fails]) == "✗ Correction needed: Mexico bought $335 billion of U.S. goods in 2024 no longer holds as published"
    assert title(fails, holds, [holds]) == "✓ Correction withdrawn: Mexico bought $335 billion of U.S. goods in 2024 holds as published again"
    assert title(unknown, holds, [holds]) == "✓ Checked: Mexico bought $335 billion of U.S. goods in 2024 holds as published"
    previous = Verdict(claim.id, "latest", "holds", "calendar 2024", 334.0, 335.0, 2.39)
    assert title(previous, latest, [holds, latest]) == (
        "↻ Update: Mexico bought $335 billion of U.S. goods in 2024: newest period (calendar 2025) fails; the article's figure still holds, "
        "no correction needed")
