"""Audit and publish staged releases: validate with the GX suites, record the results, publish or quarantine.

Write -> audit -> publish: a release is written as `staged` (invisible to the `_latest` views and the claims),
validated against the suites of its tables, and then `published`, or `quarantined` when an error-severity
expectation fails. Warnings publish and are reported. A crash between the steps leaves the release staged,
and the next run (or `claimwatch validate`) audits it again.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from claimwatch.errors import ClaimwatchError
from claimwatch.sources import TABLES_BY_SOURCE
from claimwatch.store import Store
from claimwatch.store.transact import snapshot
from claimwatch.store.validation_log import latest_outcome, record_validation
from claimwatch.validation import ReleaseValidation, Validator



def run_docs_dir(docs_root: Path) -> Path:
    """A fresh folder (absolute: GX requires it) for one run's Data Docs under `docs_root`, named by the run's UTC start."""
    return Path(docs_root).resolve() / datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


class Auditor:
    """Validates a store's staged releases in one run; Great Expectations is loaded on first use."""

    def __init__(self, store: Store, docs_dir: Path | None = None, validator: Validator | None = None):
        self.store = store
        self.docs_dir = docs_dir if docs_dir is not None else run_docs_dir(store.location.home / "validation-docs")
        self._validator = validator

    @property
    def validator(self) -> Validator:
        if self._validator is None:
            self._validator = Validator(self.docs_dir)
        return self._validator

    def validate(self, release_id: str) -> ReleaseValidation:
        """Run the suites of the release's tables and record every result (status unchanged)."""
        release = self.store.release(release_id)
        if release is None:
            raise ClaimwatchError(f"no release {release_id!r} in {self.store.path}")
        if release["status"] == "rejected":
            raise ClaimwatchError(f"{release_id} was rejected when parsed ({release['reason']}): it has no rows to validate")
        with snapshot(self.store.con):  # a DuckLake: the frames' queries in one snapshot, one catalog transaction
            validation = self.validator.validate(self.store.con, TABLES_BY_SOURCE[release["source"]], release_id)
        record_validation(self.store.con, validation, self.docs_dir)
        return validation

    def publish(self, release_id: str) -> str:
        """Publish the release if its latest validation has no error, else quarantine it; return the status."""
        outcome = latest_outcome(self.store.con, release_id)
        if outcome is None:
            raise ClaimwatchError(f"{release_id} has never been validated: run `claimwatch validate {release_id}`")
        if outcome[0] == "failed":
            reason = self.store.con.execute(
                """select string_agg(suite || '/' || frame || ' ' || expectation || coalesce('(' || column_name || ')', '')
                       || ': observed ' || coalesce(unexpected_sample, observed_value, '?')
                       || coalesce(' (' || notes || ')', ''), '; ')
                from validation_findings where release_id = ? and severity = 'error'""",
                [release_id],
            ).fetchone()[0]
            self.store.set_status(release_id, "quarantined", f"failed expectations: {reason}")
            return "quarantined"
        self.store.set_status(release_id, "published", None)
        return "published"

    def audit(self, release_id: str) -> tuple[str, ReleaseValidation]:
        """Validate, then publish or quarantine: (new status, validation)."""
        validation = self.validate(release_id)
        self.store.release_memory()  # the frames' queries; publishing then starts from the store's own size
        status = self.publish(release_id)
        self.store.release_memory()
        return status, validation

    def finish(self) -> Path | None:
        """Build this run's Data Docs; the index page, or None when nothing was validated."""
        return self._validator.build_docs() if self._validator is not None else None
