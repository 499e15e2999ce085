-- claim_mutes: claims an editor muted with `claimwatch alerts --mute [ARTICLE/]CLAIM --until DATE`: changes recorded, not posted; see README "Alerts"
create table if not exists claim_mutes (
    article_id varchar not null default '',  -- '' only for a mute from before articles had their own (migrated, article unknown): that claim id in every article
    claim_id varchar not null,  -- claim ids are unique only within their article
    muted_until date not null,  -- posts again from this day on
    muted_at timestamptz not null,
    muted_by varchar,
    primary key (article_id, claim_id)
)
