-- cbp_drug_seizures__monthly: CBP nationwide drug seizures, events and pounds; https://www.cbp.gov/document/stats/nationwide-drug-seizures
-- Keys are unique per release: the parser rejects a duplicated row (no index, for load speed).
create table if not exists cbp_drug_seizures__monthly (
    release_id varchar not null,
    fiscal_year integer not null,
    fiscal_year_label varchar not null,
    month date not null,
    component varchar not null,
    region varchar not null,
    land_filter varchar not null,
    area_of_responsibility varchar not null,
    drug_type varchar not null,
    event_count bigint not null,
    quantity_lbs double not null
)
