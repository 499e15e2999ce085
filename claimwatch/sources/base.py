"""The small interface every source implements: discover -> fetch -> parse (and recorded releases)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar
from urllib.parse import urlsplit


if TYPE_CHECKING:
    import duckdb
    import pandas as pd

    from claimwatch.http import HttpClient


@dataclass(frozen=True)
class TableSpec:
    """A normalised table: one row per (release, period, key) with one or more values."""

    name: str
    period: str  # "month" (a DATE, first of the month) or "year" (an INTEGER)
    keys: tuple[str, ...]
    values: tuple[str, ...]
    total_rows: str = "true"  # SQL condition: the rows that add up to a period's total (not aggregates)
    published: tuple[float, str] | None = None  # (scale, display) printing a stored value at the agency's unit


@dataclass(frozen=True)
class RawFile:
    """One file of a release, byte for byte, with where it came from."""

    name: str
    url: str
    content: bytes
    etag: str | None = None
    last_modified: str | None = None

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


@dataclass(frozen=True)
class Candidate:
    """A release as found (fetched or recorded), before parsing."""

    source: str
    label: str
    files: tuple[RawFile, ...]
    origin: str = "live"  # "live" (HTTP) or "recorded" (a folder of release files)
    stated_through: date | None = None  # data-through the release's name states, checked against its rows
    published: date | None = None  # the day the release appeared, when its name states it (replay order)

    @cached_property
    def sha256(self) -> str:
        """Hash of the release: the file's sha256, or of the sorted name:sha256 lines for several files."""
        if len(self.files) == 1:
            return self.files[0].sha256
        lines = "".join(f"{f.name}:{f.sha256}\n" for f in sorted(self.files, key=lambda f: f.name))
        return hashlib.sha256(lines.encode()).hexdigest()

    @property
    def size(self) -> int:
        return sum(len(f.content) for f in self.files)

    @property
    def release_id(self) -> str:
        return f"{self.source}/{self.label}@{self.sha256[:8]}"


class DuckTable:
    """Rows parsed in DuckDB, handed on as an Arrow stream (what DuckDB's register reads; no pandas, no pyarrow)."""

    def __init__(self, relation: duckdb.DuckDBPyRelation):
        self.relation = relation  # keeps its (in-memory) connection open
        self.row_count = relation.aggregate("count(*)").fetchone()[0]

    def __len__(self) -> int:
        return self.row_count

    @property
    def columns(self) -> list[str]:
        return self.relation.columns

    def __arrow_c_stream__(self, requested_schema=None):
        return self.relation.__arrow_c_stream__(requested_schema)

    def to_pandas(self) -> pd.DataFrame:
        """The rows as a pandas DataFrame (imports pandas)."""
        return self.relation.df()


@dataclass
class ParsedRelease:
    """A release turned into normalised tables (columns as in sql/tables, without release_id)."""

    data_through: date
    tables: dict[str, DuckTable | pd.DataFrame] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(len(df) for df in self.tables.values())


@dataclass(frozen=True)
class ReleaseRef:
    """Where the newest release of a source was found: its label and the URLs of its files."""

    label: str
    urls: tuple[str, ...]


class Source:
    """Base class: subclasses set the class attributes and implement discover/fetch/parse/recorded."""

    name: ClassVar[str]
    title: ClassVar[str]
    recorded_folder: ClassVar[str]
    grain: ClassVar[str]  # "month" or "year": the unit of data_through
    tables: ClassVar[tuple[TableSpec, ...]]
    base_url: str

    def __init__(self, base_url: str | None = None):
        if base_url is not None:
            self.base_url = base_url.rstrip("/")

    def on_mirror(self, url: str) -> str:
        """Fetch an absolute link to the agency's own site from the mirror, when one is set."""
        parts = urlsplit(url)
        if parts.netloc != urlsplit(type(self).base_url).netloc:
            return url
        return self.base_url + parts.path + (f"?{parts.query}" if parts.query else "")

    def discover(self, http: HttpClient) -> ReleaseRef:
        """Find the newest release on the agency's site."""
        raise NotImplementedError

    def fetch(self, http: HttpClient, ref: ReleaseRef) -> Candidate:
        """Download the files of a discovered release (conditional requests through `http`)."""
        files = tuple(http.get_file(url) for url in ref.urls)
        return Candidate(self.name, ref.label, files, origin="live")

    def recorded(self, entry: Path) -> Candidate:
        """Read one recorded release: a file, or a folder of files, under the source's folder."""
        raise NotImplementedError

    def is_release_entry(self, entry: Path) -> bool:
        """Whether an entry of the source's recorded folder is named as a release (not a README, notes, old/)."""
        return not entry.name.startswith(".")

    def parse(self, candidate: Candidate) -> ParsedRelease:
        """Turn the release's bytes into normalised tables, or raise FormatError."""
        raise NotImplementedError


def period_text(value: date | None, grain: str) -> str:
    """A data-through date as its period: 2025-02 for a month, 2024 for a year ('' for none)."""
    return "" if value is None else f"{value:%Y}" if grain == "year" else f"{value:%Y-%m}"


def read_recorded_file(path: Path) -> RawFile:
    """Read a recorded release file, its URL being its file:// path."""
    return RawFile(name=path.name, url=path.resolve().as_uri(), content=path.read_bytes())


def published_at(file: RawFile) -> datetime:
    """When the server says the file last changed (Last-Modified), else now: how live releases are labelled."""
    if file.last_modified:
        try:
            return parsedate_to_datetime(file.last_modified)
        except (TypeError, ValueError):
            pass
    return datetime.now()
