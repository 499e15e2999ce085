"""CBP's fiscal calendar, file-name labels and landing-page discovery, on CBP's real naming."""

from __future__ import annotations

from datetime import date

import pytest

from claimwatch.errors import FormatError
from claimwatch.sources.cbp_drug_seizures import CbpDrugSeizures
from claimwatch.sources.cbp_encounters import CbpEncounters
from claimwatch.sources.cbp_release import fiscal_month_start, label_data_through


@pytest.mark.parametrize(
    "fiscal_year, month, expected",
    [(2024, "OCT", date(2023, 10, 1)), (2024, "DEC", date(2023, 12, 1)), (2024, "JAN", date(2024, 1, 1)),
     (2024, "SEP", date(2024, 9, 1)), (2026, "DEC", date(2025, 12, 1))],
)
def test_fiscal_month_start(fiscal_year, month, expected):
    assert fiscal_month_start(fiscal_year, month) == expected


def test_label_data_through():
    assert label_data_through("fy21-fy24-apr") == date(2024, 4, 1)
    assert label_data_through("fy21-fy24") == date(2024, 9, 1)  # a final release ends in September
    assert label_data_through("fy23-fy26-dec") == date(2025, 12, 1)


def test_label_of_file_names():
    assert CbpEncounters().label_of("nationwide-encounters-fy21-fy24-apr-state.csv") == "fy21-fy24-apr"
    assert CbpEncounters().label_of("nationwide-encounters-fy22-fy25-state.csv") == "fy22-fy25"
    with pytest.raises(FormatError, match="does not look like nationwide-encounters-fyAA-fyBB"):
        CbpEncounters().label_of("nationwide-encounters-fy22-fy25-aor.csv")
    with pytest.raises(FormatError):
        CbpDrugSeizures().label_of("nationwide-drugs-fy19-fy22-aor.csv")

# Discovery from landing pages is tested against a real local HTTP server in test_ingest_live.py.
