"""Turn a claim's observed rows into a verdict with the wording rules, and say it in one pasteable sentence."""

from __future__ import annotations

from dataclasses import dataclass

from claimwatch.claims import wording
from claimwatch.claims.catalog import Claim

VERDICTS = ("holds", "fails", "unknown", "not_checkable")


@dataclass(frozen=True)
class Verdict:
    """A claim judged in one mode (as stated / latest) against the store as it stood at one time."""

    claim_id: str
    mode: str  # as_stated | latest
    verdict: str  # holds | fails | unknown | not_checkable
    period: str
    observed: float | None = None
    claimed: float | None = None
    margin: float | None = None
    rule: str = ""
    supported: str | None = None
    vintages: tuple[str, ...] = ()
    explanation: str = ""  # coverage of the data, or why the verdict is unknown / not checkable
    sentence: str = ""  # one plain sentence an editor can paste


def describe_change(before: Verdict | None, after: Verdict) -> str:
    """Say what moved a claim from one evaluation to the next: '' when nothing did."""
    if before is None:
        return "first evaluation"
    if (before.verdict, before.period, before.observed) == (after.verdict, after.period, after.observed):
        return ""
    if before.observed is None and after.observed is not None:
        return f"data now available for {after.period} ({', '.join(after.vintages)})"
    if before.period != after.period:
        return f"new period: {before.period} -> {after.period}"
    if before.observed is not None and after.observed is not None and before.observed != after.observed:
        added = ", ".join(sorted(set(after.vintages) - set(before.vintages)))
        return (f"revision of {after.period}: {figure_text(before.observed)} -> {figure_text(after.observed)}"
                + (f" ({added})" if added else ""))
    if before.vintages != after.vintages:
        added = ", ".join(sorted(set(after.vintages) - set(before.vintages)))
        return f"source change: {added}" if added else "source change"
    return f"{before.verdict} -> {after.verdict}: {after.explanation}"


def _single(rows: list[dict], column: str) -> float:
    if len(rows) != 1:
        raise ValueError(f"the observe query returned {len(rows)} rows; this rule needs exactly one")
    return rows[0][column]


def judge_rows(claim: Claim, rows: list[dict], params: dict) -> wording.Judgement:
    """Apply the claim's rule to the rows its `observe` query returned (or to its own figures)."""
    rule = claim.rule
    kind = rule["kind"]
    if kind == "stated_amount":
        return wording.stated_amount(_single(rows, "observed"), rule["claimed"], tolerance=rule["tolerance"],
                                     unit=rule.get("unit", "billion"), decimals=rule.get("decimals", 0))
    if kind == "times_ratio":
        return wording.times_ratio(_single(rows, "observed"), rule["claimed"], decimals=rule.get("decimals", 1))
    if kind == "more_than_multiple":
        return wording.more_than_multiple(_single(rows, "a"), _single(rows, "b"), multiple=rule.get("multiple", 2.0))
    if kind == "over_bound":
        return wording.over_bound(_single(rows, "observed"), rule["bound"])
    if kind == "approximately":
        return wording.approximately(_single(rows, "observed"), rule["claimed"],
                                     significant_figures=rule.get("significant_figures", 1))
    if kind == "nearly_percent":
        return wording.nearly_percent(_single(rows, "observed"), rule["claimed"], band=rule.get("band", 5.0))
    values = {r["key"]: r["value"] for r in rows}
    if kind == "is_extreme":
        return wording.is_extreme(values, str(rule["subject"]).format(**params), lowest=rule.get("lowest", True))
    if kind == "ranked_sum_exceeds":
        return wording.ranked_sum_exceeds(values, list(rule["top_keys"]), next_n=rule.get("next_n", 10))
    if kind == "doses_from_mass":
        return wording.doses_from_mass(rule["mass_kg"], rule["dose_mg"], rule["claimed_doses"], over=rule.get("over", True))
    raise ValueError(f"rule kind {kind!r} has no judgement")


# What the second figure of a sentence is, for rules where it is not the article's own number.
AGAINST = {"is_extreme": "the nearest other value", "ranked_sum_exceeds": "the sum it is compared with"}


def figure_text(value: float | None, display: str | None = None) -> str:
    if value is None:
        return "?"
    if display:
        return display.format(value=value)
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:,.4g}" if abs(value) < 10 else f"{value:,.1f}"


def paste_sentence(claim: Claim, verdict: Verdict) -> str:
    """One plain sentence for the editor: the figure, the claim, the rule's result and what the data supports."""
    if verdict.verdict == "not_checkable":
        return f"Not checkable against the official data claimwatch holds: {verdict.explanation}"
    if verdict.verdict == "unknown":
        return f"Cannot judge for {verdict.period} yet: {verdict.explanation}"
    sources = ", ".join(verdict.vintages) or "the article's own figures"
    display = claim.rule.get("display")
    against = AGAINST.get(claim.rule.get("kind"), "the claimed")
    text = (f"For {verdict.period}, the data ({sources}) give {figure_text(verdict.observed, display)} against {against} "
            f"{figure_text(verdict.claimed, display)} ({verdict.rule}): {verdict.verdict}.")
    if verdict.verdict == "fails" and verdict.supported:
        text += f" The data support \u201c{verdict.supported}\u201d."
    if verdict.explanation:
        text += f" Note: {verdict.explanation}."
    return text
