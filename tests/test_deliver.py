"""Delivery of the outbox against a real local HTTP server standing in for Slack (tests/slack_server.py)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import pytest

from alert_support import CHANNEL, TOKEN, bot_settings, claim_change_alert, outbox_with
from claimwatch.alerts.deliver import EVENT_TYPE, deliver
from claimwatch.alerts.settings import SlackSettings
from claimwatch.charts import claim_chart_png
from slack_server import Delay, Kill, Reply

CLAIM, MODE = "lowest_illegal_crossings_30_years", "latest"  # holds for November 2024, fails for August 2025


@pytest.fixture
def change(built_con):
    return claim_change_alert(built_con, CLAIM, MODE, "claim:test/1")


def test_bot_posts_blocks_text_metadata_and_the_chart_in_the_thread(built_con, slack_server, tmp_path):
    from alert_support import catalog

    chart = claim_chart_png(built_con, catalog().claim(CLAIM))
    alert = claim_change_alert(built_con, CLAIM, MODE, "claim:test/1", chart=chart)
    store, outbox, [alert_id] = outbox_with(tmp_path / "a.duckdb", [alert])
    with store:
        [result] = deliver(outbox, bot_settings(slack_server), printer=lambda line: None)
        row = outbox.get(alert_id)
    assert result.status == "delivered" and row["status"] == "delivered"
    [message] = slack_server.messages
    assert message["text"] == alert.text and message["blocks"] == alert.blocks
    assert message["metadata"] == {"event_type": EVENT_TYPE, "event_payload": {"key": "claim:test/1"}}
    assert message["thread_ts"] is None and row["slack_ts"] == message["ts"]
    [upload] = slack_server.files
    assert upload["content"] == chart and upload["thread_ts"] == message["ts"]
    assert row["chart_file_id"] == upload["id"]
    post = slack_server.calls("chat.postMessage")[0]
    assert post.headers["Authorization"] == f"Bearer {TOKEN}"


def test_a_second_change_of_the_same_claim_goes_in_its_thread(built_con, slack_server, tmp_path):
    first = claim_change_alert(built_con, CLAIM, MODE, "claim:test/1")
    again = claim_change_alert(built_con, CLAIM, MODE, "claim:test/2", flip=True)
    other = claim_change_alert(built_con, "mexico_exports_2024", "latest", "claim:test/3")
    store, outbox, _ = outbox_with(tmp_path / "a.duckdb", [first])
    with store:
        deliver(outbox, bot_settings(slack_server), printer=lambda line: None)
        outbox.enqueue(again)
        outbox.enqueue(other)
        deliver(outbox, bot_settings(slack_server), printer=lambda line: None)
    root, reply, unrelated = slack_server.messages
    assert root["thread_ts"] is None
    assert reply["thread_ts"] == root["ts"] and "holds" in reply["text"].splitlines()[0]
    assert unrelated["thread_ts"] is None  # another claim starts its own thread


def test_429_is_retried_after_retry_after(change, slack_server, tmp_path):
    slack_server.script("chat.postMessage", Reply(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"}))
    store, outbox, [alert_id] = outbox_with(tmp_path / "a.duckdb", [change])
    with store:
        [result] = deliver(outbox, bot_settings(slack_server), printer=lambda line: None)
        assert outbox.get(alert_id)["status"] == "delivered"
    assert result.status == "delivered"
    calls = slack_server.calls("chat.postMessage")
    assert len(calls) == 2 and len(slack_server.messages) == 1
    assert calls[1].at - calls[0].at >= 1.0


def test_500_leaves_the_alert_pending_and_the_next_run_delivers_it_once(change, slack_server, tmp_path):
    slack_server.script("chat.postMessage", Reply(500, "internal error"))
    store, outbox, [alert_id] = outbox_with(tmp_path / "a.duckdb", [change])
    with store:
        [first] = deliver(outbox, bot_settings(slack_server), printer=lambda line: None)
        row = outbox.get(alert_id)
        assert (first.status, row["status"], row["attempts"]) == ("pending", "pending", 1)
        assert "HTTP 500" in row["last_error"] and not slack_server.messages
        [second] = deliver(outbox, bot_settings(slack_server), printer=lambda line: None)
        third = deliver(outbox, bot_settings(slack_server), printer=lambda line: None)
        row = outbox.get(alert_id)
    assert second.status == "delivered" and third == []
    assert row["status"] == "delivered" and row["attempts"] == 2
    assert len(slack_server.messages) == 1 and len(slack_server.calls("chat.postMessage")) == 2


def test_a_timeout_after_slack_accepted_is_not_posted_twice(change, slack_server, tmp_path):
    slack_server.script("chat.postMessage", Delay(3))
    settings = bot_settings(slack_server, timeout=1)
    store, outbox, [alert_id] = outbox_with(tmp_path / "a.duckdb", [change])
    with store:
        [first] = deliver(outbox, settings, printer=lambda line: None)
        assert first.status == "sending" and outbox.get(alert_id)["status"] == "sending"
        [second] = deliver(outbox, settings, printer=lambda line: None)
        row = outbox.get(alert_id)
    assert second.status == "delivered" and second.detail == "found in Slack"
    assert len(slack_server.calls("chat.postMessage")) == 1 and len(slack_server.messages) == 1
    assert row["slack_ts"] == slack_server.messages[0]["ts"]


def test_a_crash_right_after_slack_accepted_then_a_rerun_sends_nothing_twice(change, slack_server, tmp_path):
    db = tmp_path / "a.duckdb"
    store, _, [alert_id] = outbox_with(db, [change])
    store.close()
    env = {**os.environ, "SLACK_BOT_TOKEN": TOKEN, "SLACK_CHANNEL": CHANNEL, "SLACK_API_URL": slack_server.api_url}
    proc = subprocess.Popen([sys.executable, "-m", "claimwatch.cli", "alerts", "--send", "--db", str(db)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    slack_server.script("chat.postMessage", Kill(proc.pid))
    assert proc.wait(timeout=120) == -9  # killed by "Slack" right after it accepted the message
    assert len(slack_server.messages) == 1
    rerun = subprocess.run([sys.executable, "-m", "claimwatch.cli", "alerts", "--send", "--db", str(db)], env=env,
                           capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    assert "not sent again" in rerun.stdout
    assert len(slack_server.calls("chat.postMessage")) == 1 and len(slack_server.messages) == 1
    from claimwatch.store import open_store
    from claimwatch.alerts.outbox import Outbox

    with open_store(db, read_only=True) as store:
        row = Outbox(store.con).get(alert_id)
    assert row["status"] == "delivered" and row["slack_ts"] == slack_server.messages[0]["ts"]


def test_webhook_sends_the_same_message_without_upload(built_con, slack_server, tmp_path):
    from alert_support import catalog

    chart = claim_chart_png(built_con, catalog().claim(CLAIM))
    alert = claim_change_alert(built_con, CLAIM, MODE, "claim:test/1", chart=chart)
    store, outbox, [alert_id] = outbox_with(tmp_path / "a.duckdb", [alert])
    with store:
        [result] = deliver(outbox, SlackSettings(webhook_url=slack_server.webhook_url), printer=lambda line: None)
        row = outbox.get(alert_id)
    assert result.status == "delivered" and row["delivered_via"] == "webhook"
    [body] = slack_server.webhook_messages
    assert body["text"] == alert.text and body["blocks"] == alert.blocks
    assert not slack_server.files and not slack_server.messages


def test_webhook_500_stays_pending_and_a_timeout_is_unconfirmed(built_con, slack_server, tmp_path):
    a = claim_change_alert(built_con, CLAIM, MODE, "claim:test/1")
    b = claim_change_alert(built_con, "mexico_exports_2024", "latest", "claim:test/2")
    slack_server.script("webhook", Reply(500, "server error"), Delay(3))
    settings = SlackSettings(webhook_url=slack_server.webhook_url, timeout=1)
    store, outbox, ids = outbox_with(tmp_path / "a.duckdb", [a, b])
    with store:
        results = deliver(outbox, settings, printer=lambda line: None)
        assert [r.status for r in results] == ["pending", "unconfirmed"]
        assert [r.status for r in deliver(outbox, settings, printer=lambda line: None)] == ["delivered"]
        assert [outbox.get(i)["status"] for i in ids] == ["delivered", "unconfirmed"]
    assert len(slack_server.webhook_messages) == 2  # the 500 was not accepted; the timed-out one was, once


def test_terminal_prints_and_keeps_the_alert(change, tmp_path):
    printed = []
    store, outbox, [alert_id] = outbox_with(tmp_path / "a.duckdb", [change])
    with store:
        [result] = deliver(outbox, SlackSettings(), printer=printed.append)
        assert deliver(outbox, SlackSettings(), printer=printed.append) == []
        row = outbox.get(alert_id)
    assert result.status == "printed" and row["status"] == "printed" and row["delivered_via"] == "terminal"
    assert change.text in printed[0]


def test_no_secret_in_logs_errors_or_the_database(change, slack_server, tmp_path, caplog, capfd):
    caplog.set_level(logging.DEBUG)
    slack_server.script("chat.postMessage", Reply(500, f"internal error for {CHANNEL}"))
    slack_server.script("webhook", Reply(500, "nope"))
    printed = []
    db = tmp_path / "a.duckdb"
    store, outbox, _ = outbox_with(db, [change])
    with store:
        deliver(outbox, bot_settings(slack_server), printer=printed.append)  # fails: error echoes the channel
        deliver(outbox, bot_settings(slack_server), printer=printed.append)
        hook = SlackSettings(webhook_url=slack_server.webhook_url)
        deliver(outbox, hook, printer=printed.append, alert_ids=[1], resend=True)
        deliver(outbox, hook, printer=printed.append, alert_ids=[1], resend=True)
        rows = store.con.execute("select * from alerts").fetchall()
    assert any("Sending a request" in r.getMessage() for r in caplog.records)  # slack-sdk's debug log was captured
    out, err = capfd.readouterr()
    haystacks = [caplog.text, "\n".join(printed), out, err, repr(rows), db.read_bytes().decode("latin-1")]
    for secret in (TOKEN, CHANNEL, slack_server.webhook_url, "webhook-secret-path"):
        for text in haystacks:
            assert secret not in text
    assert "[redacted]" in "\n".join(printed)
    assert repr(bot_settings(slack_server)).count(TOKEN) == 0
