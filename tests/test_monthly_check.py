"""The monthly-check Prefect flow under Prefect's test harness, on recorded releases."""

from __future__ import annotations

import os

import pytest
from prefect.testing.utilities import prefect_test_harness

from flows.monthly_check import monthly_check


@pytest.fixture(scope="module", autouse=True)
def prefect_harness():
    with prefect_test_harness():
        yield


def releases_folder(shared_data, tmp_path, *, bad: bool = False):
    folder = tmp_path / "releases"
    sbo = folder / "cbp_southwest_land_border_encounters"
    sbo.mkdir(parents=True)
    os.symlink(shared_data / sbo.name / "sbo-encounters-fy22-fy25-nov.csv", sbo / "sbo-encounters-fy22-fy25-nov.csv")
    drugs = folder / "cbp_nationwide_drug_seizures"
    drugs.mkdir()
    if bad:
        (drugs / "nationwide-drugs-fy23-fy26-dec.csv").write_bytes(b"")
    else:
        os.symlink(shared_data / drugs.name / "nationwide-drugs-fy23-fy26-dec.csv", drugs / "nationwide-drugs-fy23-fy26-dec.csv")
    return folder


def test_monthly_check_ingests_then_finds_nothing_new(shared_data, tmp_path):
    folder, db = releases_folder(shared_data, tmp_path), str(tmp_path / "c.duckdb")
    sources = ["cbp_southwest_encounters", "cbp_drug_seizures"]
    first = monthly_check(db=db, releases=str(folder), sources=sources)
    assert [(o["source"], o["status"]) for o in first] == [
        ("cbp_southwest_encounters", "published"), ("cbp_drug_seizures", "published")
    ]
    second = monthly_check(db=db, releases=str(folder), sources=sources)
    assert {o["status"] for o in second} == {"unchanged"}


def test_monthly_check_fails_with_a_summary_when_a_release_is_rejected(shared_data, tmp_path):
    folder, db = releases_folder(shared_data, tmp_path, bad=True), str(tmp_path / "c.duckdb")
    state = monthly_check(
        db=db, releases=str(folder), sources=["cbp_southwest_encounters", "cbp_drug_seizures"], return_state=True
    )
    assert state.is_failed()
    with pytest.raises(RuntimeError, match=r"1 of 2 releases not published: cbp_drug_seizures fy23-fy26-dec: rejected .*empty"):
        state.result()
