"""The repository's own two articles on one store: each its own digest, channel, mentions and site section.

The op-ed (claims/us_mexico_trade_oped_2025.yaml, no channel: the configured one) runs first alone; the fictional
brief (claims/border_numbers_brief_2025.yaml, its own channel and owner) is added for the next release's run.
"""

from __future__ import annotations

import re

from alert_support import CHANNEL, bot_settings
from claimwatch import pipeline
from claimwatch.audit import Auditor
from claimwatch.claims.catalog import load_catalogs
from claimwatch.sources import all_sources
from claimwatch.store import open_store

OPED, BRIEF = "us_mexico_trade_oped_2025", "border_numbers_brief_2025"
SOUTHWEST = "cbp_southwest_land_border_encounters"


def article_of(message: dict) -> str:
    """The article a Slack message is about, from the idempotency key every message carries in its metadata."""
    key = message["metadata"]["event_payload"]["key"]
    return re.match(r"(?:digest|release|claim):([^:/]+)", key).group(1)


def add(shared_data, releases, name: str) -> None:
    folder = releases / SOUTHWEST
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).symlink_to(shared_data / SOUTHWEST / name)


def test_the_repositorys_two_articles_alert_render_and_route_independently(shared_data, tmp_path, slack_server):
    catalogs = {c.article_id: c for c in load_catalogs()}
    assert set(catalogs) == {OPED, BRIEF}
    brief = catalogs[BRIEF]
    assert catalogs[OPED].channel is None and brief.channel and brief.owner
    releases, settings, site = tmp_path / "releases", bot_settings(slack_server), tmp_path / "site"
    sources = [all_sources()["cbp_southwest_encounters"]]
    add(shared_data, releases, "sbo-encounters-fy22-fy25-nov.csv")
    with open_store(tmp_path / "c.duckdb") as store:
        auditor = Auditor(store, tmp_path / "docs")
        run = dict(releases=releases, auditor=auditor, printer=lambda line: None, site_dir=site)
        pipeline.run(store, sources, settings, catalogs=[catalogs[OPED]], **run)
        (oped_digest,) = slack_server.messages
        assert article_of(oped_digest) == OPED and oped_digest["channel"] == CHANNEL
        assert oped_digest["text"].startswith("claimwatch is now watching")

        add(shared_data, releases, "sbo-encounters-fy22-fy25-aug.csv")  # July 2025 breaks June's record
        second = pipeline.run(store, sources, settings, catalogs=list(catalogs.values()), **run)
        assert [o.status for o in second.outcomes] == ["unchanged", "published"]
        new = slack_server.messages[1:]
        by_article = {a: [m for m in new if article_of(m) == a] for a in catalogs}
        (brief_digest,) = [m for m in new if m["text"].startswith("claimwatch is now watching")]
        assert article_of(brief_digest) == BRIEF  # the new article's digest, and only that one
        assert by_article[BRIEF] == [brief_digest] and brief_digest["channel"] == brief.channel
        assert by_article[OPED] and all(m["channel"] == CHANNEL for m in by_article[OPED])  # the op-ed's update
        assert all("<!subteam^" not in m["text"] for m in new)  # a digest or an update mentions no one

        third = pipeline.run(store, sources, settings, catalogs=list(catalogs.values()), **run)
        assert third.collected.new_alerts == [] and len(slack_server.messages) == 1 + len(new)

    index = (site / "index.html").read_text()
    assert catalogs[OPED].title in index and brief.title in index
    for article_id, catalog in catalogs.items():
        section = site / "articles" / article_id
        assert (section / "index.html").is_file()
        assert {p.stem for p in (section / "claims").glob("*.html")} == {c.id for c in catalog.claims}
