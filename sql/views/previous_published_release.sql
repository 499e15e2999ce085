-- previous_published_release: for each release, the newest published release of its source written before it: the vintage the audit frames compare it with (see README "Validation")
create or replace view previous_published_release as
with candidates as (
    select
        t.release_id,
        r.release_id as previous_release_id,
        r.data_through as previous_data_through,
        r.row_count as previous_row_count,
        row_number() over (
            partition by t.release_id order by r.data_through desc, r.ingested_at desc, r.release_id desc
        ) as rank
    from releases as t join releases as r on r.source = t.source
    where r.status = 'published' and r.release_id <> t.release_id and r.ingested_at < t.ingested_at
)
select release_id, previous_release_id, previous_data_through, previous_row_count
from candidates
where rank = 1
