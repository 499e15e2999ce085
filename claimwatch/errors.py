"""Errors that tell a data editor which file, row or field was wrong and what was expected."""

from __future__ import annotations


class ClaimwatchError(Exception):
    """Base class for errors claimwatch reports to its users."""


class FormatError(ClaimwatchError):
    """A release file does not have the documented format."""

    def __init__(self, file: str, problem: str, *, row: int | None = None, column: str | None = None):
        self.file, self.problem, self.row, self.column = file, problem, row, column
        where = [file]
        if row is not None:
            where.append(f"line {row}")
        if column is not None:
            where.append(f"column {column!r}")
        super().__init__(f"{', '.join(where)}: {problem}")


class FetchError(ClaimwatchError):
    """A source could not be fetched after its retries."""


class StoreBusyError(ClaimwatchError):
    """Another process holds the DuckDB file (DuckDB allows one writer, and no readers beside it)."""


class StoreError(ClaimwatchError):
    """The store cannot be opened or written: not a DuckDB file, a read-only location, a full disk."""


class NoStoreError(StoreError, FileNotFoundError):
    """No store at the path given, and the command does not create one."""


class CatalogError(FormatError):
    """A claim catalog is wrong: every problem found, each naming the claim and the field."""

    def __init__(self, file: str, problems: list[str]):
        self.problems = list(problems)
        text = self.problems[0] if len(self.problems) == 1 else (
            f"{len(self.problems)} problems:\n" + "\n".join(f"  - {p}" for p in self.problems))
        super().__init__(file, text)
