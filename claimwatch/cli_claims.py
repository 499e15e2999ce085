"""The claim and alert commands of `claimwatch`: check, history, alerts, replay."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.table import Table

from claimwatch import config
from claimwatch.cli import DbOption, SourceOption, app, console, pick_sources, print_outcomes
from claimwatch.errors import ClaimwatchError
from claimwatch.store import open_store


STYLE_OF_VERDICT = {"holds": "green", "fails": "red", "unknown": "yellow", "not_checkable": "dim"}
MARK_OF_VERDICT = {"holds": "✓ holds", "fails": "✗ fails", "unknown": "? unknown", "not_checkable": "– not checkable"}


def verdict_cell(verdict: str) -> str:
    """A verdict with a mark and a word, so it reads without colour."""
    return f"[{STYLE_OF_VERDICT[verdict]}]{MARK_OF_VERDICT[verdict]}[/]"


def figure_cell(v) -> str:
    if v.observed is None:
        return v.explanation
    text = f"{v.observed:,.4g} vs {v.claimed:,.4g} (margin {v.margin:+,.3g})"
    return text + (f"; data support “{v.supported}”" if v.supported else "")


@app.command()
def check(
    article: Annotated[Optional[str], typer.Option(help="Article id (claims/<id>.yaml); default: every catalog.")] = None,
    db: DbOption = None,
) -> None:
    """Evaluate every claim against the store now, record the evaluations, and print the verdicts."""
    from claimwatch.claims.catalog import load_catalogs
    from claimwatch.claims.history import check_catalog

    catalogs = [c for c in load_catalogs() if article in (None, c.article_id)]
    if not catalogs:
        raise ClaimwatchError(f"no catalog claims/{article}.yaml")
    with open_store(config.db_path(db)) as store:
        for catalog in catalogs:
            verdicts = check_catalog(store.con, catalog)
            table = Table(title=f"{catalog.article['title']} ({catalog.article_id})")
            for column in ("claim", "mode", "verdict", "period", "figure vs claimed", "vintages"):
                table.add_column(column, overflow="fold")
            for v in verdicts:
                table.add_row(v.claim_id, v.mode, verdict_cell(v.verdict), v.period, figure_cell(v), ", ".join(v.vintages))
            console.print(table)


@app.command()
def history(
    claim_id: Annotated[str, typer.Argument(help="A claim id from the catalog.")],
    db: DbOption = None,
) -> None:
    """Show a claim's verdict as of every vintage in the store: when it started or stopped holding, and why."""
    from claimwatch.claims.catalog import load_catalogs
    from claimwatch.claims.history import claim_history, record_verdicts

    found = [(c, claim) for c in load_catalogs() for claim in c.claims if claim.id == claim_id]
    if not found:
        raise ClaimwatchError(f"no claim {claim_id!r} in claims/*.yaml (see `claimwatch check`)")
    catalog, claim = found[0]
    with open_store(config.db_path(db)) as store:
        steps = claim_history(store.con, claim)
        for step in steps:
            record_verdicts(store.con, catalog.article_id, [step.verdict], step.release_id)
    console.print(f"[bold]{claim.id}[/]: {claim.sentence}", soft_wrap=True)
    table = Table()
    for column in ("as of release", "mode", "verdict", "period", "figure vs claimed", "what changed"):
        table.add_column(column, overflow="fold")
    for step in steps:
        v = step.verdict
        table.add_row(step.release_id, v.mode, verdict_cell(v.verdict), v.period, figure_cell(v), step.change)
    console.print(table)
    if not steps:
        console.print("No published release of the claim's sources in the store (or the claim needs no data).")


ALERT_STYLES = {"delivered": "green", "printed": "cyan", "pending": "yellow", "sending": "yellow", "unconfirmed": "red"}


def print_deliveries(deliveries) -> None:
    if deliveries:
        counts = {s: sum(1 for d in deliveries if d.status == s) for s in {d.status for d in deliveries}}
        console.print("Alerts: " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())))


@app.command()
def alerts(
    db: DbOption = None,
    status: Annotated[Optional[str], typer.Option(help="Only alerts with this status (pending, sending, delivered, printed, unconfirmed).")] = None,
    limit: Annotated[int, typer.Option(help="How many of the newest alerts to list.")] = 50,
    show: Annotated[Optional[int], typer.Option(help="Print one alert in full.")] = None,
    send: Annotated[bool, typer.Option("--send", help="Deliver every pending alert now.")] = False,
    resend: Annotated[Optional[int], typer.Option(help="Send this alert again, whatever its status.")] = None,
) -> None:
    """List the outbox; show, send or re-send alerts (Slack from SLACK_BOT_TOKEN + SLACK_CHANNEL or SLACK_WEBHOOK_URL)."""
    from claimwatch.alerts.deliver import deliver
    from claimwatch.alerts.outbox import Outbox
    from claimwatch.alerts.settings import settings_from_env

    with open_store(config.db_path(db), read_only=not (send or resend)) as store:
        outbox = Outbox(store.con)
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
    from claimwatch.alerts.deliver import deliver
    from claimwatch.alerts.notify import replay_recorded
    from claimwatch.alerts.outbox import Outbox
    from claimwatch.alerts.settings import SlackSettings, settings_from_env
    from claimwatch.claims.catalog import load_catalogs

    with open_store(config.db_path(db)) as store:
        steps = replay_recorded(store, releases, pick_sources(source), load_catalogs())
        ids = [i for s in steps for i in s.alert_ids]
        settings = settings_from_env() if send else SlackSettings()
        deliveries = deliver(Outbox(store.con), settings, lambda line: console.print(escape(line), soft_wrap=True), ids)
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
    with open_store(config.db_path(db), read_only=True) as store:
        index = build_site(store.con, load_catalogs(), folder, store.path.name)
    console.print(f"Status site: {index.resolve()}", soft_wrap=True)
