"""CBP Nationwide Drug Seizures (https://www.cbp.gov/document/stats/nationwide-drug-seizures)."""

from __future__ import annotations

from claimwatch.sources.base import TableSpec
from claimwatch.sources.cbp_release import CbpCsvSource


class CbpDrugSeizures(CbpCsvSource):
    """Drug seizure events and pounds by month, component, region, area of responsibility and drug type."""

    name = "cbp_drug_seizures"
    title = "CBP nationwide drug seizures"
    recorded_folder = "cbp_nationwide_drug_seizures"
    landing_path = "/document/stats/nationwide-drug-seizures"
    file_prefix = "nationwide-drugs"
    file_suffix = ""
    columns = (
        ("FY", "fiscal_year", "fiscal_year"),
        ("Month (abbv)", "month", "month"),
        ("Component", "component", "text"),
        ("Region", "region", "text"),
        ("Land Filter", "land_filter", "text"),
        ("Area of Responsibility", "area_of_responsibility", "text"),
        ("Drug Type", "drug_type", "text"),
        ("Count of Event", "event_count", "count"),
        ("Sum Qty (lbs)", "quantity_lbs", "quantity"),
    )
    tables = (
        TableSpec(
            "cbp_drug_seizures__monthly",
            period="month",
            keys=("component", "region", "land_filter", "area_of_responsibility", "drug_type"),
            values=("event_count", "quantity_lbs"),
        ),
    )
