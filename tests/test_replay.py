"""Replaying the recorded vintages in publication order gives exactly the alerts the claims' histories imply."""

from __future__ import annotations

import pytest

from claimwatch.alerts.collect import claim_events
from claimwatch.alerts.compose import CONSEQUENCE_ORDER
from claimwatch.pipeline import replay as replay_recorded
from claimwatch.alerts.outbox import Outbox
from claimwatch.claims.catalog import load_catalogs
from claimwatch.claims.evaluate import modes
from claimwatch.claims.history import claim_history, claim_sources
from claimwatch.claims.judge import Verdict
from claimwatch.sources import all_sources
from claimwatch.store import open_store


@pytest.fixture(scope="module")
def replayed(shared_data, tmp_path_factory):
    """A store built by replaying ../shared/data, with the replay's steps."""
    path = tmp_path_factory.mktemp("replay") / "claimwatch.duckdb"
    with open_store(path) as store:
        steps = replay_recorded(store, shared_data, all_sources().values(), load_catalogs(), charts=False)
    return path, steps


def claim_alerts(con) -> set[tuple]:
    """(alert id, article, claim, kind) of every claim a claim alert covers (one message per release and article
    covers several)."""
    return set(con.execute("select alert_id, article_id, claim_id, kind from alert_claims").fetchall())


def covering(outbox: Outbox, alert_ids: list[int], claim_id: str) -> list[tuple[dict, dict]]:
    """(the claim's entry, the whole message) of each of these alerts that covers the claim."""
    return [(c, outbox.get(a)) for a in alert_ids for c in outbox.covered(a) if c["claim_id"] == claim_id]


def expected_from_history(con, claim, first_release: str) -> set[tuple]:
    """(release, claim, kind) of every alert the claim's history over the stored vintages calls for."""
    history = claim_history(con, claim)
    releases = list(dict.fromkeys(s.release_id for s in history))
    if releases and releases[0] == first_release:  # the digest told the first evaluation
        told = {(s.verdict.claim_id, s.verdict.reading, s.verdict.mode): (s.verdict, 1)
                for s in history if s.release_id == first_release}
        releases = releases[1:]
    else:  # the digest told what could be said without the claim's data: unknown
        told = {(claim.id, r.id, m): (Verdict(claim.id, m, "unknown", ""), 1) for r in claim.readings for m in modes(claim)}
    expected = set()
    for release in releases:
        current = [s.verdict for s in history if s.release_id == release]
        events = claim_events(claim, told, current)
        if events:
            kind = min((e.kind for e, _ in events), key=CONSEQUENCE_ORDER.index)
            expected.add((release, claim.id, kind))
            told = {(v.claim_id, v.reading, v.mode): (v, 1) for v in current}
    return expected


def test_replay_alerts_are_exactly_the_changes_in_the_claims_histories(replayed):
    path, steps = replayed
    assert all(s.outcome.status == "published" for s in steps), [s.outcome for s in steps if s.outcome.status != "published"]
    order = [s.outcome.release_id for s in steps]
    catalogs = load_catalogs()
    with open_store(path, read_only=True) as store:
        digest = store.con.execute("select alert_id, article_id from alerts where kind = 'digest' order by alert_id").fetchall()
        assert [d[0] for d in digest] == steps[0].alert_ids  # one digest per article, written after the first release
        assert sorted(d[1] for d in digest) == sorted(c.article_id for c in catalogs)
        alerts = claim_alerts(store.con)
        step_of = {a: i for i, s in enumerate(steps) for a in s.alert_ids}
        actual = {(order[step_of[a]], article, claim, kind) for a, article, claim, kind in alerts}
        assert len(actual) == len(alerts)  # every claim alert belongs to one replay step
        per_release = {}
        for a, article, _, _ in alerts:
            per_release.setdefault((order[step_of[a]], article), set()).add(a)
        assert all(len(ids) == 1 for ids in per_release.values())  # one message per release and article
        expected = set()
        for catalog in catalogs:
            for claim in catalog.claims:
                expected |= {(release, catalog.article_id, claim_id, kind)
                             for release, claim_id, kind in expected_from_history(store.con, claim, order[0])}
    assert actual == expected
    assert len(expected) >= 10  # the recorded vintages move many claims
    kinds = {kind for _, _, _, kind in actual}
    assert {"correction", "update", "checked"} <= kinds  # revisions: see test_collect (none of a stated period here)


def test_a_latest_only_change_is_an_update_and_never_a_correction(replayed):
    path, steps = replayed
    census = [s for s in steps if s.outcome.release_id.startswith("census_trade/")]
    with open_store(path, read_only=True) as store:
        outbox = Outbox(store.con)
        alerts = {s.outcome.release_id: [outbox.get(a) for a in s.alert_ids] for s in census}
        claims = {s.outcome.release_id: [c for a in s.alert_ids for c in outbox.covered(a)] for s in census}
        release_2023 = next(r for r in alerts if r.startswith("census_trade/2023-03@"))
        ((entry, message),) = covering(outbox, [a["alert_id"] for a in alerts[release_2023]],
                                       "mexico_largest_buyer")
        release_2025 = next(r for r in alerts if r.startswith("census_trade/2025-04@"))
        ((correction, _),) = covering(outbox, [a["alert_id"] for a in alerts[release_2025]], "mexico_largest_buyer")
    before_2024 = [c for release, found in claims.items() if not release.startswith("census_trade/2025-04@") for c in found]
    assert before_2024 and {c["kind"] for c in before_2024} == {"update"}  # 2024 not in the data yet: never a correction
    assert entry["title"] == ("↻ Update: Mexico is the largest buyer of U.S. goods: newest period (calendar 2022) fails; the article's own "
                              "period is not in the data yet, no correction needed")
    assert "no longer holds" not in message["text"] and "Correction" not in message["text"]
    lines = message["text"].split("Mexico is the largest buyer of U.S. goods: newest period")[1].splitlines()
    stated = next(i for i, line in enumerate(lines) if "As stated (calendar 2024)" in line)
    latest = next(i for i, line in enumerate(lines) if "Latest period (calendar 2022)" in line)
    assert stated < latest  # both modes, the as-stated one first
    assert ("latest period, by total trade (exports + imports), as Census ranks its top trading partners: ✓ holds → "
            "✗ fails; new period: calendar 2019 -> calendar 2022") in message["text"]
    assert correction["kind"] == "correction"
    assert correction["title"] == "✗ Correction needed: Mexico is the largest buyer of U.S. goods fails as published (other readings differ)"


def test_a_broken_record_is_an_update_naming_the_new_record(replayed):
    path, steps = replayed
    with open_store(path, read_only=True) as store:
        outbox = Outbox(store.con)
        found = covering(outbox, [a for s in steps for a in s.alert_ids], "june_2025_lowest_nationwide_encounters")
    record = [c for c, message in found if "record broken" in c["title"]]
    assert len(record) == 1, "July 2025 went below June 2025: one alert, once"
    assert record[0]["kind"] == "update" and record[0]["title"] == (
        "↻ Update: June 2025: the fewest border encounters on record: record broken (July 2025 (24,589 encounters) went below "
        "June 2025 (25,185 encounters) and is the new low); the article's figure still holds, no correction needed")


def test_claims_without_sources_never_alert_after_the_digest(replayed):
    path, steps = replayed
    constant = {(catalog.article_id, c.id) for catalog in load_catalogs() for c in catalog.claims if not claim_sources(c)}
    with open_store(path, read_only=True) as store:
        claims = {(article, claim) for _, article, claim, _ in claim_alerts(store.con)}
    assert constant and not claims & constant


def test_replaying_again_writes_no_alert(replayed, shared_data):
    path, _ = replayed
    with open_store(path) as store:
        before = store.con.execute("select count(*) from alerts").fetchone()[0]
        again = replay_recorded(store, shared_data, all_sources().values(), load_catalogs(), charts=False)
        after = store.con.execute("select count(*) from alerts").fetchone()[0]
    assert {s.outcome.status for s in again} == {"unchanged"}
    assert [a for s in again for a in s.alert_ids] == [] and after == before
