"""The pipeline's steps in order (claimwatch/pipeline.py), without Prefect: a first run and a run with nothing new."""

from __future__ import annotations

from claimwatch import pipeline
from claimwatch.alerts.settings import SlackSettings
from claimwatch.audit import Auditor
from claimwatch.claims.catalog import load_catalogs
from claimwatch.sources import all_sources
from claimwatch.store import open_store


def southwest_folder(shared_data, tmp_path):
    folder = tmp_path / "releases" / "cbp_southwest_land_border_encounters"
    folder.mkdir(parents=True)
    for name in ("sbo-encounters-fy22-fy25-nov.csv", "sbo-encounters-fy22-fy25-aug.csv"):
        (folder / name).symlink_to(shared_data / "cbp_southwest_land_border_encounters" / name)
    return folder.parent


def test_a_run_goes_through_every_step_and_a_second_changes_nothing(shared_data, tmp_path):
    releases, printed = southwest_folder(shared_data, tmp_path), []
    sources, catalogs = [all_sources()["cbp_southwest_encounters"]], load_catalogs()
    with open_store(tmp_path / "c.duckdb") as store:
        auditor = Auditor(store, tmp_path / "docs")
        first = pipeline.run(store, sources, SlackSettings(), releases=releases, catalogs=catalogs, auditor=auditor,
                             printer=printed.append, site_dir=tmp_path / "site")
        assert [o.status for o in first.outcomes] == ["published", "published"]
        assert set(first.evaluated.steps) == {c.article_id for c in catalogs}
        for article in first.evaluated.steps:  # every article has claims the southwest file feeds, as of its newest release
            assert first.evaluated.steps[article], article
        assert [d.status for d in first.deliveries] == ["printed"] * len(catalogs)  # a digest per article
        assert all("is now watching" in p for p in printed[:len(catalogs)])
        assert first.collected.verdicts == first.evaluated.verdicts  # collect got the verdicts evaluate recorded
        assert "lowest_illegal_crossings_30_years" in (tmp_path / "site" / "index.html").read_text()
        steps = store.con.execute("select count(*) from claim_steps").fetchone()[0]
        second = pipeline.run(store, sources, SlackSettings(), releases=releases, catalogs=catalogs, auditor=auditor,
                              printer=printed.append)
        assert [o.status for o in second.outcomes] == ["unchanged", "unchanged"]
        assert all(steps == [] for steps in second.evaluated.steps.values())
        assert second.collected.new_alerts == [] and second.deliveries == []
        assert store.con.execute("select count(*) from claim_steps").fetchone()[0] == steps
        assert second.evaluated.verdicts == first.evaluated.verdicts
