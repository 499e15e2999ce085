-- source_locks: which run is ingesting a source now, one row per source held (claimwatch/store/source_lock.py); a
-- DuckLake store's writers take it in the store's own transactions. A DuckDB file store keeps its file run lock.
create table if not exists source_locks (
    source varchar primary key,
    lock_id varchar not null,  -- a random id of this taking: only its taker releases or renews it
    host varchar not null,  -- socket.gethostname() of the holder
    pid integer not null,  -- the holder's process on that host (a dead one may be taken over)
    pid_started varchar,  -- the process's start time (Linux /proc), so that a reused pid is not taken for the holder
    taken_at timestamptz not null,
    expires_at timestamptz not null  -- the lease: renewed while the holder works; once past, anyone may take over
)
