"""The `lake` subset: ingest, validation, claims, history, alerts, site and the read commands on a DuckLake store.

Why a marked subset and not the whole suite twice: the suite takes ~28 min on 2 cores, and a DuckLake is slower
to build and to read than a file (~70 s against ~55 s for the recorded releases, each query a catalog round trip),
so a second pass would more than double CI. Most tests are about claims, wording, sources and Slack, which read the
store through the same SQL whichever it is; what differs is the store (claimwatch/store/lake.py). So one DuckLake
is built from the recorded releases once per module, like `built_db`, and each step is compared with the file
store's result: the same rows, validations, steps, JSON, alerts and pages. Alone: `pytest -m lake`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from claim_support import BRIEF, OPED, catalog_by_id
from claimwatch import pipeline
from claimwatch.alerts.settings import SlackSettings
from claimwatch.audit import Auditor
from claimwatch.claims.catalog import load_catalogs
from claimwatch.cli import app
from claimwatch.ingest import recorded_entries
from claimwatch.sources import TABLES_BY_SOURCE, all_sources, all_tables
from claimwatch.sql_guard import RefusedQuery, guarded_connection, run_read
from claimwatch.store import open_store
from claimwatch.store.location import parse_store
from claimwatch.devtools.pg import free_port, pg_bin
from test_cli import claimwatch_command

pytestmark = pytest.mark.lake
runner = CliRunner()
PROJECT_CLAIMS = Path(__file__).resolve().parents[1] / "claims"
SECRET = "pg-secret-Zq81"  # PGPASSWORD while the lake is built: it must never reach the store


@pytest.fixture(scope="module")
def lake(postgres_server, shared_data, tmp_path_factory):
    """A DuckLake holding every recorded release (built once; read it, or write only in `ran`)."""
    location = parse_store(postgres_server.store_setting(), tmp_path_factory.mktemp("lake") / "files")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PGPASSWORD", SECRET)  # the trust server ignores it; libpq sends it
        with open_store(location) as store:
            auditor = Auditor(store)
            outcomes = pipeline.ingest_recorded(store, shared_data, all_sources().values(), auditor=auditor)
            auditor.finish()
    assert {o.status for o in outcomes} == {"published"}, outcomes
    return location


def cli(*args: str, db, **env):
    """`claimwatch ARGS --db DB` in-process (a DuckLake's data folder from $CLAIMWATCH_DATA_PATH, as a user sets it)."""
    data_path = str(db.data_path) if getattr(db, "is_lake", False) else ""
    result = runner.invoke(app, [*args, "--db", str(db)],
                           env={"CLAIMWATCH_DATA_PATH": data_path, "COLUMNS": "200", **env})
    assert result.exit_code == 0, result.output
    return result.stdout


def rows(db, *queries: str) -> list[list[tuple]] | list[tuple]:
    """Each query's rows, read through one read-only opening of the store (one query: its rows)."""
    with open_store(db, read_only=True) as store:
        found = [store.con.execute(q).fetchall() for q in queries]
    return found[0] if len(queries) == 1 else found


def fingerprint(table: str) -> str:
    """A query of the table's row count and an order-independent hash of its rows."""
    return f"select '{table}', count(*), sum(hash(t)::hugeint) from {table} as t"


def test_every_recorded_release_is_published_with_the_same_rows(lake, built_db, shared_data):
    tables = [name for spec in all_tables() for name in (spec.name, f"{spec.name}_latest")]
    queries = ["select * exclude (fetched_at, ingested_at) from releases order by release_id",
               "select release_id, file_name, url, sha256, size_bytes, sha256(content) from raw_files order by all",
               *map(fingerprint, tables + ["release_revisions", "release_largest_revisions"])]
    on_lake = rows(lake, *queries)
    assert on_lake == rows(built_db, *queries)
    releases = on_lake[0]
    assert len(releases) == len(recorded_entries(shared_data, all_sources().values())[0]) and {r[9] for r in releases} == {"published"}
    published = {spec.name for source in {r[1] for r in releases} for spec in TABLES_BY_SOURCE[source]}
    counts = {found[0][0]: found[0][1] for found in on_lake[2:]}
    assert all(counts[name] > 0 and counts[f"{name}_latest"] > 0 for name in published), counts


def test_validation_gives_the_same_outcomes(lake, built_db):
    queries = ("select release_id, outcome, expectations, errors, warnings, rows_frames from validations"
               " order by release_id", "select * exclude (validation_id) from validation_results order by all")
    outcomes, findings = rows(lake, *queries)
    assert [outcomes, findings] == rows(built_db, *queries)
    assert len(outcomes) == len(rows(lake, "select * from releases")) and len(findings) > 100


def test_claim_steps_are_the_same(lake, built_db):
    steps = "select * exclude (evaluated_at, as_of) from claim_steps order by all"  # as_of: the release's ingest time
    on_lake = rows(lake, steps)
    assert on_lake == rows(built_db, steps)
    assert {r[0] for r in on_lake} == {c.article_id for c in load_catalogs()}


def test_check_json_is_the_same(lake, built_db):
    on_lake = [json.loads(line) for line in cli("check", "--json", db=lake).splitlines()]
    assert on_lake == [json.loads(line) for line in cli("check", "--json", db=built_db).splitlines()]
    assert {line["verdict"] for line in on_lake} >= {"holds", "fails"}


def without_times(text: str) -> str:
    return re.sub(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", "TIME", text)


def test_read_commands_give_the_same_answers(lake, built_db):
    listing = cli("releases", db=lake).splitlines()
    assert str(lake) in listing[0]  # the title names the store; its setting holds no secret
    assert without_times("\n".join(listing[1:])) == without_times("\n".join(cli("releases", db=built_db).splitlines()[1:]))
    articles = [{**a, "last_evaluated": bool(a["last_evaluated"])} for a in json.loads(cli("articles", "--json", db=lake))]
    assert articles == [{**a, "last_evaluated": True} for a in json.loads(cli("articles", "--json", db=built_db))]
    claim = f"{OPED}/mexico_exports_2024"
    assert cli("history", claim, db=lake) == cli("history", claim, db=built_db)
    assert "as of census_trade/" in cli("history", claim, db=lake)
    query = ("select source, count(*) as n, sum(row_count) as r from releases group by source order by source")
    assert cli("sql", query, "--csv", db=lake) == cli("sql", query, "--csv", db=built_db)


@pytest.fixture(scope="module")
def ran(lake, built_db, tmp_path_factory):
    """A run's collect and deliver (the terminal) on the lake and on a copy of the file store, twice each: the
    alerts, the printed lines, and the second pass's new alerts and deliveries, per store."""
    copy = shutil.copy(built_db, tmp_path_factory.mktemp("file-run") / "claimwatch.duckdb")
    catalogs, found = load_catalogs(), {}
    for name, db in (("lake", lake), ("file", copy)):
        printed, again = [], []
        with open_store(db) as store:
            for out in (printed, again):
                collected = pipeline.collect(store, catalogs, pipeline.evaluate(store, catalogs))
                deliveries = pipeline.deliver(store, SlackSettings(), out.append)
                out += [f"new {collected.new_alerts}", f"delivered {[d.status for d in deliveries]}"]
            alerts = store.con.execute("select alert_id, kind, article_id, claim_id, title, text, status, delivered_via"
                                       " from alerts order by alert_id").fetchall()
        found[name] = {"db": db, "alerts": alerts, "printed": printed, "again": again}
    return found


def test_a_run_writes_the_same_alerts_once(ran):
    lake, file = ran["lake"], ran["file"]
    assert lake["alerts"] == file["alerts"] and lake["printed"] == file["printed"]
    assert len(lake["alerts"]) >= len(load_catalogs())  # a digest per article at least
    assert {a[6] for a in lake["alerts"]} == {"printed"}
    assert lake["again"] == ["new []", "delivered []"] == file["again"]  # exactly once: the second pass adds nothing
    listed = cli("alerts", db=lake["db"])
    assert all(str(a[0]) in listed for a in lake["alerts"])


def page_text(path) -> str:
    """A page's text without what differs between two builds: times, the store's name, Data Docs run folders."""
    text = re.sub(r"<[^>]+>", " ", path.read_text())
    text = re.sub(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?( UTC)?|\d{8}T\d{6}Z", "TIME", text)
    return " ".join(text.replace("claimwatch.duckdb", "STORE").split())


def test_the_site_builds_the_same_claim_pages(ran, tmp_path):
    """The brief's site only: its 11 claims' pages are what differs by store (charts are the same code, and slow)."""
    claims = tmp_path / "claims"
    claims.mkdir()
    for found in PROJECT_CLAIMS.glob(f"{BRIEF}.*"):
        (claims / found.name).symlink_to(found)
    sites = {}
    for name in ("lake", "file"):
        sites[name] = tmp_path / name
        cli("site", "--out", str(sites[name]), db=ran[name]["db"], CLAIMWATCH_CLAIMS=str(claims))
    pages = {p.relative_to(sites["lake"]) for p in sites["lake"].rglob("*.html") if "validation-docs" not in p.parts}
    assert pages == {p.relative_to(sites["file"]) for p in sites["file"].rglob("*.html")
                     if "validation-docs" not in p.parts}
    claim_pages = [p for p in pages if p.parts[0] == "articles" and p.name != "index.html"]
    assert len(claim_pages) == len(catalog_by_id(BRIEF).claims)
    label = ran["lake"]["db"].label
    for page in sorted(pages):
        lake_text = page_text(sites["lake"] / page).replace(label, "STORE")
        assert lake_text == page_text(sites["file"] / page), page
    assert "holds" in page_text(sites["lake"] / claim_pages[0]) or "fails" in page_text(sites["lake"] / claim_pages[0])


def test_sql_cannot_write_attach_or_copy_on_the_lake(lake, tmp_path):
    count = rows(lake, "select count(*) from releases")
    for query in ("insert into releases select * from releases", f"copy (select 1) to '{tmp_path}/x.csv'",
                  f"attach '{tmp_path}/o.duckdb' as o", f"copy (select 1) to '{lake.data_path}/x.csv'"):
        result = runner.invoke(app, ["sql", query, "--db", str(lake)], env={"CLAIMWATCH_DATA_PATH": str(lake.data_path)})
        assert result.exit_code == 2 and result.output.startswith("refused:"), result.output
    assert not list(tmp_path.iterdir()) and not (lake.data_path / "x.csv").exists()
    assert rows(lake, "select count(*) from releases") == count


@pytest.fixture(scope="module")
def guarded(lake):
    """`claimwatch sql`'s connection to the lake."""
    con = guarded_connection(lake)
    yield con
    con.close()


@pytest.mark.parametrize("query", [
    "explain analyze copy (select 1) to '{data}/y.csv'",  # EXPLAIN ANALYZE runs what it explains
    "select * from postgres_scan('dbname=postgres host=127.0.0.1 port={port} user=claimwatch', 'pg_catalog', 'pg_user')",
    "select * from postgres_query('__ducklake_metadata_lake', 'select 1')",
    "select count(*) from __ducklake_metadata_lake.ducklake_snapshot",
    "select * from lake.merge_adjacent_files()", "select * from ducklake_cleanup_old_files('lake', cleanup_all => true)",
    "select * from query('select 1')", "set enable_external_access = true", "load postgres_scanner",
    "select * from read_csv('/etc/passwd')", "use memory",
])
def test_the_lake_guard_refuses_what_reaches_past_it(lake, guarded, postgres_server, query):
    with pytest.raises(RefusedQuery, match="^refused: "):
        run_read(guarded, query.format(data=lake.data_path, port=postgres_server.port))
    assert run_read(guarded, "select count(*) from releases")[1][0][0] > 0  # reads still work on the connection
    assert not (lake.data_path / "y.csv").exists()


@pytest.mark.parametrize("query", ["describe releases", "show tables", "summarize releases",
                                   "pragma table_info('releases')", "explain select count(*) from claim_steps"])
def test_sql_reads_work_on_the_lake(guarded, query):
    names, found = run_read(guarded, query)
    assert names and found


def test_no_password_in_the_store_or_an_error(lake, postgres_server):
    catalog = dict(word.split("=", 1) for word in lake.conninfo.split())["dbname"]
    dump = subprocess.run([pg_bin("pg_dump"), "--data-only", postgres_server.conninfo(catalog)], capture_output=True,
                          text=True, check=True).stdout
    assert "ducklake_snapshot" in dump and SECRET not in dump
    tables = [r[0] for r in rows(lake, "select table_name from duckdb_tables() where database_name = 'lake'")]
    found = rows(lake, *[f"select count(*) from {t} as t where contains(cast(t as varchar), '{SECRET}')" for t in tables])
    assert found == [[(0,)]] * len(tables)
    down = f"ducklake:postgres:dbname=news host=127.0.0.1 port={free_port()} user=claimwatch"
    result = subprocess.run([claimwatch_command(), "releases", "--db", down], capture_output=True, text=True,
                            timeout=120, env={**os.environ, "PGPASSWORD": SECRET,
                                              "CLAIMWATCH_DATA_PATH": str(lake.data_path.parent / "down")})
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ducklake news@127.0.0.1: cannot attach the DuckLake") and SECRET not in result.stderr


def test_an_empty_lake_is_no_store_yet(lake_setting):
    """Reading commands on a DuckLake nobody has ingested into: as for a missing file, never a failed attach."""
    listed = runner.invoke(app, ["articles", "--json", "--db", lake_setting])
    assert listed.exit_code == 0 and all(a["last_evaluated"] is None for a in json.loads(listed.stdout))
    linted = runner.invoke(app, ["lint", "--db", lake_setting])
    assert linted.exit_code == 0 and "no store: keys not checked" in linted.stdout
    releases = runner.invoke(app, ["releases", "--db", lake_setting])
    assert "no claimwatch store in this DuckLake yet (run `claimwatch ingest` first" in str(releases.exception)
