-- census_trade_api__monthly: Census intltrade API country totals, dollars; https://www.census.gov/data/developers/data-sets/international-trade.html
-- Keys are unique per release: the parser rejects a duplicated row (no index, for load speed).
create table if not exists census_trade_api__monthly (
    release_id varchar not null,
    flow varchar not null,  -- 'exports' (ALL_VAL_MO) or 'imports' (GEN_VAL_MO)
    partner_code varchar not null,  -- CTY_CODE: 4 digits for countries, '-' for all countries, groups like 0003 or 1XXX
    partner_name varchar not null,
    is_aggregate boolean not null,
    month date not null,
    value_usd bigint not null
)
