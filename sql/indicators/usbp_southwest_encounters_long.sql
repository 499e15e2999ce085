-- usbp_southwest_encounters_long: U.S. Border Patrol encounters at the southwest land border per calendar month since October 1999: DHS OHSS KHSM's Southwest Land Border region (rounded to 10) up to its last month, then CBP's southwest land border file for later months, with both series' figures for every month either covers (to check the join); https://ohss.dhs.gov/khsm/cbp-encounters and https://www.cbp.gov/newsroom/stats/southwest-land-border-encounters
with khsm as (
    select month, encounter_count as encounters
    from dhs_khsm_usbp__monthly_latest
    where region = 'Southwest Land Border' and not is_total
),
khsm_end as (
    select coalesce(max(month), date '1900-01-01') as last_month
    from khsm
),
cbp as (
    select month, sum(encounter_count) as encounters
    from cbp_southwest_encounters__monthly_latest
    where component = 'U.S. Border Patrol'
    group by month
),
cbp_after_khsm as (
    select month, encounters
    from cbp
    where month > (select last_month from khsm_end)
),
combined as (
    select month, encounters, 'dhs_khsm_usbp' as series from khsm
    union all
    select month, encounters, 'cbp_southwest_encounters' as series from cbp_after_khsm
),
both_series as (
    select c.month, c.encounters, c.series, k.encounters as khsm_encounters, b.encounters as cbp_encounters
    from combined as c left join khsm as k using (month) left join cbp as b using (month)
)
select
    month, cast(encounters as bigint) as encounters, series,
    cast(khsm_encounters as bigint) as khsm_encounters, cast(cbp_encounters as bigint) as cbp_encounters
from both_series
order by month
