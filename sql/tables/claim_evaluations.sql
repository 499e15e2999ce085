-- claim_evaluations: every evaluation of every catalog claim (claims/<article>.yaml), now or as of a past vintage; see README "Claims"
create table if not exists claim_evaluations (
    article_id varchar not null,
    claim_id varchar not null,
    reading varchar not null default '',  -- the reading's id ('' for a claim with one reading)
    mode varchar not null,  -- 'as_stated' (the period the article names) or 'latest' (the newest complete period)
    verdict varchar not null,  -- 'holds', 'holds_over_coverage' (a record, over the years the data cover), 'fails', 'unknown' or 'not_checkable'
    period varchar not null,
    observed double,
    claimed double,
    margin double,  -- room to spare in the claim's unit: > 0 inside the rule
    rule varchar,
    supported varchar,  -- the wording the data supports, for a claim that fails
    vintages varchar[] not null,  -- release ids the figures come from
    explanation varchar,  -- data coverage, or why the verdict is unknown / not checkable
    sentence varchar not null,  -- one plain sentence an editor can paste
    details json,  -- reading label, primary, whose figures, compared with, window, named figures, record broken, close
    as_of_release_id varchar,  -- the store as it stood after this release; NULL: as it is now
    evaluated_at timestamptz not null
)
