-- cbp_southwest_encounters__monthly: CBP southwest land border encounters by component; https://www.cbp.gov/document/stats/southwest-land-border-encounters
-- Keys are unique per release: the parser rejects a duplicated row (no index, for load speed).
create table if not exists cbp_southwest_encounters__monthly (
    release_id varchar not null,
    fiscal_year integer not null,
    fiscal_year_label varchar not null,
    month_grouping varchar not null,
    month date not null,
    component varchar not null,  -- 'U.S. Border Patrol' or 'Office of Field Operations'
    demographic varchar not null,
    citizenship_grouping varchar not null,
    title_of_authority varchar not null,
    encounter_type varchar not null,  -- Apprehensions, Expulsions, Inadmissibles
    encounter_count bigint not null
)
