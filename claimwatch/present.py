"""One way to print every figure claimwatch shows: terminal, JSON, history, site, Slack and charts (pure, no I/O).

Every figure is printed from its rule's settings in the catalog (claims/*.yaml): `display` ("${value:,.1f} billion")
for figures, `published` ({scale: 1000, display: "${value:,.1f}M"}) for revisions at the agency's unit. Numbers are
rounded half up, as the wording rules round. The API the Slack, site and chart code call:

- `figure(value, rule)`: a figure as displayed ("$334.0 billion", "25,185 encounters"); "?" when missing.
- `stated(value, rule)`: the article's own figure with only the digits it has ("$335 billion", "2.3 times").
- `published(value, rule)`: a figure at the unit its agency publishes it ("$334,041.4M"), else as displayed.
- `amount(value, rule)`: a difference, unsigned, at the display's precision ("$1.0 billion"); at the published unit
  when that precision would round it to nothing.
- `whose(owner, text)`: a figure named by whose it is ("Canada's $349.4 billion", "July 2025's 24,589 encounters").
- `observed_phrase(v, rule)` / `compared_phrase(v, rule)`: a verdict's two figures, each with whose it is, from its
  stored numbers (so stores written by older versions print the same way).
- `margin_phrase(v, rule)`: the margin in words with its unit ("$1.0 billion below the claimed $335 billion, within
  the ±1% the rule allows"; "$15.3 billion below Canada's $349.4 billion").
- `sentence(v, rule)`: a paste-ready sentence in newsroom prose, no release ids or rule jargon; `footer(v)`: its
  provenance line (the releases and what they cover).
- `verdict_phrase(v)`: the verdict in words with its window; `summary_line(codes)`: "23 claims: 6 hold, …".
- `figure_texts(v, rule)`: every figure of a verdict as text (the `text` field of `claimwatch check --json`).
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

# The verdict codes in words (also claimwatch/claims/judge.py's VERDICTS and "depends_on_reading").
VERDICT_WORDS = {"holds": "holds", "holds_over_coverage": "holds", "fails": "fails", "unknown": "unknown",
                 "not_checkable": "not checkable", "depends_on_reading": "depends on the reading"}
MARK = {"holds": "✓", "holds_over_coverage": "◐", "fails": "✗", "unknown": "?", "not_checkable": "–",
        "depends_on_reading": "⇄", None: "·"}
FIELD = re.compile(r"\{value(?::(?P<spec>[^}]*))?\}")
FIXED = re.compile(r"^(?P<head>[^.]*)\.(?P<digits>\d+)f$")


def _decimal(value: float) -> Decimal:
    return Decimal(value) if isinstance(value, int) else Decimal(str(value))


def number(value: float, display: str | None, digits: int | None = None) -> str:
    """A number through a display template, rounded half up (`digits` overrides the template's decimals)."""
    if not display:
        display = "{value:,.0f}" if abs(value) >= 1000 else "{value:,.1f}" if abs(value) >= 10 else "{value:,.4g}"
    found = FIELD.search(display)
    spec = (found.group("spec") or "") if found else ""
    fixed = FIXED.match(spec)
    if not found or not fixed:
        return display.format(value=value)
    places = int(fixed.group("digits")) if digits is None else digits
    rounded = _decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if rounded == 0:
        rounded = abs(rounded)  # never "-0.0"
    text = format(rounded, f"{fixed.group('head')}.{places}f")
    return display[:found.start()] + text + display[found.end():]


def figure(value: float | None, rule: dict | None = None) -> str:
    """A figure as its rule displays it; '?' when missing."""
    return "?" if value is None else number(value, (rule or {}).get("display"))


def _places(display: str | None) -> int | None:
    found = FIELD.search(display or "")
    fixed = FIXED.match((found.group("spec") or "") if found else "")
    return int(fixed.group("digits")) if fixed else None


def stated(value: float | None, rule: dict | None = None) -> str:
    """The article's own figure with only the digits it has: 335 -> '$335 billion', 2.3 -> '2.3 times'."""
    if value is None:
        return "?"
    display = (rule or {}).get("display")
    places = _places(display)
    exponent = _decimal(value).normalize().as_tuple().exponent
    needed = max(0, -exponent) if isinstance(exponent, int) else 0
    return number(value, display, min(places, needed) if places is not None else None)


def published(value: float | None, rule: dict | None = None) -> str:
    """A figure at the unit its agency publishes it (rule `published`), else as displayed."""
    unit = (rule or {}).get("published")
    if value is None or not unit:
        return figure(value, rule)
    return number(value * unit.get("scale", 1), unit["display"])


def amount(value: float, rule: dict | None = None) -> str:
    """A difference, unsigned, at the display's precision; at the published unit when that would round it to 0."""
    rule = rule or {}
    text = figure(abs(value), rule)
    if rule.get("published") and value and not re.search(r"[1-9]", text):
        return published(abs(value), rule)
    return text


def period_name(key: object) -> str:
    """A period key as words: '2025-06' -> 'June 2025'; anything else as it is."""
    try:
        return f"{datetime.strptime(str(key), '%Y-%m'):%B %Y}"
    except ValueError:
        return str(key)


OWNER_YEAR = re.compile(r"^(?P<name>.*\S) (?P<year>\d{4})$")
MONTHS = {f"{datetime(2000, m, 1):%B}" for m in range(1, 13)}


def release_name(release_id: str) -> str:
    """A release as prose names it, without the hash that keeps it unique: 'census_trade/2025-04@b06b33b6' ->
    'the census_trade release 2025-04' (the id itself stays in footers and provenance)."""
    source, _, rest = release_id.partition("/")
    label = rest.rsplit("@", 1)[0]
    return f"the {source} release {label}" if label else release_id


def releases_named(release_ids) -> str:
    """Several releases in prose: 'the census_trade release 2025-04 and the cbp_encounters release fy22-fy25'."""
    names = [release_name(r) for r in release_ids]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1] if names else ""


def owner_name(owner: object) -> str:
    """A figure's owner in words: '2025-07' -> 'July 2025', 'Mexico 2023' -> 'Mexico in 2023', 'Canada' as it is."""
    name = period_name(owner)
    year = OWNER_YEAR.match(name)
    return f"{year.group('name')} in {year.group('year')}" if year and year.group("name") not in MONTHS else name


def whose(owner: object, text: str) -> str:
    """A figure named by whose it is: ('Canada', '$349.4 billion') -> "Canada's $349.4 billion"; a month key
    ('2025-07') -> "July 2025's 24,589 encounters"; a key with a year ('Mexico 2023') -> "Mexico's $798.0 billion
    in 2023"."""
    name = owner_name(owner)
    if " in " in name and name.rsplit(" in ", 1)[1].isdigit():
        who, year = name.rsplit(" in ", 1)
        return f"{who}'{'' if who.endswith('s') else 's'} {text} in {year}"
    return f"{name}'{'' if name.endswith('s') else 's'} {text}"


def _runner(v) -> str | None:
    """The other key of a record claim's figures: the figure the subject is compared with."""
    others = [k for k in (v.figures or {}) if k != v.subject]
    return others[0] if others else None


def _following(v, rule: dict) -> list[str]:
    top = [str(k) for k in rule.get("top_keys", [])]
    return [k for k in (v.figures or {}) if k not in top]


def compared_owner(v, rule: dict) -> str:
    """Whose the compared figure is, in words."""
    kind = rule.get("kind")
    if kind == "is_extreme":
        return period_name(_runner(v) or "the nearest other value")
    if kind == "ranked_sum_exceeds":
        ranked = f" by {rule['ranked_by']}" if rule.get("ranked_by") else ""
        named = ", ".join(_following(v, rule)[:3])
        return f"the next {rule.get('next_n', 10)}{ranked} combined" + (f" ({named}, …)" if named else "")
    return "the article"


def observed_phrase(v, rule: dict) -> str:
    """The observed figure with whose it is: "Mexico's $334.0 billion", "exports to Mexico: $334.0 billion"."""
    text = figure(v.observed, rule)
    kind = rule.get("kind")
    if kind == "is_extreme" and v.subject:
        return whose(v.subject, text)
    if kind == "ranked_sum_exceeds":
        return f"{' and '.join(map(str, rule.get('top_keys', [])))} together: {text}"
    return f"{v.subject}: {text}" if v.subject else text


def compared_phrase(v, rule: dict) -> str:
    """The figure the observed one is compared with, with whose it is: "Canada's $349.4 billion", "the claimed $335
    billion", "the next 10 by total trade combined (China, Germany, Japan, …): $647.8 billion"."""
    kind = rule.get("kind")
    if kind == "is_extreme":
        return whose(_runner(v) or "the nearest other value", figure(v.claimed, rule))
    if kind == "ranked_sum_exceeds":
        return f"{compared_owner(v, rule)}: {figure(v.claimed, rule)}"
    if kind == "over_bound":
        return f"the claimed over {stated(v.claimed, rule)}"
    if kind == "nearly_percent":
        return f"the claimed nearly {stated(v.claimed, rule)}"
    return f"the claimed {stated(v.claimed, rule)}"


def _bounds(rule: dict, claimed: float) -> tuple[Decimal, Decimal]:
    """The values that round to the claimed figure (times_ratio by decimals, approximately by significant figures)."""
    claim = _decimal(claimed)
    if rule.get("kind") == "times_ratio":
        half = Decimal(5).scaleb(-rule.get("decimals", 1) - 1)
        return claim - half, claim + half
    step = Decimal(1).scaleb(claim.adjusted() - rule.get("significant_figures", 1) + 1)
    below = step / 10 if claim == Decimal(1).scaleb(claim.adjusted()) else step
    return claim - below / 2, claim + step / 2


def margin_phrase(v, rule: dict) -> str:
    """How far the observed figure is from the one it is compared with, in words with its unit, and what the rule
    allows: "$1.0 billion below the claimed $335 billion, within the ±1% the rule allows"."""
    kind = rule.get("kind")
    if v.observed is None or v.claimed is None:
        return ""
    diff = v.observed - v.claimed
    side = "above" if diff > 0 else "below"
    if kind == "stated_amount":
        allowed = format(_decimal(rule.get("tolerance", 0)) * 100, "f").rstrip("0").rstrip(".")
        inside = "within" if v.verdict != "fails" else "outside"
        if not diff:
            return f"exactly the claimed {stated(v.claimed, rule)}"
        return f"{amount(diff, rule)} {side} the claimed {stated(v.claimed, rule)}, {inside} the ±{allowed}% the rule allows"
    if kind in ("times_ratio", "approximately"):
        lower, upper = _bounds(rule, v.claimed)
        inside = "within" if v.verdict != "fails" else "outside"
        return (f"{inside} the {stated(float(lower), rule)} to under {stated(float(upper), rule)} that rounds to the "
                f"claimed {stated(v.claimed, rule)}")
    if kind == "nearly_percent":
        low = float(_decimal(v.claimed) - _decimal(rule.get("band", 5.0)))
        where = "within" if v.verdict != "fails" else "above" if diff > 0 else "below"
        percent = {"display": "{value:.1f}%"}
        return (f"{where} the {stated(low, percent)} to {stated(v.claimed, percent)} that “nearly "
                f"{stated(v.claimed, percent)}” allows")
    if kind == "over_bound":
        if v.verdict == "fails":
            return f"{amount(diff, rule)} short of the {stated(v.claimed, rule)} the claim must exceed" if diff else \
                f"exactly the {stated(v.claimed, rule)} the claim must exceed"
        return f"{amount(diff, rule)} over the claimed {stated(v.claimed, rule)}"
    if kind == "is_extreme":
        word = "lowest" if rule.get("lowest", True) else "highest"
        beaten = v.verdict != "fails"
        other = f"the next {word}, " if beaten else ""
        return f"{amount(diff, rule)} {side} {other}{compared_phrase(v, rule)}" if diff else \
            f"level with {compared_phrase(v, rule)}"
    if kind == "ranked_sum_exceeds":
        more = "more than" if diff > 0 else "less than" if diff < 0 else "the same as"
        return f"{amount(diff, rule) + ' ' if diff else ''}{more} the {figure(v.claimed, rule)} of {compared_owner(v, rule)}"
    return f"{amount(diff, rule)} {side} {compared_phrase(v, rule)}" if diff else f"exactly {compared_phrase(v, rule)}"


def window_phrase(window: dict | None) -> str:
    """How far back a record claim's data reach, in words."""
    if not window:
        return ""
    years = f"{window['covered_years']:g} years"
    if window.get("needed_years"):
        return f"over the {years} the data cover, since {window['since']} (claim: {window['needed_years']} years)"
    return f"since {window['since']}, the start of the series ({years} of data)"


def verdict_phrase(v) -> str:
    """The verdict in words, with the window a record claim holds over."""
    if v.verdict == "holds_over_coverage":
        return f"holds {window_phrase(v.window)}"
    return VERDICT_WORDS[v.verdict]


def observed_owner(v, rule: dict) -> str:
    """Whose the observed figure is, in words ('' when the figure says it: "89.0% lower")."""
    if rule.get("kind") == "ranked_sum_exceeds":
        return f"{' and '.join(map(str, rule.get('top_keys', [])))} together"
    return owner_name(v.subject) if v.subject else ""


def _period_said(v, owner: str) -> str:
    """'In calendar 2024, ' unless the owner already names the period."""
    year = re.search(r"\d{4}", v.period or "")
    if not v.period or owner and (owner in v.period or year and year.group() in owner):
        return ""
    return f"In {v.period}, "


def sentence(v, rule: dict) -> str:
    """A paste-ready sentence in newsroom prose: the figure, whose it is, against what, and the verdict."""
    reading = f" on the reading {v.reading_label}" if v.reading_label else ""
    if v.verdict == "not_checkable":
        return f"The official data claimwatch holds cannot check this claim: {v.explanation}"
    if v.verdict == "unknown":
        return f"The claim cannot be judged for {v.period} yet{reading}: {v.explanation.rstrip('.')}."
    owner = observed_owner(v, rule)
    said = _period_said(v, owner)
    what = figure(v.observed, rule) + (f" for {owner}" if owner else "")
    if rule.get("kind") == "nearly_percent":
        what = f"a figure {what}"
    text = f"{said}{'the' if said else 'The'} data give {what}, {margin_phrase(v, rule)}: the claim {verdict_phrase(v)}{reading}."
    if v.verdict == "fails" and v.supported:
        text += f" The data support “{v.supported}”."
    if v.record_broken:
        text += f" The record has since been broken: {v.record_broken}."
    return text


def footer(v) -> str:
    """Where a verdict's figures come from: the releases and what they cover (kept apart from the sentence)."""
    sources = ", ".join(v.vintages) if v.vintages else "the article's own figures"
    note = f"; {v.explanation}" if v.explanation and v.verdict not in ("unknown", "not_checkable") else ""
    return f"Source: {sources}{note}"


def figure_texts(v, rule: dict) -> dict:
    """Every figure of a verdict as text, beside its raw number (`claimwatch check --json`)."""
    if v.observed is None:
        return {"observed": None, "claimed": None, "compared_with": None, "margin": None, "figures": {},
                "sentence": sentence(v, rule), "footer": footer(v)}
    return {"observed": figure(v.observed, rule), "claimed": stated(v.claimed, rule),
            "compared_with": compared_phrase(v, rule), "margin": margin_phrase(v, rule),
            "figures": {str(k): published(x, rule) if rule.get("published") else figure(x, rule)
                        for k, x in (v.figures or {}).items()},
            "sentence": sentence(v, rule), "footer": footer(v)}


SUMMARY_ORDER = (("holds", "hold", "holds"), ("fails", "fail", "fails"),
                 ("depends_on_reading", "depend on the reading", "depends on the reading"),
                 ("unknown", "unknown", "unknown"), ("not_checkable", "not checkable", "not checkable"))


def summary_line(codes: list[str]) -> str:
    """'23 claims: 6 hold, 2 fail, 3 depend on the reading, 1 unknown, 11 not checkable' (a record holding over the
    data's years counts as holding)."""
    counts = {code: 0 for code, *_ in SUMMARY_ORDER}
    for code in codes:
        counts["holds" if code == "holds_over_coverage" else code] += 1
    parts = [f"{n} {many if n != 1 else one}" for code, many, one in SUMMARY_ORDER if (n := counts[code])]
    return f"{len(codes)} claim{'s' if len(codes) != 1 else ''}: " + ", ".join(parts)
