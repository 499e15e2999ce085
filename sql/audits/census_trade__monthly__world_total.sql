-- census_trade__monthly__world_total: per flow and complete year, the sum of countries (codes 1000+) against World NSA (0015), the gap split at 1992; FT-900 country.xlsx notes (GX audit frame)
with these_rows as (
    select flow, partner_code, is_aggregate, year(month) as year, value_usd
    from census_trade__monthly
    where release_id = $release_id
),
complete_years as (
    select flow, year
    from these_rows
    where partner_code = '0015'
    group by flow, year
    having count(value_usd) = 12
),
totals as (
    select
        flow,
        year,
        sum(value_usd) filter (where not is_aggregate) as countries_total,
        sum(value_usd) filter (where partner_code = '0015') as world_total
    from these_rows join complete_years using (flow, year)
    group by flow, year
),
gaps as (
    select flow, year, countries_total, world_total, (countries_total - world_total) / world_total as relative_gap
    from totals
)
select
    flow,
    year,
    countries_total,
    world_total,
    relative_gap,
    case when year >= 1992 then relative_gap end as relative_gap_from_1992,
    case when year < 1992 then relative_gap end as relative_gap_before_1992
from gaps
order by flow, year
