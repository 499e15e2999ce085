"""Tables in the terminal that never split a word or a number: whole cells wrap, or one record per line."""

from __future__ import annotations

import textwrap

from rich.console import Console
from rich.table import Table
from rich.text import Text


def _text(cell: object) -> Text:
    """A cell as rich Text: Text as it is, strings as markup (our own cells), anything else as plain text."""
    if isinstance(cell, Text):
        return cell
    return Text.from_markup(cell) if isinstance(cell, str) else Text(str(cell))


def _longest_word(text: Text) -> int:
    return max((len(word) for word in text.plain.split()), default=0)


def table_fits(columns: list[str], rows: list[list[Text]], width: int) -> bool:
    """Whether a table whose every column is as wide as its longest word (or header) fits in `width`."""
    needed = [max([len(name)] + [_longest_word(row[i]) for row in rows]) for i, name in enumerate(columns)]
    return sum(needed) + 3 * len(columns) + 1 <= width


def print_table(console: Console, columns: list[str], rows: list[list[object]], title: str | None = None) -> None:
    """Print rows as a table whose cells wrap only between words; when even that does not fit the terminal, print
    one record per line ("source: census_trade · release: 2025-04 · …"), wrapped between words."""
    cells = [[_text(c) for c in row] for row in rows]
    if table_fits(columns, cells, console.width):
        table = Table(title=title)
        for i, name in enumerate(columns):
            longest = max([len(name)] + [_longest_word(row[i]) for row in cells])
            table.add_column(name, min_width=longest, overflow="fold")
        for row in cells:
            table.add_row(*row)
        console.print(table)
        return
    if title:
        console.print(Text(title, style="bold"))
    width = max(20, console.width)
    for row in cells:
        head, rest = row[0], [(name, cell) for name, cell in zip(columns[1:], row[1:]) if cell.plain]
        line, glued = Text(head.plain, style="bold"), head.plain
        for name, cell in rest:
            unit = f"{name}: {cell.plain}"
            line.append(" · ", style="dim")
            line.append(f"{name}: ", style="dim")
            line.append_text(cell)
            glued += " · " + (unit.replace(" ", NBSP) if len(unit) <= GLUE else unit)
        for part in _wrap(line, glued, width):
            console.print(part, no_wrap=True, overflow="ignore", highlight=False)


GLUE = 32  # a "name: value" pair up to this long stays on one line
NBSP = "\u00a0"  # textwrap never breaks at it


def _wrap(line: Text, glued: str, width: int) -> list[Text]:
    """Wrap styled text between words (never inside a glued pair), continuation lines indented by two spaces.

    `glued` is the line's plain text with the spaces that must not break made non-breaking, character for character."""
    if len(glued) != len(line.plain):
        glued = line.plain
    pieces = textwrap.wrap(glued, width, subsequent_indent="  ", break_long_words=False, break_on_hyphens=False)
    found, start = [], 0
    for piece in pieces:
        body = piece[2:] if found else piece
        at = glued.find(body, start)
        if at < 0:  # a newline in a cell became a space: keep the words, drop their style
            found.append(Text(piece.replace(NBSP, " ")))
            continue
        part = line[at:at + len(body)]
        found.append(Text("  ") + part if found else part)
        start = at + len(body)
    return found or [line]
