"""Load a claim catalog (claims/<article-id>.yaml) and check it names real indicators, rules and periods."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

import yaml

from claimwatch.config import project_dir
from claimwatch.claims import rules
from claimwatch.claims.articles import article_problems, catalog_files, project_claims_dir
from claimwatch.errors import CatalogError, FormatError

CHART_KEYS = {"query", "title", "y_label", "level", "level_label", "mark", "display"}  # see claimwatch/charts.py


def claims_dir() -> Path:
    """The project's own catalogs folder (claims/ in a checkout, shipped inside the wheel)."""
    return project_claims_dir()


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
class Reading:
    """One fair reading of a sentence: its own indicator, observe query and rule."""

    id: str | None  # None for a claim with a single reading
    label: str = ""
    primary: bool = True
    indicator: str | None = None
    observe: str | None = None
    rule: dict = field(default_factory=dict)
    sources: tuple[str, ...] | None = None  # only these sources' vintages are the reading's (default: all it reads)


@dataclass(frozen=True)
class Claim:
    """One catalog entry: a sentence and the readings it is judged under."""

    id: str
    sentence: str
    meaning: str
    readings: tuple[Reading, ...] = ()
    primary_why: str | None = None
    as_stated: dict = field(default_factory=dict)
    latest: dict | None = None
    not_checkable: dict | None = None
    chart: dict | None = None
    catalog_path: str = field(default="", compare=False)  # the file it came from, for catalog errors
    headline: str | None = None  # a short plain title for pages and lists (not part of the claim's hash)

    @property
    def title(self) -> str:
        """The headline, else the id in words ('mexico_exports_2024' -> 'Mexico exports 2024')."""
        return self.headline or self.id.replace("_", " ").capitalize()

    @property
    def primary(self) -> Reading:
        """The reading the catalog names as primary (the only one for most claims)."""
        return next((r for r in self.readings if r.primary), self.readings[0]) if self.readings else Reading(None)

    @property
    def indicator(self) -> str | None:
        return self.primary.indicator

    @property
    def observe(self) -> str | None:
        return self.primary.observe

    @property
    def rule(self) -> dict:
        return self.primary.rule

    @property
    def kind(self) -> str:
        return "not_checkable" if self.not_checkable else self.rule["kind"]

    def reading(self, reading_id: str | None) -> Reading:
        return next(r for r in self.readings if r.id == reading_id)


@dataclass(frozen=True)
class Catalog:
    """An article and its claims."""

    article: dict
    claims: tuple[Claim, ...]
    path: Path

    @property
    def article_id(self) -> str:
        return self.article["id"]

    @property
    def title(self) -> str:
        """The article's title, else its id in words."""
        return self.article.get("title") or self.article_id.replace("_", " ").capitalize()

    @property
    def owner(self) -> str | None:
        """The Slack user or group to mention on corrections, if any."""
        return self.article.get("owner")

    @property
    def channel(self) -> str | None:
        """The article's own Slack channel, if any (else the configured one)."""
        return self.article.get("channel")

    def claim(self, claim_id: str) -> Claim:
        for claim in self.claims:
            if claim.id == claim_id:
                return claim
        raise KeyError(f"no claim {claim_id!r} in {self.path}; known: {', '.join(c.id for c in self.claims)}")


READING_KEYS = {"id", "label", "primary", "indicator", "observe", "rule", "sources"}
CLAIM_KEYS = {"id", "headline", "sentence", "meaning", "readings", "primary_why", "as_stated", "latest", "not_checkable", "chart",
              "indicator", "observe", "rule", "sources"}


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
    if not entry.get("indicator") and not entry.get("readings"):
        return "a chart needs the claim's 'indicator'"
    for key in ("title", "y_label", "level_label", "display"):
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
    try:
        chart.get("display", "").format(value=0.0)
    except (KeyError, IndexError, ValueError) as exc:
        return f"chart 'display' may only use the field {{value}} ({exc!r})"
    return None


def _reading_problems(entry: dict, known_sources: set[str]) -> list[str]:
    """Every problem with one reading (or a single-reading claim's own indicator, observe and rule)."""
    found = [f"unknown field(s) {sorted(set(entry) - READING_KEYS)}"] if set(entry) - READING_KEYS else []
    found += rules.problems(entry.get("rule"))
    kind = (entry.get("rule") or {}).get("kind") if isinstance(entry.get("rule"), dict) else None
    if kind in rules.RULES and rules.RULES[kind].columns is not None:
        if not entry.get("indicator") or not entry.get("observe"):
            found.append(f"a {kind} rule needs an 'indicator' and an 'observe' query")
        elif not indicator_path(entry["indicator"]).is_file():
            found.append(f"indicator {entry['indicator']!r}: no file {indicator_path(entry['indicator'])}")
    sources = entry.get("sources")
    if sources is not None and (not isinstance(sources, list) or set(sources) - known_sources):
        found.append(f"sources {sources!r}: expected a list of source names among {sorted(known_sources)}")
    return found


def _reading(entry: dict, alone: bool) -> Reading:
    sources = entry.get("sources")
    return Reading(entry.get("id"), entry.get("label", ""), bool(entry.get("primary", alone)), entry.get("indicator"),
                   entry.get("observe"), entry.get("rule") or {}, tuple(sources) if sources else None)


def _readings_problems(entry: dict, known_sources: set[str]) -> list[str]:
    readings = entry["readings"]
    if not isinstance(readings, list) or len(readings) < 2:
        return ["readings must list at least two readings (a single reading goes in the claim itself)"]
    if any(k in entry for k in ("indicator", "observe", "rule")):
        return ["a claim with readings has its indicator, observe and rule in each reading, not in the claim"]
    found = []
    for n, reading in enumerate(readings, start=1):
        if not isinstance(reading, dict):
            found.append(f"reading {n} must be a mapping")
            continue
        rid = reading.get("id")
        for key in ("id", "label"):
            if not isinstance(reading.get(key), str) or not reading[key].strip():
                found.append(f"reading {n} ({rid or '?'}) needs a non-empty {key!r}")
        found += [f"reading {n} ({rid or '?'}): {p}" for p in _reading_problems(reading, known_sources)]
    ids = [r.get("id") for r in readings if isinstance(r, dict)]
    if len(set(ids)) != len(ids):
        found.append(f"reading ids repeat: {ids}")
    primaries = [r.get("id") for r in readings if isinstance(r, dict) and r.get("primary")]
    if len(primaries) != 1:
        found.append(f"exactly one reading must be 'primary: true', found {primaries or 'none'}")
    if not isinstance(entry.get("primary_why"), str) or not entry["primary_why"].strip():
        found.append("primary_why must say why the primary reading is the primary one")
    return found


def _claim_problems(entry: dict, known_sources: set[str]) -> list[str]:
    found = []
    for key in ("id", "sentence", "meaning"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            found.append(f"needs a non-empty '{key}'")
    if "headline" in entry and (not isinstance(entry["headline"], str) or not entry["headline"].strip()):
        found.append("headline, when given, must be non-empty text")
    unknown = set(entry) - CLAIM_KEYS
    if unknown:
        found.append(f"unknown field(s) {sorted(unknown)}")
    problem = _chart_problem(entry)
    if problem:
        found.append(problem)
    if entry.get("not_checkable"):
        if not isinstance(entry["not_checkable"], dict) or not {"reason", "source_needed"} <= set(entry["not_checkable"]):
            found.append("not_checkable needs 'reason' and 'source_needed'")
        return found
    if "readings" in entry:
        found += _readings_problems(entry, known_sources)
    else:
        found += _reading_problems({k: entry[k] for k in READING_KEYS & set(entry)}, known_sources)
    if not isinstance(entry.get("as_stated"), dict) or "label" not in entry["as_stated"]:
        found.append("as_stated needs a 'label' (the period as the article states it)")
    latest = entry.get("latest")
    if latest is not None and latest is not False and (
            not isinstance(latest, dict) or not {"query", "label"} <= set(latest)):
        found.append("latest needs a 'query' and a 'label', or is false (no latest form)")
    return found


def _claim(entry: dict, path: Path) -> Claim:
    readings = (tuple(_reading(r, False) for r in entry["readings"]) if "readings" in entry else
                (_reading({k: entry[k] for k in ("indicator", "observe", "rule", "sources") if k in entry}, True),)
                if not entry.get("not_checkable") else ())
    return Claim(entry["id"], entry["sentence"], entry["meaning"], readings, entry.get("primary_why"),
                 entry.get("as_stated") or {}, entry.get("latest") or None, entry.get("not_checkable"),
                 entry.get("chart"), str(path), entry.get("headline"))


def load_catalog(path: Path) -> Catalog:
    """Read and check one catalog file; a malformed one raises FormatError naming the claim."""
    try:
        doc = yaml.safe_load(Path(path).read_text())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise FormatError(str(path), f"not valid YAML ({exc})", row=mark.line + 1 if mark else None) from None
    if not isinstance(doc, dict):
        raise FormatError(str(path), "expected a mapping with 'article:' and 'claims:'")
    article = doc.get("article") or {}
    if isinstance(article, dict) and article.get("id") != Path(path).stem:
        raise FormatError(str(path), f"article id {article.get('id')!r} should be the file's name {Path(path).stem!r}")
    from claimwatch.sources import SOURCE_CLASSES

    known = {cls.name for cls in SOURCE_CLASSES}
    found = article_problems(article)
    entries = doc.get("claims") or []
    for n, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            found.append(f"claim {n}: must be a mapping")
            continue
        found += [f"claim {n} ({entry.get('id', '?')}): {p}" for p in _claim_problems(entry, known)]
    ids = [e.get("id") for e in entries if isinstance(e, dict)]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        found.append(f"duplicate claim id(s) {duplicates}")
    if found:
        raise CatalogError(str(path), found)
    claims = tuple(_claim(e, Path(path)) for e in entries)
    return Catalog(article, claims, Path(path))


def load_catalogs(folders: Path | list[Path] | None = None) -> list[Catalog]:
    """Every catalog in the given folders, else $CLAIMWATCH_CLAIMS, else the project's claims/ (see articles.py).

    An article id found in two folders is an error naming both files: alerts, steps and pages are keyed by it."""
    catalogs = [load_catalog(p) for p in catalog_files([folders] if isinstance(folders, Path) else folders)]
    seen: dict[str, Path] = {}
    for catalog in catalogs:
        if catalog.article_id in seen:
            raise CatalogError(str(catalog.path), [f"article id {catalog.article_id!r} is also {seen[catalog.article_id]}"])
        seen[catalog.article_id] = catalog.path
    return catalogs
