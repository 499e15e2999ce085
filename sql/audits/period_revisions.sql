-- period_revisions: each period a staged release shares with the previous published vintage, with both row counts and totals and the revision's share (GX audit frame)
with this_release as (
    select release_id, source, ingested_at
    from releases
    where release_id = $release_id
),
previous_release as (
    select r.release_id
    from releases as r join this_release as t on r.source = t.source
    where r.status = 'published' and r.release_id <> t.release_id and r.ingested_at < t.ingested_at
    order by r.data_through desc, r.ingested_at desc, r.release_id desc
    limit 1
),
new_totals as (
    select {period} as period, count(*) as new_rows, sum({value}) as new_total
    from {table}
    where release_id = $release_id and {value} is not null and ({total_rows})
    group by period
),
old_totals as (
    select {period} as period, count(*) as old_rows, sum({value}) as old_total
    from {table}
    where release_id = (select release_id from previous_release) and {value} is not null and ({total_rows})
    group by period
)
select
    cast(period as varchar) as period,
    old_rows,
    new_rows,
    new_rows / old_rows as row_ratio,
    old_total,
    new_total,
    abs(new_total - old_total) / nullif(old_total, 0) as revision_share
from new_totals join old_totals using (period)
order by period
