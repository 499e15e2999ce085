-- exports_per_capita: U.S. goods exports per resident of Mexico, Canada and China by calendar year, with population from the World Bank (SP.POP.TOTL) and from the Census International Database; Census FT-900, https://data.worldbank.org/indicator/SP.POP.TOTL, https://www.census.gov/programs-surveys/international-programs/about/idb.html
with partners as (
    select * from (values ('2010', 'Mexico', 'MEX', 'MX'), ('1220', 'Canada', 'CAN', 'CA'), ('5700', 'China', 'CHN', 'CN'))
        as p(partner_code, partner_name, iso3, genc)
),
exports as (
    select partner_code, year(month) as year, count(value_usd) as months, sum(value_usd) as exports_usd
    from census_trade__monthly_latest
    where flow = 'exports' and partner_code in (select partner_code from partners)
    group by partner_code, year(month)
),
population as (
    select 'worldbank' as population_source, country_code as iso3, null as genc, year, population
    from worldbank__population_latest
    union all
    select 'census_idb' as population_source, null as iso3, country_code as genc, year, population
    from census_idb__population_latest
),
matched as (
    select
        p.partner_code,
        p.partner_name,
        pop.population_source,
        pop.year,
        pop.population
    from partners as p join population as pop on pop.iso3 = p.iso3 or pop.genc = p.genc
)
select
    e.partner_code,
    m.partner_name,
    m.population_source,
    e.year,
    e.months,
    e.months = 12 as complete,
    e.exports_usd,
    m.population,
    e.exports_usd / m.population as exports_per_person_usd
from exports as e join matched as m using (partner_code, year)
order by e.year, m.population_source, e.partner_code
