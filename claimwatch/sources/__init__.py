"""The sources claimwatch monitors, one module each, all with the same interface (see base.Source)."""

from __future__ import annotations

from claimwatch.sources.base import Source, TableSpec
from claimwatch.sources.cbp_drug_seizures import CbpDrugSeizures
from claimwatch.sources.cbp_encounters import CbpEncounters
from claimwatch.sources.cbp_southwest_encounters import CbpSouthwestEncounters
from claimwatch.sources.census_idb_population import CensusIdbPopulation
from claimwatch.sources.census_trade import CensusTrade
from claimwatch.sources.census_trade_api import CensusTradeApi
from claimwatch.sources.dhs_khsm_usbp import DhsKhsmUsbp
from claimwatch.sources.worldbank_population import WorldBankPopulation

SOURCE_CLASSES: tuple[type[Source], ...] = (
    CensusTrade,
    CensusTradeApi,
    CbpEncounters,
    CbpSouthwestEncounters,
    CbpDrugSeizures,
    WorldBankPopulation,
    CensusIdbPopulation,
    DhsKhsmUsbp,
)


TABLES_BY_SOURCE: dict[str, tuple[TableSpec, ...]] = {cls.name: cls.tables for cls in SOURCE_CLASSES}


def all_tables() -> list[TableSpec]:
    """Every normalised table of every source."""
    return [table for cls in SOURCE_CLASSES for table in cls.tables]


def all_sources(mirror: str | None = None) -> dict[str, Source]:
    """One instance of every source, keyed by name; `mirror` serves every agency's paths from one base URL."""
    return {cls.name: cls(mirror) for cls in SOURCE_CLASSES}
