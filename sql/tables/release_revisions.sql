-- release_revisions: per published release and table, how many values it revised, added and removed against the vintage before it (the counts of <table>_revisions), kept as releases are published; see README "The store"
create table if not exists release_revisions (
    release_id varchar not null,
    table_name varchar not null,
    revised bigint not null,  -- keys whose value changed
    added bigint not null,  -- keys the earlier vintage did not have
    removed bigint not null,  -- keys this release no longer has
    periods bigint not null,  -- periods with at least one change
    primary key (release_id, table_name)
)
