-- release_coverage: for each published release of {table}, the periods it covers, how many an earlier published vintage already covered, and that vintage at its newest shared period (vintages ordered as in the {table}_revisions view, claimwatch/store/views.py); the rows of release_coverage when the table's result is rebuilt
with coverage as (
    select distinct t.{period} as period, r.release_id, r.release_label, r.data_through
    from {table} as t join releases as r using (release_id)
    where r.status = 'published' and ({covered})
),
ordered as (
    select release_id, period,
        lag(release_id) over (partition by period order by data_through, release_label, release_id) as earlier
    from coverage
)
select release_id, '{table}' as table_name, count(*) as periods, count(earlier) as shared,
    arg_max(earlier, period) filter (where earlier is not null) as earlier_release_id
from ordered
group by release_id
