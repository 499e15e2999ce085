"""Replaying the recorded vintages in publication order gives exactly the alerts the claims' histories imply."""

from __future__ import annotations

import pytest

from claimwatch.alerts.notify import replay_recorded
from claimwatch.claims.catalog import load_catalogs
from claimwatch.claims.history import claim_history, claim_sources
from claimwatch.sources import all_sources
from claimwatch.store import open_store


@pytest.fixture(scope="module")
def replayed(shared_data, tmp_path_factory):
    """A store built by replaying ../shared/data, with the replay's steps."""
    path = tmp_path_factory.mktemp("replay") / "claimwatch.duckdb"
    with open_store(path) as store:
        steps = replay_recorded(store, shared_data, all_sources().values(), load_catalogs(), charts=False)
    return path, steps


def claim_alerts(con) -> dict[int, tuple]:
    """alert id -> (claim, mode, old verdict, new verdict), read from the idempotency keys."""
    rows = con.execute("select alert_id, idempotency_key from alerts where kind = 'claim_change'").fetchall()
    parsed = {}
    for alert_id, key in rows:
        head, _, change = key.rpartition(":")
        _, _, path = head.rpartition("claim:")
        _, claim_id, mode = path.split(":")[0].split("/")
        old, new = change.split("->")
        parsed[alert_id] = (claim_id, mode, old, new)
    return parsed


def test_replay_alerts_are_exactly_the_changes_in_the_claims_histories(replayed):
    path, steps = replayed
    assert all(s.outcome.status == "published" for s in steps), [s.outcome for s in steps if s.outcome.status != "published"]
    order = [s.outcome.release_id for s in steps]
    (catalog,) = load_catalogs()
    with open_store(path, read_only=True) as store:
        digest = store.con.execute("select alert_id, text from alerts where kind = 'digest'").fetchall()
        assert [d[0] for d in digest] == steps[0].alert_ids  # one digest, written after the first release
        alerts = claim_alerts(store.con)
        actual = {(order[i],) + alerts[a] for i, s in enumerate(steps) for a in s.alert_ids if a in alerts}
        assert len(actual) == len(alerts)  # every claim alert belongs to one replay step
        expected = set()
        for claim in catalog.claims:
            history = claim_history(store.con, claim)
            for mode in ("as_stated", "latest"):
                mode_steps = [s for s in history if s.verdict.mode == mode]
                if not mode_steps:
                    continue
                # what the digest told: the claim's first verdict if the first release was one of its sources,
                # otherwise the verdict without data, which for a claim that needs data is unknown
                if mode_steps[0].release_id == order[0]:
                    told = mode_steps[0].verdict.verdict
                else:
                    told = "unknown"
                    assert f"? unknown · {claim.id} (" in digest[0][1]
                for step in mode_steps:
                    if step.verdict.verdict != told:
                        expected.add((step.release_id, claim.id, mode, told, step.verdict.verdict))
                        told = step.verdict.verdict
    assert actual == expected
    assert len(expected) >= 10  # the recorded vintages move many claims (unknown -> holds/fails, holds -> fails)
    assert ("cbp_southwest_encounters/fy22-fy25-aug@644a7051", "lowest_illegal_crossings_30_years", "latest",
            "holds", "fails") in actual


def test_claims_without_sources_never_alert_after_the_digest(replayed):
    path, steps = replayed
    (catalog,) = load_catalogs()
    constant = {c.id for c in catalog.claims if not claim_sources(c)}
    with open_store(path, read_only=True) as store:
        claims = {a[0] for a in claim_alerts(store.con).values()}
    assert constant and not claims & constant


def test_replaying_again_writes_no_alert(replayed, shared_data):
    path, _ = replayed
    with open_store(path) as store:
        before = store.con.execute("select count(*) from alerts").fetchone()[0]
        again = replay_recorded(store, shared_data, all_sources().values(), load_catalogs(), charts=False)
        after = store.con.execute("select count(*) from alerts").fetchone()[0]
    assert {s.outcome.status for s in again} == {"unchanged"}
    assert [a for s in again for a in s.alert_ids] == [] and after == before
