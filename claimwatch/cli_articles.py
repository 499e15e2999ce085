"""`claimwatch articles`: the articles watched (one catalog each), their claims and when they were last evaluated."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from claimwatch.cli import DbOption, app, console
from claimwatch.cli_tables import print_table


def article_rows(catalogs: list, last: dict[str, str]) -> list[dict]:
    """One record per article: id, title, claim counts, routing and the newest stored evaluation."""
    return [{"article": c.article_id, "title": c.title, "claims": len(c.claims),
             "checkable": sum(1 for claim in c.claims if not claim.not_checkable),
             "not_checkable": sum(1 for claim in c.claims if claim.not_checkable),
             "last_evaluated": last.get(c.article_id), "channel": c.channel, "owner": c.owner, "catalog": str(c.path)}
            for c in catalogs]


def last_evaluations(db) -> dict[str, str]:
    """Each article's newest stored evaluation (UTC, to the minute); none when the store does not exist yet."""
    from claimwatch.cli_guard import existing_store

    store = existing_store(db)
    if store is None:
        return {}
    with store:
        rows = store.con.execute("select article_id, strftime(max(evaluated_at) at time zone 'UTC', '%Y-%m-%d %H:%M') "
                                 "from claim_steps group by article_id").fetchall()
    return {article: f"{when} UTC" for article, when in rows}


@app.command()
def articles(db: DbOption = None,
             as_json: Annotated[bool, typer.Option("--json", help="One JSON object per article.")] = False) -> None:
    """List the articles watched: claims (checkable / not), Slack routing and last evaluation."""
    from claimwatch.claims.catalog import load_catalogs

    rows = article_rows(load_catalogs(), last_evaluations(db))
    if as_json:
        print(json.dumps(rows, indent=2))
        return
    print_table(console, ["article", "title", "claims", "last evaluated", "alerts to"], [
        [r["article"], r["title"], f"{r['claims']} ({r['checkable']} checkable)", r["last_evaluated"] or "never",
         " ".join(filter(None, [r["channel"] or "default channel", r["owner"] and f"owner {r['owner']}"]))]
        for r in rows], title=f"{len(rows)} article{'s' if len(rows) != 1 else ''}")
