"""The store built from every recorded release: figures, NULL months, vintage views, order and idempotency."""

from __future__ import annotations

import csv
import random
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from claimwatch.audit import Auditor
from claimwatch.ingest import recorded_entries, release_order
from claimwatch.claims.catalog import load_catalogs
from claimwatch.pipeline import evaluate, ingest_candidate
from claimwatch.sources import all_sources
from claimwatch.store import open_store

CBP_FY_TOTALS = {2021: 1_956_519, 2022: 2_766_582, 2023: 3_201_144, 2024: 2_901_142}
JAN_2024_BY_RELEASE = [
    ("fy21-fy24-jan", 242_587), ("fy21-fy24-feb", 242_521), ("fy21-fy24-mar", 242_462),
    ("fy21-fy24-apr", 242_437), ("fy21-fy24-may", 242_561), ("fy21-fy24", 242_530),
]


def millions(con, sql, params=()):
    return con.execute(sql, params).fetchone()[0]


def test_cbp_fiscal_year_totals_from_latest_view(built_con):
    rows = dict(built_con.execute(
        "select fiscal_year, sum(encounter_count) from cbp_encounters__monthly_latest group by 1"
    ).fetchall())
    assert {fy: rows[fy] for fy in CBP_FY_TOTALS} == CBP_FY_TOTALS


def test_cbp_fiscal_year_total_matches_the_csv_itself(built_con, shared_data):
    path = shared_data / "cbp_nationwide_encounters_state" / "nationwide-encounters-fy21-fy24-state.csv"
    with path.open(newline="") as f:
        by_year: dict[int, int] = {}
        for row in csv.DictReader(f):
            year = int(row["Fiscal Year"][:4])
            by_year[year] = by_year.get(year, 0) + int(row["Encounter Count"])
    stored = dict(built_con.execute(
        "select fiscal_year, sum(encounter_count) from cbp_encounters__monthly where release_id like 'cbp_encounters/fy21-fy24@%' group by 1"
    ).fetchall())
    assert stored == by_year


def test_january_2024_across_monthly_releases(built_con):
    rows = built_con.execute(
        """select r.release_label, sum(t.encounter_count)
        from cbp_encounters__monthly t join releases r using (release_id)
        where t.month = date '2024-01-01' and r.release_label like 'fy21-fy24%'
        group by 1 order by min(r.data_through)"""
    ).fetchall()
    assert rows == JAN_2024_BY_RELEASE


def test_revisions_view_explains_january_2024(built_con):
    deltas = built_con.execute(
        """select o.release_label, n.release_label,
            sum(coalesce(new_encounter_count, 0) - coalesce(old_encounter_count, 0))
        from cbp_encounters__monthly_revisions v
        join releases o on o.release_id = v.old_release_id join releases n on n.release_id = v.new_release_id
        where v.month = date '2024-01-01' group by 1, 2 order by min(n.data_through)"""
    ).fetchall()
    expected = [
        (a[0], b[0], b[1] - a[1]) for a, b in zip(JAN_2024_BY_RELEASE, JAN_2024_BY_RELEASE[1:])
    ]
    assert deltas == expected  # fy21-fy24 -> fy22-fy25 changed nothing, so no row


def test_latest_january_2024_is_the_newest_vintage(built_con):
    assert millions(built_con, "select sum(encounter_count) from cbp_encounters__monthly_latest where month = '2024-01-01'") == 242_530


def test_census_2023_exports_in_the_2024_10_vintage(built_con):
    rows = dict(built_con.execute(
        """select partner_code, round(sum(value_usd) / 1e6, 1) from census_trade__monthly
        where release_id like 'census_trade/2024-10@%' and flow = 'exports' and year(month) = 2023
          and partner_code in ('1220', '2010', '5700', '0015') group by 1"""
    ).fetchall())
    assert rows == {"1220": 354_356.0, "2010": 322_742.5, "5700": 147_777.8, "0015": 2_018_059.3}


def test_unpublished_months_are_null_not_zero(built_con):
    rows = built_con.execute(
        """select month, count(*), count(value_usd) from census_trade__monthly
        where release_id like 'census_trade/2025-04@%' and year(month) = 2025 group by 1 order by 1"""
    ).fetchall()
    partners = rows[0][1]
    assert [(m.month, n, non_null) for m, n, non_null in rows] == [
        (1, partners, partners), (2, partners, partners), *((m, partners, 0) for m in range(3, 13))
    ]
    # a true zero in a published month stays zero
    assert millions(built_con, "select count(*) from census_trade__monthly where value_usd = 0") > 0


def test_aggregates_are_flagged(built_con):
    flags = dict(built_con.execute(
        "select distinct partner_code, is_aggregate from census_trade__monthly where partner_code in ('0015', '0003', '0001', '2010', '1220')"
    ).fetchall())
    assert flags == {"0015": True, "0003": True, "0001": True, "2010": False, "1220": False}


def test_data_through_of_each_release(built_con):
    rows = dict(built_con.execute("select release_label, data_through from releases where source = 'census_trade'").fetchall())
    assert rows == {
        "2019-12": date(2019, 10, 1), "2020-10": date(2020, 8, 1), "2023-03": date(2023, 1, 1),
        "2024-08": date(2024, 6, 1), "2024-10": date(2024, 8, 1), "2025-04": date(2025, 2, 1),
    }


def test_census_revision_of_june_2024(built_con):
    row = built_con.execute(
        """select old_value_usd, new_value_usd, change from census_trade__monthly_revisions
        where flow = 'exports' and partner_code = '0015' and month = '2024-06-01'"""
    ).fetchall()
    assert row == [(174_359_922_265, 174_418_761_800, "revised")]
    latest = millions(built_con, "select value_usd from census_trade__monthly_latest where flow = 'exports' and partner_code = '0015' and month = '2024-06-01'")
    assert latest == 174_418_761_800


def test_raw_files_are_kept_byte_for_byte(built_con, shared_data):
    path = shared_data / "cbp_southwest_land_border_encounters" / "sbo-encounters-fy22-fy25-nov.csv"
    content, url = built_con.execute(
        "select content, url from raw_files where file_name = 'sbo-encounters-fy22-fy25-nov.csv'"
    ).fetchone()
    assert bytes(content) == path.read_bytes()
    assert url == path.resolve().as_uri()


VALIDATION_LOG = ("validations", "validation_results", "validation_findings")  # timed: compared separately


def fingerprint(con) -> dict:
    """Count and order-free hash of every table and view, leaving out when things were fetched or ingested."""
    relations = [
        r[0] for r in con.execute("select table_name from information_schema.tables order by 1").fetchall()
        if r[0] not in VALIDATION_LOG
    ]
    out = {}
    for name in relations:
        columns = [r[0] for r in con.execute(f"describe {name}").fetchall()]
        kept = [c for c in columns if c not in ("fetched_at", "ingested_at", "as_of", "evaluated_at")]
        out[name] = con.execute(
            f"select count(*), sum(hash({', '.join(kept)})::hugeint) from {name}"
        ).fetchone()
    return out


def test_any_listing_order_and_twice_give_the_same_database(built_db, shared_data, tmp_path):
    """Recorded releases are put in release order whatever order they are listed in; a second pass adds nothing."""
    sources = all_sources()
    entries, _ = recorded_entries(shared_data, sources.values())
    random.Random(7).shuffle(entries)
    candidates = sorted(((s, s.recorded(e)) for s, e in entries), key=lambda pair: release_order(pair[1]))
    path = tmp_path / "shuffled.duckdb"
    with open_store(path) as store:
        auditor = Auditor(store, tmp_path / "docs")
        first = [ingest_candidate(store, s, c, auditor).status for s, c in candidates]
        second = [ingest_candidate(store, s, c, auditor).status for s, c in reversed(candidates)]
        evaluate(store, load_catalogs())  # as the ingest of the built store does, once every release is in
        shuffled = fingerprint(store.con)
        outcomes = store.con.execute("select outcome, count(*) from validations group by 1").fetchall()
    assert set(first) == {"published"} and set(second) == {"unchanged"}
    assert outcomes == [("passed", len(candidates))]
    with open_store(built_db, read_only=True) as store:
        assert fingerprint(store.con) == shuffled


def test_duckdb_cli_opens_the_file(built_db, tmp_path):
    copy = tmp_path / "copy.duckdb"
    shutil.copy(built_db, copy)
    cli = Path(sys.executable).with_name("duckdb")
    result = subprocess.run(
        [str(cli), "-readonly", "-csv", str(copy), "select count(*) from releases where status = 'published'"],
        capture_output=True, text=True, check=True,
    )
    assert result.stdout.split() == ["count_star()", "24"]


def _kept(con) -> dict[str, list]:
    """Every table the store keeps up to date at publication, sorted."""
    from claimwatch.sources import all_tables

    names = [f"{spec.name}_latest" for spec in all_tables()] + ["release_revisions", "release_largest_revisions",
                                                                 "release_coverage"]
    return {name: sorted(con.execute(f"select * from {name}").fetchall(), key=repr) for name in names}


def test_what_publication_keeps_equals_a_recomputation_from_every_vintage(built_db, tmp_path):
    """`_latest`, the revision counts and the largest revisions, kept release by release as the recorded releases
    were published, equal the same computed from every stored vintage at once (the views)."""
    shutil.copy(built_db, tmp_path / "s.duckdb")
    with open_store(tmp_path / "s.duckdb") as store:
        kept = _kept(store.con)
        store.refresh_derived()
        assert _kept(store.con) == kept
    largest = kept["release_largest_revisions"]
    assert len({r[0] for r in largest}) >= 10 and all(r[6] != r[7] for r in largest)  # old value, new value
    census = [r for r in largest if r[1] == "census_trade__monthly" and r[2] == 1]
    assert census and all(r[3].startswith("census_trade/") for r in census)
    label = lambda rid: rid and rid.split("/")[-1].split("@")[0]  # noqa: E731
    coverage = {(label(r[0]), r[1]): (r[2], r[3], label(r[4])) for r in kept["release_coverage"]}
    assert coverage[("fy22-fy25", "cbp_encounters__monthly")] == (48, 36, "fy21-fy24")
    assert coverage[("fy20-fy23", "cbp_encounters__monthly")] == (48, 0, None)  # the first vintage stored


@pytest.mark.parametrize("table", ["release_largest_revisions", "release_coverage"])
def test_a_store_from_before_a_kept_table_gets_it_on_open(built_db, tmp_path, table):
    shutil.copy(built_db, tmp_path / "s.duckdb")
    with open_store(tmp_path / "s.duckdb") as store:
        before = _kept(store.con)[table]
        store.con.execute(f"delete from {table}")
    with open_store(tmp_path / "s.duckdb") as store:
        assert _kept(store.con)[table] == before != []
