-- usbp_southwest_encounters_overlap: audit of the two USBP southwest-border series, for each month both cover: DHS OHSS KHSM (rounded to 10; https://ohss.dhs.gov/khsm/cbp-encounters) against CBP's southwest land border file (https://www.cbp.gov/newsroom/stats/southwest-land-border-encounters), and CBP minus KHSM
with khsm as (
    select month, encounter_count as encounters
    from dhs_khsm_usbp__monthly_latest
    where region = 'Southwest Land Border' and not is_total
),
cbp as (
    select month, sum(encounter_count) as encounters
    from cbp_southwest_encounters__monthly_latest
    where component = 'U.S. Border Patrol'
    group by month
),
both_series as (
    select month, k.encounters as khsm_encounters, c.encounters as cbp_encounters
    from khsm as k join cbp as c using (month)
)
select
    month,
    cast(khsm_encounters as bigint) as khsm_encounters,
    cast(cbp_encounters as bigint) as cbp_encounters,
    cast(cbp_encounters - khsm_encounters as bigint) as difference
from both_series
order by month
