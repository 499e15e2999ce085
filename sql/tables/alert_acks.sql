-- alert_acks: alerts an editor acknowledged with `claimwatch alerts --ack ID`; see README "Alerts"
create table if not exists alert_acks (
    alert_id integer primary key,  -- alerts.alert_id
    acked_at timestamptz not null,
    acked_by varchar  -- the login name of who ran --ack
)
