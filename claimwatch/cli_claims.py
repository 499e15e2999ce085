"""The claim and alert commands of `claimwatch`: lint, backfill, alerts, replay, site (check and history: cli_check)."""

from __future__ import annotations

from contextlib import nullcontext
from datetime import datetime
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.table import Table

from claimwatch import config
from claimwatch.cli_check import find_claim
from claimwatch.cli_guard import existing_store, reading_store, writing_store
from claimwatch.cli import (DbOption, SourceOption, app, console, known_values, pick_sources, print_outcomes,
                            progress_bar)
from claimwatch.errors import ClaimwatchError


@app.command()
def lint(
    db: DbOption = None,
    article: Annotated[Optional[str], typer.Option(help="Article id (claims/<id>.yaml); default: every catalog.")] = None,
    catalog: Annotated[Optional[list[Path]], typer.Option(help="Lint this catalog file instead (repeatable).")] = None,
) -> None:
    """Check every catalog: load it (every field), then dry-run every observe, latest and chart query (`limit 0`).

    With an existing store (--db, $CLAIMWATCH_DB or the default), also check that each rule's subject and top keys
    are keys of its indicator in the stated period. Exits 1 on any problem.
    """
    from claimwatch.claims.catalog import load_catalog, load_catalogs
    from claimwatch.claims.lint import lint_catalog
    from claimwatch.errors import CatalogError

    path = config.db_path(db)
    try:
        catalogs = ([load_catalog(p) for p in catalog] if catalog else
                    [c for c in load_catalogs() if article in (None, c.article_id)])
    except CatalogError as exc:
        console.print(f"[red]catalog error:[/] {escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(1)
    found, store = [], existing_store(path)
    with store or nullcontext():
        for each in catalogs:
            found += lint_catalog(each, store.con) if store else lint_catalog(each)
    for problem in found:
        console.print(f"[red]✗[/] {escape(problem)}", soft_wrap=True)
    checked = sum(len(c.claims) for c in catalogs)
    keys = f"keys checked against {path}" if store else "no store: keys not checked"
    console.print(f"{checked} claims in {len(catalogs)} catalog(s): {len(found)} problem(s) ({keys})")
    if found:
        raise typer.Exit(1)


@app.command()
def backfill(
    claim_ids: Annotated[Optional[list[str]], typer.Argument(help="Claim ids (default: every claim).")] = None,
    db: DbOption = None,
) -> None:
    """Evaluate claims as of every stored vintage they have no step for (a claim just added or edited) and store them."""
    from claimwatch import pipeline
    from claimwatch.claims.catalog import load_catalogs

    for claim_id in claim_ids or ():
        find_claim(claim_id)
    with writing_store(db) as store, progress_bar("backfill") as progress:
        evaluated = pipeline.evaluate(store, load_catalogs(), progress, backfill=True, claims=claim_ids or None)
    console.print(f"Backfilled {evaluated.stored} claim step(s)")


ALERT_STYLES = {"pending": "yellow", "sending": "yellow", "delivered": "green", "printed": "cyan", "unconfirmed": "red"}


def print_deliveries(deliveries) -> None:
    if deliveries:
        counts = {s: sum(1 for d in deliveries if d.status == s) for s in {d.status for d in deliveries}}
        console.print("Alerts: " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())))


@app.command()
def alerts(
    db: DbOption = None,
    status: Annotated[Optional[str], typer.Option(help=f"Only alerts with this status ({', '.join(ALERT_STYLES)}).",
                                                  callback=known_values("status", tuple(ALERT_STYLES)))] = None,
    limit: Annotated[int, typer.Option(help="How many of the newest alerts to list.")] = 50,
    show: Annotated[Optional[int], typer.Option(help="Print one alert in full.")] = None,
    send: Annotated[bool, typer.Option("--send", help="Deliver every pending alert now.")] = False,
    resend: Annotated[Optional[int], typer.Option(help="Send this alert again, whatever its status.")] = None,
    ack: Annotated[Optional[int], typer.Option(help="Acknowledge this alert (the site shows it).")] = None,
    mute: Annotated[Optional[str], typer.Option(help="Mute this claim, ARTICLE/CLAIM (or CLAIM when only one catalog has that id): its changes are recorded, not posted (needs --until).")] = None,
    until: Annotated[Optional[datetime], typer.Option(formats=["%Y-%m-%d"], help="The day a muted claim posts again (YYYY-MM-DD).")] = None,
) -> None:
    """List the outbox; show, send or re-send alerts (Slack from SLACK_BOT_TOKEN + SLACK_CHANNEL or SLACK_WEBHOOK_URL);
    acknowledge an alert or mute a claim."""
    from claimwatch.alerts.deliver import deliver
    from claimwatch.alerts.outbox import Outbox
    from claimwatch.alerts.settings import settings_from_env

    if (mute is None) != (until is None):
        raise typer.BadParameter("--mute CLAIM and --until DATE go together")
    writes = send or resend is not None or ack is not None or mute is not None
    with writing_store(db) if writes else reading_store(db) as store:
        outbox = Outbox(store.con)
        if ack is not None or mute is not None:
            from claimwatch.alerts import states
            from claimwatch.claims.catalog import load_catalogs

            if ack is not None:
                states.acknowledge(store.con, ack)
                console.print(f"alert {ack} acknowledged")
            if mute is not None:
                article_id, claim_id = states.mute(store.con, mute, until.date(), load_catalogs())
                console.print(f"{escape(article_id)}/{escape(claim_id)} muted: its changes are recorded, not posted, "
                              f"until {until:%Y-%m-%d}", soft_wrap=True)
            return
        if show is not None or resend is not None:
            alert_id = show if show is not None else resend
            alert = outbox.get(alert_id)
            if alert is None:
                raise ClaimwatchError(f"no alert {alert_id} in {store.path} (see `claimwatch alerts`)")
            if show is not None:
                console.print(escape(alert["text"]), soft_wrap=True)
                console.print(f"[dim]status {alert['status']}, {alert['attempts']} attempt(s), "
                              f"chart: {'yes' if alert['chart'] else 'no'}[/]")
                return
        if send or resend is not None:
            settings = settings_from_env()
            ids = [resend] if resend is not None else None
            print_deliveries(deliver(outbox, settings, lambda line: console.print(escape(line), soft_wrap=True), ids, resend=resend is not None))
            return
        rows = outbox.listing(status, limit)
    table = Table(title=f"Alerts in {config.db_path(db)} (newest first)")
    for column in ("id", "created", "kind", "claim", "status", "via", "tries", "last error"):
        table.add_column(column, overflow="fold", no_wrap=column in ("id", "created"))
    for r in rows:
        table.add_row(str(r["alert_id"]), f"{r['created_at']:%Y-%m-%d %H:%M}", r["kind"], r["claim_id"] or "",
                      f"[{ALERT_STYLES.get(r['status'], 'default')}]{r['status']}[/]", r["delivered_via"] or "",
                      str(r["attempts"]), escape(r["last_error"] or ""))
    console.print(table)


@app.command()
def replay(
    releases: Annotated[Path, typer.Option(help="Folder of recorded releases laid out like ../shared/data.")],
    source: SourceOption = None,
    db: DbOption = None,
    send: Annotated[bool, typer.Option("--send", help="Also deliver the alerts to Slack (default: outbox and terminal).")] = False,
) -> None:
    """Replay recorded releases one by one in publication order: the alerts the monitor would have sent."""
    from claimwatch import pipeline
    from claimwatch.alerts.settings import SlackSettings, settings_from_env
    from claimwatch.claims.catalog import load_catalogs

    with writing_store(db, create=True) as store:
        with progress_bar("replay") as progress:
            steps = pipeline.replay(store, releases, pick_sources(source), load_catalogs(), progress=progress)
        ids = [i for s in steps for i in s.alert_ids]
        settings = settings_from_env() if send else SlackSettings()
        deliveries = pipeline.deliver(store, settings, lambda line: console.print(escape(line), soft_wrap=True), ids)
    print_outcomes([s.outcome for s in steps], title="Replay")
    print_deliveries(deliveries)


@app.command()
def site(
    out: Annotated[Optional[Path], typer.Option(help="Folder for the site (default $CLAIMWATCH_SITE, else site/ beside the store).")] = None,
    db: DbOption = None,
) -> None:
    """Build the claims status site (static HTML: index, a page per claim and per source) from the store."""
    from claimwatch.claims.catalog import load_catalogs
    from claimwatch.site.build import build_site, site_dir

    folder = site_dir(out, config.db_path(db))
    with reading_store(db) as store, progress_bar(f"build the status site in {folder}"):
        index = build_site(store.con, load_catalogs(), folder, store.location.label)
    console.print(f"Status site: {index.resolve()}", soft_wrap=True)
