-- validation_results: every expectation's result in every validation (expectations/<suite>.json); see README "Validation"
create table if not exists validation_results (
    validation_id varchar not null,
    release_id varchar not null,
    suite varchar not null,  -- the table, and the file expectations/<suite>.json
    frame varchar not null,  -- 'rows' (the release's rows) or an audit query in sql/audits
    expectation varchar not null,  -- GX expectation type
    column_name varchar,
    kwargs varchar not null,  -- JSON: the expectation's arguments (bounds, value sets ...)
    severity varchar not null,  -- 'error' blocks publication; 'warning' publishes and reports
    success boolean not null,
    observed_value varchar,  -- JSON
    unexpected_count bigint,
    unexpected_sample varchar,  -- JSON: up to 5 unexpected values
    notes varchar  -- why the expectation exists
)
