"""Census FT-900 country.xlsx: what a release folder states is checked against the workbook."""

from __future__ import annotations

import os

import pytest

from claimwatch.errors import FormatError
from claimwatch.sources.census_trade import CensusTrade, millions_to_dollars, partner_code


def test_partner_codes_and_dollars():
    assert partner_code("15") == "0015" and partner_code(2010.0) == "2010" and partner_code(" 5700") == "5700"
    assert millions_to_dollars(354355.99734900007) == 354_355_997_349


def release_2024_10_as(shared_data, tmp_path, folder_name):
    """The real 2024-10 workbook in a release folder of another name."""
    real = shared_data / "census_trade_country_xlsx" / "release-2024-10_data-through-2024-08"
    folder = tmp_path / folder_name
    folder.mkdir()
    os.symlink(real / "country.xlsx", folder / "country.xlsx")
    return folder


def test_folder_data_through_must_match_the_workbook(shared_data, tmp_path):
    misnamed = release_2024_10_as(shared_data, tmp_path, "release-2024-10_data-through-2024-09")
    source = CensusTrade()
    with pytest.raises(FormatError, match=r"country.xlsx: the release folder says data through 2024-09 but .* is 2024-08"):
        source.parse(source.recorded(misnamed))


def test_folder_without_data_through_is_read_from_the_workbook(shared_data, tmp_path):
    plain = release_2024_10_as(shared_data, tmp_path, "release-2024-10")
    source = CensusTrade()
    candidate = source.recorded(plain)
    assert candidate.label == "2024-10"
    assert f"{source.parse(candidate).data_through:%Y-%m}" == "2024-08"


def test_a_folder_that_is_not_a_release_is_named(tmp_path):
    with pytest.raises(FormatError, match=r"expected a folder named release-YYYY-MM"):
        CensusTrade().recorded(tmp_path / "country-2024.xlsx")
