"""Census FT-900 country.xlsx: what a release folder states is checked against the workbook."""

from __future__ import annotations

import os

import pandas as pd
import pytest

from claimwatch.errors import FormatError
from claimwatch.sources.base import read_recorded_file
from claimwatch.sources.census_trade import (
    CensusTrade, checked_normalise, fast_normalise, millions_to_dollars, normalise, partner_code, read_sheet,
)


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


def test_the_column_wise_parse_gives_the_checked_frame_on_every_recorded_workbook(shared_data):
    folders = sorted((shared_data / "census_trade_country_xlsx").iterdir())
    assert len(folders) >= 6
    for folder in folders:
        file = read_recorded_file(folder / "country.xlsx")
        rows = read_sheet(file)
        fast, checked = fast_normalise(rows), checked_normalise(file, rows)
        assert fast is not None, folder.name
        pd.testing.assert_frame_equal(fast[0], checked[0])
        assert fast[1] == checked[1]


def test_a_workbook_not_as_published_goes_the_checked_way(shared_data):
    file = read_recorded_file(shared_data / "census_trade_country_xlsx" / "release-2024-10_data-through-2024-08" / "country.xlsx")
    rows = read_sheet(file)
    texts = [list(row) for row in rows]
    texts[5][3] = f" {texts[5][3]:,.1f} "  # a number typed as text with a thousands comma: read, but row by row
    assert fast_normalise(texts) is None
    pd.testing.assert_frame_equal(normalise(file, texts)[0], normalise(file, rows)[0])
    zeroed = [list(row) for row in rows]
    newest = max(int(row[0]) for row in rows)
    row = next(n for n, r in enumerate(zeroed) if int(r[0]) == newest and r[1] not in ("0015", 15.0))
    zeroed[row][3 + 11] = 5.0  # December of the newest year, not yet published
    assert fast_normalise(zeroed) is None
    with pytest.raises(FormatError, match=rf"line {row + 2}, column 'IDEC': 5.0 for a month after .* expected 0 \(unpublished\)"):
        normalise(file, zeroed)
