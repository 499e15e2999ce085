"""`<table>_latest` kept as a table, and each release's revision counts, updated as releases are published.

The rule is the view's (claimwatch/store/views.py): each period from the newest published release covering it.
Recomputing it means reading every vintage ever stored, so the store keeps the result and brings it up to date
when a release is published: only the periods that release covers are looked at, and it takes a period over
when it is newer than the release holding it. The same comparison gives the release's revision counts
(`release_revisions`), the values it revised the most (`release_largest_revisions`), and the periods it shares
with the vintage before it (`release_coverage`: the holder it takes a period over from is that vintage).
Publishing an older vintage late, or taking a published release back (quarantine), is rare; it rebuilds the
table's result from the view. Claims as of a past release still use temporary views.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from claimwatch.sources.base import TableSpec
from claimwatch.store.views import coverage_select, latest_select

SUMMARY = """select new_release_id as release_id, '{table}' as table_name,
    count(*) filter (where change = 'revised') as revised, count(*) filter (where change = 'added') as added,
    count(*) filter (where change = 'removed') as removed, count(distinct {period}) as periods
from {table}_revisions group by new_release_id"""
LARGEST = 5  # revised values kept per release and table, the largest change first


def _key_text(spec: TableSpec, alias: str) -> str:
    """The row's key columns as one text ('TX · Adults · …')."""
    return " || ' · ' || ".join(f"coalesce(cast({alias}.{k} as varchar), '')" for k in spec.keys)


def _largest_insert(spec: TableSpec, compared: str, alias: str = "c") -> str:
    """Insert into release_largest_revisions the LARGEST revised values of each release in `compared` (columns
    release_id, old_release_id, the period, the keys, old_value, new_value)."""
    return f"""insert into release_largest_revisions
        select release_id, '{spec.name}', row_number() over (partition by release_id
                   order by abs(new_value - old_value) desc, {spec.period}, key_text) as rank,
               old_release_id, left(cast({spec.period} as varchar), 7), key_text, old_value, new_value
        from (select *, {_key_text(spec, alias)} as key_text from {compared} as {alias})
        qualify rank <= {LARGEST}"""


def _kind(con: duckdb.DuckDBPyConnection, name: str) -> str | None:
    row = con.execute(
        "select 'table' from duckdb_tables() where database_name = current_database() and schema_name = 'main'"
        " and table_name = $n union all select 'view' from duckdb_views() where database_name = current_database()"
        " and schema_name = 'main' and view_name = $n", {"n": name}).fetchone()
    return row[0] if row else None


def ensure(con: duckdb.DuckDBPyConnection, spec: TableSpec) -> None:
    """Create `<table>_latest` as a table filled from the stored releases (an older store had a view there), and
    fill the largest revisions of a store written before they were kept."""
    name = f"{spec.name}_latest"
    kind = _kind(con, name)
    if kind == "table":
        missing = con.execute(
            "select exists (select 1 from release_revisions where table_name = $t and revised > 0)"
            " and not exists (select 1 from release_largest_revisions where table_name = $t)", {"t": spec.name}).fetchone()[0]
        if missing:
            _refill_largest(con, spec)
        if con.execute(f"select exists (select 1 from {name}) and not exists (select 1 from release_coverage"
                       " where table_name = ?)", [spec.name]).fetchone()[0]:
            _refill_coverage(con, spec)  # a store written before coverage was kept
        return
    if kind == "view":
        con.execute(f"drop view {name}")
    con.execute(f"create table {name} as {latest_select(spec)}")
    _recount(con, spec)


def rebuild(con: duckdb.DuckDBPyConnection, spec: TableSpec) -> None:
    """Recompute `<table>_latest` and the table's revision counts from every published release."""
    con.execute(f"delete from {spec.name}_latest")
    con.execute(f"insert into {spec.name}_latest {latest_select(spec)}")
    _recount(con, spec)


def _recount(con: duckdb.DuckDBPyConnection, spec: TableSpec) -> None:
    """Every release's revision counts of the table, from `<table>_revisions`."""
    con.execute(f"delete from release_revisions where table_name = '{spec.name}'")
    con.execute(f"insert into release_revisions {SUMMARY.format(table=spec.name, period=spec.period)}")
    _refill_largest(con, spec)
    _refill_coverage(con, spec)


def _refill_coverage(con: duckdb.DuckDBPyConnection, spec: TableSpec) -> None:
    """Every published release's coverage of the table, from every stored vintage (views.coverage_select)."""
    con.execute("delete from release_coverage where table_name = ?", [spec.name])
    con.execute(f"insert into release_coverage {coverage_select(spec)}")


def _refill_largest(con: duckdb.DuckDBPyConnection, spec: TableSpec) -> None:
    """Every release's largest revised values of the table, from `<table>_revisions`."""
    con.execute(f"delete from release_largest_revisions where table_name = '{spec.name}'")
    v = spec.values[0]
    con.execute(_largest_insert(spec, f"""(select new_release_id as release_id, old_release_id, {spec.period},
        {', '.join(spec.keys)}, old_{v} as old_value, new_{v} as new_value
        from {spec.name}_revisions where change = 'revised')"""))


@dataclass(frozen=True)
class Plan:
    """What publishing one release changes in one table's `_latest` and revision counts, worked out by reading only
    (`plan`), so that the write transaction that publishes it (`apply`) is short: on a DuckLake store with several
    writers a long transaction is more often overtaken by another's commit and has to run again."""

    spec: TableSpec
    release_id: str
    holders: str  # the (period, release) pairs `_latest` held for the release's periods when this was worked out

    @property
    def taking_over(self) -> str:
        return f"temp.main.plan_{self.spec.name}_taking_over"

    @property
    def compared(self) -> str:
        return f"temp.main.plan_{self.spec.name}_compared"

    @property
    def incoming(self) -> str:
        return f"temp.main.plan_{self.spec.name}_incoming"


def _covered(spec: TableSpec) -> str:
    """The periods the release $rid holds a value for."""
    covers = " or ".join(f"{v} is not null" for v in spec.values)
    return f"select distinct {spec.period} from {spec.name} where release_id = $rid and ({covers})"


def _holders(con: duckdb.DuckDBPyConnection, spec: TableSpec, release_id: str) -> str:
    """Which release `_latest` holds each of the release's periods from, as one text: the plan's premise."""
    p = spec.period
    return con.execute(f"""select md5(coalesce(string_agg(cast({p} as varchar) || '=' || release_id, ','
                                                          order by {p}, release_id), ''))
        from (select distinct {p}, release_id from {spec.name}_latest where {p} in ({_covered(spec)}))""",
                       {"rid": release_id}).fetchone()[0]


def plan(con: duckdb.DuckDBPyConnection, spec: TableSpec, release_id: str) -> Plan | None:
    """Work out, reading only, what publishing a release changes in `<table>_latest` and the revision counts (temp
    tables, dropped by `discard`). None when the release is an older vintage published late: its place among the
    vintages is not at the end, and `apply` cannot be used (publishing rebuilds the table's result)."""
    p, t = spec.period, spec.name
    draft = Plan(spec, release_id, _holders(con, spec, release_id))
    con.execute(f"""create or replace temp table plan_{t}_taking_over as
        with covered as ({_covered(spec)}),
        holders as (
            select distinct l.{p}, l.release_id from {t}_latest as l join covered using ({p})
        ),
        this_release as (
            select data_through, release_label, release_id from releases where release_id = $rid
        )
        select c.{p}, h.release_id as holder
        from covered as c left join holders as h using ({p})
        left join releases as r on r.release_id = h.release_id, this_release as me
        where h.release_id is null
           or (me.data_through, me.release_label, me.release_id) > (r.data_through, r.release_label, r.release_id)""",
                {"rid": release_id})
    covered = con.execute(f"select count(*) from ({_covered(spec)})", {"rid": release_id}).fetchone()[0]
    taken = con.execute(f"select count(*) from {draft.taking_over}").fetchone()[0]
    if taken < covered:  # an older vintage published late
        discard(con, draft)
        return None
    v = spec.values[0]
    keys = " and ".join(f"o.{k} is not distinct from n.{k}" for k in spec.keys)
    changed = " or ".join(f"o.{c} is distinct from n.{c}" for c in spec.values)
    key_columns = ", ".join(f"coalesce(o.{k}, n.{k}) as {k}" for k in spec.keys)
    con.execute(f"""create or replace temp table plan_{t}_compared as
        with old_side as (
            select l.* from {t}_latest as l join {draft.taking_over} as w on w.{p} = l.{p} and w.holder = l.release_id
        ),
        new_side as (
            select n.* from {t} as n join {draft.taking_over} as w on w.{p} = n.{p}
            where n.release_id = $rid and w.holder is not null
        )
        select coalesce(o.{p}, n.{p}) as {p}, {key_columns}, o.release_id as old_release_id,
            o.{v} as old_value, n.{v} as new_value,
            case when o.release_id is null then 'added' when n.release_id is null then 'removed'
                 else 'revised' end as change
        from old_side as o full outer join new_side as n on o.{p} = n.{p} and {keys}
        where {changed}""", {"rid": release_id})
    con.execute(f"""create or replace temp table plan_{t}_incoming as
        select * from {t} where release_id = ? and {p} in (select {p} from {draft.taking_over})""", [release_id])
    return draft


def apply(con: duckdb.DuckDBPyConnection, plan: Plan, *, recheck: bool = True) -> bool:
    """Write a plan in the open transaction: the release's revision counts, and its periods into `_latest`. Nothing
    is written, and False comes back, when `_latest` no longer holds what the plan was worked out from (another
    writer published a release of the table meanwhile): publish then works it out again inside the transaction.
    `recheck=False`: the plan was worked out in this transaction, so it cannot be stale."""
    spec, release_id = plan.spec, plan.release_id
    if recheck and _holders(con, spec, release_id) != plan.holders:
        return False
    p, t = spec.period, spec.name
    for table in ("release_revisions", "release_largest_revisions", "release_coverage"):
        # A DuckLake delete conflicts with any other writer's insert into the table, whatever the rows: a new
        # release has none to delete, so it deletes nothing (reads never conflict).
        where = f"where release_id = ? and table_name = '{t}'"
        if con.execute(f"select exists (select 1 from {table} {where})", [release_id]).fetchone()[0]:
            con.execute(f"delete from {table} {where}", [release_id])
    con.execute(f"""insert into release_coverage
        select $rid, '{t}', count(*), count(holder), arg_max(holder, {p}) filter (where holder is not null)
        from {plan.taking_over} having count(*) > 0""", {"rid": release_id})  # each holder: the vintage before it
    con.execute(f"""insert into release_revisions
        select $rid, '{t}', count(*) filter (where change = 'revised'), count(*) filter (where change = 'added'),
            count(*) filter (where change = 'removed'), count(distinct {p})
        from {plan.compared} having count(*) > 0""", {"rid": release_id})
    con.execute(_largest_insert(spec, f"(select $rid as release_id, * from {plan.compared} where change = 'revised')"),
                {"rid": release_id})
    con.execute(f"delete from {t}_latest where {p} in (select {p} from {plan.taking_over})")
    con.execute(f"insert into {t}_latest select * from {plan.incoming}")
    return True


def discard(con: duckdb.DuckDBPyConnection, plan: Plan | None) -> None:
    """Drop a plan's temp tables."""
    if plan is not None:
        for table in (plan.taking_over, plan.compared, plan.incoming):
            con.execute(f"drop table if exists {table}")


def publish(con: duckdb.DuckDBPyConnection, spec: TableSpec, release_id: str) -> None:
    """Bring `<table>_latest` and `release_revisions` up to date for one newly published release (in the open
    transaction: worked out and written at once)."""
    planned = plan(con, spec, release_id)
    if planned is None:
        rebuild(con, spec)
        return
    try:
        apply(con, planned, recheck=False)
    finally:
        discard(con, planned)
