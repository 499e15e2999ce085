-- validation_findings: the failed expectations of each release's latest validation, errors first (why a release was held back); see README "Validation"
create or replace view validation_findings as
with latest as (
    select release_id, max(validated_at) as validated_at
    from validations
    group by release_id
),
latest_validations as (
    select v.validation_id, v.release_id, v.validated_at, v.data_docs
    from validations as v join latest using (release_id, validated_at)
)
select
    r.source,
    r.release_label,
    r.status,
    res.severity,
    res.suite,
    res.frame,
    res.expectation,
    res.column_name,
    res.observed_value,
    res.unexpected_count,
    res.unexpected_sample,
    res.notes,
    lv.validated_at,
    lv.data_docs,
    r.release_id
from validation_results as res
join latest_validations as lv using (validation_id)
join releases as r on r.release_id = lv.release_id
where not res.success
order by r.source, r.release_label, res.severity = 'error' desc, res.suite, res.frame
