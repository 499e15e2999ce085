-- releases: one row per release seen, whatever its status, with its provenance; see README "The store"
create table if not exists releases (
    release_id varchar primary key,  -- source/label@sha256[:8]
    source varchar not null,
    release_label varchar not null,
    grain varchar not null,  -- 'month' or 'year': the unit of data_through
    data_through date,  -- newest period the release holds (first day of that month or year)
    sha256 varchar not null,
    size_bytes bigint not null,
    file_count integer not null,
    row_count bigint,
    status varchar not null,  -- 'staged' (written, not yet validated), 'published', 'quarantined' (failed validation) or 'rejected' (unreadable)
    reason varchar,  -- why a release was rejected (file, row/column, what was expected) or quarantined (failed expectations)
    origin varchar not null,  -- 'live' (fetched over HTTP) or 'recorded' (a folder of release files)
    fetched_at timestamptz not null,
    ingested_at timestamptz not null
)
