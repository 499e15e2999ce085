-- claim_mutes: claims an editor muted with `claimwatch alerts --mute CLAIM --until DATE`: changes recorded, not posted; see README "Alerts"
create table if not exists claim_mutes (
    claim_id varchar primary key,
    muted_until date not null,  -- posts again from this day on
    muted_at timestamptz not null,
    muted_by varchar
)
