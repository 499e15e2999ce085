"""Read a published CSV file strictly: every problem is reported with the file, line and column."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator, Sequence
from datetime import date

from claimwatch.errors import FormatError
from claimwatch.sources.base import RawFile


def check_not_html(file: RawFile, expected: str) -> None:
    """Reject an empty file or an HTML page served in place of the release file."""
    if not file.content.strip():
        raise FormatError(file.name, f"the file is empty; expected {expected}")
    head = file.content[:1024].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html", b"<?xml", b"<head", b"<body")):
        raise FormatError(
            file.name,
            f"got an HTML page instead of {expected} (the server probably returned an error page)",
        )


def read_csv_rows(file: RawFile, expected_header: Sequence[str]) -> Iterator[tuple[int, list[str]]]:
    """Yield (line number, fields) for each data row after checking the header and row shapes."""
    check_not_html(file, "a CSV file")
    try:
        text = file.content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FormatError(file.name, f"not UTF-8 text (byte {exc.start}); expected a CSV file") from None
    if not text.endswith("\n"):
        raise FormatError(
            file.name, "the file ends in the middle of a line: it looks truncated (expected a final newline)",
            row=text.count("\n") + 1,
        )
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip() for h in next(reader)]
    expected = list(expected_header)
    if header != expected:
        missing = [c for c in expected if c not in header]
        unexpected = [c for c in header if c not in expected]
        detail = []
        if missing:
            detail.append(f"missing {missing}")
        if unexpected:
            detail.append(f"unexpected {unexpected}")
        if not detail:
            detail.append(f"columns in a different order: {header}")
        raise FormatError(file.name, f"header does not match: {'; '.join(detail)}; expected {expected}", row=1)
    width = len(expected)
    for fields in reader:
        line = reader.line_num
        if not fields:
            continue
        if len(fields) != width:
            raise FormatError(
                file.name, f"{len(fields)} fields, expected {width} ({', '.join(expected)}): truncated or malformed row", row=line
            )
        yield line, fields


def parse_int(file: RawFile, line: int, column: str, text: str) -> int:
    """Parse a whole number such as '1985' or '1,985'."""
    cleaned = text.strip().replace(",", "")
    try:
        return int(cleaned)
    except ValueError:
        raise FormatError(file.name, f"expected a whole number, got {text!r}", row=line, column=column) from None


def parse_float(file: RawFile, line: int, column: str, text: str) -> float:
    """Parse a decimal number such as '147.048'."""
    cleaned = text.strip().replace(",", "")
    try:
        value = float(cleaned)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):  # float() also accepts 'nan' and 'inf'
        raise FormatError(file.name, f"expected a number, got {text!r}", row=line, column=column)
    return value


def check_unique(file: RawFile, seen: dict, key: tuple, line: int) -> None:
    """Raise on a second row with the same key, naming both lines."""
    first = seen.setdefault(key, line)
    if first != line:
        shown = ", ".join(f"{k:%Y-%m-%d}" if isinstance(k, date) else str(k) for k in key)
        raise FormatError(file.name, f"duplicate row: same key ({shown}) as line {first}", row=line)
