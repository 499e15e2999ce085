"""The DuckDB store: releases with their raw files, normalised tables, and vintage views."""

from claimwatch.store.store import Store, open_store

__all__ = ["Store", "open_store"]
