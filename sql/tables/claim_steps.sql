-- claim_steps: each claim's verdict (every reading, every mode) as of each published release of the sources it reads, computed once and kept; see README "Claims"
create table if not exists claim_steps (
    article_id varchar not null,
    claim_id varchar not null,
    reading varchar not null,  -- the reading's id ('' for a claim with one reading)
    mode varchar not null,  -- 'as_stated' (the period the article names) or 'latest' (the newest complete period)
    as_of_release_id varchar not null,  -- the store as it stood once this release was written
    claim_hash varchar not null,  -- sha256 of the claim's catalog entry and the SQL it runs: an edited claim gets new steps
    as_of timestamptz not null,  -- that release's ingested_at (steps are ordered by it)
    verdict varchar not null,  -- 'holds', 'holds_over_coverage', 'fails', 'unknown' or 'not_checkable'
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
    evaluated_at timestamptz not null,
    primary key (article_id, claim_id, claim_hash, as_of_release_id, reading, mode)
)
