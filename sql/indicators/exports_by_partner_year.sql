-- exports_by_partner_year: U.S. goods exports (Census basis, not seasonally adjusted) by partner and calendar year, in billions of dollars, each month from the newest published FT-900 vintage; https://www.census.gov/foreign-trade/statistics/country/index.html
with monthly as (
    select partner_code, partner_name, is_aggregate, month, value_usd
    from census_trade__monthly_latest
    where flow = 'exports'
),
yearly as (
    select
        partner_code,
        arg_max(partner_name, month) as partner_name,
        bool_or(is_aggregate) as is_aggregate,
        year(month) as year,
        count(value_usd) as months,
        sum(value_usd) / 1e9 as exports_busd
    from monthly
    group by partner_code, year(month)
)
select partner_code, partner_name, is_aggregate, year, months, months = 12 as complete, exports_busd
from yearly
order by year, exports_busd desc
