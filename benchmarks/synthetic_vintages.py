"""Synthetic vintages for the growth benchmark: SQL copies of a store's published releases, older than the real ones.

Copy k (1 <= k < scale) of a published release `source/label@hash` is `source/label-s{k}@{hash'}` with a new sha256
(sha256 of the original's sha256 and k), its data_through and every period shifted back k*Y years (month periods
by `interval (k*Y) year`, year periods by k*Y; a `fiscal_year` column with them), its data_through k days more,
and its ingested_at k days earlier, so every real release stays the newest. Y (`years_per_copy`) says how the
history grows:
- 1 (the default): a store that has run for years. Each copy is a year older, so it revises three of the four
  years the next one covers: 16x the recorded vintages hold 1.9x the periods, with revisions between them.
- 0: vintages only: every copy covers the same periods as its original (no period is added, none revised).
- 40: no overlap: every copy adds periods of its own, so the periods grow as fast as the vintages.
A copy's rows in its source's normalised tables and its raw_files rows are copied with the new release id. The
stored steps are not copied: backfill them afterwards (`pipeline.evaluate(store, catalogs, backfill=True)`), as a
store that has run for years would have them.
"""

from __future__ import annotations

from claimwatch.sources import SOURCE_CLASSES
from claimwatch.store import Store
from claimwatch.store.migrate import columns

YEARS_PER_COPY = 1


def _shifted(column: str, period: str, years: str) -> str:
    """The SQL for one column of a copied row: the period (and fiscal year) moved back, the release id replaced."""
    if column == "release_id":
        return "m.new_id as release_id"
    if column == period and period == "month":
        return f"(t.month - to_years({years}))::date as month"
    if column == period or column == "fiscal_year":
        return f"t.{column} - {years} as {column}"
    return f"t.{column}"


def add_copies(store: Store, scale: int, years_per_copy: int = YEARS_PER_COPY) -> int:
    """Insert scale-1 synthetic copies of every published release (one transaction); the releases added."""
    if scale <= 1:
        return 0
    con = store.con
    con.execute("begin transaction")
    try:
        con.execute(
            """create temp table synthetic_map as
               select r.release_id as old_id, k, r.source,
                      r.release_label || '-s' || k as new_label,
                      sha256(r.sha256 || ':' || k) as new_sha
               from releases as r, range(1, ?) as ks(k)
               where r.status = 'published'""", [scale])
        con.execute("alter table synthetic_map add column new_id varchar")
        con.execute("update synthetic_map set new_id = source || '/' || new_label || '@' || new_sha[1:8]")
        years = f"(m.k * {int(years_per_copy)})::integer"
        con.execute(
            f"""insert into releases by name
                select m.new_id as release_id, r.source, m.new_label as release_label, r.grain,
                       (r.data_through - to_years({years}) - to_days(m.k::integer))::date as data_through, m.new_sha as sha256,
                       r.size_bytes, r.file_count, r.row_count, r.status, r.reason, r.origin,
                       r.fetched_at - to_days(m.k::integer) as fetched_at,
                       r.ingested_at - to_days(m.k::integer) as ingested_at
                from releases as r join synthetic_map as m on r.release_id = m.old_id""")
        raw = ", ".join("m.new_id as release_id" if c == "release_id" else f"f.{c}" for c in columns(store.con, "raw_files"))
        con.execute(f"insert into raw_files by name select {raw} from raw_files as f"
                    " join synthetic_map as m on f.release_id = m.old_id")
        for cls in SOURCE_CLASSES:
            for spec in cls.tables:
                select = ", ".join(_shifted(c, spec.period, years) for c in columns(store.con, spec.name))
                con.execute(f"insert into {spec.name} by name select {select} from {spec.name} as t"
                            " join synthetic_map as m on t.release_id = m.old_id")
        added = con.execute("select count(*) from synthetic_map").fetchone()[0]
        con.execute("drop table synthetic_map")
        con.execute("commit")
    except BaseException:
        store._rollback()
        raise
    if hasattr(store, "refresh_derived"):  # materialised <table>_latest tables (another branch) need a rebuild
        store.refresh_derived()
    return added
