"""Each article is its own unit in Slack (issue #16): its own channel, its owner called to corrections, its own
first digest, its own mutes. Two catalogs on one real DuckDB store, real releases from ../shared/data, the local
Slack server (tests/slack_server.py).

Catalog A is the project's article (copied with an `owner`, no `channel`: the configured one); catalog B is a second
article written here with three of A's claims, one of them with the same id as in A (claim ids are unique only per
article), and a channel and owner group of its own.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import yaml
from typer.testing import CliRunner

from alert_support import CHANNEL, add_release, bot_settings
from claim_support import catalog_by_id
from claimwatch.alerts.collect import collect_alerts
from claimwatch.alerts.deliver import deliver
from claimwatch.alerts.outbox import Outbox
from claimwatch.alerts.settings import SlackSettings
from claimwatch.alerts.states import alert_states
from claimwatch.claims.catalog import load_catalog
from claimwatch.cli import app
from claimwatch.store import open_store
from slack_server import Delay

A, B = "us_mexico_trade_oped_2025", "border_trade_2025"
A_OWNER, B_OWNER, B_CHANNEL = "U0TRADEDESK", "S0BORDERDESK", "C0BORDER"
SHARED = "mexico_largest_buyer"  # in both catalogs
B_CLAIMS = (SHARED, "mexico_exports_2024", "lowest_illegal_crossings_30_years")
CENSUS, SBO = "census_trade_country_xlsx", "cbp_southwest_land_border_encounters"
QUIET = dict(printer=lambda line: None)


def write_catalogs(folder: Path) -> tuple[Path, Path]:
    """A (the real catalog with an owner) and B (three of its claims under another article) in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    real = catalog_by_id(A)
    doc = yaml.safe_load(real.path.read_text())
    doc["article"]["owner"] = A_OWNER
    a = folder / f"{A}.yaml"
    a.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False))
    doc["article"] = {"id": B, "title": "Explainer: what crosses the U.S.-Mexico border", "published": 2025,
                      "channel": B_CHANNEL, "owner": B_OWNER}
    doc["claims"] = [c for c in doc["claims"] if c["id"] in B_CLAIMS]
    b = folder / f"{B}.yaml"
    b.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False))
    return a, b



def claimwatch(*args):
    """The real `claimwatch` command in a subprocess: its exit status and error line as an editor sees them."""
    return subprocess.run([str(Path(sys.executable).with_name("claimwatch")), *map(str, args)], capture_output=True,
                          text=True, timeout=120)


def mrkdwn(message: dict) -> str:
    return "\n".join(p.get("text", "") for b in message["blocks"] for p in [b.get("text") or {}, *b.get("elements", [])])


def in_channel(server, channel: str) -> list[dict]:
    return [m for m in server.messages if server.channel_id(m["channel"]) == server.channel_id(channel)]


def test_two_articles_each_in_its_own_channel_with_its_own_digest_owner_and_mutes(shared_data, tmp_path, slack_server):
    a_path, b_path = write_catalogs(tmp_path / "claims")
    settings, db, runner = bot_settings(slack_server), tmp_path / "c.duckdb", CliRunner()
    only_a, both = [load_catalog(a_path)], [load_catalog(a_path), load_catalog(b_path)]
    # 1. The store watches A: its digest goes to the configured channel.
    with open_store(db) as store:
        add_release(store, shared_data, tmp_path, CENSUS, "release-2020-10_data-through-2020-08")
        (a_digest,) = collect_alerts(store.con, only_a, charts=False, today=date(2023, 3, 1)).new_alerts
        deliver(Outbox(store.con), settings, **QUIET)
    (first,) = slack_server.messages
    assert first["channel"] == CHANNEL and first["text"].startswith("claimwatch is now watching: Op-ed on U.S.-Mexico")
    # 2. B is added: its first run sends B's digest, to B's channel, and nothing else (no repeat of A's, no
    #    per-claim alert for B's first judgement).
    with open_store(db) as store:
        new = collect_alerts(store.con, both, charts=False, today=date(2023, 3, 1)).new_alerts
        outbox = Outbox(store.con)
        assert [(outbox.get(i)["kind"], outbox.get(i)["article_id"], outbox.get(i)["channel"]) for i in new] == [
            ("digest", B, B_CHANNEL)]
        assert outbox.get(a_digest)["channel"] is None  # A names no channel: the configured one
        assert {alert_id for _, alert_id in outbox.notices(A).values()} == {a_digest}  # A's told state untouched
        assert {alert_id for _, alert_id in outbox.notices(B).values()} == set(new)  # B's: all told by its digest
        assert {claim for claim, _, _ in outbox.notices(B)} == set(B_CLAIMS)
        deliver(outbox, settings, **QUIET)
        assert collect_alerts(store.con, both, charts=False, today=date(2023, 3, 1)).new_alerts == []
    (b_digest,) = slack_server.messages[1:]
    assert b_digest["channel"] == B_CHANNEL and b_digest["text"].startswith(
        "claimwatch is now watching: Explainer: what crosses the U.S.-Mexico border")
    assert [m["text"].split("\n")[0] for m in in_channel(slack_server, CHANNEL)] == [first["text"].split("\n")[0]]
    for message in (first, b_digest):  # a digest calls no one
        assert "<@" not in message["text"] + mrkdwn(message) and "<!subteam" not in message["text"] + mrkdwn(message)

    # 3. Mutes are per article: the shared claim id is ambiguous alone, and muting A's leaves B's posting.
    files = ["--claims", str(a_path.parent)]  # both catalogs' folder (goes before the command)
    ambiguous = claimwatch(*files, "alerts", "--db", db, "--mute", SHARED, "--until", "2025-04-10")
    assert ambiguous.returncode == 2 and ambiguous.stderr.strip() == (
        f"error: claim '{SHARED}' is in 2 catalogs: {B}/{SHARED}, {A}/{SHARED}; name one as ARTICLE/CLAIM")  # file order
    unique = runner.invoke(app, [*files, "alerts", "--db", str(db), "--mute", "mexico_china_ratio_2024", "--until",
                                 "2023-03-02"])  # only A has it: a bare id will do
    assert unique.exit_code == 0 and f"{A}/mexico_china_ratio_2024 muted" in unique.output, unique.output
    unknown = claimwatch(*files, "alerts", "--db", db, "--mute", f"{B}/mexico_china_ratio_2024", "--until", "2025-04-10")
    assert unknown.returncode == 2 and unknown.stderr.startswith(
        f"error: no claim 'mexico_china_ratio_2024' in article '{B}'; known: {', '.join(sorted(B_CLAIMS))}")
    muted = runner.invoke(app, [*files, "alerts", "--db", str(db), "--mute", f"{A}/{SHARED}", "--until", "2025-04-10"])
    assert muted.exit_code == 0 and f"{A}/{SHARED} muted" in muted.output, muted.output
    with open_store(db) as store:
        assert store.con.execute("select article_id, claim_id from claim_mutes order by all").fetchall() == [
            (A, "mexico_china_ratio_2024"), (A, SHARED)]
        # Census 2023-03: the shared claim's latest year fails in both articles; A's is recorded, B's posts
        outcome = add_release(store, shared_data, tmp_path, CENSUS, "release-2023-03_data-through-2023-01")
        new = collect_alerts(store.con, both, [outcome], charts=False, today=date(2023, 3, 20)).new_alerts
        outbox = Outbox(store.con)
        covering = {(outbox.get(i)["article_id"], c["claim_id"]): outbox.get(i) for i in new for c in outbox.covered(i)}
        assert covering[(A, SHARED)]["status"] == "muted" and covering[(B, SHARED)]["status"] == "pending"
        b_update = covering[(B, SHARED)]
        assert b_update["kind"] == "update" and b_update["channel"] == B_CHANNEL
        before = len(slack_server.messages)
        deliver(outbox, settings, **QUIET)
        b_update = outbox.get(b_update["alert_id"])
        states = alert_states(store.con, date(2023, 3, 20))
        assert states[(A, SHARED)].muted_until == date(2025, 4, 10) and states[(A, SHARED)].status == "muted"
        assert states[(B, SHARED)].muted_until is None and states[(B, SHARED)].status == "delivered"
    posted = slack_server.messages[before:]
    assert all(m["channel"] == B_CHANNEL for m in posted if "Explainer" in m["text"])
    assert not any(m["channel"] == CHANNEL and "Mexico is the largest buyer of U.S. goods" in m["text"] for m in posted)
    (b_root,) = [m for m in posted if m["ts"] == b_update["slack_ts"]]
    assert b_root["channel"] == B_CHANNEL and b_root["thread_ts"] is None
    for message in posted:  # updates call no one
        assert "<@" not in message["text"] and "<!subteam" not in message["text"]

    # 4. Census 2025-04: the shared claim fails as published in both articles. Each correction goes to its
    #    article's channel and calls its owner: a user in A, a user group in B.
    with open_store(db) as store:
        outcome = add_release(store, shared_data, tmp_path, CENSUS, "release-2025-04_data-through-2025-02")
        new = collect_alerts(store.con, both, [outcome], charts=False, today=date(2025, 4, 10)).new_alerts
        before = len(slack_server.messages)
        deliver(Outbox(store.con), settings, **QUIET)
        rows = [Outbox(store.con).get(i) for i in new]
    corrections = {r["article_id"]: r for r in rows if r["kind"] == "correction"}
    assert set(corrections) == {A, B}
    posted = {m["ts"]: m for m in slack_server.messages[before:]}
    a_fix, b_fix = (posted[corrections[x]["slack_ts"]] for x in (A, B))
    assert a_fix["channel"] == CHANNEL and b_fix["channel"] == B_CHANNEL
    assert "Correction needed: Mexico is the largest buyer of U.S. goods" in a_fix["text"]
    assert "Correction needed: Mexico is the largest buyer of U.S. goods" in b_fix["text"]
    assert f"<@{A_OWNER}>" in a_fix["text"] and f"<@{A_OWNER}>" in mrkdwn(a_fix) and "<!subteam" not in a_fix["text"]
    assert f"<!subteam^{B_OWNER}>" in b_fix["text"] and f"<!subteam^{B_OWNER}>" in mrkdwn(b_fix)
    assert f"<@{A_OWNER}>" not in b_fix["text"]
    for row in rows:
        if row["kind"] != "correction":  # only corrections call the owner
            assert "<@" not in row["text"] and "<!subteam" not in row["text"], row["title"]
    # B's correction continues its claim's thread in B's channel (as a reply, or a pointer from a release message)
    assert any(m["thread_ts"] == b_root["ts"] and m["channel"] == B_CHANNEL for m in slack_server.messages[before:])


def test_an_unanswered_post_is_looked_for_in_the_articles_channel(shared_data, tmp_path, slack_server):
    """No answer from chat.postMessage: the next run searches the article's channel for the key, not the default."""
    _, b_path = write_catalogs(tmp_path / "claims")
    settings = bot_settings(slack_server, timeout=1)
    slack_server.script("chat.postMessage", Delay(3))
    with open_store(tmp_path / "c.duckdb") as store:
        add_release(store, shared_data, tmp_path, SBO, "sbo-encounters-fy22-fy25-nov.csv")
        (digest,) = collect_alerts(store.con, [load_catalog(b_path)], charts=False).new_alerts
        outbox = Outbox(store.con)
        [first] = deliver(outbox, settings, **QUIET)
        assert first.status == "sending"
        [second] = deliver(outbox, settings, **QUIET)
        row = outbox.get(digest)
    assert second.status == "delivered" and second.detail == "found in Slack"
    (search,) = slack_server.calls("conversations.history")
    assert search.params["channel"] == B_CHANNEL
    assert len(slack_server.messages) == 1 and slack_server.messages[0]["channel"] == B_CHANNEL
    assert row["destination"] == settings.destination_for(B_CHANNEL) != settings.destination
    assert B_CHANNEL not in row["destination"] and settings.token not in str(row)


def test_a_webhook_posts_an_articles_alerts_in_its_own_channel_naming_the_article(shared_data, tmp_path, slack_server):
    """A webhook is fixed to one channel: B's alerts go there anyway, each naming B and its channel, and the run says
    once that B's channel needs a bot token; A (no channel of its own) is posted as before."""
    a_path, b_path = write_catalogs(tmp_path / "claims")
    catalogs = [load_catalog(a_path), load_catalog(b_path)]
    settings, said = SlackSettings(webhook_url=slack_server.webhook_url), []
    with open_store(tmp_path / "c.duckdb") as store:
        add_release(store, shared_data, tmp_path, SBO, "sbo-encounters-fy22-fy25-nov.csv")
        collect_alerts(store.con, catalogs, charts=False)
        outcome = add_release(store, shared_data, tmp_path, SBO, "sbo-encounters-fy22-fy25-aug.csv")
        collect_alerts(store.con, catalogs, [outcome], charts=False)
        outbox = Outbox(store.con)
        b_rows = [r for r in outbox.due() if r["article_id"] == B]
        a_rows = [r for r in outbox.due() if r["article_id"] == A]
        assert len(b_rows) == 2 and [r["kind"] for r in b_rows] == ["digest", "update"] and a_rows
        results = deliver(outbox, settings, printer=said.append)
        rows = [outbox.get(r.alert_id) for r in results]
    assert {r["status"] for r in rows} == {"delivered"} and len(slack_server.webhook_messages) == len(rows)
    reports = [line for line in said if "SLACK_BOT_TOKEN" in line and not line.startswith("──")]
    assert reports == [f"article {B} has its own Slack channel ({B_CHANNEL}), which the webhook cannot reach: its "
                       "alerts go to the webhook's channel, naming the article; set SLACK_BOT_TOKEN to post in the "
                       "article's channel"]
    for row, message in zip(rows, slack_server.webhook_messages):
        note = f"For article {B}, whose channel is {B_CHANNEL}: this webhook posts to its own channel only"
        if row["article_id"] == B:
            assert note in message["text"] and note in mrkdwn(message)
            assert "Explainer: what crosses the U.S.-Mexico border" in message["text"]  # the article, by its title
            assert row["last_error"].startswith("posted to the webhook's own channel, not the article's")
        else:
            assert "For article" not in message["text"] and message["text"] == row["text"] and row["last_error"] is None


OLD_MUTES = """create table claim_mutes (claim_id varchar primary key, muted_until date not null,
    muted_at timestamptz not null, muted_by varchar)"""
OLD_ALERTS = """create table alerts (alert_id integer primary key, idempotency_key varchar not null unique,
    kind varchar not null, article_id varchar, claim_id varchar, thread_key varchar, title varchar not null,
    text varchar not null, blocks varchar not null, chart blob, created_at timestamptz not null, status varchar not null,
    attempts integer not null default 0, last_attempt_at timestamptz, last_error varchar, delivered_at timestamptz,
    delivered_via varchar, destination varchar, slack_ts varchar, slack_thread_ts varchar, chart_file_id varchar)"""


def test_an_old_store_keeps_its_mutes_under_the_article_it_knows_and_its_alerts_go_to_the_configured_channel(tmp_path):
    """Old mutes were by claim id alone: each takes the article the store has judged that claim for (claim_notices,
    claim_steps), when exactly one; a claim the store knows under two articles, or not at all, stays keyed '' and is
    muted in every article, as it was when written. Old alerts have no channel: the configured one."""
    from claimwatch.alerts.states import muted_claims
    from claimwatch.config import project_dir

    path = tmp_path / "old.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(OLD_MUTES)
        con.execute(OLD_ALERTS)
        con.execute((project_dir("sql") / "tables" / "claim_notices.sql").read_text())
        for article, claim in ((A, "one_article"), (A, "two_articles"), (B, "two_articles")):
            con.execute("insert into claim_notices (article_id, claim_id, mode, verdict, period, vintages, sentence,"
                        " alert_id, noticed_at) values (?, ?, 'as_stated', 'holds', 'p', [], 's', 1, now())",
                        [article, claim])
        for claim in ("one_article", "two_articles", "never_judged"):
            con.execute("insert into claim_mutes values (?, date '2030-01-01', now(), 'ana')", [claim])
        con.execute("insert into alerts (alert_id, idempotency_key, kind, title, text, blocks, created_at, status)"
                    " values (1, 'digest:a', 'digest', 't', 'x', '[]', now(), 'delivered')")
    with open_store(path) as store:
        assert store.con.execute("select article_id, claim_id, muted_by from claim_mutes order by claim_id").fetchall() == [
            ("", "never_judged", "ana"), (A, "one_article", "ana"), ("", "two_articles", "ana")]
        assert store.con.execute("select channel, status from alerts").fetchall() == [(None, "delivered")]
        today = date(2026, 1, 1)
        assert set(muted_claims(store.con, today, A)) == {"one_article", "two_articles", "never_judged"}
        assert set(muted_claims(store.con, today, B)) == {"two_articles", "never_judged"}  # not A's one_article
        store.con.execute("insert into claim_mutes values (?, 'two_articles', date '2026-02-01', now(), 'bo')", [B])
        assert muted_claims(store.con, today, B)["two_articles"] == date(2026, 2, 1)  # the article's own mute wins
        assert muted_claims(store.con, today, A)["two_articles"] == date(2030, 1, 1)
    with open_store(path) as again:  # migrating twice changes nothing
        assert again.con.execute("select count(*) from claim_mutes").fetchone()[0] == 4
