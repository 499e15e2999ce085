-- shared_periods: for each published release of {table} in $releases (those whose revision counts say nothing changed), the periods it covers and how many an earlier published vintage already covered (the order of the {table}_revisions view, claimwatch/store/views.py)
with coverage as (
    select distinct t.{period} as period, r.release_id, r.release_label, r.data_through
    from {table} as t join releases as r using (release_id)
    where r.status = 'published' and ({covered})
        and t.{period} in (select {period} from {table} where list_contains($releases, release_id))
),
ordered as (
    select release_id, period,
        lag(release_id) over (partition by period order by data_through, release_label, release_id) as earlier
    from coverage
)
select release_id, count(*) as periods, count(earlier) as shared, arg_max(earlier, period) filter (where earlier is not null) as earlier_release_id
from ordered
where list_contains($releases, release_id)
group by release_id
