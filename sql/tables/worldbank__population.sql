-- worldbank__population: World Bank SP.POP.TOTL by country and year; https://data.worldbank.org/indicator/SP.POP.TOTL
-- Keys are unique per release: the parser rejects a duplicated row (no index, for load speed).
create table if not exists worldbank__population (
    release_id varchar not null,
    country_code varchar not null,  -- ISO 3166 alpha-3, or a World Bank aggregate code (WLD, HIC ...)
    country_name varchar not null,
    year integer not null,
    population double  -- as published: some aggregates are fractional
)
