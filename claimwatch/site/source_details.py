"""What a source page says beyond its releases: the largest revisions, warnings in plain words, the next release."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from functools import cache
from pathlib import Path

import duckdb

from claimwatch import present
from claimwatch.alerts.release_calendar import due_date, load_calendar, next_period, period_name
from claimwatch.sources import SOURCE_CLASSES
from claimwatch.sources.base import TableSpec
from claimwatch.store.store import dict_rows, sql_dir

LARGEST = 5  # revisions listed per release


def _template(name: str, spec: TableSpec) -> str:
    text = (sql_dir() / "site" / f"{name}.sql").read_text()
    covered = " or ".join(f"t.{v} is not null" for v in spec.values)
    return text.format(table=spec.name, period=spec.period, covered=covered)


def largest_revisions(con: duckdb.DuckDBPyConnection, spec: TableSpec, releases: list[str],
                      limit: int = LARGEST) -> dict[str, list[dict]]:
    """Per release of `releases`: the values of the table it revised the most (period, key, old, new), as kept at
    publication (claimwatch/store/latest.py), so a build reads them rather than comparing every vintage again."""
    found: dict[str, list[dict]] = {}
    for row in dict_rows(con.execute(
            "select release_id, old_release_id, period, key_text, old_value, new_value from release_largest_revisions"
            " where table_name = ? and rank <= ? and list_contains(?, release_id) order by release_id, rank",
            [spec.name, limit, releases])):
        found.setdefault(row["release_id"], []).append(row)
    return found


def shared_periods(con: duckdb.DuckDBPyConnection, spec: TableSpec, releases: list[str]) -> dict[str, dict]:
    """Per published release of `releases`: the periods it covers, how many an earlier vintage covered, and that
    vintage (read over those releases' periods only, not every vintage stored)."""
    if not releases:
        return {}
    return {r["release_id"]: r for r in dict_rows(con.execute(_template("shared_periods", spec), {"releases": releases}))}


def shared_order(con: duckdb.DuckDBPyConnection, source: str) -> list[str]:
    """A source's published releases in the order shared_periods.sql compares vintages (data through, label, id)."""
    return [r[0] for r in con.execute("select release_id from releases where source = ? and status = 'published'"
                                      " order by data_through, release_label, release_id", [source]).fetchall()]


@cache
def _query_digest() -> str:
    """The shared-periods query's text, digested once per process (kept answers are only good for the same query)."""
    return hashlib.sha256((sql_dir() / "site" / "shared_periods.sql").read_text().encode()).hexdigest()[:16]


def kept_shared_periods(con: duckdb.DuckDBPyConnection, source: str, tables: tuple[TableSpec, ...], quiet: list[str],
                        previous: Path | None, site: Path | None) -> dict[str, dict]:
    """shared_periods of a source page's quiet releases: what the previous build's site answered
    (`sources/<source>.shared.json`) read back, the rest queried, and all written into `site`, the folder being built.

    A release's answer depends on the vintages before it in the source's published order (and on its rows, which
    never change once stored). The answers kept stay good while that order only grows at its end, as when newer
    releases are published; a release published late among older ones, or taken back, makes every answer be
    queried again. At 1x the census table alone took 0.25 s a build; at 16x the recorded vintages, 0.47 s after a
    cbp_encounters release."""
    order, digest, name = shared_order(con, source), _query_digest(), f"{source}.shared.json"
    kept: dict = {}
    if previous is not None and (previous / "sources" / name).is_file():
        stored = json.loads((previous / "sources" / name).read_text())
        before = stored.get("order", [])
        kept = stored["tables"] if stored.get("query") == digest and order[:len(before)] == before else {}
    found: dict[str, dict] = {}
    tables_kept = {}
    for spec in tables:
        answers = kept.get(spec.name, {})
        missing = [rid for rid in quiet if rid not in answers]
        answers = {rid: answers.get(rid) for rid in quiet} | shared_periods(con, spec, missing)
        tables_kept[spec.name] = answers  # the releases listed now: the file stays as small as the page
        found |= {rid: row for rid, row in answers.items() if row is not None}
    if site is not None:
        (site / "sources").mkdir(exist_ok=True)
        (site / "sources" / name).write_text(json.dumps({"query": digest, "order": order, "tables": tables_kept},
                                                        default=str))
    return found


def changed(counts: dict | None) -> bool:
    """Whether a release's revision counts say it revised, added or removed a value."""
    return bool(counts and (counts["revised"] or counts["added"] or counts["removed"]))


def unchanged(release: dict) -> bool:
    """A published release whose revision counts say it changed nothing: its words need the periods it shares."""
    return release["status"] == "published" and not changed(release.get("revisions"))


def revision_text(release: dict, counts: dict | None, shared: dict | None, labels: dict[str, str]) -> str:
    """What a release revised, in words; 'none (first release of its periods)' only when no earlier vintage covered them."""
    if changed(counts):
        return (f"{counts['revised']:,} revised, {counts['added']:,} added, {counts['removed']:,} removed values"
                f" in {counts['periods']:,} periods")
    if release["status"] != "published":
        return "not compared (the release was not published)"
    if shared and shared["shared"]:
        earlier = labels.get(shared["earlier_release_id"], shared["earlier_release_id"])
        return f"none: every value of the {shared['shared']:,} periods it shares with {earlier} is unchanged"
    return "none (first release of its periods)"


def change_text(old: float | None, new: float | None, unit: tuple[float, str] | None = None) -> str:
    """old → new with the change and its share, through claimwatch/present.py at the agency's published unit
    when the table has one (`TableSpec.published`, e.g. Census $ millions), else as the table holds them:
    '1,234 → 1,300 (+66, +5.3%)', '$256,570.2M → $256,676.5M (+$106.3M, +0.0%)'."""
    scale, display = unit or (1, None)
    whole = all(float(v).is_integer() for v in (old, new) if v is not None)  # counts stay whole
    display = display or ("{value:,.0f}" if whole else None)
    show = lambda v: "–" if v is None else present.number(v * scale, display)  # noqa: E731
    if old is None or new is None:
        return f"{show(old)} → {show(new)}"
    share = f", {present.number((new - old) / old * 100, '{value:+.1f}%')}" if old else ""
    return f"{show(old)} → {show(new)} ({'+' if new >= old else '-'}{show(abs(new - old))}{share})"


def warning_text(row: dict) -> str:
    """A failed warning-level expectation in plain words, from its notes and what it found."""
    kwargs = json.loads(row.get("kwargs") or "{}")
    count = row.get("unexpected_count")
    column = (row.get("column_name") or "").replace("_", " ")
    if row.get("column_name") == "revision_share" and kwargs.get("max_value") is not None:
        n = count or 1
        return (f"{n} period{'s' if n != 1 else ''} revised by more than {kwargs['max_value']:.0%} of"
                f" {'their' if n != 1 else 'its'} total{'s' if n != 1 else ''}")
    if row.get("expectation") == "expect_column_values_to_be_in_set":
        sample = f": {row['unexpected_sample']}" if row.get("unexpected_sample") else ""
        return f"{count or 'some'} rows with a {column} not seen before{sample}"
    notes = (row.get("notes") or "").split(". ")[0].rstrip(".")
    found = f" ({count:,} value{'s' if count != 1 else ''} outside it)" if count else ""
    return f"{notes or f'check on {column} not met'}{found}"


def next_release_text(source: str, through: date | None, today: date, calendar: dict | None = None) -> str:
    """When the source's next release is expected, from the release calendar (and whether it is late)."""
    calendar = load_calendar() if calendar is None else calendar
    expectation = calendar.get(source)
    if expectation is None:
        return "not in the release calendar"
    if not expectation.expected:
        return f"no usual date ({expectation.release} appears irregularly); schedule: {expectation.schedule_url}"
    if through is None:
        return "not known until a release is published"
    period = next_period(through, expectation.grain)
    due = due_date(period, expectation)
    late = (today - due).days
    state = f", {late} days late" if late > expectation.grace_days else " (past its usual date)" if late > 0 else ""
    return f"data for {period_name(period, expectation.grain)} around {due:%Y-%m-%d}{state}"


def add_source_details(con: duckdb.DuckDBPyConnection, pages: list, today: date, previous: Path | None = None,
                       site: Path | None = None) -> None:
    """Give each source page's releases their revision words, largest revisions and warnings, and the page its next
    release (shared periods kept from the `previous` build's site and written into `site`, see kept_shared_periods)."""
    calendar = load_calendar()
    classes = {cls.name: cls for cls in SOURCE_CLASSES}
    warnings: dict[str, list[str]] = {}
    listed = [r["release_id"] for page in pages for r in page.releases]
    for row in dict_rows(con.execute(
            """select v.release_id, r.* from validation_results as r join (
                   select validation_id, release_id from validations where list_contains(?, release_id)
                   qualify row_number() over (partition by release_id order by validated_at desc) = 1
               ) as v using (validation_id)
               where not r.success and r.severity = 'warning' order by r.suite, r.frame, r.expectation""", [listed])):
        warnings.setdefault(row["release_id"], []).append(warning_text(row))
    for page in pages:
        labels = {r["release_id"]: r["release_label"] for r in page.releases}
        largest: dict[str, list[dict]] = {}
        ids, quiet = [r["release_id"] for r in page.releases], [r["release_id"] for r in page.releases if unchanged(r)]
        for spec in classes[page.name].tables:
            for rid, rows in largest_revisions(con, spec, ids).items():
                largest.setdefault(rid, []).extend({**x, "unit": spec.published} for x in rows)
        shared = kept_shared_periods(con, page.name, classes[page.name].tables, quiet, previous, site)
        for r in page.releases:
            rid = r["release_id"]
            r["revision_text"] = revision_text(r, r.get("revisions"), shared.get(rid), labels)
            r["largest"] = [{**x, "change": change_text(x["old_value"], x["new_value"], x["unit"]),
                             "period_text": str(x["period"])[:7]} for x in largest.get(rid, [])[:LARGEST]]
            r["warning_texts"] = warnings.get(rid, [])
        published = [r["data_through"] for r in page.releases if r["status"] == "published" and r["data_through"]]
        page.next_release = next_release_text(page.name, max(published, default=None), today, calendar)
