"""A verdict as Slack and the status site print it, every figure through claimwatch/present.py from the verdict's
stored numbers (so a store written by an older version reads the same): its mark and word, the line of its
figures, and its paste-ready sentence with the provenance footer."""

from __future__ import annotations

from claimwatch import present
from claimwatch.claims.catalog import Claim
from claimwatch.claims.judge import Verdict

MARK = {"holds": "✓", "holds_over_coverage": "◐", "fails": "✗", "unknown": "?", "not_checkable": "–",
        "depends_on_reading": "⇄", None: "·"}
WORD = {"holds": "holds", "holds_over_coverage": "holds over the data's years", "fails": "fails", "unknown": "unknown",
        "not_checkable": "not checkable", "depends_on_reading": "depends on the reading", None: "not yet told"}
MODE = {"as_stated": "as stated", "latest": "latest period"}


def verdict_text(verdict: str | None) -> str:
    """A verdict with its mark, readable without colour."""
    return f"{MARK[verdict]} {WORD[verdict]}"


def rule_of(claim: Claim, v: Verdict) -> dict:
    """The rule a verdict was judged by ({} for a claim with no readings, or a reading no longer in the catalog)."""
    return next((r.rule for r in claim.readings if r.id == v.reading), {})


def figure_line(claim: Claim, v: Verdict) -> str:
    """The observed figure with whose it is and the margin in words against the other figure (present.py, from the
    verdict's numbers), or why there is none: "Mexico's $334.0 billion, $15.3 billion below Canada's $349.4 billion"."""
    if v.observed is None:
        return v.explanation or "no figure"
    rule = rule_of(claim, v)
    margin = present.margin_phrase(v, rule)
    return f"{present.observed_phrase(v, rule)}, {margin}" if margin else present.observed_phrase(v, rule)


def paste_ready(claim: Claim, v: Verdict) -> tuple[str, str]:
    """The paste-ready sentence (newsroom prose, no release ids) and its provenance footer line, from the numbers."""
    return present.sentence(v, rule_of(claim, v)), present.footer(v)
