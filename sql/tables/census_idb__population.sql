-- census_idb__population: Census International Database mid-year population; https://www.census.gov/data/developers/data-sets/international-database.html
create table if not exists census_idb__population (
    release_id varchar not null,
    country_code varchar not null,  -- GENC two-letter code
    country_name varchar not null,
    year integer not null,
    population bigint not null,
    primary key (release_id, country_code, year)
)
