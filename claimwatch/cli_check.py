"""`claimwatch check` and `claimwatch history`: verdicts in the terminal, one line per claim, figures through present.py."""

from __future__ import annotations

import json
import textwrap
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.text import Text

from claimwatch import present
from claimwatch.cli import DbOption, app, console, err
from claimwatch.cli_guard import reading_store, writing_store

STYLE_OF_VERDICT = {"holds": "green", "holds_over_coverage": "cyan", "fails": "red", "unknown": "yellow",
                    "not_checkable": "dim", "depends_on_reading": "magenta", None: "dim"}
SHORT = {"holds": "holds", "holds_over_coverage": "holds", "fails": "fails", "unknown": "unknown",
         "not_checkable": "n/a", "depends_on_reading": "depends", None: ""}
CELL = 10  # "⇄ depends " and the like: a verdict cell of the one-line view
LEGEND = "◐ holds over the data's years · ⇄ readings disagree (see -v) · – not checkable"


def rule_of(catalog, v) -> dict:
    """The rule a verdict was judged by ({} for a claim that is not checkable)."""
    claim = next((c for c in catalog.claims if c.id == v.claim_id), None)
    if claim is None or not claim.readings:
        return {}
    return claim.reading(v.reading).rule


def print_wrapped(text: str, indent: int = 0, style: str = "") -> None:
    """Print prose wrapped at whole words to the terminal's width, every line indented (no word is split)."""
    width = max(20, console.width - indent)
    for line in textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False) or [""]:
        console.print(Text(" " * indent + line, style=style), no_wrap=True, overflow="ignore", highlight=False)


def verdict_cell(code: str | None) -> Text:
    """A short verdict with its mark, padded to a column, readable without colour."""
    word = f"{present.MARK[code]} {SHORT[code]}" if code else ""
    return Text(f"{word:<{CELL}}", style=STYLE_OF_VERDICT.get(code, ""))


def figure_brief(v, rule: dict) -> str:
    """The primary figure against the one it is compared with, or why there is none."""
    if v.verdict == "not_checkable":
        return "not in any recorded source"
    if v.observed is None:
        return v.explanation
    compared = present.compared_phrase(v, rule)
    if rule.get("kind") == "ranked_sum_exceeds":
        compared = f"next {rule.get('next_n', 10)} {present.figure(v.claimed, rule)}"
    return f"{present.figure(v.observed, rule)} vs {compared.removeprefix('the ')}"


def claim_line(claim_id: str, stated: list, latest: list, rules: dict, live: bool) -> Text:
    """One line per claim: the primary reading's verdict as stated and latest, the id and its figure."""
    primary = next((v for v in stated if v.primary), stated[0])
    newest = next((v for v in latest if v.primary), latest[0]) if latest else None
    disagree = any(len({v.verdict for v in group}) > 1 for group in (stated, latest) if group)
    line = Text()
    line.append_text(verdict_cell(primary.verdict))
    line.append(" ")
    line.append_text(verdict_cell(newest.verdict if newest else None))
    line.append(" ")
    line.append("⇄ " if disagree else "", style=STYLE_OF_VERDICT["depends_on_reading"])
    line.append(claim_id + (" *" if live else ""), style="bold")
    line.append(": " + figure_brief(primary, rules[primary.reading]))
    return line


def detail_lines(claim, verdicts: list, rules: dict) -> list[tuple[int, str]]:
    """--verbose: every reading in both modes, with its figures, margin, the paste-ready sentence and its source,
    as (indent, text) pairs."""
    from claimwatch.claims.judge import overall

    lines = [(2, f"“{claim.sentence}”")]
    for mode in ("as_stated", "latest"):
        group = [v for v in verdicts if v.mode == mode]
        if not group or group[0].verdict == "not_checkable":
            lines += [(6, present.sentence(v, {})) for v in group]
            continue
        code, _ = overall(group)
        lines.append((2, f"{'As stated' if mode == 'as_stated' else 'Latest'} ({group[0].period}): "
                         f"{present.MARK[code]} {present.verdict_phrase(group[0]) if len(group) == 1 else present.VERDICT_WORDS[code]}"))
        for v in group:
            if len(group) > 1:
                lines.append((4, f"{present.MARK[v.verdict]} {v.reading_label}{' (primary)' if v.primary else ''}: "
                                 f"{present.verdict_phrase(v)}"))
            lines.append((6, present.sentence(v, rules[v.reading])))
            lines.append((6, present.footer(v)))
    return lines


def verdict_json(article_id: str, v, claim_verdict: str, rule: dict) -> dict:
    """One verdict as a JSON object (`claimwatch check --json`): raw numbers, and `text` with every figure printed."""
    return {
        "article": article_id, "claim": v.claim_id, "reading": v.reading, "reading_label": v.reading_label or None,
        "primary": v.primary, "mode": v.mode, "verdict": v.verdict, "verdict_text": present.verdict_phrase(v),
        "claim_verdict": claim_verdict, "observed": v.observed,
        "observed_text": present.observed_phrase(v, rule) if v.observed is not None else None,
        "claimed": v.claimed, "compared_with": present.compared_phrase(v, rule) if v.observed is not None else None,
        "margin": v.margin, "period": v.period, "window": v.window, "record_broken": v.record_broken,
        "close_to_failing": v.close, "supported": v.supported, "figures": v.figures, "vintages": list(v.vintages),
        "explanation": v.explanation, "text": present.figure_texts(v, rule),
    }


@app.command()
def check(
    article: Annotated[Optional[str], typer.Option(help="Article id (claims/<id>.yaml); default: every catalog.")] = None,
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line, one per verdict.")] = False,
    fail_on: Annotated[Optional[str], typer.Option(help="'fails': exit 1 when the primary reading of any claim fails as stated.")] = None,
    record: Annotated[bool, typer.Option("--record", help="First evaluate and store what is new (takes the run lock).")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Every reading in both modes, with sentences and sources.")] = False,
) -> None:
    """Print every claim's verdict now, one line each (primary reading, as stated and latest), from the stored steps.

    A claim with no stored step as of the newest release of its sources (just added or edited) is judged now and
    marked `*`; `--record` or the next run stores it.
    """
    from claimwatch.claims.catalog import load_catalogs
    from claimwatch.claims.judge import overall
    from claimwatch.claims.steps import current_verdicts

    if fail_on not in (None, "fails"):
        raise typer.BadParameter(f"{fail_on!r}; expected 'fails'", param_hint="--fail-on")
    catalogs = [c for c in load_catalogs() if article in (None, c.article_id)]
    if not catalogs:
        known = ", ".join(c.article_id for c in load_catalogs())
        raise typer.BadParameter(f"unknown article {article!r} (no claims/{article}.yaml); valid: {known}", param_hint="--article")
    failing, unstored, codes = [], [], []
    with writing_store(db) if record else reading_store(db) as store:
        if record:
            from claimwatch import pipeline

            pipeline.evaluate(store, catalogs)
        for catalog in catalogs:
            verdicts, live = current_verdicts(store.con, catalog)
            unstored += live
            groups: dict[tuple, list] = {}
            for v in verdicts:
                groups.setdefault((v.claim_id, v.mode), []).append(v)
            failing += [v for v in verdicts if v.primary and v.mode == "as_stated" and v.verdict == "fails"]
            if as_json:
                for group in groups.values():
                    code, _ = overall(group)
                    for v in group:
                        line = verdict_json(catalog.article_id, v, code, rule_of(catalog, v))
                        typer.echo(json.dumps(line, ensure_ascii=False, default=str))
                continue
            console.print(Text(f"{catalog.article['title']} ({catalog.article_id})", style="bold"),
                          no_wrap=True, overflow="ellipsis")
            console.print(Text(f"{'as stated':<{CELL}} {'latest':<{CELL}} claim: figure as stated", style="dim"),
                          no_wrap=True, overflow="ellipsis")
            for claim in catalog.claims:
                stated, latest = groups.get((claim.id, "as_stated"), []), groups.get((claim.id, "latest"), [])
                if not stated:
                    continue
                codes.append(overall(stated)[0])
                rules = {v.reading: rule_of(catalog, v) for v in stated + latest}
                console.print(claim_line(claim.id, stated, latest, rules, claim.id in live),
                              no_wrap=True, overflow="ellipsis", highlight=False)
                for indent, line in detail_lines(claim, stated + latest, rules) if verbose else []:
                    print_wrapped(line, indent, style="dim" if line.startswith("Source:") else "")
    if not as_json:
        print_wrapped(present.summary_line(codes))
        print_wrapped(LEGEND, style="dim")
    if unstored and not as_json:
        console.print(f"* judged now, not stored yet (new or edited since the last run): {', '.join(unstored)}; "
                      "`claimwatch check --record` stores them", highlight=False)
    if fail_on == "fails" and failing:
        message = (f"{len(failing)} claim(s) fail as stated on their primary reading: "
                   + ", ".join(sorted({v.claim_id for v in failing})))
        (err if as_json else console).print(message, soft_wrap=True, highlight=False)
        raise typer.Exit(1)


def find_claim(claim_id: str):
    """(catalog, claim) for a claim id, or ARTICLE/CLAIM where two articles share the id; else a one-line error."""
    from claimwatch.claims.articles import resolve_claim
    from claimwatch.claims.catalog import load_catalogs

    return resolve_claim(claim_id, load_catalogs())


@app.command()
def history(
    claim_id: Annotated[str, typer.Argument(help="A claim id from the catalog (ARTICLE/CLAIM when two articles share it).")],
    db: DbOption = None,
) -> None:
    """Show a claim's stored verdict as of every vintage: when it started or stopped holding, and why (read only)."""
    from claimwatch.claims.steps import claim_steps, unstored_vintages

    catalog, claim = find_claim(claim_id)
    with reading_store(db) as store:
        steps = claim_steps(store.con, catalog, claim)
        missing = unstored_vintages(store.con, catalog, claim)
    print_wrapped(f"{claim.id}: {claim.sentence}", style="bold")
    release = None
    for step in steps:
        v = step.verdict
        if step.release_id != release:
            release = step.release_id
            console.print(f"[bold]as of {escape(release)}[/] ({step.ingested_at:%Y-%m-%d})", highlight=False)
        mode = "as stated" if v.mode == "as_stated" else "latest"
        reading = f" · {v.reading_label}" if v.reading_label else ""
        console.print(Text.assemble("  ", verdict_cell(v.verdict), f" {mode}, {v.period}{reading}"),
                      no_wrap=True, overflow="ellipsis", highlight=False)
        rule = rule_of(catalog, v)
        figures = (f"{present.observed_phrase(v, rule)}, {present.margin_phrase(v, rule)}" if v.observed is not None
                   else figure_brief(v, rule))
        print_wrapped(figures, 4)
        if step.change:
            print_wrapped(f"what changed: {step.change}", 4, style="dim")
    if missing:
        console.print(f"{len(missing)} earlier vintage(s) of its sources have no stored step (the claim is new or was "
                      f"edited): `claimwatch backfill {claim.id}` evaluates them", highlight=False)
    elif not steps:
        console.print("No published release of the claim's sources in the store (or the claim needs no data).")
