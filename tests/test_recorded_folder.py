"""Recorded release folders as people leave them: stray files beside the releases, renamed copies of old files."""

from __future__ import annotations

import os

from typer.testing import CliRunner

from claimwatch.cli import app
from claimwatch.ingest import recorded_entries
from claimwatch.pipeline import ingest_recorded
from claimwatch.sources.cbp_southwest_encounters import CbpSouthwestEncounters
from claimwatch.store import open_store

FOLDER = "cbp_southwest_land_border_encounters"
NOV, AUG = "sbo-encounters-fy22-fy25-nov.csv", "sbo-encounters-fy22-fy25-aug.csv"
RENAMED = "sbo-encounters-fy23-fy26-dec.csv"  # claims data through December 2025


def releases_folder(shared_data, tmp_path, links: dict[str, str]):
    """A releases folder with the southwest-border source's folder holding links (name -> recorded file)."""
    folder = tmp_path / "releases" / FOLDER
    folder.mkdir(parents=True)
    for name, recorded in links.items():
        os.symlink(shared_data / FOLDER / recorded, folder / name)
    return folder.parent


def test_stray_files_in_a_source_folder_are_skipped_with_a_notice(shared_data, tmp_path):
    releases = releases_folder(shared_data, tmp_path, {NOV: NOV, AUG: AUG})
    (releases / FOLDER / "README.md").write_text("# Southwest border encounters\nDownloaded by hand.\n")
    (releases / FOLDER / "notes.txt").write_text("August file re-downloaded on 2025-09-20\n")
    (releases / FOLDER / "old").mkdir()
    os.symlink(shared_data / FOLDER / NOV, releases / FOLDER / "old" / NOV)
    entries, skipped = recorded_entries(releases, [CbpSouthwestEncounters()])
    assert [e.name for _, e in entries] == [AUG, NOV]
    assert skipped == [f"{FOLDER}/README.md", f"{FOLDER}/notes.txt", f"{FOLDER}/old"]

    db = tmp_path / "c.duckdb"
    result = CliRunner().invoke(app, ["ingest", "--releases", str(releases), "--db", str(db), "--source",
                                      "cbp_southwest_encounters"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert result.output.count("published") == 2 and "failed" not in result.output
    for name in ("README.md", "notes.txt", "old"):
        assert f"{FOLDER}/{name}: not a release of that source; skipped" in result.output


def test_a_renamed_copy_of_a_stored_release_says_its_name_claims_newer_data(shared_data, tmp_path):
    releases = releases_folder(shared_data, tmp_path, {NOV: NOV})
    sources = [CbpSouthwestEncounters()]
    with open_store(tmp_path / "c.duckdb") as store:
        (first,) = ingest_recorded(store, releases, sources)
        assert first.status == "published"
        os.symlink(shared_data / FOLDER / NOV, releases / FOLDER / RENAMED)  # NOV's bytes under a December name
        outcomes = {o.label: o for o in ingest_recorded(store, releases, sources)}
        count = store.con.execute("select count(*) from releases").fetchone()[0]
    copy = outcomes["fy23-fy26-dec"]
    assert (copy.status, copy.release_id) == ("unchanged", first.release_id)
    assert RENAMED in copy.detail and first.release_id in copy.detail and "data through 2024-11" in copy.detail
    assert "its name claims data through 2025-12, newer than its content" in copy.detail
    assert outcomes["fy22-fy25-nov"].detail == "already stored as published"
    assert count == 1


def test_a_renamed_copy_in_the_first_ingest_is_not_staged_twice(shared_data, tmp_path):
    releases = releases_folder(shared_data, tmp_path, {NOV: NOV, RENAMED: NOV})
    with open_store(tmp_path / "c.duckdb") as store:
        outcomes = {o.label: o for o in ingest_recorded(store, releases, [CbpSouthwestEncounters()])}
    assert outcomes["fy22-fy25-nov"].status == "published"
    assert outcomes["fy23-fy26-dec"].status == "unchanged" and "newer than its content" in outcomes["fy23-fy26-dec"].detail
