"""`claimwatch scan` and `claimwatch new-article`: an article's figure sentences and the claims that cover them."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape

from claimwatch.cli import app, console, err
from claimwatch.cli_check import print_wrapped

MARKS = {"covered": "✓", "not_checkable": "–", "not_covered": "✗"}
STATUS_WORDS = {"covered": "covered by", "not_checkable": "not checkable, covered by",
                "not_covered": "not covered by any catalog"}


def read_article(path: Path) -> str:
    """The article's text, or one error line naming the file (exit 2)."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        problem = "no such file"
    except IsADirectoryError:
        problem = "a folder, not an article file"
    except UnicodeDecodeError as exc:
        problem = f"not UTF-8 text ({exc.reason} at byte {exc.start})"
    except OSError as exc:
        problem = exc.strerror or str(exc)
    err.print(f"[red]error:[/] {escape(str(path))}: {problem}", highlight=False)
    raise typer.Exit(2)


def pick_catalogs(catalog_id: str | None) -> list:
    """Every catalog, or the one named; an unknown id names the known ones (exit 2)."""
    from claimwatch.claims.catalog import load_catalogs

    catalogs = load_catalogs()
    if catalog_id is None:
        return catalogs
    chosen = [c for c in catalogs if c.article_id == catalog_id]
    if not chosen:
        known = ", ".join(c.article_id for c in catalogs) or "none"
        raise typer.BadParameter(f"unknown catalog {catalog_id!r}; known: {known}", param_hint="--catalog")
    return chosen


def scan_json(path: Path, catalogs: list, scanned: list, unquoted: list) -> dict:
    """The JSON `claimwatch scan --json` prints: every detected sentence, its cues and covering claims."""
    counts = {status: sum(1 for s in scanned if s.status == status) for status in MARKS}
    return {
        "article": str(path), "catalogs": [c.article_id for c in catalogs], "counts": counts,
        "sentences": [{"line": s.sentence.line, "sentence": s.sentence.text, "status": s.status,
                       "cues": [{"text": c.text, "kind": c.kind} for c in s.cues],
                       "claims": [{"catalog": m.catalog, "claim": m.claim_id, "checkable": m.checkable,
                                   "score": round(m.score, 3)} for m in s.matches]} for s in scanned],
        "unquoted_claims": [{"catalog": cid, "claim": claim_id} for cid, claim_id in unquoted],
    }


def claim_word(m) -> str:
    share = "" if m.score == 1 else f", its quote matches {m.score:.0%} of the sentence's word pairs"
    return f"{m.claim_id} ({'checkable' if m.checkable else 'not_checkable'}{share})"


@app.command()
def scan(
    article_file: Annotated[Path, typer.Argument(help="The article's text (Markdown or plain text).")],
    catalog: Annotated[Optional[str], typer.Option(help="Match against this catalog only (an article id); default: every catalog.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object: every sentence, its cues and claims.")] = False,
    fail_on_uncovered: Annotated[bool, typer.Option("--fail-on-uncovered", help="Exit 1 when a figure sentence is in no catalog.")] = False,
) -> None:
    """List every sentence of an article stating a figure, a comparison or a superlative, and the catalog claims
    covering each (checkable or not_checkable), or "not covered": the check that no claim was missed."""
    from claimwatch import scan as scanning

    text = read_article(article_file)
    catalogs = pick_catalogs(catalog)
    scanned = scanning.scan(text, catalogs)
    unquoted = scanning.unquoted(text, catalogs)
    summary = scan_json(article_file, catalogs, scanned, unquoted)
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        counts = summary["counts"]
        print_wrapped(f"{article_file}: {len(scanned)} sentence(s) state a figure, a comparison or a superlative: "
                      f"{counts['covered']} covered, {counts['not_checkable']} not checkable, "
                      f"{counts['not_covered']} not covered (catalogs: {', '.join(summary['catalogs']) or 'none'})")
        for s in scanned:
            print_wrapped(f"{MARKS[s.status]} line {s.sentence.line}: {s.sentence.text}")
            print_wrapped("cues: " + ", ".join(f"{c.text} ({c.kind})" for c in s.cues), 4, style="dim")
            claims = ", ".join(claim_word(m) for m in s.matches)
            print_wrapped(f"{STATUS_WORDS[s.status]}{': ' + claims if claims else ''}", 4)
        for cid, claim_id in unquoted:
            print_wrapped(f"{cid}: {claim_id} quotes a sentence this article does not have (edited since, or "
                          "mistyped?)", style="yellow")
    uncovered = summary["counts"]["not_covered"]
    if fail_on_uncovered and uncovered:
        (err if as_json else console).print(f"{uncovered} figure sentence(s) in no catalog", highlight=False)
        raise typer.Exit(1)


def claims_folder(explicit: Path | None) -> Path:
    """Where a new catalog goes: --claims DIR, else the first folder of $CLAIMWATCH_CLAIMS, else claims/."""
    from claimwatch.claims.articles import env_dirs
    from claimwatch.claims.catalog import claims_dir

    return explicit or next(iter(env_dirs()), None) or claims_dir()


@app.command("new-article")
def new_article(
    title: Annotated[str, typer.Argument(help="The article's title.")],
    source: Annotated[Path, typer.Option("--from", help="The article's text (Markdown or plain text).")],
    article_id: Annotated[Optional[str], typer.Option("--id", help="The catalog's id and file name (default: the title as a slug).")] = None,
    claims: Annotated[Optional[Path], typer.Option(help="Folder for the catalog (default: first of $CLAIMWATCH_CLAIMS, else claims/).")] = None,
) -> None:
    """Write a catalog skeleton claims/<id>.yaml: the article block and a commented claim stub for every sentence
    `scan` finds (noting those another catalog covers). It loads as a catalog with no claims; never overwrites."""
    from claimwatch import scan as scanning
    from claimwatch.claims.catalog import claims_dir, load_catalogs
    from claimwatch.skeleton import skeleton, slug

    new_id = article_id if article_id is not None else slug(title)
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", new_id):
        raise typer.BadParameter(f"{new_id!r} cannot name a catalog file: use lower-case letters, digits, _ and -",
                                 param_hint="--id" if article_id is not None else "TITLE")
    folder = claims_folder(claims)
    path = folder / f"{new_id}.yaml"
    if path.exists():
        err.print(f"[red]error:[/] {escape(f'{path} already exists; nothing written (choose another --id, or edit that file)')}",
                  highlight=False)
        raise typer.Exit(2)
    if folder.exists() and not folder.is_dir():
        err.print(f"[red]error:[/] {escape(f'{folder} is a file, not a folder of catalogs')}", highlight=False)
        raise typer.Exit(2)
    folder.mkdir(parents=True, exist_ok=True)  # a newsroom's own catalogs folder, made on its first article
    text = read_article(source)
    catalogs = {c.path.resolve(): c for c in load_catalogs() + (
        load_catalogs(folder) if folder.resolve() != claims_dir().resolve() else [])}
    scanned = scanning.scan(text, list(catalogs.values()))
    with open(path, "x", encoding="utf-8") as out:  # "x": a file made meanwhile is never overwritten
        out.write(skeleton(new_id, title, str(source), str(path), scanned))
    covered = sum(1 for s in scanned if s.matches)
    print_wrapped(f"Wrote {path}: the article block and {len(scanned)} claim stub(s) to fill"
                  f"{f' ({covered} of them already covered by another catalog)' if covered else ''}. "
                  f"Fill the article block, uncomment the stubs you keep, then `claimwatch lint --catalog {path}`.")
