"""The status site over two real runs (issue #15): what changed since the last run, with the numbers; which claims
wait on overdue data; and what editors did (`claimwatch alerts --ack` / `--mute`), read in headless Chromium.

Run 1 stores older recorded vintages (Census FT-900 through January 2023, CBP southwest through November 2024, World
Bank population through 2023); run 2 adds the newer ones (Census through February 2025, CBP southwest through
August 2025). Each run is the monthly job without Prefect (pipeline.run); each site is built by `claimwatch site`.
"""

from __future__ import annotations

import getpass
import os
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from typer.testing import CliRunner

from claimwatch import pipeline
from claimwatch.alerts.settings import SlackSettings
from claim_support import OPED, catalog_by_id
from claimwatch.claims.steps import current_verdicts
from claimwatch.cli import app
from claimwatch.site.awaited import awaited_sources
from claimwatch.site.front import attention
from claimwatch.sources import all_sources
from claimwatch.store import open_store
from test_site import ARTIFACTS, OPED_DIR, browser, open_page  # noqa: F401  (the module's Chromium)

CENSUS, SOUTHWEST, WORLDBANK = ("census_trade_country_xlsx", "cbp_southwest_land_border_encounters",
                                "worldbank_population_datahub")
RUN_1 = [(CENSUS, "release-2023-03_data-through-2023-01"), (SOUTHWEST, "sbo-encounters-fy22-fy25-nov.csv"),
         (WORLDBANK, "commit-2025-04-01")]
RUN_2 = [(CENSUS, "release-2025-04_data-through-2025-02"), (SOUTHWEST, "sbo-encounters-fy22-fy25-aug.csv")]
MUTED_UNTIL = date.today() + timedelta(days=60)


def _cli(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _run(db: Path, releases: Path, recorded: Path, entries: list[tuple[str, str]]) -> list[int]:
    """Add recorded releases to the folder and run the monthly job on it; the alerts it wrote."""
    for folder, name in entries:
        (releases / folder).mkdir(parents=True, exist_ok=True)
        os.symlink(recorded / folder / name, releases / folder / name)
    with open_store(db) as store:
        ran = pipeline.run(store, all_sources().values(), SlackSettings(), releases=releases, printer=lambda line: None,
                           catalogs=[catalog_by_id(OPED)])  # the op-ed's alerts (the site shows every article)
    assert {o.status for o in ran.outcomes} <= {"published", "unchanged"}, ran.outcomes
    return ran.collected.new_alerts


@pytest.fixture(scope="module")
def runs(shared_data, tmp_path_factory) -> dict:
    """Two runs, a site after each; between the second run and its site, an editor acks one alert and mutes a claim."""
    root = tmp_path_factory.mktemp("runs")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    db, releases = root / "c.duckdb", root / "releases"
    first = _run(db, releases, shared_data, RUN_1)
    _cli("site", "--db", str(db), "--out", str(root / "site-1"))
    second = _run(db, releases, shared_data, RUN_2)
    with open_store(db, read_only=True) as store:
        covering = dict(store.con.execute("select claim_id, max(alert_id) from alert_claims group by all").fetchall())
    _cli("alerts", "--db", str(db), "--ack", str(covering["mexico_largest_buyer"]))
    _cli("alerts", "--db", str(db), "--mute", "lowest_illegal_crossings_30_years", "--until", MUTED_UNTIL.isoformat())
    _cli("site", "--db", str(db), "--out", str(root / "site-2"))
    assert covering["mexico_largest_buyer"] == covering["mexico_canada_vs_next_10"] != covering[
        "lowest_illegal_crossings_30_years"]  # one message for census_trade 2025-04, another for CBP's August file
    return {"db": db, "first": first, "second": second, "covering": covering, "root": root}


def _attention(page) -> list[tuple[str, str, str]]:
    """The attention list: (kind, claim title, whole text) per entry."""
    return page.locator("section#attention ol.attention > li").evaluate_all(
        "ls => ls.map(l => [l.className, l.querySelector('a').innerText, l.innerText])")


def _changes(page) -> list[tuple[str, str]]:
    """The changes listed: (claim title, whole text) per entry."""
    return page.locator("section#changed ul.changes > li").evaluate_all(
        "ls => ls.map(l => [l.querySelector('a').innerText, l.innerText])")


def test_the_first_run_says_so_and_the_second_lists_what_moved_with_the_numbers(runs, browser):  # noqa: F811
    one, _ = open_page(browser, (runs["root"] / "site-1" / OPED_DIR / "index.html").as_uri())  # the op-ed's front
    changed = one.locator("section#changed").inner_text()
    assert "This is the first run" in changed and "3 release(s)" in changed and _changes(one) == []
    two, errors = open_page(browser, (runs["root"] / "site-2" / OPED_DIR / "index.html").as_uri())
    changed = two.locator("section#changed").inner_text()
    assert "The last run wrote 2 release(s): cbp_southwest_encounters fy22-fy25-aug, census_trade 2025-04." in changed
    listed = _changes(two)
    titles, items = {title for title, _ in listed}, [text for _, text in listed]
    # the claims fed by the two new releases, and no other: CBP nationwide (none stored) and the article's own
    # figures were judged the same way in the first run
    assert titles == {"Mexico bought $335 billion of U.S. goods in 2024", "Mexico bought 2.3 times what China bought",
                      "Mexico is the largest buyer of U.S. goods", "Mexico and Canada buy more than the next 10 countries",
                      "U.S.–Mexico: the strongest trade relationship in history",
                      "Mexicans and Canadians buy the most per person (World Bank population)",
                      "Just $100 per Chinese resident (World Bank population)", "Lowest illegal crossings in 30 years"}
    stated = next(t for t in items if t.startswith("Mexico is the largest buyer of U.S. goods: as stated (by U.S. goods"))
    assert "? unknown → ✗ fails" in stated and "data now available for calendar 2024" in stated  # the verdict moved
    assert "now Mexico's $334.0 billion, $15.3 billion below Canada's $349.4 billion" in stated  # with the numbers
    latest = next(t for t in items if t.startswith("Lowest illegal crossings in 30 years: latest period"))
    assert "new period: November 2024 -> August 2025" in latest and "→ ✗ fails" in latest
    assert "was November 2024's 46,612 encounters" in latest and "now August 2025's 6,321 encounters" in latest
    period_only = next(t for t in items if t.startswith("Just $100 per Chinese resident (World Bank population)"))
    assert "✓ holds → ✓ holds" in period_only and "new period: calendar 2022 -> calendar 2023" in period_only  # same verdict
    assert "was Chinese residents: $109 a person" in period_only and "now Chinese residents: $105 a person" in period_only
    alerts = two.locator("section#changed p.meta", has_text="Alerts written").inner_text()
    assert "Correction needed: Mexico is the largest buyer of U.S. goods" in alerts and "claimwatch is now watching" not in alerts  # run 1's
    assert len(runs["second"]) == 2 and runs["first"] == [1]
    two.screenshot(path=ARTIFACTS / "index-second-run.png", full_page=True)
    assert errors == []


def test_unknown_because_overdue_only_where_the_unknown_reading_waits_on_the_late_source(runs, browser):  # noqa: F811
    one, _ = open_page(browser, (runs["root"] / "site-1" / OPED_DIR / "index.html").as_uri())  # the op-ed's front
    overdue = {title: text for kind, title, text in _attention(one) if kind == "overdue"}
    # run 1: the stated 2024 and June 2025 are not in Census' or CBP's data yet, and both sources are late
    assert "CBP Southwest Land Border Encounters: the release with data for December 2024" in \
        overdue["Lowest illegal crossings in 30 years"]
    assert "U.S. International Trade in Goods and Services (FT-900)" in \
        overdue["Mexicans and Canadians buy the most per person (Census population)"]
    # May 2024 to March 2025 is in CBP's data: that claim's unknown is Mexico's side, which no source holds
    assert "Mexico recorded more encounters than the Border Patrol" not in overdue
    two, _ = open_page(browser, (runs["root"] / "site-2" / "index.html").as_uri())
    overdue = {title: text for kind, title, text in _attention(two) if kind == "overdue"}
    # run 2: Census reaches 2024 though it is late again; the Census-population claims wait on the IDB (no data),
    # the World Bank one on World Bank 2024, which is overdue
    assert list(overdue) == ["Just $100 per Chinese resident (World Bank population)"]
    assert "World Bank population, total (SP.POP.TOTL)" in overdue["Just $100 per Chinese resident (World Bank population)"]
    with open_store(runs["db"], read_only=True) as store:
        catalog = catalog_by_id(OPED)
        verdicts, _ = current_verdicts(store.con, catalog)
        late = {a.claim_id for a in attention(store.con, catalog, verdicts, date.today()) if a.kind == "overdue"}
        through = dict(store.con.execute("select source, max(data_through) from releases group by all").fetchall())
    idb = next(v for v in verdicts if v.claim_id == "per_capita_chinese_idb" and v.mode == "as_stated")
    assert idb.verdict == "unknown" and through["census_trade"] < date.today() - timedelta(days=120)  # Census is late
    assert awaited_sources(catalog.claim(idb.claim_id), idb, through, {"worldbank_population": "year"}) == ["census_idb"]
    assert late == {"per_capita_chinese_worldbank"}


def test_the_site_shows_who_acknowledged_an_alert_and_which_claim_is_muted(runs, browser):  # noqa: F811
    site = runs["root"] / "site-2"
    today = datetime.now(timezone.utc).date().isoformat()
    for width in (1280, 390):
        index, errors = open_page(browser, (site / "index.html").as_uri(), width=width)
        items = {title: text for _, title, text in _attention(index)}
        assert items["Mexico is the largest buyer of U.S. goods"].endswith(
            f"acknowledged by {getpass.getuser()} on {today}")
        crossings = items["Lowest illegal crossings in 30 years"]
        assert crossings.endswith(f"muted until {MUTED_UNTIL.isoformat()}") and "acknowledged" not in crossings
        # the acknowledged alert is census_trade 2025-04's one message: every claim it covers shows it; no other does
        assert {title for title, t in items.items() if "acknowledged by" in t} == {
            "Mexico is the largest buyer of U.S. goods", "Mexico and Canada buy more than the next 10 countries",
            "Mexicans and Canadians buy the most per person (World Bank population)"}
        assert [title for title, t in items.items() if "muted" in t] == ["Lowest illegal crossings in 30 years"]
        assert index.evaluate("document.documentElement.scrollWidth") <= width and errors == []
    index.locator("section#attention").screenshot(path=ARTIFACTS / "attention-ack-mute-phone.png")
    claim, _ = open_page(browser, (site / OPED_DIR / "claims" / "mexico_largest_buyer.html").as_uri())
    line = claim.locator("p.alert-state").inner_text()
    alert_id = runs["covering"]["mexico_largest_buyer"]
    assert line.startswith(f"Newest alert ({alert_id}, printed): ✗ Correction needed: Mexico is the largest buyer of U.S. goods")
    assert line.endswith(f"acknowledged by {getpass.getuser()} on {today}")
    muted, _ = open_page(browser, (site / OPED_DIR / "claims" / "lowest_illegal_crossings_30_years.html").as_uri())
    line = muted.locator("p.alert-state").inner_text()
    assert f"not acknowledged yet (claimwatch alerts --ack {runs['covering']['lowest_illegal_crossings_30_years']})" in line
    assert f"muted until {MUTED_UNTIL.isoformat()}: its changes are recorded and not posted" in line
    quiet, _ = open_page(browser, (site / OPED_DIR / "claims" / "fentanyl_lethal_doses.html").as_uri())
    assert quiet.locator("p.alert-state").count() == 0  # no alert about it since the digest, not muted
