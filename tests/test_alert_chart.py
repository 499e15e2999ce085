"""The chart an alert carries marks the period the alert is about (issue #15): real releases, real stores, the local
Slack server (tests/slack_server.py)."""

from __future__ import annotations

import io
import os

from PIL import Image

from alert_support import bot_settings
from claimwatch.alerts.collect import alert_period, collect_alerts
from claimwatch.alerts.compose import ClaimEvent
from claimwatch.alerts.deliver import deliver
from claimwatch.alerts.outbox import Outbox
from claimwatch.charts import TRIGGER_COLOR, claim_chart_png
from claim_support import OPED, catalog_by_id
from claimwatch.claims.steps import current_verdicts
from claimwatch.pipeline import ingest_recorded
from claimwatch.sources import all_sources
from claimwatch.store import open_store

CATALOG = catalog_by_id(OPED)  # its claims' real changes
RED = tuple(int(TRIGGER_COLOR[i:i + 2], 16) for i in (1, 3, 5))
CBP = "cbp_nationwide_encounters_state"


def _has_red(png: bytes) -> bool:
    with Image.open(io.BytesIO(png)) as image:
        return RED in {p[:3] for p in image.convert("RGB").get_flattened_data()}


def _ingest(store, shared_data, tmp_path, name: str):
    os.symlink(shared_data / CBP / name, (tmp_path / "releases" / CBP).joinpath(name))
    (outcome,) = [o for o in ingest_recorded(store, tmp_path / "releases", all_sources().values()) if o.status != "unchanged"]
    assert outcome.status == "published", outcome
    return outcome


def test_the_uploaded_chart_of_an_update_marks_the_period_that_broke_the_record(shared_data, tmp_path, slack_server):
    """CBP's fy22-fy25 release brings July 2025, a new low below the article's June 2025: the chart marks July."""
    (tmp_path / "releases" / CBP).mkdir(parents=True)
    settings = bot_settings(slack_server)
    with open_store(tmp_path / "c.duckdb") as store:
        _ingest(store, shared_data, tmp_path, "nationwide-encounters-fy21-fy24-state.csv")
        collect_alerts(store.con, [CATALOG], charts=False)  # the digest
        deliver(Outbox(store.con), settings, printer=lambda line: None)
        outcome = _ingest(store, shared_data, tmp_path, "nationwide-encounters-fy22-fy25-state.csv")
        (alert_id,) = collect_alerts(store.con, [CATALOG], [outcome]).new_alerts
        lead, covered = Outbox(store.con).get(alert_id), [c["claim_id"] for c in Outbox(store.con).covered(alert_id)]
        claim = CATALOG.claim("june_2025_lowest_nationwide_encounters")  # the lead: a stated record broken
        marked, plain = claim_chart_png(store.con, claim, "2025-07-01"), claim_chart_png(store.con, claim)
        (result,) = deliver(Outbox(store.con), settings, printer=lambda line: None)
    assert result.status == "delivered" and lead["kind"] == "update"
    assert covered == [claim.id, "june_2025_vs_2021_2024_average"] and lead["title"].startswith(
        "↻ Update: June 2025: the fewest border encounters on record: record broken (July 2025")
    (uploaded,) = slack_server.files
    assert uploaded["content"] == marked and marked != plain  # the July 2025 mark, not only the stated June
    assert _has_red(uploaded["content"]) and not _has_red(plain)


def test_an_update_is_about_the_newest_period_a_correction_about_the_stated_one(built_con):
    verdicts, _ = current_verdicts(built_con, CATALOG)
    primary = {(v.claim_id, v.mode): v for v in verdicts if v.primary}

    def period(claim_id: str, mode: str, kind: str):
        return alert_period(built_con, CATALOG.claim(claim_id), [ClaimEvent(kind, None, primary[claim_id, mode], "")])

    # the latest verdict of a monthly claim: its newest month (USBP southwest data through August 2025)
    assert period("lowest_illegal_crossings_30_years", "latest", "update") == "2025-08-01"
    # the stated record since broken: the month that broke it, whatever the newest month is
    assert period("lowest_illegal_crossings_30_years", "as_stated", "update") == "2025-07-01"
    assert period("june_2025_vs_2021_2024_average", "latest", "update") == "2025-09-01"  # CBP nationwide: September
    # a correction is about the article's own period, which the chart marks already: no second mark
    assert period("mexico_largest_buyer", "as_stated", "correction") == 2024
    claim = CATALOG.claim("june_2025_vs_2021_2024_average")
    assert claim_chart_png(built_con, claim, period("june_2025_vs_2021_2024_average", "as_stated", "correction")) \
        == claim_chart_png(built_con, claim)
    newest = claim_chart_png(built_con, claim, period("june_2025_vs_2021_2024_average", "latest", "update"))
    assert _has_red(newest) and not _has_red(claim_chart_png(built_con, claim))
    # no year or month in the catalog (the article's own figures, a comparison with data nobody holds): no mark
    assert period("mexican_vs_usbp_encounters_may2024_mar2025", "as_stated", "checked") is None
