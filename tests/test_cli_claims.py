"""The claim and alert commands: replay, alerts (list, show, send, resend)."""

from __future__ import annotations

from typer.testing import CliRunner

from claimwatch.claims.catalog import load_catalogs
from claimwatch.cli import app
from claimwatch.store import open_store
from test_cli import small_releases

runner = CliRunner()


def test_replay_then_alerts_list_show_and_resend_to_slack(shared_data, tmp_path, slack_server, monkeypatch):
    for name in ("SLACK_BOT_TOKEN", "SLACK_CHANNEL", "SLACK_WEBHOOK_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "200")  # rich tables: one line per alert
    folder, db = small_releases(shared_data, tmp_path), str(tmp_path / "c.duckdb")
    replayed = runner.invoke(app, ["replay", "--releases", str(folder), "--db", db])
    assert replayed.exit_code == 0, replayed.output
    assert "── alert 1 (digest) ──" in replayed.output and "Alerts: " in replayed.output
    # Nov 2024 first: the Aug 2025 file brings June 2025 (the month cited), and July 2025, which went below it
    assert ("↻ Update: Lowest illegal crossings in 30 years: record broken (July 2025 (4,596 encounters) went below "
            "June 2025 (6,068 encounters) and is the new low); the article's figure still holds") in replayed.output
    listed = runner.invoke(app, ["alerts", "--db", db])
    assert listed.exit_code == 0 and "printed" in listed.output and "digest" in listed.output
    with open_store(db, read_only=True) as store:  # the op-ed's message (each article has a digest and its own)
        (update,) = store.con.execute("select alert_id from alert_claims where article_id = 'us_mexico_trade_oped_2025' "
                                      "and claim_id = 'lowest_illegal_crossings_30_years'").fetchone()
    shown = runner.invoke(app, ["alerts", "--db", db, "--show", str(update)])
    assert shown.exit_code == 0 and "What changed:" in shown.output and "As stated (June 2025" in shown.output
    monkeypatch.setenv("SLACK_BOT_TOKEN", slack_server.token)
    monkeypatch.setenv("SLACK_CHANNEL", "#claims")
    monkeypatch.setenv("SLACK_API_URL", slack_server.api_url)
    assert runner.invoke(app, ["alerts", "--db", db, "--send"]).output.strip() == ""  # printed alerts are not due
    resent = runner.invoke(app, ["alerts", "--db", db, "--resend", str(update)])
    assert resent.exit_code == 0, resent.output
    assert "delivered via slack" in resent.output and slack_server.token not in resent.output
    [message] = slack_server.messages
    assert message["text"].startswith("↻ Update: Lowest illegal crossings in 30 years: record broken")
    missing = runner.invoke(app, ["alerts", "--db", db, "--resend", "99"])
    assert missing.exit_code != 0


def test_site_command_builds_the_status_site(built_db, tmp_path):
    result = runner.invoke(app, ["site", "--db", str(built_db), "--out", str(tmp_path / "site")])
    assert result.exit_code == 0, result.output
    assert "Status site:" in result.output
    pages = {c.article_id: len(c.claims) for c in load_catalogs()}  # a page per claim of every catalog
    assert (tmp_path / "site" / "index.html").is_file()
    assert {a: len(list((tmp_path / "site" / "articles" / a / "claims").glob("*.html"))) for a in pages} == pages
