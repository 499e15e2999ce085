-- release_summary: one row describing a staged release against the previous published vintage of its source (GX audit frame; see README "Validation")
with this_release as (
    select release_id, source, data_through, ingested_at
    from releases
    where release_id = $release_id
),
previous_release as (
    select previous_release_id as release_id, previous_data_through as data_through, previous_row_count as row_count
    from previous_published_release
    where release_id = $release_id
),
these_rows as (
    select {period} as period, {period_index} as period_index, {value} as value
    from {table}
    where release_id = $release_id and ({total_rows})
),
these_periods as (
    select period, any_value(period_index) as period_index, sum(value) as total
    from these_rows
    where value is not null
    group by period
),
previous_periods as (
    select {period} as period, sum({value}) as total
    from {table}
    where release_id = (select release_id from previous_release) and {value} is not null and ({total_rows})
    group by period
),
common_periods as (
    select sum(t.total) as new_total, sum(p.total) as old_total, count(*) as period_count
    from these_periods as t join previous_periods as p using (period)
),
coverage as (
    select
        min(period_index) as first_index,
        max(period_index) as last_index,
        count(*) as periods_covered,
        count(*) filter (where period_index > (select {through_index} from this_release)) as periods_after_data_through
    from these_periods
),
all_indexes as (
    select unnest(generate_series(first_index, last_index)) as i
    from coverage
),
gaps as (
    select string_agg({index_label}, ', ' order by i) as missing
    from all_indexes
    where i not in (select period_index from these_periods)
)
select
    (select count(*) from {table} where release_id = $release_id) as row_count,
    (select row_count from previous_release) as previous_row_count,
    (select count(*) from {table} where release_id = $release_id) / (select row_count from previous_release) as row_count_ratio,
    c.periods_covered,
    c.last_index - c.first_index + 1 - c.periods_covered as missing_periods,
    (select missing from gaps) as missing,
    c.periods_after_data_through,
    (select data_through from this_release) as data_through,
    (select data_through from previous_release) as previous_data_through,
    (select {through_index} from this_release) - (select {through_index} from previous_release) as periods_newer_than_previous,
    (select period_count from common_periods) as common_periods,
    (select new_total / old_total from common_periods) as common_total_ratio,
    (select release_id from previous_release) as previous_release_id
from coverage as c
