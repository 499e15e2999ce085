-- validations: one row per validation of a release against its Great Expectations suites; see README "Validation"
create table if not exists validations (
    validation_id varchar primary key,  -- release_id#validated_at
    release_id varchar not null,
    validated_at timestamptz not null,
    outcome varchar not null,  -- 'passed', 'warnings' (published, reported) or 'failed' (an error: quarantined)
    expectations integer not null,
    errors integer not null,
    warnings integer not null,
    seconds double not null,
    data_docs varchar,  -- folder of the run's GX Data Docs (index.html inside)
    rows_frames json  -- per table: suite digest, baseline release the rows frame was reduced against (null: full), rows checked
)
