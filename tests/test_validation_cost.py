"""Reduced `rows` frames (only the rows not already validated in a baseline release) decide as full frames do."""

from __future__ import annotations

import json
import shutil
from dataclasses import astuple

import pytest

from bad_input_support import SOURCES, build_store
from claimwatch.audit import TABLES_BY_SOURCE, Auditor
from claimwatch.ingest import stage_candidate, stage_recorded
from claimwatch.sources import all_sources
from claimwatch.store import open_store
from claimwatch.validation import Validator, load_suites
from claimwatch.validation.baseline import REDUCIBLE, reducible
from claimwatch.validation.frames import ROWS, table_columns

CBP = SOURCES["cbp_encounters"]
TABLE = "cbp_encounters__monthly"
MAR, APR = (f"nationwide-encounters-fy21-fy24-{m}-state.csv" for m in ("mar", "apr"))
UNCHANGED = f"""rowid = (select min(t.rowid) from {TABLE} t join {TABLE} b using (month, land_border_region, state,
    demographic, citizenship, title_of_authority, encounter_count) where t.release_id = $apr and b.release_id = $mar)"""


@pytest.fixture(scope="module")
def validator():
    return Validator(docs_dir=None)


@pytest.fixture(scope="module")
def mar_apr_db(shared_data, tmp_path_factory):
    """March 2024 CBP encounters published (validated on its full frame), April 2024 staged."""
    path = build_store(tmp_path_factory.mktemp("cost") / "base.duckdb", [("cbp_encounters", shared_data / CBP.recorded_folder / MAR)])
    with open_store(path) as store:
        assert stage_candidate(store, CBP, CBP.recorded(shared_data / CBP.recorded_folder / APR)).status == "staged"
    return path


def ids(con) -> dict[str, str]:
    return dict(con.execute("select release_label, release_id from releases where source = 'cbp_encounters'").fetchall())


def comparable(validation) -> list[tuple]:
    """Everything a finding says, the validation's time left out."""
    return sorted(astuple(f) for f in validation.findings)


def audit_both(validator, store, release_id, tmp_path):
    """Validate a staged release on full frames, then audit it (reduced frames): (status, reduced, full)."""
    full = validator.validate(store.con, TABLES_BY_SOURCE[store.release(release_id)["source"]], release_id, full=True)
    status, reduced = Auditor(store, tmp_path / "docs", validator=validator).audit(release_id)
    assert comparable(reduced) == comparable(full)
    assert all(frame["baseline"] is None for frame in full.rows_frames.values())
    return status, reduced, full


@pytest.fixture
def store(mar_apr_db, tmp_path):
    shutil.copyfile(mar_apr_db, tmp_path / "cw.duckdb")
    with open_store(tmp_path / "cw.duckdb") as store:
        yield store


def test_a_clean_release_is_checked_on_its_new_rows_only(validator, store, tmp_path):
    release = ids(store.con)
    status, reduced, full = audit_both(validator, store, release["fy21-fy24-apr"], tmp_path)
    frame = reduced.rows_frames[TABLE]
    assert status == "published" and frame["baseline"] == release["fy21-fy24-mar"]
    assert 0 < frame["checked"] < full.rows_frames[TABLE]["checked"] / 5
    stored = store.con.execute("select rows_frames from validations where release_id = ?", [release["fy21-fy24-apr"]]).fetchone()
    assert json.loads(stored[0])[TABLE] == frame


def test_a_negative_count_in_a_row_otherwise_unchanged_is_quarantined(validator, store, tmp_path):
    release = ids(store.con)
    params = {"apr": release["fy21-fy24-apr"], "mar": release["fy21-fy24-mar"]}
    store.con.execute(f"update {TABLE} set encounter_count = -1 where {UNCHANGED}", params)
    status, reduced, _ = audit_both(validator, store, params["apr"], tmp_path)
    (error,) = reduced.errors
    assert status == "quarantined" and (error.frame, error.column, error.unexpected_count) == (ROWS, "encounter_count", 1)
    assert error.unexpected_sample[0].startswith("encounter_count -1 at land_border_region ") and ", month 20" in error.unexpected_sample[0]


def test_a_key_repeated_from_an_unchanged_row_is_quarantined(validator, store, tmp_path):
    release = ids(store.con)
    params = {"apr": release["fy21-fy24-apr"], "mar": release["fy21-fy24-mar"]}
    store.con.execute(f"insert into {TABLE} select * from {TABLE} where {UNCHANGED}", params)  # both copies unchanged
    status, reduced, _ = audit_both(validator, store, params["apr"], tmp_path)
    unique = [f for f in reduced.errors if f.expectation == "expect_compound_columns_to_be_unique"]
    assert status == "quarantined" and len(unique) == 1 and unique[0].unexpected_count == 2


def test_a_null_in_a_row_otherwise_unchanged_is_quarantined(validator, store, tmp_path):
    release = ids(store.con)
    params = {"apr": release["fy21-fy24-apr"], "mar": release["fy21-fy24-mar"]}
    store.con.execute(f"alter table {TABLE} alter column state drop not null")
    store.con.execute(f"update {TABLE} set state = null where {UNCHANGED}", params)
    status, reduced, _ = audit_both(validator, store, params["apr"], tmp_path)
    nulls = [f for f in reduced.errors if f.expectation == "expect_column_values_to_not_be_null"]
    assert status == "quarantined" and [(f.column, f.unexpected_count) for f in nulls] == [("state", 1)]


def test_a_changed_suite_forces_a_full_frame(store, tmp_path):
    """The same expectations in a file with other bytes: another digest, so the baseline is not used."""
    folder = tmp_path / "expectations"
    shutil.copytree(load_suites()[TABLE].path.parent, folder)
    suite = folder / f"{TABLE}.json"
    suite.write_text(json.dumps(json.loads(suite.read_text()), indent=1))
    changed = Validator(docs_dir=None, suites=load_suites(folder))
    assert changed.suites[TABLE].digest != load_suites()[TABLE].digest
    apr = ids(store.con)["fy21-fy24-apr"]
    status, validation = Auditor(store, tmp_path / "docs", validator=changed).audit(apr)
    rows = store.con.execute(f"select count(*) from {TABLE} where release_id = ?", [apr]).fetchone()[0]
    assert status == "published" and validation.rows_frames[TABLE] == {
        "suite": changed.suites[TABLE].digest, "baseline": None, "checked": rows}


def test_a_baseline_with_a_failed_rows_expectation_or_no_digest_is_not_used(validator, store, tmp_path):
    release = ids(store.con)
    mar = release["fy21-fy24-mar"]
    store.con.execute("update validation_results set success = false where release_id = ? and frame = 'rows'"
                      " and severity = 'warning' and column_name = 'state'", [mar])  # a warning: still published
    assert validator.validate(store.con, CBP.tables, release["fy21-fy24-apr"]).rows_frames[TABLE]["baseline"] is None
    store.con.execute("update validation_results set success = true where release_id = ?", [mar])
    assert validator.validate(store.con, CBP.tables, release["fy21-fy24-apr"]).rows_frames[TABLE]["baseline"] == mar
    store.con.execute("update validations set rows_frames = null where release_id = ?", [mar])  # an older store
    assert validator.validate(store.con, CBP.tables, release["fy21-fy24-apr"]).rows_frames[TABLE]["baseline"] is None


def test_every_suite_can_be_reduced():
    """The suites use only expectation types whose verdict a reduced frame keeps (see baseline.py)."""
    suites = load_suites()
    assert all(reducible(s) for s in suites.values()), {e["type"] for s in suites.values() for e in s.by_frame[ROWS]} - REDUCIBLE


def test_recorded_releases_decide_as_on_full_frames(shared_data, validator, tmp_path):
    """Every recorded release, in order: the same findings (counts, samples) and status on reduced and full
    frames, with a severe error planted in the new rows of one release per source and a published release
    after it; each source's first release is validated whole, the later ones against a baseline."""
    with open_store(tmp_path / "all.duckdb") as store:
        stage_recorded(store, shared_data, all_sources().values())
        seen, planted, reduced_rows, full_rows = set(), set(), 0, 0
        for release_id in store.staged():
            source = store.release(release_id)["source"]
            plant = source in seen and source not in planted
            if plant:  # a negative value in the first row that is in the baseline as it is (else the first row)
                spec, planted = TABLES_BY_SOURCE[source][0], planted | {source}
                store.con.execute(
                    f"""update {spec.name} set {spec.values[0]} = -1 where rowid = coalesce((select min(t.rowid)
                    from {spec.name} t join {spec.name} b using ({', '.join(table_columns(store.con, spec.name))})
                    where t.release_id = $r and b.release_id = (select previous_release_id
                    from previous_published_release where release_id = $r)),
                    (select min(rowid) from {spec.name} where release_id = $r))""", {"r": release_id})
            status, reduced, full = audit_both(validator, store, release_id, tmp_path)
            assert status == ("quarantined" if plant else "published"), reduced.summary()
            for table, frame in reduced.rows_frames.items():
                assert (frame["baseline"] is None) == (source not in seen), (release_id, frame)
                reduced_rows, full_rows = reduced_rows + frame["checked"], full_rows + full.rows_frames[table]["checked"]
            seen.add(source)
    assert len(seen) == 6 and planted == {"cbp_drug_seizures", "cbp_encounters", "cbp_southwest_encounters",
                                          "census_trade", "worldbank_population"}
    assert reduced_rows < full_rows / 3


def test_configurations_and_metric_graphs_built_once_per_run_change_no_result(store):
    """GX with each expectation's configuration memoized and each suite's metric graphs built on its first run
    (memo.py) finds what GX as shipped finds, on a frame with other rows and other failures than the one the
    graphs were built on."""
    release = ids(store.con)
    params = {"apr": release["fy21-fy24-apr"], "mar": release["fy21-fy24-mar"]}
    validator = Validator(docs_dir=None)
    clean = validator.validate(store.con, CBP.tables, params["apr"], full=True)
    built = dict(validator._graphs)
    assert clean.outcome != "failed" and built
    store.con.execute(f"update {TABLE} set encounter_count = -1 where {UNCHANGED}", params)
    store.con.execute(f"insert into {TABLE} select * from {TABLE} where release_id = ? limit 2", [params["apr"]])
    found = {}
    for memoize in (True, False):
        validator.memoize = memoize
        found[memoize] = comparable(validator.validate(store.con, CBP.tables, params["apr"], full=True))
    assert validator._graphs.keys() == built.keys() and all(validator._graphs[k] is built[k] for k in built)
    assert found[True] == found[False] and any(not f[6] for f in found[True])
    assert comparable(clean) != found[True]


def test_a_frame_validated_in_parts_finds_what_the_whole_frame_finds(store):
    """April's whole `rows` frame (about 33,000 rows) in parts of 4,000: the same findings, counts and samples
    (in the whole frame's order) as in one piece, with a repeated key and negative counts planted in several parts."""
    apr = ids(store.con)["fy21-fy24-apr"]
    store.con.execute(f"update {TABLE} set encounter_count = -1 where release_id = ? and rowid % 997 = 5", [apr])
    store.con.execute(f"insert into {TABLE} select * from {TABLE} where release_id = ? and rowid % 4001 = 7", [apr])
    found, checked = {}, {}
    for part_rows in (None, 4_000):
        validation = Validator(docs_dir=None, part_rows=part_rows).validate(store.con, CBP.tables, apr, full=True)
        found[part_rows], checked[part_rows] = comparable(validation), validation.rows_frames[TABLE]["checked"]
    assert found[4_000] == found[None] and checked[4_000] == checked[None] > 30_000
    failed = {f[2]: f[8] for f in found[None] if not f[6]}  # expectation -> unexpected count
    assert failed["expect_compound_columns_to_be_unique"] >= 2 * 8 and failed["expect_column_values_to_be_between"] >= 30


def test_parts_split_rows_by_the_columns_every_unique_key_shares(store):
    """A repeated key meets itself in one part, whatever the number of parts."""
    from claimwatch.validation.frames import rows_parts

    apr = ids(store.con)["fy21-fy24-apr"]
    store.con.execute(f"insert into {TABLE} select * from {TABLE} where release_id = ? and rowid % 4001 = 7", [apr])
    suite = load_suites()[TABLE]
    unique = tuple(tuple(e["kwargs"]["column_list"]) for e in suite.by_frame[ROWS]
                   if e["type"] == "expect_compound_columns_to_be_unique")
    parts = list(rows_parts(store.con, CBP.tables[0], apr, None, unique, max_rows=4_000))
    assert len(parts) > 8 and {count for _, count, _ in parts} == {len(parts)}
    key = list(unique[0])
    repeated_in = [df for _, _, df in parts if df.duplicated(subset=key).any()]
    assert sum(df.duplicated(subset=key).sum() for df in repeated_in) >= 8
    assert sorted(i for _, _, df in parts for i in df.index) == list(range(sum(len(df) for _, _, df in parts)))
