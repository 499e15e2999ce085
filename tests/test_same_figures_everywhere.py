"""One formatter (claimwatch/present.py) for every figure: the terminal, Slack and the site print a verdict alike.

The recorded store is copied and its stored strings (sentence, observed_text, compared_with in claim_steps) are
overwritten with what an older claimwatch wrote; `check --json`, a Slack message (on the local Slack server) and
the claim pages must still print the same text, from the stored numbers, and link the same agency URLs.
"""

from __future__ import annotations

import html
import json
import re
import shutil

import pytest
from typer.testing import CliRunner

from alert_support import bot_settings, catalog, outbox_with
from claimwatch.alerts.collect import _verdict_change, source_files
from claimwatch.alerts.compose import ClaimEvent
from claimwatch.alerts.deliver import deliver
from claimwatch.alerts.release_message import ClaimChange, release_alert
from claimwatch.claims.catalog import load_catalogs
from claimwatch.claims.steps import current_verdicts
from claimwatch.cli import app
from claimwatch.site.build import build_site
from claimwatch.store import open_store
from slack_server import FakeSlack

CLAIMS = ("mexico_largest_buyer", "mexico_exports_2024", "lowest_illegal_crossings_30_years")
OLD = ("334 vs 335", "OLD-COMPARED", "OLD-SENTENCE")  # strings an older version stored


@pytest.fixture(scope="module")
def printed(built_db, tmp_path_factory) -> dict:
    """The same store's verdicts as check --json, one Slack message and the claim pages print them."""
    folder = tmp_path_factory.mktemp("same")
    db = shutil.copyfile(built_db, folder / built_db.name)
    with open_store(db) as store:
        rows = store.con.execute("select rowid, details from claim_steps").fetchall()
        for rowid, details in rows:
            old = {**json.loads(details), "observed_text": OLD[0], "compared_with": OLD[1]}
            store.con.execute("update claim_steps set details = ?, sentence = ? where rowid = ?",
                              [json.dumps(old), f"{OLD[2]} census_trade/2025-04@b06b33b6", rowid])
    result = CliRunner().invoke(app, ["check", "--db", str(db), "--json"])
    assert result.exit_code == 0, result.output
    terminal = {(r["claim"], r["reading"], r["mode"]): r for r in map(json.loads, result.output.splitlines())}
    cat = catalog()
    with open_store(db, read_only=True) as store:
        verdicts, _ = current_verdicts(store.con, cat)
        changes = []
        for claim_id in CLAIMS:
            own = [v for v in verdicts if v.claim_id == claim_id]
            primary = next(v for v in own if v.mode == "as_stated" and v.primary)
            event = ClaimEvent(_verdict_change(None, primary), None, primary, "first evaluation")  # as collect does
            changes.append(ClaimChange(cat.claim(claim_id), [event], own, source_files(store.con, primary.vintages)))
        alert = release_alert("release:same", cat.article, changes, "census_trade 2025-04")
        build_site(store.con, load_catalogs(), folder / "site", built_db.name)
    slack = FakeSlack()  # the local Slack server (tests/slack_server.py), for this module
    try:
        outbox_store, outbox, _ = outbox_with(folder / "outbox.duckdb", [alert])
        with outbox_store:
            [sent] = deliver(outbox, bot_settings(slack), printer=lambda line: None)
    finally:
        slack.close()
    assert sent.status == "delivered", sent
    [message] = slack.messages
    rich = "\n".join(p.get("text", "") for b in message["blocks"] for p in [b.get("text") or {}, *b.get("elements", [])])
    pages = {c: html.unescape((folder / "site" / "articles" / cat.article_id / "claims" / f"{c}.html").read_text()) for c in CLAIMS}
    return {"terminal": terminal, "slack": message["text"], "slack_mrkdwn": rich, "pages": pages}


def test_a_verdict_prints_the_same_figures_in_the_terminal_slack_and_its_claim_page(printed):
    buyer = printed["terminal"]["mexico_largest_buyer", "exports", "as_stated"]["text"]
    assert buyer["observed"] == "$334.0 billion" and buyer["compared_with"] == "Canada's $349.4 billion"
    assert buyer["margin"] == "$15.3 billion below Canada's $349.4 billion"  # the margin in words, with its unit
    exports = printed["terminal"]["mexico_exports_2024", None, "as_stated"]["text"]
    assert exports["margin"] == "$1.0 billion below the claimed $335 billion, within the ±1% the rule allows"
    for claim_id in CLAIMS:
        for (claim, _, mode), row in printed["terminal"].items():
            text = row["text"]
            if claim != claim_id or mode != "as_stated" or text["observed"] is None:
                continue
            pasted = ("sentence", "footer") if row["primary"] else ()  # Slack pastes the primary reading's sentence
            for piece in ("observed", "compared_with", "margin", *pasted):
                assert text[piece] in printed["slack"], (claim, piece, text[piece])
                assert text[piece] in printed["pages"][claim], (claim, piece, text[piece])
    seen = [printed["slack"], printed["slack_mrkdwn"], *printed["pages"].values()]
    assert not [old for old in OLD for text in seen if old in text]  # printed from the numbers, not old strings
    assert "margin -" not in printed["slack"] and "(margin" not in printed["slack"]


def test_slack_and_the_claim_page_give_the_same_agency_url_for_the_same_file(printed):
    linked = dict((name, url) for url, name in re.findall(r"<(https?://[^|>]+)\|([^>]+)>", printed["slack_mrkdwn"]))
    shown = {}
    for page in printed["pages"].values():
        shown |= {name: url for url, name in re.findall(r'<a class="agency" href="([^"]+)">([^<]+)</a>', page)}
    assert linked and all(shown[name] == url for name, url in linked.items()), (linked, shown)
    # the recorded copy's own URL from PROVENANCE.md, not the landing page, in both
    assert linked["sbo-encounters-fy22-fy25-aug.csv"] == \
        "https://www.cbp.gov/sites/default/files/2025-09/sbo-encounters-fy22-fy25-aug.csv"
    assert linked["country.xlsx"] == "https://www.census.gov/foreign-trade/balance/country.xlsx"
