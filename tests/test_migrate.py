"""A store written before readings existed opens, is migrated in place, and keeps every row."""

from __future__ import annotations

from datetime import datetime, timezone

import duckdb

from claimwatch.alerts.outbox import Outbox
from claimwatch.store import open_store
from claimwatch.store.migrate import columns

# claim_evaluations and claim_notices as the previous release of claimwatch created them
OLD_EVALUATIONS = """create table claim_evaluations (
    article_id varchar not null, claim_id varchar not null, mode varchar not null, verdict varchar not null,
    period varchar not null, observed double, claimed double, margin double, rule varchar, supported varchar,
    vintages varchar[] not null, explanation varchar, sentence varchar not null, as_of_release_id varchar,
    evaluated_at timestamptz not null)"""
OLD_NOTICES = """create table claim_notices (
    article_id varchar not null, claim_id varchar not null, mode varchar not null, verdict varchar not null,
    period varchar not null, observed double, claimed double, margin double, rule varchar, supported varchar,
    vintages varchar[] not null, explanation varchar, sentence varchar not null, alert_id integer not null,
    noticed_at timestamptz not null, primary key (article_id, claim_id, mode))"""


def test_an_old_store_is_migrated_and_keeps_its_rows(tmp_path):
    path = tmp_path / "old.duckdb"
    now = datetime(2026, 11, 1, tzinfo=timezone.utc)
    with duckdb.connect(str(path)) as con:
        con.execute(OLD_EVALUATIONS)
        con.execute(OLD_NOTICES)
        row = ["a", "mexico_exports_2024", "as_stated", "holds", "calendar 2024", 334.0, 335.0, 2.4, "rule", None,
               ["census_trade/2025-04@b06b33b6"], "12 of 12", "sentence"]
        con.execute("insert into claim_evaluations values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, null, ?)", [*row, now])
        con.execute("insert into claim_notices values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 7, ?)", [*row, now])
    with open_store(path) as store:
        assert "reading" in columns(store.con, "claim_evaluations") and "details" in columns(store.con, "claim_evaluations")
        assert store.con.execute("select claim_id, reading, verdict, details from claim_evaluations").fetchall() == [
            ("mexico_exports_2024", "", "holds", None)]
        told = Outbox(store.con).notices("a")
        ((key, (verdict, alert_id)),) = told.items()
        assert key == ("mexico_exports_2024", None, "as_stated") and alert_id == 7 and verdict.observed == 334.0
        # the new key admits one notice per reading
        for reading in ("exports", "total_trade"):
            store.con.execute("insert into claim_notices (article_id, claim_id, reading, mode, verdict, period, vintages,"
                              " sentence, alert_id, noticed_at) values ('a', 'b', ?, 'as_stated', 'holds', 'p', [], 's',"
                              " 8, now())", [reading])
        assert store.con.execute("select count(*) from claim_notices").fetchone()[0] == 3
        assert not store.con.execute("select count(*) from information_schema.tables where table_name like '%__old'").fetchone()[0]
    with open_store(path) as again:  # migrating twice changes nothing
        assert again.con.execute("select count(*) from claim_notices").fetchone()[0] == 3
