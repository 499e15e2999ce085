"""The Census API sources (trade country totals, IDB population) on small hand-written files in the documented format."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from claimwatch.errors import FormatError
from claimwatch.pipeline import ingest_recorded
from claimwatch.sources import all_sources
from claimwatch.sources.census_idb_population import CensusIdbPopulation
from claimwatch.sources.census_trade_api import CensusTradeApi
from claimwatch.store import open_store

API_FILES = Path(__file__).parent / "data" / "census_api"


def trade_release(tmp_path, exports=None, imports=None) -> Path:
    """A recorded census_trade_api release folder, from the hand-written files unless replaced."""
    folder = tmp_path / "census_trade_api" / "api-2025-04-05"
    folder.mkdir(parents=True)
    for name, override in (("exports.json", exports), ("imports.json", imports)):
        if override is None:
            shutil.copy(API_FILES / name, folder / name)
        else:
            (folder / name).write_text(override if isinstance(override, str) else json.dumps(override))
    return folder


def test_trade_api_release_parses_with_header_dropped(tmp_path):
    source = CensusTradeApi()
    parsed = source.parse(source.recorded(trade_release(tmp_path)))
    frame = parsed.tables["census_trade_api__monthly"]
    header = json.loads((API_FILES / "exports.json").read_text())
    assert len(frame[frame.flow == "exports"]) == len(header) - 1
    assert "CTY_CODE" not in set(frame.partner_code)
    mexico = frame[(frame.flow == "exports") & (frame.partner_code == "2010") & (frame.month == date(2024, 12, 1))]
    assert mexico.value_usd.tolist() == [24_620_571_178]
    assert parsed.data_through == date(2025, 2, 1)
    total = frame[frame.partner_code == "-"]
    assert total.is_aggregate.all() and not frame[frame.partner_code == "2010"].is_aggregate.any()


@pytest.mark.parametrize(
    "exports, message",
    [
        ([["CTY_CODE", "CTY_NAME", "ALL_VAL_MO", "time"], ["2010", "MEXICO", "24.6 billion", "2024-12"]],
         "exports.json, line 2, column 'ALL_VAL_MO': expected whole dollars, got '24.6 billion'"),
        ([["CTY_CODE", "CTY_NAME", "ALL_VAL_MO", "time"], ["2010", "MEXICO", "1", "Dec 2024"]],
         "exports.json, line 2, column 'time': expected a month YYYY-MM, got 'Dec 2024'"),
        ([["CTY_CODE", "CTY_NAME", "VAL", "time"], ["2010", "MEXICO", "1", "2024-12"]],
         "exports.json, line 1: header lacks ['ALL_VAL_MO']"),
        ([["CTY_CODE", "CTY_NAME", "ALL_VAL_MO", "time"], ["2010", "MEXICO", "1", "2024-12"], ["2010", "MEXICO", "2", "2024-12"]],
         "exports.json, line 3: duplicate row"),
        ('[["CTY_CODE", "CTY_NAME", "ALL_VAL_MO", "time"], ["2010", "MEX', "exports.json: not valid JSON"),
        ([["CTY_CODE", "CTY_NAME", "ALL_VAL_MO", "time"]], "exports.json: no data rows after the header"),
        ("<html><body>error: unknown variable</body></html>", "exports.json: got an HTML page"),
    ],
)
def test_trade_api_bad_input_names_file_row_and_column(tmp_path, exports, message):
    source = CensusTradeApi()
    with pytest.raises(FormatError) as caught:
        source.parse(source.recorded(trade_release(tmp_path, exports=exports)))
    assert str(caught.value).startswith(message)


def test_idb_release_parses(tmp_path):
    entry = tmp_path / "idb-2025-01-01.json"
    shutil.copy(API_FILES / "idb.json", entry)
    source = CensusIdbPopulation()
    parsed = source.parse(source.recorded(entry))
    frame = parsed.tables["census_idb__population"]
    assert parsed.data_through == date(2024, 1, 1)
    assert set(frame.country_code) == {"CA", "MX", "CN"}
    assert frame[(frame.country_code == "MX") & (frame.year == 2024)].population.tolist() == [130_861_007]


def test_idb_rejects_a_bad_country_code(tmp_path):
    entry = tmp_path / "idb.json"
    entry.write_text(json.dumps([["NAME", "GENC", "POP", "YR"], ["Mexico", "MEX", "1", "2024"]]))
    source = CensusIdbPopulation()
    with pytest.raises(FormatError, match=r"idb.json, line 2, column 'GENC': expected a two-letter GENC code, got 'MEX'"):
        source.parse(source.recorded(entry))


def test_api_releases_ingest_and_their_views_work(tmp_path):
    trade_release(tmp_path)
    (tmp_path / "census_idb_population").mkdir()
    shutil.copy(API_FILES / "idb.json", tmp_path / "census_idb_population" / "idb-2025-01-01.json")
    sources = all_sources()
    with open_store(tmp_path / "c.duckdb") as store:
        outcomes = ingest_recorded(store, tmp_path, [sources["census_trade_api"], sources["census_idb"]])
        assert [o.status for o in outcomes] == ["published", "published"]
        latest = store.con.execute(
            "select population from census_idb__population_latest where country_code = 'CA' and year = 2024"
        ).fetchone()
        files = store.con.execute("select count(*) from raw_files where release_id like 'census_trade_api/%'").fetchone()
    assert latest == (41_288_599,)
    assert files == (2,)
