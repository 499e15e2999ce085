"""Stored steps (claimwatch/claims/steps.py): computed once per release, equal to a full recomputation, re-done for
an edited claim only, and read back by everything that only looks."""

from __future__ import annotations

import dataclasses
import shutil

from claimwatch import pipeline
from claimwatch.audit import Auditor
from claim_support import OPED, catalog_by_id

from claimwatch.claims.catalog import Catalog
from claimwatch.claims.evaluate import evaluate_catalog
from claimwatch.claims.history import claim_history
from claimwatch.claims.steps import (claim_changes, claim_hash, claim_steps, current_verdicts, input_sources,
                                     unstored_vintages)
from claimwatch.sources import all_sources
from claimwatch.store import open_store

CATALOG = catalog_by_id(OPED)  # the tests that name a claim are about the op-ed's


def step_keys(con) -> set[tuple]:
    return set(con.execute("select claim_id, claim_hash, as_of_release_id, reading, mode from claim_steps").fetchall())


def test_stored_steps_equal_a_full_recomputation(catalog, built_db, tmp_path):
    db = shutil.copyfile(built_db, tmp_path / "c.duckdb")
    with open_store(db) as store:
        backfilled = pipeline.evaluate(store, [catalog], backfill=True)
        assert backfilled.steps[catalog.article_id], "the ingest stored current steps only: backfill has work"
        assert pipeline.evaluate(store, [catalog], backfill=True).steps[catalog.article_id] == []
        compared = 0
        for claim in catalog.claims:
            stored = [(s.release_id, s.verdict, s.change) for s in claim_steps(store.con, catalog, claim)]
            recomputed = [(s.release_id, s.verdict, s.change) for s in claim_history(store.con, claim)]
            assert stored == recomputed, claim.id
            assert stored or not input_sources(claim), claim.id  # a claim on data has a step per vintage
            compared += len(stored)
        # every claim, every reading and mode, every vintage of its sources: more than a step per claim and mode
        assert compared > 2 * len(catalog.claims)
        verdicts, judged_now = current_verdicts(store.con, catalog)
        assert verdicts == evaluate_catalog(store.con, catalog)
        assert judged_now == []


def test_a_run_evaluates_only_what_is_new(shared_data, tmp_path):
    folder = tmp_path / "releases" / "cbp_southwest_land_border_encounters"
    folder.mkdir(parents=True)
    source_dir = shared_data / "cbp_southwest_land_border_encounters"
    (folder / "sbo-encounters-fy22-fy25-nov.csv").symlink_to(source_dir / "sbo-encounters-fy22-fy25-nov.csv")
    sources = [all_sources()["cbp_southwest_encounters"]]
    with open_store(tmp_path / "c.duckdb") as store:
        auditor = Auditor(store, tmp_path / "docs")
        first = pipeline.ingest(store, sources, releases=folder.parent, auditor=auditor, catalogs=[CATALOG])
        (november,) = [o.release_id for o in first.outcomes]
        relying = {c.id for c in CATALOG.claims if "cbp_southwest_encounters" in input_sources(c)}
        assert {s.verdict.claim_id for s in first.evaluated.steps[CATALOG.article_id]} == relying
        before = step_keys(store.con)
        assert pipeline.evaluate(store, [CATALOG]).steps[CATALOG.article_id] == []  # nothing new: nothing evaluated
        (folder / "sbo-encounters-fy22-fy25-aug.csv").symlink_to(source_dir / "sbo-encounters-fy22-fy25-aug.csv")
        second = pipeline.ingest(store, sources, releases=folder.parent, auditor=auditor, catalogs=[CATALOG])
        (august,) = [o.release_id for o in second.outcomes if o.status == "published"]
        added = step_keys(store.con) - before
        assert {k[2] for k in added} == {august} and {k[0] for k in added} == relying
        assert step_keys(store.con) >= before  # the step as of November is kept
        steps = claim_steps(store.con, CATALOG, CATALOG.claim("lowest_illegal_crossings_30_years"))
        assert [s.release_id for s in steps if s.verdict.mode == "latest"] == [november, august]
        latest = [s for s in steps if s.verdict.mode == "latest"]
        assert latest[-1].change.startswith("new period: November 2024 -> August 2025")


def test_an_edited_claim_is_evaluated_again_and_only_it(built_db, tmp_path):
    db = shutil.copyfile(built_db, tmp_path / "c.duckdb")
    claim = CATALOG.claim("mexico_exports_2024")
    reading = claim.readings[0]
    stricter = dataclasses.replace(reading, rule={**reading.rule, "tolerance": 0.0001})
    edited = dataclasses.replace(claim, readings=(stricter,))
    assert claim_hash(edited) != claim_hash(claim)
    catalog = Catalog(CATALOG.article, tuple(edited if c.id == claim.id else c for c in CATALOG.claims), CATALOG.path)
    with open_store(db) as store:
        before = step_keys(store.con)
        verdicts, judged_now = current_verdicts(store.con, catalog)
        assert judged_now == [claim.id]  # looked at before any run: judged now, not stored
        evaluated = pipeline.evaluate(store, [catalog])
        assert {s.verdict.claim_id for s in evaluated.steps[CATALOG.article_id]} == {claim.id}
        added = step_keys(store.con) - before
        assert {(k[0], k[1]) for k in added} == {(claim.id, claim_hash(edited))} and len({k[2] for k in added}) == 1
        assert len(unstored_vintages(store.con, catalog, edited)) == 5  # its earlier vintages wait for a backfill
        (stated,) = [v for v in evaluated.verdicts[CATALOG.article_id] if v.claim_id == claim.id and v.mode == "as_stated"]
        (original,) = [v for v in current_verdicts(store.con, CATALOG)[0] if v.claim_id == claim.id and v.mode == "as_stated"]
        assert original.verdict == "holds" and stated.verdict == "fails"  # $334.0B is not within 0.01% of $335B
        pipeline.evaluate(store, [catalog], backfill=True, claims=[claim.id])
        assert unstored_vintages(store.con, catalog, edited) == []


def test_a_page_lists_the_newest_changes_whatever_the_vintages_stored(built_db, tmp_path):
    db = shutil.copyfile(built_db, tmp_path / "c.duckdb")
    with open_store(db) as store:
        pipeline.evaluate(store, [CATALOG], backfill=True)
        claim = CATALOG.claim("mexico_exports_2024")
        every = claim_steps(store.con, CATALOG, claim)
        moved = [(s.release_id, s.verdict) for s in every if s.change]
        listed, earlier = claim_changes(store.con, CATALOG, claim, newest=100)
        assert [(s.release_id, s.verdict) for s in listed] == moved and earlier == 0
        assert len(every) > len(moved)  # a release that moved nothing for this claim is not listed
        releases = list(dict.fromkeys(rid for rid, _ in moved))
        newest, earlier = claim_changes(store.con, CATALOG, claim, newest=2)
        assert list(dict.fromkeys(s.release_id for s in newest)) == releases[-2:]
        assert earlier == len(releases) - 2
