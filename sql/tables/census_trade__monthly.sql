-- census_trade__monthly: FT-900 country.xlsx in long form, dollars; https://www.census.gov/foreign-trade/statistics/country/index.html
-- Keys are unique per release: the parser rejects a duplicated row (no index, for load speed).
create table if not exists census_trade__monthly (
    release_id varchar not null,
    flow varchar not null,  -- 'exports' or 'imports'
    partner_code varchar not null,  -- Census schedule C code, 4 digits
    partner_name varchar not null,
    is_aggregate boolean not null,  -- codes below 1000: World (0015), European Union (0003), OPEC (0001) ...
    month date not null,
    value_usd bigint  -- NULL: month not yet published in this release
)
