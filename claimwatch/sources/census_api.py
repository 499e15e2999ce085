"""What the Census Bureau's data API shares: JSON as an array of arrays, header row first, values as strings.

Documented at https://www.census.gov/data/developers/guidance/api-user-guide.html. An API key is optional
(`CENSUS_API_KEY`); it is sent as the `key` parameter and never stored or logged.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from datetime import date

from claimwatch.errors import FormatError
from claimwatch.sources.base import RawFile
from claimwatch.sources.csv_file import check_not_html


def api_key_params() -> dict:
    """The `key` parameter when CENSUS_API_KEY is set (kept out of stored URLs)."""
    key = os.environ.get("CENSUS_API_KEY", "").strip()
    return {"key": key} if key else {}


def read_api_table(file: RawFile, required: Sequence[str]) -> list[tuple[int, dict[str, str]]]:
    """Rows of a Census API response as (row number, {column: text}); the header row is dropped."""
    check_not_html(file, "Census API JSON (an array of arrays, header first)")
    try:
        data = json.loads(file.content.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FormatError(file.name, f"not valid JSON ({exc}); the response may be truncated") from None
    if not isinstance(data, list) or not data or not all(isinstance(r, list) for r in data):
        raise FormatError(file.name, "expected a JSON array of arrays with a header row first")
    header = [str(h) for h in data[0]]
    missing = [c for c in required if c not in header]
    if missing:
        raise FormatError(file.name, f"header lacks {missing}; expected columns {list(required)}, got {header}", row=1)
    rows = []
    for number, row in enumerate(data[1:], start=2):
        if len(row) != len(header):
            raise FormatError(file.name, f"{len(row)} values, expected {len(header)} ({', '.join(header)})", row=number)
        rows.append((number, {h: ("" if v is None else str(v)) for h, v in zip(header, row)}))
    if not rows:
        raise FormatError(file.name, "no data rows after the header")
    return rows


def parse_int(file: RawFile, line: int, column: str, text: str) -> int:
    """Parse a whole number such as '1985' or '1,985'."""
    cleaned = text.strip().replace(",", "")
    try:
        return int(cleaned)
    except ValueError:
        raise FormatError(file.name, f"expected a whole number, got {text!r}", row=line, column=column) from None


def check_unique(file: RawFile, seen: dict, key: tuple, line: int) -> None:
    """Raise on a second row with the same key, naming both lines."""
    first = seen.setdefault(key, line)
    if first != line:
        shown = ", ".join(f"{k:%Y-%m-%d}" if isinstance(k, date) else str(k) for k in key)
        raise FormatError(file.name, f"duplicate row: same key ({shown}) as line {first}", row=line)
