-- usbp_southwest_encounters_by_month: U.S. Border Patrol encounters at the southwest land border (crossings between ports of entry) per calendar month, each month from the newest published release; https://www.cbp.gov/newsroom/stats/southwest-land-border-encounters
with monthly as (
    select month, sum(encounter_count) as encounters
    from cbp_southwest_encounters__monthly_latest
    where component = 'U.S. Border Patrol'
    group by month
)
select month, cast(encounters as bigint) as encounters
from monthly
order by month
