"""What a source page says beyond its releases: the largest revisions, warnings in plain words, the next release."""

from __future__ import annotations

import json
from datetime import date

import duckdb

from claimwatch import present
from claimwatch.alerts.release_calendar import due_date, load_calendar, next_period, period_name
from claimwatch.sources import SOURCE_CLASSES
from claimwatch.sources.base import TableSpec
from claimwatch.store.store import dict_rows

LARGEST = 5  # revisions listed per release


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


def shared_periods(con: duckdb.DuckDBPyConnection, tables: tuple[TableSpec, ...], releases: list[str]) -> dict[str, dict]:
    """Per published release of `releases`: the periods it covers, how many an earlier vintage covered, and that
    vintage, as kept at publication (release_coverage, claimwatch/store/latest.py): a build reads a row a release
    rather than comparing the vintages around it (0.3-0.6 s a build at 16x the recorded vintages, most of it
    finding one release's rows among millions). With several tables, the source's last table that covers it."""
    names = [spec.name for spec in tables]
    rows = dict_rows(con.execute("select * from release_coverage where list_contains(?, table_name)"
                                 " and list_contains(?, release_id)", [names, releases])) if releases else []
    return {row["release_id"]: row for row in sorted(rows, key=lambda r: names.index(r["table_name"]))}


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


def add_source_details(con: duckdb.DuckDBPyConnection, pages: list, today: date) -> None:
    """Give each source page's releases their revision words, largest revisions and warnings, and the page its next
    release."""
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
        shared = shared_periods(con, classes[page.name].tables, quiet)
        for r in page.releases:
            rid = r["release_id"]
            r["revision_text"] = revision_text(r, r.get("revisions"), shared.get(rid), labels)
            r["largest"] = [{**x, "change": change_text(x["old_value"], x["new_value"], x["unit"]),
                             "period_text": str(x["period"])[:7]} for x in largest.get(rid, [])[:LARGEST]]
            r["warning_texts"] = warnings.get(rid, [])
        published = [r["data_through"] for r in page.releases if r["status"] == "published" and r["data_through"]]
        page.next_release = next_release_text(page.name, max(published, default=None), today, calendar)
