-- drug_seizures_by_fiscal_year: CBP nationwide drug seizures (Office of Field Operations and U.S. Border Patrol, every region) by drug type and federal fiscal year (October to September), in pounds and seizure events, each month from the newest published release; a year is complete when the release covers its twelve months (a drug with no seizure in a month has no row for it); https://www.cbp.gov/newsroom/stats/drug-seizure-statistics and https://www.cbp.gov/document/stats/nationwide-drug-seizures
with seizures as (
    select drug_type, fiscal_year, month, quantity_lbs, event_count
    from cbp_drug_seizures__monthly_latest
),
published as (
    select fiscal_year, count(distinct month) as months
    from seizures
    group by fiscal_year
),
yearly as (
    -- pounds summed as decimals: a sum of doubles depends on the order DuckDB's threads add them (last digits)
    select drug_type, fiscal_year, cast(sum(cast(quantity_lbs as decimal(18, 4))) as double) as pounds,
           sum(event_count) as events
    from seizures
    group by drug_type, fiscal_year
)
select y.drug_type, y.fiscal_year, p.months, p.months = 12 as complete, y.pounds, cast(y.events as bigint) as events
from yearly as y join published as p using (fiscal_year)
order by y.drug_type, y.fiscal_year
