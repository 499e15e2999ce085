-- census_idb__population: Census International Database mid-year population; https://www.census.gov/data/developers/data-sets/international-database.html
-- Keys are unique per release: the parser rejects a duplicated row (no index, for load speed).
create table if not exists census_idb__population (
    release_id varchar not null,
    country_code varchar not null,  -- GENC two-letter code
    country_name varchar not null,
    year integer not null,
    population bigint not null
)
