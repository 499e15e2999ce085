"""The `probe` flow: a cheap daily look for new files (conditional requests, nothing stored); when a source has
one, run `monthly-check` for those sources.
"""

from __future__ import annotations

from prefect import flow, get_run_logger
from prefect.states import Failed

from claimwatch import config
from claimwatch.errors import StoreBusyError
from claimwatch.run_lock import run_lock
from flows.monthly_check import monthly_check
from flows.tasks import probe_sources


@flow(name="probe", log_prints=True)
def probe(db: str | None = None, sources: list[str] | None = None, mirror: str | None = None,
          slack_channel: str | None = None) -> list[str]:
    """Return the sources with a new release (after checking them with monthly-check)."""
    db = str(config.db_path(db))
    try:
        with run_lock(db):
            found = probe_sources(db, sources, mirror)
    except StoreBusyError as exc:
        get_run_logger().error("busy: %s", exc)
        return Failed(message=f"busy: {exc}")
    new = [o["source"] for o in found if o["status"] == "new"]
    for o in found:
        print(f"{o['source']}: {o['status']} {o['label']} {o['detail']}".rstrip())
    if new:
        monthly_check(db=db, sources=new, mirror=mirror, slack_channel=slack_channel)
    return new
