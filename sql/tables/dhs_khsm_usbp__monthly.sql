-- dhs_khsm_usbp__monthly: DHS OHSS Key Homeland Security Metrics, USBP encounters by region and month, rounded to the nearest 10; https://ohss.dhs.gov/khsm/cbp-encounters
-- Keys are unique per release: the parser rejects a duplicated row (no index, for load speed).
create table if not exists dhs_khsm_usbp__monthly (
    release_id varchar not null,
    fiscal_year integer not null,
    month date not null,
    region varchar not null,  -- 'Southwest Land Border', 'Northern Land Border', 'Coastal Border', or 'Nationwide Total'
    is_total boolean not null,  -- the 'Monthly Count' sheet's nationwide figure (regions add up to it within rounding)
    encounter_count bigint not null
)
