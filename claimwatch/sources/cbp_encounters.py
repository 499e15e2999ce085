"""CBP Nationwide Encounters by state (https://www.cbp.gov/document/stats/nationwide-encounters)."""

from __future__ import annotations

from claimwatch.sources.base import TableSpec
from claimwatch.sources.cbp_release import CbpCsvSource


class CbpEncounters(CbpCsvSource):
    """Nationwide encounters by month, land border region, state, demographic, citizenship and title."""

    name = "cbp_encounters"
    title = "CBP nationwide encounters by state"
    recorded_folder = "cbp_nationwide_encounters_state"
    landing_path = "/document/stats/nationwide-encounters"
    file_prefix = "nationwide-encounters"
    file_suffix = "-state"
    columns = (
        ("Fiscal Year", "fiscal_year", "fiscal_year"),
        ("Month Grouping", "month_grouping", "text"),
        ("Month (abbv)", "month", "month"),
        ("Land Border Region", "land_border_region", "text"),
        ("State", "state", "text"),
        ("Demographic", "demographic", "text"),
        ("Citizenship", "citizenship", "text"),
        ("Title of Authority", "title_of_authority", "text"),
        ("Encounter Count", "encounter_count", "count"),
    )
    tables = (
        TableSpec(
            "cbp_encounters__monthly",
            period="month",
            keys=("land_border_region", "state", "demographic", "citizenship", "title_of_authority"),
            values=("encounter_count",),
        ),
    )
