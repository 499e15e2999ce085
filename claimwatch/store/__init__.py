"""The DuckDB store: releases with their raw files, normalised tables, and vintage views."""

from claimwatch.store.store import Store, dict_rows, open_store, release_files

__all__ = ["Store", "dict_rows", "open_store", "release_files"]
