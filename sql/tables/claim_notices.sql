-- claim_notices: the verdict of each claim the newsroom was last told about (by a digest or claim alert); alerts fire when the verdict differs
create table if not exists claim_notices (
    article_id varchar not null,
    claim_id varchar not null,
    reading varchar not null default '',  -- the reading's id ('' for a claim with one reading)
    mode varchar not null,  -- 'as_stated' or 'latest'
    verdict varchar not null,
    period varchar not null,
    observed double,
    claimed double,
    margin double,
    rule varchar,
    supported varchar,
    vintages varchar[] not null,
    explanation varchar,
    sentence varchar not null,
    details json,  -- as in claim_evaluations: the figures, window and record the newsroom was told
    alert_id integer not null,  -- the alert that told them
    noticed_at timestamptz not null,
    primary key (article_id, claim_id, reading, mode)
)
