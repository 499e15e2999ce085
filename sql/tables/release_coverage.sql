-- release_coverage: per published release and table, the periods it covers, how many an earlier published vintage already covered, and that vintage (the order of <table>_revisions, claimwatch/store/views.py), kept as releases are published; see README "The store"
create table if not exists release_coverage (
    release_id varchar not null,
    table_name varchar not null,
    periods bigint not null,  -- periods with at least one non-null value
    shared bigint not null,  -- of those, periods an earlier published vintage covered
    earlier_release_id varchar,  -- the vintage before it at its newest shared period (null when shared = 0)
    primary key (release_id, table_name)
)
