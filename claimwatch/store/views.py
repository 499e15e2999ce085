"""SQL for the vintage views every normalised table gets: `<table>_latest` and `<table>_revisions`.

A release *covers* a period when it has at least one non-NULL value for it. Vintages are ordered by
data_through, then release label, then release id, so the result does not depend on ingestion order.

- `<table>_latest`: for each period, all rows of the newest published release covering that period (kept as a
  table, brought up to date as releases are published: claimwatch/store/latest.py). Taking
  the whole period from one release (rather than each key separately) matters for CBP files, which omit
  zero rows: a key missing from the newest release is zero there, not the older value.
- `<table>_revisions`: for each period and each pair of consecutive covering releases, every key whose value
  changed, with old and new value and both release ids; `change` is 'revised', 'added' or 'removed'.
"""

from __future__ import annotations

from datetime import datetime

from claimwatch.sources.base import TableSpec

PUBLISHED = "select release_id, release_label, data_through from releases where status = 'published'"


def _coverage_ctes(spec: TableSpec, published: str = PUBLISHED) -> str:
    """The `published` and `coverage` CTEs both views start from."""
    not_null = " or ".join(f"t.{v} is not null" for v in spec.values)
    return f"""with published as (
    {published}
),
coverage as (
    select distinct t.{spec.period}, p.release_id, p.release_label, p.data_through
    from {spec.name} as t join published as p using (release_id)
    where {not_null}
)"""


def latest_view(spec: TableSpec, as_of: datetime) -> str:
    """A temporary `<table>_latest` that sees only the releases written up to `as_of`: the store as it stood then,
    for a claim's history. It shadows the stored `<table>_latest` (claimwatch/store/latest.py) on this connection."""
    published = PUBLISHED + f" and ingested_at <= '{as_of.isoformat()}'::timestamptz"
    return f"create or replace temp view {spec.name}_latest as\n{latest_select(spec, published)}"


def latest_select(spec: TableSpec, published: str = PUBLISHED) -> str:
    """Each period's rows from the newest published release that covers it (the rule of `<table>_latest`)."""
    return f"""{_coverage_ctes(spec, published)},
ranked as (
    select {spec.period}, release_id,
        row_number() over (
            partition by {spec.period} order by data_through desc, release_label desc, release_id desc
        ) as vintage_rank
    from coverage
),
newest as (
    select {spec.period}, release_id from ranked where vintage_rank = 1
)
select t.* from {spec.name} as t join newest using ({spec.period}, release_id)"""


def coverage_select(spec: TableSpec) -> str:
    """Per published release: the periods it covers, how many an earlier vintage covered (in the order of
    `<table>_revisions`), and that vintage at its newest shared period: the rows of `release_coverage`."""
    p = spec.period
    return f"""{_coverage_ctes(spec)},
ordered as (
    select release_id, {p},
        lag(release_id) over (partition by {p} order by data_through, release_label, release_id) as earlier
    from coverage
)
select release_id, '{spec.name}' as table_name, count(*) as periods, count(earlier) as shared,
    arg_max(earlier, {p}) filter (where earlier is not null) as earlier_release_id
from ordered
group by release_id"""


def revisions_view(spec: TableSpec) -> str:
    """Create `<table>_revisions`: values that changed between consecutive releases covering a period."""
    p = spec.period
    keys = ", ".join(f"t.{k}" for k in spec.keys)
    side_values = ", ".join(f"t.{v}" for v in spec.values)
    key_join = " and ".join(f"o.{k} is not distinct from n.{k}" for k in spec.keys)
    key_select = ", ".join(f"coalesce(o.{k}, n.{k}) as {k}" for k in spec.keys)
    value_select = ", ".join(f"o.{v} as old_{v}, n.{v} as new_{v}" for v in spec.values)
    changed = " or ".join(f"o.{v} is distinct from n.{v}" for v in spec.values)
    return f"""create or replace view {spec.name}_revisions as
{_coverage_ctes(spec)},
pairs as (
    select {p}, release_id as new_release_id,
        lag(release_id) over (partition by {p} order by data_through, release_label, release_id) as old_release_id
    from coverage
),
old_side as (
    select p.{p}, p.old_release_id, p.new_release_id, {keys}, {side_values}
    from pairs as p join {spec.name} as t on t.release_id = p.old_release_id and t.{p} = p.{p}
),
new_side as (
    select p.{p}, p.old_release_id, p.new_release_id, {keys}, {side_values}
    from pairs as p join {spec.name} as t on t.release_id = p.new_release_id and t.{p} = p.{p}
    where p.old_release_id is not null
),
compared as (
    select coalesce(o.{p}, n.{p}) as {p}, {key_select},
        coalesce(o.old_release_id, n.old_release_id) as old_release_id,
        coalesce(o.new_release_id, n.new_release_id) as new_release_id,
        {value_select},
        case when o.new_release_id is null then 'added'
             when n.new_release_id is null then 'removed'
             else 'revised' end as change
    from old_side as o full outer join new_side as n
        on o.{p} = n.{p} and o.new_release_id = n.new_release_id and {key_join}
    where {changed}
)
select * from compared"""
