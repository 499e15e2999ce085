-- fiscal_years: each fiscal year of a CBP release with its total as labelled and the sum of the months that fall in it (Oct-Sep; CBP data dictionary) (GX audit frame)
with these_rows as (
    select fiscal_year, month, {value} as value, year(month + interval 3 month) as month_fiscal_year
    from {table}
    where release_id = $release_id
),
stated as (
    select fiscal_year, sum(value) as stated_total, count(distinct month) as months
    from these_rows
    group by fiscal_year
),
by_month as (
    select month_fiscal_year as fiscal_year, sum(value) as months_total
    from these_rows
    group by month_fiscal_year
)
select
    fiscal_year,
    coalesce(stated.months, 0) as months,
    coalesce(stated.stated_total, 0) as stated_total,
    coalesce(by_month.months_total, 0) as months_total,
    coalesce(stated.stated_total, 0) - coalesce(by_month.months_total, 0) as difference
from stated full join by_month using (fiscal_year)
order by fiscal_year
