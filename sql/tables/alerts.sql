-- alerts: the outbox; every alert is written here (with an idempotency key) before it is sent; see README "Alerts"
create table if not exists alerts (
    alert_id integer primary key,  -- shown by `claimwatch alerts`; `--resend ID` sends one again
    idempotency_key varchar not null unique,  -- the same event never makes two alerts
    kind varchar not null,  -- 'digest', the lead claim's consequence ('correction', 'update', 'revision', 'close_to_failing', 'checked'), 'quarantined', 'rejected', 'fetch_failed', 'overdue', 'pipeline_failed'
    article_id varchar,
    claim_id varchar,
    thread_key varchar,  -- alerts with the same key (one claim) go in one Slack thread
    channel varchar,  -- the article's Slack channel (id or name, catalog `article: channel`); NULL: the configured channel
    title varchar not null,
    text varchar not null,  -- the plain-text message (Slack's notification fallback; what the terminal shows)
    blocks varchar not null,  -- Slack Block Kit blocks, JSON
    chart blob,  -- PNG of the indicator with the claimed level, uploaded into the message's thread
    created_at timestamptz not null,
    status varchar not null,  -- 'pending', 'muted' (recorded while its claims were muted; never posted), 'sending' (outcome unknown: checked against Slack before any retry), 'delivered', 'printed' (no Slack configured), 'unconfirmed' (webhook outcome unknown: see `--resend`)
    attempts integer not null default 0,
    last_attempt_at timestamptz,
    last_error varchar,  -- never holds a token, channel or webhook URL
    delivered_at timestamptz,
    delivered_via varchar,  -- 'slack' (bot token), 'webhook' or 'terminal'
    destination varchar,  -- a fingerprint (sha256 prefix) of the channel posted to or the webhook, never the secret itself
    slack_ts varchar,  -- Slack's message id (ts) once chat.postMessage accepted the alert
    slack_thread_ts varchar,  -- the thread it was posted in (NULL: top level)
    chart_file_id varchar  -- Slack's file id of the uploaded chart
)
