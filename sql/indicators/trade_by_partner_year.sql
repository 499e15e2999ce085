-- trade_by_partner_year: U.S. goods exports, imports and total trade (exports + imports, as Census ranks its "top trading partners") by partner and calendar year, in billions of dollars (Census basis, not seasonally adjusted), each month from the newest published FT-900 vintage; https://www.census.gov/foreign-trade/statistics/highlights/toppartners.html
with monthly as (
    select partner_code, partner_name, is_aggregate, flow, month, value_usd
    from census_trade__monthly_latest
    where flow in ('exports', 'imports')
),
yearly as (
    select
        partner_code,
        arg_max(partner_name, month) as partner_name,
        bool_or(is_aggregate) as is_aggregate,
        year(month) as year,
        count(value_usd) filter (where flow = 'exports') as export_months,
        count(value_usd) filter (where flow = 'imports') as import_months,
        sum(value_usd) filter (where flow = 'exports') / 1e9 as exports_busd,
        sum(value_usd) filter (where flow = 'imports') / 1e9 as imports_busd
    from monthly
    group by partner_code, year(month)
)
select
    partner_code, partner_name, is_aggregate, year,
    least(export_months, import_months) as months,
    export_months = 12 and import_months = 12 as complete,
    exports_busd, imports_busd, exports_busd + imports_busd as total_trade_busd
from yearly
order by year, total_trade_busd desc
