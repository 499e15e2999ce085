-- nationwide_encounters_by_month: CBP nationwide encounters (USBP apprehensions, USBP Title 42 expulsions, OFO inadmissibles) per calendar month, each month from the newest published release; https://www.cbp.gov/newsroom/stats/nationwide-encounters
with monthly as (
    select month, sum(encounter_count) as encounters
    from cbp_encounters__monthly_latest
    group by month
)
select month, cast(encounters as bigint) as encounters
from monthly
order by month
