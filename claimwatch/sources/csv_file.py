"""Read a published CSV file strictly, in DuckDB: every problem is reported with the file, line and column."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from claimwatch.errors import FormatError
from claimwatch.sources.base import RawFile

# What Python's str.strip() strips (every str.isspace() character), so fields are trimmed as before.
WHITESPACE = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007" \
    "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"


def sql_text(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def stripped(field: str) -> str:
    """SQL for a field as str.strip() gives it ('' for an empty field); trim() only when an end is whitespace (fast)."""
    spaces = sql_text(WHITESPACE)
    return (f"case when contains({spaces}, {field}[1]) or contains({spaces}, {field}[-1])"
            f" then trim({field}, {spaces}) else coalesce({field}, '') end")


def whole_number(field: str) -> str:
    """SQL for a whole number such as '1985' or '1,985' (as int() reads it), NULL when it is not one."""
    text = f"replace({stripped(field)}, ',', '')"
    return f"case when regexp_full_match({text}, '[+-]?[0-9](_?[0-9])*') then try_cast(replace({text}, '_', '') as bigint) end"


def decimal_number(field: str) -> str:
    """SQL for a finite decimal number such as '147.048' (as float() reads it), NULL when it is not one."""
    value = f"try_cast(replace({stripped(field)}, ',', '') as double)"
    return f"case when isfinite({value}) then {value} end"


def connect() -> duckdb.DuckDBPyConnection:
    """An in-memory database for one file; one thread is faster than several on a file of a few MB (measured)."""
    return duckdb.connect(config={"threads": 1})


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


def check_header(file: RawFile, text: str, expected: list[str]) -> None:
    """The first record must name exactly the expected columns, in order."""
    header = [h.strip() for h in next(csv.reader(io.StringIO(text, newline="")))]
    if header == expected:
        return
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


@dataclass(frozen=True)
class Check:
    """A rule every row must pass: `bad` is SQL true on a failing row; `message` words the failure from that row."""

    column: str | None  # the header named in the error (None: the row as a whole)
    bad: str
    message: Callable[[dict], str]


class CsvRows:
    """A CSV file's data rows in the DuckDB table `csv_rows`: text fields f0, f1, ... and `record`, in file order."""

    def __init__(self, con: duckdb.DuckDBPyConnection, file: RawFile, expected_header: Sequence[str]):
        self.con, self.file, self.header = con, file, list(expected_header)
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
        check_header(file, text, self.header)
        columns = ", ".join(f"{self.field(name)}: 'VARCHAR'" for name in self.header)
        with tempfile.TemporaryDirectory(prefix="claimwatch-") as folder:  # 7x faster than reading a BytesIO
            path = Path(folder) / "release.csv"
            path.write_bytes(file.content)
            # a table keeps the file's order: its rowid is the record number
            con.execute(f"""create table csv_fields as select * from read_csv({sql_text(str(path))}, header = true,
                columns = {{{columns}}}, auto_detect = false, delim = ',', quote = '"', escape = '"', store_rejects = true)""")
        con.execute("create view csv_rows as select rowid as record, * from csv_fields")
        self.count = con.execute("select count(*) from csv_rows").fetchone()[0]
        self.rejected = con.execute("select line, error_message from reject_errors order by line limit 1").fetchone()
        rejected_lines = con.execute("select count(distinct line) from reject_errors").fetchone()[0]
        # One physical line per record (no blank lines, no line breaks inside quotes): line = record + 2.
        self.lines = None if file.content.count(b"\n") == 1 + self.count + rejected_lines else self.record_lines()

    def field(self, name: str) -> str:
        """The csv_rows column holding a header's field."""
        return f"f{self.header.index(name)}"

    def record_lines(self) -> list[tuple[int, int]]:
        """(line, number of fields) of every record, as Python's csv module counts lines (blank lines skipped)."""
        reader = csv.reader(io.StringIO(self.file.content.decode("utf-8-sig"), newline=""))
        next(reader)
        return [(reader.line_num, len(fields)) for fields in reader if fields]

    def line(self, record: int) -> int:
        """The line on which a record (counted from 0, before any malformed row) ends."""
        return record + 2 if self.lines is None else self.lines[record][0]

    def malformed(self) -> tuple[int, str] | None:
        """The first row DuckDB could not split into the expected fields: (record, reason)."""
        width = len(self.header)
        if self.lines is not None:
            return next(((i, self.width_problem(n)) for i, (_, n) in enumerate(self.lines) if n != width), None)
        if self.rejected is None:
            return None
        line, error = self.rejected
        text = self.file.content.split(b"\n", line)[line - 1].decode("utf-8-sig").rstrip("\r")
        fields = len(next(csv.reader([text]), []))
        return line - 2, self.width_problem(fields) if fields != width else f"malformed row ({error})"

    def width_problem(self, fields: int) -> str:
        """What is wrong with a row of `fields` fields."""
        width = len(self.header)
        return f"{fields} fields, expected {width} ({', '.join(self.header)}): truncated or malformed row"

    def check(self, table: str, checks: Sequence[Check]) -> None:
        """Raise the first failure in file order (a malformed row, else the first failing check of the first bad row).

        A check's message gets the row's typed columns and its fields as published (f0, f1, ...).
        """
        flags = ", ".join(f"coalesce({c.bad}, false)" for c in checks)
        cursor = self.con.execute(
            f"select *, [{flags}] as failed from {table} where list_bool_or([{flags}]) order by record limit 1")
        row = fetch_dict(cursor)
        if row is not None:  # the fields as published, for the message
            row |= fetch_dict(self.con.execute("select * from csv_rows where record = ?", [row["record"]]))
        malformed = self.malformed()
        if malformed is None and self.rejected is not None:  # split differently from Python's csv module
            malformed = self.rejected[0] - 2, f"malformed row ({self.rejected[1]})"
        if malformed is not None and (row is None or malformed[0] <= row["record"]):
            record, reason = malformed
            raise FormatError(self.file.name, reason, row=self.line(record))
        if row is not None:
            failing = checks[row["failed"].index(True)]
            raise FormatError(self.file.name, failing.message(row), row=self.line(row["record"]), column=failing.column)


def fetch_dict(cursor: duckdb.DuckDBPyConnection) -> dict | None:
    """The next row of a result as {column: value}, None at the end."""
    found = cursor.fetchone()
    return None if found is None else dict(zip([d[0] for d in cursor.description], found))


def duplicate_check(rows: CsvRows, table: str, key: Sequence[str]) -> Check:
    """A second row with the same key names both lines (the view `{table}_checked` adds each key's first record)."""
    columns = ", ".join(key)
    rows.con.execute(f"""create table {table}_duplicates as select {columns}, min(record) as first_of_key from {table}
        group by {columns} having count(*) > 1""")
    rows.con.execute(f"create view {table}_checked as select * from {table} left join {table}_duplicates using ({columns})")

    def message(row: dict) -> str:
        shown = ", ".join(f"{row[k]:%Y-%m-%d}" if isinstance(row[k], date) else str(row[k]) for k in key)
        return f"duplicate row: same key ({shown}) as line {rows.line(row['first_of_key'])}"

    return Check(None, "record > first_of_key", message)
