"""Turn a claim's observed rows into a verdict with the wording rules, and say it in one pasteable sentence."""

from __future__ import annotations

from dataclasses import dataclass

from claimwatch import present
from claimwatch.claims import wording

VERDICTS = ("holds", "holds_over_coverage", "fails", "unknown", "not_checkable")
DEPENDS = "depends_on_reading"  # the overall verdict when a claim's readings disagree


@dataclass(frozen=True)
class Verdict:
    """A claim judged under one reading in one mode (as stated / latest) against the store as it stood at one time."""

    claim_id: str
    mode: str  # as_stated | latest
    verdict: str  # one of VERDICTS
    period: str
    observed: float | None = None
    claimed: float | None = None
    margin: float | None = None
    rule: str = ""
    supported: str | None = None
    vintages: tuple[str, ...] = ()
    explanation: str = ""  # coverage of the data, or why the verdict is unknown / not checkable
    sentence: str = ""  # one plain sentence an editor can paste
    reading: str | None = None  # the reading's id; None for a claim with a single reading
    reading_label: str = ""
    primary: bool = True
    subject: str | None = None  # whose the observed figure is ("Mexico", "June 2025")
    observed_text: str = ""  # the observed figure printed, with whose it is ("Mexico: $334.0 billion")
    compared_with: str | None = None  # the other figure printed, with whose it is ("Canada: $349.4 billion")
    window: dict | None = None  # record claims: {"needed_years": 30 or None, "covered_years": 25.8, "since": ...}
    figures: dict | None = None  # the named figures behind the verdict, in the indicator's unit
    record_broken: str | None = None  # as stated: a later period that beat the stated record
    close: bool = False  # holds, but within the catalog's close_share of its threshold

    @property
    def details(self) -> dict:
        """The fields stored as JSON beside the flat columns."""
        return {k: getattr(self, k) for k in DETAIL_FIELDS}


DETAIL_FIELDS = ("reading_label", "primary", "subject", "observed_text", "compared_with", "window", "figures", "record_broken", "close")


def period_name(key: object) -> str:
    """A period key as words: '2025-06' -> 'June 2025'; anything else as it is."""
    return present.period_name(key)


def published_text(value: float | None, rule: dict) -> str:
    """A figure behind a verdict at the unit its source publishes it in (rule.published), else as displayed."""
    return present.published(value, rule)


def window_text(window: dict | None) -> str:
    """How far back a record claim's data reach, in words."""
    return present.window_phrase(window)


def verdict_words(v: Verdict) -> str:
    """The verdict in words, with the window a record claim holds over."""
    return present.verdict_phrase(v)


def overall(verdicts: list[Verdict]) -> tuple[str, str]:
    """The verdict of a claim in one mode over all its readings, and the words that say it honestly.

    All readings agree: that verdict. Holds on every reading, some only over the data's window: that
    window verdict. Otherwise the verdict depends on the reading, and the words give each one.
    """
    codes = {v.verdict for v in verdicts}
    if len(verdicts) == 1:
        return verdicts[0].verdict, verdict_words(verdicts[0])
    if len(codes) == 1 or codes == {"holds", "holds_over_coverage"}:
        code = codes.pop() if len(codes) == 1 else "holds_over_coverage"
    else:
        code = DEPENDS
    parts = []
    for v in sorted(verdicts, key=lambda v: not v.primary):
        figure = f" ({v.observed_text} vs {v.compared_with})" if v.observed_text and v.compared_with else ""
        parts.append(f"{verdict_words(v)} {v.reading_label}{figure}")
    prefix = "depends on the reading: " if code == DEPENDS else ""
    return code, prefix + "; ".join(parts)


def describe_change(before: Verdict | None, after: Verdict, rule: dict | None = None) -> str:
    """Say what moved a claim from one evaluation to the next, naming each figure that moved: '' when nothing did."""
    rule = rule or {}
    if before is None:
        return "first evaluation"
    if (before.verdict, before.period, before.observed, before.figures) == (
            after.verdict, after.period, after.observed, after.figures):
        return ""
    if before.observed is None and after.observed is not None:
        return f"data now available for {after.period} in {present.releases_named(after.vintages)}"
    if before.period != after.period:
        return f"new period: {before.period} -> {after.period}"
    added = present.releases_named(sorted(set(after.vintages) - set(before.vintages)))
    moved = moved_figures(before, after, rule)
    if moved:
        return f"revision of {after.period}: " + "; ".join(moved) + (f", in {added}" if added else "")
    if before.observed is not None and after.observed is not None and before.observed != after.observed:
        return (f"revision of {after.period}: {figure_text(before.observed, rule.get('display'))} -> "
                f"{figure_text(after.observed, rule.get('display'))}" + (f", in {added}" if added else ""))
    if before.vintages != after.vintages:
        return f"now read from {added}" if added else "source change"
    return f"{before.verdict} -> {after.verdict}: {after.explanation}"


def moved_figures(before: Verdict, after: Verdict, rule: dict) -> list[str]:
    """Each named figure whose value changed, at its published unit: "Mexico revised from $X to $Y"."""
    old, new = before.figures or {}, after.figures or {}
    moved = []
    for key in [k for k in new if k in old] + [k for k in new if k not in old]:
        if key in old and old[key] != new[key]:
            moved.append(f"{period_name(key)} revised from {published_text(old[key], rule)} to "
                         f"{published_text(new[key], rule)}")
        elif key not in old and old:
            moved.append(f"{period_name(key)} now enters the comparison at {published_text(new[key], rule)}")
    return moved


def _single(rows: list[dict], column: str) -> float:
    if len(rows) != 1:
        raise ValueError(f"the observe query returned {len(rows)} rows; this rule needs exactly one")
    return rows[0][column]


@dataclass(frozen=True)
class Judged:
    """A rule's judgement with the figures behind it, each named by whose it is."""

    judgement: wording.Judgement
    subject: str | None
    observed_text: str
    compared_with: str
    figures: dict


def _money(rule: dict) -> dict:
    return {"prefix": rule.get("prefix", ""), "unit": rule.get("unit", "")}


def _judged(rule: dict, judged: wording.Judgement, subject: str | None, figures: dict) -> Judged:
    """The judgement with its two figures printed by the presentation module, each with whose it is."""
    shown = Verdict("", "", "holds" if judged.holds else "fails", "", observed=judged.observed, claimed=judged.claimed,
                    subject=subject, figures={str(k): v for k, v in figures.items()})
    return Judged(judged, subject, present.observed_phrase(shown, rule), present.compared_phrase(shown, rule), figures)


def judge_rows(rule: dict, rows: list[dict], params: dict) -> Judged:
    """Apply a reading's rule to the rows its `observe` query returned (or to its own figures)."""
    kind = rule["kind"]
    if kind in ("is_extreme", "ranked_sum_exceeds"):
        values = {r["key"]: r["value"] for r in rows}
        if kind == "is_extreme":
            subject = str(rule["subject"]).format(**params)
            judged = wording.is_extreme(values, subject, lowest=rule.get("lowest", True))
            others = {k: v for k, v in values.items() if k != subject and v is not None}
            runner = (min if rule.get("lowest", True) else max)(others, key=others.get)
            return _judged(rule, judged, subject, {subject: values[subject], runner: values[runner]})
        ranks = {r["key"]: r["rank_value"] for r in rows} if rows and "rank_value" in rows[0] else None
        top, n = list(rule["top_keys"]), rule.get("next_n", 10)
        judged = wording.ranked_sum_exceeds(values, top, next_n=n, ranks=ranks)
        order = ranks or values
        following = sorted((k for k in values if k not in top), key=lambda k: order[k], reverse=True)[:n]
        return _judged(rule, judged, " and ".join(top), {k: values[k] for k in [*top, *following]})
    if kind == "doses_from_mass":
        judged = wording.doses_from_mass(rule["mass_kg"], rule["dose_mg"], rule["claimed_doses"],
                                         over=rule.get("over", True))
        return _judged(rule, judged, "the article's 258 kg", {})
    row = rows[0] if len(rows) == 1 else {}
    if kind == "stated_amount":
        judged = wording.stated_amount(_single(rows, "observed"), rule["claimed"], tolerance=rule["tolerance"],
                                       decimals=rule.get("decimals", 0), **_money(rule))
    elif kind == "times_ratio":
        judged = wording.times_ratio(_single(rows, "observed"), rule["claimed"], decimals=rule.get("decimals", 1))
    elif kind == "more_than_multiple":
        judged = wording.more_than_multiple(_single(rows, "a"), _single(rows, "b"), multiple=rule.get("multiple", 2.0))
    elif kind == "over_bound":
        judged = wording.over_bound(_single(rows, "observed"), rule["bound"], **_money(rule))
    elif kind == "approximately":
        judged = wording.approximately(_single(rows, "observed"), rule["claimed"],
                                       significant_figures=rule.get("significant_figures", 1), **_money(rule))
    elif kind == "nearly_percent":
        judged = wording.nearly_percent(_single(rows, "observed"), rule["claimed"], band=rule.get("band", 5.0))
    else:
        raise ValueError(f"rule kind {kind!r} has no judgement")
    subject = row.get("subject")
    figures = dict(row["figures"]) if isinstance(row.get("figures"), dict) else {subject or "observed": judged.observed}
    return _judged(rule, judged, subject, figures)


def figure_text(value: float | None, display: str | None = None) -> str:
    """The one way a figure is printed: through the rule's display, else plain digits (claimwatch/present.py)."""
    return present.figure(value, {"display": display})


def paste_sentence(verdict: Verdict, rule: dict | None = None) -> str:
    """One sentence of newsroom prose for the editor: the figure, whose it is, against what, and the result.

    Provenance (the releases) is not in it: `present.footer(verdict)` says it on a line of its own."""
    return present.sentence(verdict, rule or {})
