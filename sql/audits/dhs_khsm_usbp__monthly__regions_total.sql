-- dhs_khsm_usbp__monthly__regions_total: each month of a staged KHSM release, the published nationwide count ('Monthly Count') against the sum of its regions, and the figures not rounded to 10 (OHSS rounds every figure to the nearest 10; https://ohss.dhs.gov/khsm/cbp-encounters) (GX audit frame)
with these_rows as (
    select month, is_total, encounter_count
    from dhs_khsm_usbp__monthly
    where release_id = $release_id
),
regions as (
    select month, count(*) as regions, sum(encounter_count) as regions_total
    from these_rows
    where not is_total
    group by month
),
totals as (
    select month, count(*) as total_rows, sum(encounter_count) as published_total
    from these_rows
    where is_total
    group by month
),
unrounded as (
    select month, count(*) filter (where encounter_count % 10 <> 0) as not_multiple_of_10
    from these_rows
    group by month
)
select
    month,
    coalesce(r.regions, 0) as regions,
    coalesce(t.total_rows, 0) as total_rows,
    t.published_total,
    r.regions_total,
    r.regions_total - t.published_total as difference,
    u.not_multiple_of_10
from regions as r full join totals as t using (month) join unrounded as u using (month)
order by month
