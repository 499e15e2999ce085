"""The claim and alert commands of `claimwatch`: check, lint, history, backfill, alerts, replay, site."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.table import Table

from claimwatch import config
from claimwatch.cli_guard import reading_store, writing_store
from claimwatch.cli import DbOption, SourceOption, app, console, pick_sources, print_outcomes
from claimwatch.errors import ClaimwatchError
from claimwatch.store import open_store


STYLE_OF_VERDICT = {"holds": "green", "holds_over_coverage": "cyan", "fails": "red", "unknown": "yellow",
                    "not_checkable": "dim", "depends_on_reading": "magenta"}


def verdict_cell(verdict: str, words: str | None = None) -> str:
    """A verdict with a mark and its words (the window a record holds over), so it reads without colour."""
    from claimwatch.alerts.compose import MARK, WORD

    return f"[{STYLE_OF_VERDICT[verdict]}]{MARK[verdict]} {escape(words or WORD[verdict])}[/]"


def figure_cell(v) -> str:
    """The figure, whose it is, against what, and the wording the data support when it fails."""
    if v.observed is None:
        return escape(v.explanation)
    text = f"{v.observed_text} against {v.compared_with}"
    if v.supported:
        text += f"; data support “{v.supported}”"
    if v.record_broken:
        text += f"; record broken since: {v.record_broken}"
    return escape(text)


def verdict_json(article_id: str, v, claim_verdict: str) -> dict:
    """One verdict as a JSON object (`claimwatch check --json`)."""
    from claimwatch.claims.judge import verdict_words

    return {
        "article": article_id, "claim": v.claim_id, "reading": v.reading, "reading_label": v.reading_label or None,
        "primary": v.primary, "mode": v.mode, "verdict": v.verdict, "verdict_text": verdict_words(v),
        "claim_verdict": claim_verdict, "observed": v.observed, "observed_text": v.observed_text or None,
        "claimed": v.claimed, "compared_with": v.compared_with, "margin": v.margin, "period": v.period,
        "window": v.window, "record_broken": v.record_broken, "close_to_failing": v.close,
        "supported": v.supported, "figures": v.figures, "vintages": list(v.vintages), "explanation": v.explanation,
    }


@app.command()
def check(
    article: Annotated[Optional[str], typer.Option(help="Article id (claims/<id>.yaml); default: every catalog.")] = None,
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line, one per verdict.")] = False,
    fail_on: Annotated[Optional[str], typer.Option(help="'fails': exit 1 when the primary reading of any claim fails as stated.")] = None,
    record: Annotated[bool, typer.Option("--record", help="First evaluate and store what is new (takes the run lock).")] = False,
) -> None:
    """Print every claim's verdicts under every reading now, from the stored steps (read only unless --record).

    A claim with no stored step as of the newest release of its sources (just added or edited) is judged now and
    marked so; `--record` or the next run stores it.
    """
    import json

    from claimwatch.claims.catalog import load_catalogs
    from claimwatch.claims.judge import overall, verdict_words
    from claimwatch.claims.steps import current_verdicts

    if fail_on not in (None, "fails"):
        raise typer.BadParameter(f"{fail_on!r}; expected 'fails'", param_hint="--fail-on")
    catalogs = [c for c in load_catalogs() if article in (None, c.article_id)]
    if not catalogs:
        raise ClaimwatchError(f"no catalog claims/{article}.yaml")
    failing, unstored = [], []
    with writing_store(db) if record else reading_store(db) as store:
        if record:
            from claimwatch import pipeline

            pipeline.evaluate(store, catalogs)
        for catalog in catalogs:
            verdicts, live = current_verdicts(store.con, catalog)
            unstored += live
            groups = {}
            for v in verdicts:
                groups.setdefault((v.claim_id, v.mode), []).append(v)
            failing += [v for v in verdicts if v.primary and v.mode == "as_stated" and v.verdict == "fails"]
            if as_json:
                for (_, _), group in groups.items():
                    code, _ = overall(group)
                    for v in group:
                        typer.echo(json.dumps(verdict_json(catalog.article_id, v, code), ensure_ascii=False, default=str))
                continue
            table = Table(title=f"{catalog.article['title']} ({catalog.article_id})")
            for column in ("claim", "mode", "reading", "verdict", "period", "figure against the claim", "vintages"):
                table.add_column(column, overflow="fold")
            for (claim_id, mode), group in groups.items():
                code, _ = overall(group)
                name = claim_id + (" *" if claim_id in live else "")
                if len(group) > 1:
                    table.add_row(name, mode, "[bold]all readings[/]", verdict_cell(code), group[0].period, "", "")
                for v in group:
                    label = (v.reading_label + (" (primary)" if v.primary else "")) if v.reading else ""
                    table.add_row("" if len(group) > 1 else name, "" if len(group) > 1 else mode, escape(label),
                                  verdict_cell(v.verdict, verdict_words(v)), v.period, figure_cell(v),
                                  ", ".join(v.vintages))
            console.print(table)
    if unstored and not as_json:
        console.print(f"* judged now, not stored yet (new or edited since the last run): {', '.join(unstored)}; "
                      "`claimwatch check --record` stores them", soft_wrap=True)
    if fail_on == "fails" and failing:
        if not as_json:
            console.print(f"{len(failing)} claim(s) fail as stated on their primary reading: "
                          + ", ".join(sorted({v.claim_id for v in failing})))
        raise typer.Exit(1)


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
    found = []
    for each in catalogs:
        if path.exists():
            with open_store(path, read_only=True) as store:
                found += lint_catalog(each, store.con)
        else:
            found += lint_catalog(each)
    for problem in found:
        console.print(f"[red]✗[/] {escape(problem)}", soft_wrap=True)
    checked = sum(len(c.claims) for c in catalogs)
    keys = f"keys checked against {path}" if path.exists() else "no store: keys not checked"
    console.print(f"{checked} claims in {len(catalogs)} catalog(s): {len(found)} problem(s) ({keys})")
    if found:
        raise typer.Exit(1)


def find_claim(claim_id: str):
    """(catalog, claim) for a claim id, or a one-line error."""
    from claimwatch.claims.catalog import load_catalogs

    found = [(c, claim) for c in load_catalogs() for claim in c.claims if claim.id == claim_id]
    if not found:
        raise ClaimwatchError(f"no claim {claim_id!r} in claims/*.yaml (see `claimwatch check`)")
    return found[0]


@app.command()
def history(
    claim_id: Annotated[str, typer.Argument(help="A claim id from the catalog.")],
    db: DbOption = None,
) -> None:
    """Show a claim's stored verdict as of every vintage: when it started or stopped holding, and why (read only)."""
    from claimwatch.claims.judge import verdict_words
    from claimwatch.claims.steps import claim_steps, unstored_vintages

    catalog, claim = find_claim(claim_id)
    with reading_store(db) as store:
        steps = claim_steps(store.con, catalog, claim)
        missing = unstored_vintages(store.con, catalog, claim)
    console.print(f"[bold]{claim.id}[/]: {claim.sentence}", soft_wrap=True)
    table = Table()
    for column in ("as of release", "mode", "reading", "verdict", "period", "figure against the claim", "what changed"):
        table.add_column(column, overflow="fold")
    for step in steps:
        v = step.verdict
        table.add_row(step.release_id, v.mode, escape(v.reading or ""), verdict_cell(v.verdict, verdict_words(v)),
                      v.period, figure_cell(v), escape(step.change))
    console.print(table)
    if missing:
        console.print(f"{len(missing)} earlier vintage(s) of its sources have no stored step (the claim is new or was "
                      f"edited): `claimwatch backfill {claim.id}` evaluates them", soft_wrap=True)
    elif not steps:
        console.print("No published release of the claim's sources in the store (or the claim needs no data).")


@app.command()
def backfill(
    claim_ids: Annotated[Optional[list[str]], typer.Argument(help="Claim ids (default: every claim).")] = None,
    db: DbOption = None,
) -> None:
    """Evaluate claims as of every stored vintage they have no step for (a claim just added or edited) and store them."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from claimwatch import pipeline
    from claimwatch.claims.catalog import load_catalogs

    for claim_id in claim_ids or ():
        find_claim(claim_id)
    with writing_store(db) as store, Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                              TimeElapsedColumn(), console=console, transient=True) as bar:
        task = bar.add_task("backfill", total=None)

        def progress(done: int, total: int, release_id: str) -> None:
            bar.update(task, completed=done, total=total, description=release_id)

        evaluated = pipeline.evaluate(store, load_catalogs(), progress, backfill=True, claims=claim_ids or None)
    console.print(f"Backfilled {evaluated.stored} claim step(s)")


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
    ack: Annotated[Optional[int], typer.Option(help="Acknowledge this alert (the site shows it).")] = None,
    mute: Annotated[Optional[str], typer.Option(help="Mute this claim: its changes are recorded, not posted (needs --until).")] = None,
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
                states.mute(store.con, mute, until.date(), {c.id for cat in load_catalogs() for c in cat.claims})
                console.print(f"{escape(mute)} muted: its changes are recorded, not posted, until {until:%Y-%m-%d}")
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
        steps = pipeline.replay(store, releases, pick_sources(source), load_catalogs())
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
    with reading_store(db) as store:
        index = build_site(store.con, load_catalogs(), folder, store.path.name)
    console.print(f"Status site: {index.resolve()}", soft_wrap=True)
