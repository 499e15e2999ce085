-- period_revisions: each period a staged release shares with the previous published vintage, with both row counts and totals and the revision's share (GX audit frame)
with previous_release as (
    select previous_release_id as release_id, previous_data_through as data_through, previous_row_count as row_count
    from previous_published_release
    where release_id = $release_id
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
