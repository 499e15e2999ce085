-- newest_period: the newest period of a staged release against the 3 periods before it in the same release (rows, total, and the share of their volume whose key cells are still there) and against the newest period of the previous published vintage; a file cut at a line end inside its newest period shows here (GX audit frame; see README "Validation")
with previous_release as (
    select previous_release_id as release_id, previous_data_through as data_through, previous_row_count as row_count
    from previous_published_release
    where release_id = $release_id
),
cells as (
    select {period_index} as period_index, {keys}, sum({value}) as value
    from {table}
    where release_id = $release_id and {value} is not null and ({total_rows})
    group by all
),
periods as (
    select period_index, count(*) as row_count, sum(value) as total
    from cells
    group by period_index
),
newest as (
    select period_index, row_count, total
    from periods
    order by period_index desc
    limit 1
),
earlier as (
    select p.period_index, p.row_count, p.total
    from periods as p, newest as n
    where p.period_index between n.period_index - 3 and n.period_index - 1
),
earlier_cells as (
    select {keys}, sum(c.value) as value
    from cells as c, newest as n
    where c.period_index between n.period_index - 3 and n.period_index - 1
    group by all
),
newest_cells as (
    select {keys}, true as present
    from cells
    where period_index = (select period_index from newest)
),
carried as (
    select
        sum(value) filter (where present) / nullif(sum(value), 0) as carried_share,
        count(*) filter (where present is null) as missing_cells
    from earlier_cells left join newest_cells using ({keys})
),
largest_missing as (
    select concat_ws(' / ', {keys}) || ' (' || value || ')' as cell, value
    from earlier_cells left join newest_cells using ({keys})
    where present is null
    order by value desc, cell
    limit 3
),
previous_newest as (
    select {period_index} as period_index, count(*) as row_count, sum({value}) as total
    from {table}
    where release_id = (select release_id from previous_release) and {value} is not null and ({total_rows})
    group by all
    order by period_index desc
    limit 1
)
select
    (select {index_label} from (select period_index as i from newest)) as newest_period,
    n.row_count,
    n.total,
    (select count(*) from earlier) as earlier_periods,
    (select median(row_count) from earlier) as earlier_median_rows,
    (select median(total) from earlier) as earlier_median_total,
    n.row_count / (select median(row_count) from earlier) as row_ratio,
    n.total / nullif((select median(total) from earlier), 0) as total_ratio,
    (select carried_share from carried) as carried_share,
    (select missing_cells from carried) as missing_cells,
    (select string_agg(cell, '; ' order by value desc, cell) from largest_missing) as largest_missing_cells,
    (select {index_label} from (select period_index as i from previous_newest)) as previous_newest_period,
    (select row_count from previous_newest) as previous_newest_rows,
    n.row_count / (select row_count from previous_newest) as row_ratio_to_previous_newest
from newest as n
