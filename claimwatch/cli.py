"""The `claimwatch` command line."""

from __future__ import annotations

import csv
import os
import sys
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.text import Text

from claimwatch import config
from claimwatch.errors import ClaimwatchError
from claimwatch.sources import SOURCE_CLASSES, all_sources
from claimwatch.sources.base import period_text
from claimwatch.cli_guard import reading_store, writing_store
from claimwatch.cli_tables import print_table

# Only what --help and the reading commands need is imported here; the ingest path (Great Expectations, pandas)
# and Prefect are imported by the commands that use them.

app = typer.Typer(help="Keep a published article honest against the official statistics behind it.", no_args_is_help=True)
console = Console()
err = Console(stderr=True, soft_wrap=True)  # messages name paths: never wrap them



def known_values(option: str, valid: list[str] | tuple[str, ...]):
    """A typer callback refusing any value not in `valid`, before the command runs: the valid ones named, exit 2."""
    def check(values):
        given = values if isinstance(values, (list, tuple)) else [] if values is None else [values]
        unknown = [v for v in given if v not in valid]
        if unknown:
            raise typer.BadParameter(f"unknown {option} {', '.join(map(repr, unknown))}; valid: {', '.join(valid)}")
        return values
    return check


SOURCE_NAMES = tuple(cls.name for cls in SOURCE_CLASSES)
DbOption = Annotated[Optional[Path], typer.Option("--db", help="DuckDB file (default $CLAIMWATCH_DB or data/claimwatch.duckdb).")]
SourceOption = Annotated[Optional[list[str]], typer.Option(
    "--source", "-s", help=f"Only this source (repeatable): {', '.join(SOURCE_NAMES)}.",
    callback=known_values("source", SOURCE_NAMES))]


@app.callback()
def options(
    debug: Annotated[bool, typer.Option("--debug", help="Show the traceback of an error.")] = False,
    claims: Annotated[Optional[list[Path]], typer.Option(
        "--claims", help="A folder of catalogs, <article-id>.yaml (repeatable; default $CLAIMWATCH_CLAIMS, "
        "else the project's claims/). Goes before the command: claimwatch --claims DIR check.")] = None,
) -> None:
    """Keep a published article honest against the official statistics behind it."""
    from claimwatch.claims.articles import CLAIMS_ENV
    from claimwatch.cli_guard import OPTIONS

    OPTIONS["debug"] = debug
    if claims:  # through the environment, so Prefect tasks and child processes read the same catalogs
        os.environ[CLAIMS_ENV] = os.pathsep.join(str(Path(c).resolve()) for c in claims)


def pick_sources(names: list[str] | None, mirror: str | None = None):
    sources = all_sources(config.mirror_url(mirror))
    unknown = sorted(set(names or ()) - set(sources))
    if unknown:
        raise typer.BadParameter(f"unknown source(s) {unknown}; known: {sorted(sources)}", param_hint="--source")
    return [s for name, s in sources.items() if not names or name in names]


GRAINS = {cls.name: cls.grain for cls in SOURCE_CLASSES}
STYLES = {"published": "green", "unchanged": "dim", "staged": "yellow", "rejected": "red", "failed": "red", "quarantined": "red"}


@contextmanager
def progress_bar(what: str):
    """A rich.progress bar on stderr for a step that takes a while: yields `progress(done, total, what)`.

    Transient, and drawn only on a terminal, so `--json`, `--csv` and tests that parse stdout never see it."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    if not err.is_terminal:  # a pipe or a log file: no bar, not even the blank line rich leaves behind
        yield lambda done, total, description: None
        return
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=True) as bar:
        task = bar.add_task(what, total=None)

        def progress(done: int, total: int | None, description: str) -> None:
            bar.update(task, completed=done, total=total, description=description)

        yield progress


def print_outcomes(outcomes: list, title: str = "Ingest") -> None:
    rows = []
    for o in outcomes:
        status = f"[{STYLES[o.status]}]{o.status}[/]" + (f" ({o.warnings} warning(s))" if o.warnings else "")
        rows.append([o.source, o.label, status, period_text(o.data_through, GRAINS.get(o.source, "month")),
                     f"{o.rows:,}" if o.rows is not None else "", Text(o.detail or "")])
    print_table(console, ["source", "release", "status", "data through", "rows", "detail"], rows, title)


def print_docs(path) -> None:
    if path and Path(path).is_file():
        console.print(f"Great Expectations Data Docs of this run: {path}", soft_wrap=True)


@app.command()
def ingest(
    releases: Annotated[Optional[Path], typer.Option(help="Folder of recorded releases laid out like ../shared/data.")] = None,
    source: SourceOption = None,
    mirror: Annotated[Optional[str], typer.Option(help="Base URL serving every agency's paths (default $CLAIMWATCH_MIRROR).")] = None,
    db: DbOption = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes ingesting different sources at once (a "
                                         "DuckLake store: several writers; no Data Docs then).")] = 1,
) -> None:
    """Discover, fetch and store the newest release of every source (or every release in --releases), then
    evaluate and record what the new releases change (no alerts: `claimwatch run` sends those)."""
    from claimwatch import pipeline
    from claimwatch.audit import Auditor
    from claimwatch.ingest import recorded_entries

    sources = pick_sources(source, mirror)
    ignored = recorded_entries(releases, sources)[1] if releases is not None else []  # a missing folder: no store made
    if workers > 1:
        _ingest_with_workers(sources, releases, mirror, db, workers)
        return
    with writing_store(db, create=True) as store:
        auditor = Auditor(store)
        for name in ignored:
            what = "not a release of that source" if "/" in name else "not a source claimwatch reads"
            err.print(f"[dim]{releases / name}: {what}; skipped[/]")
        with progress_bar("ingest") as progress:
            ingested = pipeline.ingest(store, sources, releases=releases, auditor=auditor, progress=progress)
            progress(0, None, "write the Data Docs")
            docs = auditor.finish()
    outcomes = ingested.outcomes
    print_outcomes(outcomes)
    console.print(f"Claims: {ingested.evaluated.stored} claim step(s) evaluated and stored", soft_wrap=True)
    print_docs(docs)
    if not all(o.ok for o in outcomes):
        raise typer.Exit(1)


def _ingest_with_workers(sources, releases: Path | None, mirror: str | None, db, workers: int) -> None:
    """`ingest --workers N`: N processes, each with its own connection, take the sources (claimwatch/parallel.py)."""
    from claimwatch.parallel import ingest_parallel

    location = config.db_path(db)
    if not getattr(location, "is_lake", False):
        raise typer.BadParameter(f"{location} is a DuckDB file: one writer at a time; several workers need a DuckLake "
                                 "store (CLAIMWATCH_STORE=ducklake:postgres:…)", param_hint="--workers")
    done = ingest_parallel(location, [s.name for s in sources], workers, releases=releases, mirror=mirror)
    print_outcomes(done.outcomes)
    for text in done.busy.values():
        err.print(f"[red]busy:[/] {escape(text)}")
    console.print(f"Claims: {done.evaluated.stored} claim step(s) evaluated and stored", soft_wrap=True)
    if done.busy or not all(o.ok for o in done.outcomes):
        raise typer.Exit(1)


@app.command()
def releases(source: SourceOption = None, db: DbOption = None) -> None:
    """List the releases in the store: source, label, data-through, fetched at, sha256, rows, status."""
    with reading_store(db) as store:
        rows = [r for r in store.releases() if not source or r["source"] in source]
    table = []
    for r in rows:
        through = period_text(r["data_through"], r["grain"])
        status = r["status"] if not r["reason"] else f"{r['status']}: {r['reason']}"
        validation = r["validation"] or ""
        if r["errors"] or r["warnings"]:
            validation += f" ({r['errors']} error(s), {r['warnings']} warning(s))"
        table.append([
            r["source"], r["release_label"], through, f"{r['fetched_at']:%Y-%m-%d %H:%M}", r["sha256"][:12],
            f"{r['row_count']:,}" if r["row_count"] is not None else "", Text(validation),
            Text(status, style=STYLES.get(r["status"], "")),
        ])
    print_table(console, ["source", "release", "data through", "fetched at", "sha256", "rows", "validation", "status"],
                table, f"Releases in {config.db_path(db)}")


@app.command()
def sql(
    query: Annotated[str, typer.Argument(help="A read-only SQL query.")],
    db: DbOption = None,
    csv_out: Annotated[bool, typer.Option("--csv", help="Write CSV to standard output instead of a table.")] = False,
    max_rows: Annotated[int, typer.Option(help="Rows to show in the table.")] = 200,
) -> None:
    """Run an ad-hoc read-only query against the store (it cannot write, attach, install or change anything)."""
    from claimwatch.sql_guard import QueryFailed, RefusedQuery, guarded_connection, run_read

    con = guarded_connection(config.db_path(db))
    try:
        names, rows = run_read(con, query)
    except (RefusedQuery, QueryFailed) as exc:
        err.print(f"[red]{escape(str(exc))}[/]")
        raise typer.Exit(2) from None
    finally:
        con.close()
    if not names:
        return
    if csv_out:
        writer = csv.writer(sys.stdout)
        writer.writerow(names)
        writer.writerows(rows)
        return
    shown = [[Text("" if v is None else f"{v:,}" if isinstance(v, int) and not isinstance(v, bool) else str(v))
              for v in row] for row in rows[:max_rows]]
    print_table(console, list(names), shown)
    if len(rows) > max_rows:
        console.print(f"[dim]{len(rows) - max_rows} more rows (use --max-rows or --csv)[/]")


@app.command()
def run(
    releases: Annotated[Optional[Path], typer.Option(help="Folder of recorded releases instead of the agencies' sites.")] = None,
    source: SourceOption = None,
    db: DbOption = None,
    slack_channel: Annotated[Optional[str], typer.Option(help="Slack channel for alerts (default $SLACK_CHANNEL; needs SLACK_BOT_TOKEN).")] = None,
) -> None:
    """Run the monthly job as a Prefect flow (a temporary local Prefect API unless one is configured)."""
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from claimwatch.audit import run_docs_dir
    from claimwatch.ingest import Outcome
    from flows.local_api import temporary_api  # Prefect lives in flows/, imported only here
    from flows.monthly_check import monthly_check

    with writing_store(db, create=True):
        pass  # a foreign file, an unwritable place or a busy store: one line now, before Prefect starts
    docs_dir = run_docs_dir(config.db_path(db).parent / "validation-docs")
    with temporary_api():  # a killed run (even kill -9) takes its temporary API server with it
        summary = monthly_check(
            db=str(config.db_path(db)),
            releases=str(releases) if releases else None,
            sources=source or None,
            docs_dir=str(docs_dir),
            slack_channel=slack_channel,
            return_state=True,
        )
    print_docs(docs_dir / "index.html")
    if summary.is_failed():
        err.print(f"[red]monthly-check failed:[/] {summary.message}")
        raise typer.Exit(1)
    print_outcomes([Outcome(**o) for o in summary.result()])


@app.command()
def validate(
    release: Annotated[Optional[str], typer.Argument(help="Release id, or a prefix naming one release (e.g. census_trade/2025-04).")] = None,
    all_releases: Annotated[bool, typer.Option("--all", help="Re-validate every stored release, in the order they were written.")] = False,
    db: DbOption = None,
) -> None:
    """Re-validate a stored release (default: every staged one) and publish or quarantine it by the result, then
    evaluate and record what a newly published release changes."""
    from claimwatch import pipeline
    from claimwatch.audit import Auditor
    from claimwatch.claims.catalog import load_catalogs
    from claimwatch.ingest import audit_outcome, stored_outcome

    with writing_store(db) as store:
        release_ids = pick_releases(store, release, all_releases)
        auditor = Auditor(store)
        outcomes = []
        with progress_bar("validate") as progress:
            for done, release_id in enumerate(release_ids):
                progress(done, len(release_ids), f"validate {release_id}")
                before = stored_outcome(store, release_id)
                outcomes.append(audit_outcome(auditor, replace(before, detail=f"was {before.status}")))
            progress(0, None, "write the Data Docs")
            docs = auditor.finish()
            if outcomes:
                pipeline.evaluate(store, load_catalogs(), lambda d, t, r: progress(d, t, f"evaluate claims as of {r}"))
    if not outcomes:
        console.print("Nothing to validate: no staged release (name one, or use --all).")
        return
    print_outcomes(outcomes, title="Validation")
    print_docs(docs)
    if any(o.status != "published" for o in outcomes):
        raise typer.Exit(1)


def pick_releases(store, release: str | None, all_releases: bool) -> list[str]:
    """The releases `claimwatch validate` works on: one named, every one with rows, or the staged ones."""
    if release is None:
        where, params = ("status <> 'rejected'", []) if all_releases else ("status = 'staged'", [])
    else:
        where, params = "(release_id = ? or starts_with(release_id, ?))", [release, release]
    ids = [r[0] for r in store.con.execute(
        f"select release_id, status from releases where {where} order by ingested_at, release_id", params
    ).fetchall()]
    if release is not None:
        if release in ids:
            ids = [release]
        if not ids:
            raise ClaimwatchError(f"no release {release!r} in {store.path} (see `claimwatch releases`)")
        if len(ids) > 1:
            raise ClaimwatchError(f"{release!r} names {len(ids)} releases: {', '.join(ids)}; give one release id")
    return ids


if __name__ != "__main__":  # as `python -m claimwatch.cli`, the imported module below registers them
    from claimwatch import cli_articles, cli_check, cli_claims, cli_scan, cli_store  # noqa: E402, F401 - registers check, history, alerts, articles, scan, store, …


# Commands that parse or validate releases (pandas for workbooks, Great Expectations); the others never need pandas.
PARSING_COMMANDS = {"ingest", "validate", "run", "replay"}


def main() -> None:
    """Run the command line: a known failure is one `error:` line and exit status 2 (`--debug`: the traceback).

    DuckDB's Python client imports pandas (about 0.3 s) the first time a query has parameters, only to see whether
    a parameter is a DataFrame. A command that parses no release tells it pandas is absent, for this process only.
    """
    from claimwatch.cli_guard import run_app

    if "pandas" not in sys.modules and not PARSING_COMMANDS & set(sys.argv[1:]):
        sys.modules["pandas"] = None  # `import pandas` raises ImportError: DuckDB takes it as "not installed"
    run_app(app, err)


if __name__ == "__main__":  # `python -m claimwatch.cli`: run the imported module, where every command is registered
    from claimwatch.cli import main as registered_main

    registered_main()
