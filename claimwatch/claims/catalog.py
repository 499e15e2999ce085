"""Load a claim catalog (claims/<article-id>.yaml) and check it names real indicators, rules and periods."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

import yaml

from claimwatch.config import project_dir
from claimwatch.errors import FormatError

RULE_INPUTS = {  # rule kind -> the columns its `observe` query must return (None: no query)
    "stated_amount": ("observed",),
    "times_ratio": ("observed",),
    "more_than_multiple": ("a", "b"),
    "over_bound": ("observed",),
    "approximately": ("observed",),
    "nearly_percent": ("observed",),
    "is_extreme": ("key", "value"),
    "ranked_sum_exceeds": ("key", "value"),
    "missing_comparison": (),
    "doses_from_mass": None,
}
CHART_KEYS = {"query", "title", "y_label", "level", "level_label", "mark"}  # see claimwatch/charts.py


def claims_dir() -> Path:
    """The project's claims/ folder."""
    return project_dir("claims")


def indicator_path(name: str) -> Path:
    """The SQL file of an indicator."""
    return project_dir("sql") / "indicators" / f"{name}.sql"


@cache
def indicator_sql(name: str) -> str:
    """The SQL of an indicator, read once per process (a history evaluates it for every vintage)."""
    return indicator_path(name).read_text()


def latest_tables(sql: str) -> list[str]:
    """The normalised tables whose `<table>_latest` views a query reads."""
    return sorted(set(re.findall(r"\b(\w+)_latest\b", sql)))


@dataclass(frozen=True)
class Claim:
    """One catalog entry."""

    id: str
    sentence: str
    meaning: str
    indicator: str | None = None
    observe: str | None = None
    rule: dict = field(default_factory=dict)
    as_stated: dict = field(default_factory=dict)
    latest: dict | None = None
    not_checkable: dict | None = None
    chart: dict | None = None

    @property
    def kind(self) -> str:
        return "not_checkable" if self.not_checkable else self.rule["kind"]


@dataclass(frozen=True)
class Catalog:
    """An article and its claims."""

    article: dict
    claims: tuple[Claim, ...]
    path: Path

    @property
    def article_id(self) -> str:
        return self.article["id"]

    def claim(self, claim_id: str) -> Claim:
        for claim in self.claims:
            if claim.id == claim_id:
                return claim
        raise KeyError(f"no claim {claim_id!r} in {self.path}; known: {', '.join(c.id for c in self.claims)}")


def _chart_problem(entry: dict) -> str | None:
    """What is wrong with a claim's `chart` entry, or None when it is absent or well formed."""
    chart = entry.get("chart")
    if chart is None:
        return None
    if not isinstance(chart, dict):
        return "chart must be a mapping"
    unknown = set(chart) - CHART_KEYS
    if unknown:
        return f"chart has unknown key(s) {sorted(unknown)}, expected some of {sorted(CHART_KEYS)}"
    if not isinstance(chart.get("query"), str) or not chart["query"].strip():
        return "chart needs a non-empty 'query' (SQL over `indicator` returning x and y)"
    if not entry.get("indicator"):
        return "a chart needs the claim's 'indicator'"
    if not indicator_path(entry["indicator"]).is_file():
        return f"indicator {entry['indicator']!r}: no file {indicator_path(entry['indicator'])}"
    for key in ("title", "y_label", "level_label"):
        if key in chart and not isinstance(chart[key], str):
            return f"chart {key!r} must be text"
    level = chart.get("level")
    if level is not None and (isinstance(level, bool) or not isinstance(level, int | float)):
        return f"chart 'level' must be a number, not {level!r}"
    mark = chart.get("mark")
    if mark is not None and (isinstance(mark, bool) or not isinstance(mark, int | float | str | date)):
        return f"chart 'mark' must be a number, a date or text, not {mark!r}"
    try:
        chart.get("level_label", "").format(level=0.0)
    except (KeyError, IndexError, ValueError) as exc:
        return f"chart 'level_label' may only use the field {{level}} ({exc!r})"
    return None


def _check_claim(path: Path, number: int, entry: dict) -> Claim:
    where = f"claim {number} ({entry.get('id', '?')})"

    def fail(problem: str) -> FormatError:
        return FormatError(str(path), f"{where}: {problem}")

    for key in ("id", "sentence", "meaning"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise fail(f"needs a non-empty '{key}'")
    unknown = set(entry) - set(Claim.__dataclass_fields__)
    if unknown:
        raise fail(f"unknown field(s) {sorted(unknown)}")
    problem = _chart_problem(entry)
    if problem:
        raise fail(problem)
    if entry.get("not_checkable"):
        if not {"reason", "source_needed"} <= set(entry["not_checkable"]):
            raise fail("not_checkable needs 'reason' and 'source_needed'")
        return Claim(**entry)
    rule = entry.get("rule") or {}
    if rule.get("kind") not in RULE_INPUTS:
        raise fail(f"rule kind {rule.get('kind')!r}, expected one of {sorted(RULE_INPUTS)}")
    if not rule.get("why"):
        raise fail("rule needs a 'why': the reason for its tolerance")
    if RULE_INPUTS[rule["kind"]] is not None:
        if not entry.get("indicator") or not entry.get("observe"):
            raise fail(f"a {rule['kind']} rule needs an 'indicator' and an 'observe' query")
        if not indicator_path(entry["indicator"]).is_file():
            raise fail(f"indicator {entry['indicator']!r}: no file {indicator_path(entry['indicator'])}")
    if "label" not in (entry.get("as_stated") or {}):
        raise fail("as_stated needs a 'label' (the period as the article states it)")
    return Claim(**entry)


def load_catalog(path: Path) -> Catalog:
    """Read and check one catalog file; a malformed one raises FormatError naming the claim."""
    try:
        doc = yaml.safe_load(Path(path).read_text())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise FormatError(str(path), f"not valid YAML ({exc})", row=mark.line + 1 if mark else None) from None
    article = (doc or {}).get("article") or {}
    if article.get("id") != Path(path).stem:
        raise FormatError(str(path), f"article id {article.get('id')!r} should be the file's name {Path(path).stem!r}")
    claims = tuple(_check_claim(Path(path), n, e) for n, e in enumerate(doc.get("claims") or [], start=1))
    ids = [c.id for c in claims]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise FormatError(str(path), f"duplicate claim id(s) {duplicates}")
    return Catalog(article, claims, Path(path))


def load_catalogs(folder: Path | None = None) -> list[Catalog]:
    """Every catalog in claims/."""
    return [load_catalog(p) for p in sorted((folder or claims_dir()).glob("*.yaml"))]
