-- raw_files: every fetched file byte for byte, with its URL and HTTP validators (ETag, Last-Modified)
create table if not exists raw_files (
    release_id varchar not null,
    file_name varchar not null,
    url varchar not null,  -- https://... or file://...; secret query parameters are never stored
    sha256 varchar not null,
    size_bytes bigint not null,
    etag varchar,
    last_modified varchar,
    fetched_at timestamptz not null,
    content blob not null,
    primary key (release_id, file_name)
)
