"""CBP Southwest Land Border Encounters by component (https://www.cbp.gov/document/stats/southwest-land-border-encounters)."""

from __future__ import annotations

from claimwatch.sources.base import TableSpec
from claimwatch.sources.cbp_release import CbpCsvSource


class CbpSouthwestEncounters(CbpCsvSource):
    """Southwest land border encounters by month, component (USBP/OFO), demographic, citizenship, title, type."""

    name = "cbp_southwest_encounters"
    title = "CBP southwest land border encounters by component"
    recorded_folder = "cbp_southwest_land_border_encounters"
    landing_path = "/document/stats/southwest-land-border-encounters"
    file_prefix = "sbo-encounters"
    file_suffix = ""
    columns = (
        ("Fiscal Year", "fiscal_year", "fiscal_year"),
        ("Month Grouping", "month_grouping", "text"),
        ("Month (abbv)", "month", "month"),
        ("Component", "component", "text"),
        ("Demographic", "demographic", "text"),
        ("Citizenship Grouping", "citizenship_grouping", "text"),
        ("Title of Authority", "title_of_authority", "text"),
        ("Encounter Type", "encounter_type", "text"),
        ("Encounter Count", "encounter_count", "count"),
    )
    tables = (
        TableSpec(
            "cbp_southwest_encounters__monthly",
            period="month",
            keys=("component", "demographic", "citizenship_grouping", "title_of_authority", "encounter_type"),
            values=("encounter_count",),
        ),
    )
