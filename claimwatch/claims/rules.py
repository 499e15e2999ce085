"""The registry of rule kinds: each kind's parameters, their types, and the observe columns it needs (pure).

A catalog entry is checked against this registry when it loads (`problems` returns every problem at once), so
a misspelt parameter or a claimed value the rule cannot express is a catalog error, never an "unknown" verdict.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

NUMBER = (int, float)


@dataclass(frozen=True)
class Param:
    """One rule parameter: its accepted types, whether it must be given, and what it means."""

    types: tuple[type, ...]
    required: bool = False
    doc: str = ""


@dataclass(frozen=True)
class RuleKind:
    """A rule kind: the columns its observe query must return (None: no query) and its own parameters."""

    columns: tuple[str, ...] | None
    params: dict[str, Param] = field(default_factory=dict)
    optional_columns: tuple[str, ...] = ()


COMMON = {  # every rule kind takes these
    "kind": Param((str,), True, "the rule kind"),
    "why": Param((str,), True, "the reason for the rule and its tolerance, in plain words"),
    "display": Param((str,), False, "how a figure prints, a format string on {value}"),
    "published": Param((dict,), False, "the figures' published unit: {scale, display}"),
    "prefix": Param((str,), False, 'printed before an amount ("$" for money, "" for counts)'),
    "unit": Param((str,), False, 'printed after an amount ("billion", "encounters")'),
    "close_share": Param(NUMBER, False, "alert 'close to failing' when the margin is within this share of the threshold"),
}
RECORD = {  # rules over periods: a record low/high
    "window": Param((int, str), False, 'years a record claim covers ("in 30 years": 30), or "all" (on record)'),
}
RULES: dict[str, RuleKind] = {
    "stated_amount": RuleKind(("observed",), {"claimed": Param(NUMBER, True), "tolerance": Param(NUMBER, True),
                                              "decimals": Param((int,))}, ("subject", "figures")),
    "times_ratio": RuleKind(("observed",), {"claimed": Param(NUMBER, True), "decimals": Param((int,))},
                            ("subject", "figures")),
    "more_than_multiple": RuleKind(("a", "b"), {"multiple": Param(NUMBER)}, ("subject", "figures")),
    "over_bound": RuleKind(("observed",), {"bound": Param(NUMBER, True)}, ("subject", "figures")),
    "approximately": RuleKind(("observed",), {"claimed": Param(NUMBER, True), "significant_figures": Param((int,))},
                              ("subject", "figures")),
    "nearly_percent": RuleKind(("observed",), {"claimed": Param(NUMBER, True), "band": Param(NUMBER)},
                               ("subject", "figures")),
    "is_extreme": RuleKind(("key", "value"), {"subject": Param((str,), True), "lowest": Param((bool,)), **RECORD},
                           ("period", "problem")),
    "ranked_sum_exceeds": RuleKind(("key", "value"), {"top_keys": Param((list,), True), "next_n": Param((int,)),
                                                      "ranked_by": Param((str,))}, ("rank_value",)),
    "missing_comparison": RuleKind((), {"missing": Param((str,), True)}),
    "doses_from_mass": RuleKind(None, {"mass_kg": Param(NUMBER, True), "dose_mg": Param(NUMBER, True),
                                       "claimed_doses": Param(NUMBER, True), "over": Param((bool,))}),
}


def _type_names(types: tuple[type, ...]) -> str:
    return " or ".join({"int": "an integer", "float": "a number", "str": "text", "bool": "true/false",
                        "list": "a list", "dict": "a mapping"}[t.__name__] for t in types)


def _expressible(kind: str, rule: dict) -> list[str]:
    """Problems with a claimed value the rule cannot express (e.g. 2.35 at one decimal)."""
    found = []
    if kind == "times_ratio" and isinstance(rule.get("claimed"), NUMBER) and isinstance(rule.get("decimals", 1), int):
        decimals = rule.get("decimals", 1)
        claimed = Decimal(str(rule["claimed"]))
        if claimed <= 0 or claimed != claimed.quantize(Decimal(1).scaleb(-decimals)):
            found.append(f"rule.claimed {rule['claimed']} cannot be stated at {decimals} decimal(s) "
                         f"(rule.decimals); give the ratio as the article rounds it")
    if (kind == "approximately" and isinstance(rule.get("claimed"), NUMBER)
            and isinstance(rule.get("significant_figures", 1), int)):
        figures = rule.get("significant_figures", 1)
        claimed = Decimal(str(rule["claimed"]))
        if claimed <= 0 or len(claimed.normalize().as_tuple().digits) > figures:
            found.append(f"rule.claimed {rule['claimed']} has more than {figures} significant figure(s) "
                         f"(rule.significant_figures)")
    for name in ("tolerance", "band"):
        if isinstance(rule.get(name), NUMBER) and rule[name] < 0:
            found.append(f"rule.{name} must not be negative, got {rule[name]}")
    if kind == "ranked_sum_exceeds":
        keys = rule.get("top_keys")
        if isinstance(keys, list) and (not keys or not all(isinstance(k, str) for k in keys)):
            found.append("rule.top_keys must be a non-empty list of key names")
        if isinstance(rule.get("next_n"), int) and rule["next_n"] < 1:
            found.append(f"rule.next_n must be at least 1, got {rule['next_n']}")
    window = rule.get("window")
    if window is not None and not (window == "all" or (isinstance(window, int) and window > 0)):
        found.append(f'rule.window must be a number of years or "all", got {window!r}')
    published = rule.get("published")
    if isinstance(published, dict):
        if set(published) - {"scale", "display"} or not isinstance(published.get("display"), str):
            found.append("rule.published must be {scale: number, display: format string on {value}}")
    return found


def problems(rule: object) -> list[str]:
    """Every problem with one rule entry, each naming the field; [] when it is well formed."""
    if not isinstance(rule, dict):
        return ["rule must be a mapping with a 'kind'"]
    kind = rule.get("kind")
    if kind not in RULES:
        return [f"rule kind {kind!r}, expected one of {sorted(RULES)}"]
    spec = {**COMMON, **RULES[kind].params}
    found = []
    for name in sorted(set(rule) - set(spec)):
        found.append(f"rule.{name} is not a parameter of {kind}; expected some of {sorted(spec)}")
    for name, param in spec.items():
        if name not in rule:
            if param.required:
                found.append(f"rule.{name} is required for {kind}" + (f" ({param.doc})" if param.doc else ""))
            continue
        value = rule[name]
        if isinstance(value, bool) and bool not in param.types or not isinstance(value, param.types):
            found.append(f"rule.{name} must be {_type_names(param.types)}, got {value!r}")
    display = rule.get("display")
    if isinstance(display, str):
        try:
            display.format(value=1.0)
        except (KeyError, IndexError, ValueError) as exc:
            found.append(f"rule.display may only use the field {{value}} ({exc!r})")
    return found + _expressible(kind, rule)
