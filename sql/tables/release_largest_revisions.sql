-- release_largest_revisions: per published release and table, the values it revised the most against the vintage before it (biggest change first, from the comparison behind release_revisions), kept as releases are published; the site's source pages list them; see README "The store"
create table if not exists release_largest_revisions (
    release_id varchar not null,
    table_name varchar not null,
    rank integer not null,  -- 1 = the largest absolute change
    old_release_id varchar not null,  -- the vintage that held the value before
    period varchar not null,  -- as the site prints it: '2024-06' for a month, '2024' for a year
    key_text varchar not null,  -- the row's key columns joined with ' · '
    old_value double,
    new_value double,
    primary key (release_id, table_name, rank)
)
