-- alert_claims: the claims each claim alert covers (one message per release covers every claim it changed); see README "Alerts"
create table if not exists alert_claims (
    alert_id integer not null,  -- alerts.alert_id
    article_id varchar not null,
    claim_id varchar not null,
    kind varchar not null,  -- this claim's consequence: 'correction', 'update', 'revision', 'close_to_failing', 'checked'
    title varchar not null,  -- this claim's headline in the message
    note_ts varchar,  -- Slack ts of the pointer posted in the claim's own thread when the message went elsewhere
    primary key (alert_id, article_id, claim_id)
)
