-- cbp_encounters__monthly: CBP nationwide encounters by state (events, not people); https://www.cbp.gov/document/stats/nationwide-encounters
-- Keys are unique per release: the parser rejects a duplicated row (no index, for load speed).
create table if not exists cbp_encounters__monthly (
    release_id varchar not null,
    fiscal_year integer not null,  -- October to September
    fiscal_year_label varchar not null,  -- as published, e.g. '2026 (FYTD)'
    month_grouping varchar not null,  -- 'FYTD' or 'Remaining'
    month date not null,  -- calendar month (first day)
    land_border_region varchar not null,
    state varchar not null,
    demographic varchar not null,  -- 'UC / Single Minors' is stored as 'UAC', CBP's later name for it
    citizenship varchar not null,
    title_of_authority varchar not null,
    encounter_count bigint not null
)
