"""Terminal tables that fit the console: numbers never wrap or are cut, text folds, and a table
too wide for the console is split by columns into several, its label columns repeated."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rich import box
from rich.console import Console, RenderableType
from rich.table import Table
from rich.text import Text

__all__ = ["Cell", "Col", "fitted", "print_fitted", "table_width"]

#: A text column too wide for the console is never narrower than its longest word up to this
#: (longer words fold).
_TEXT_MIN = 24


@dataclass(frozen=True)
class Col:
    """A column: its header and whether it holds numbers (right-justified, never wrapped)."""

    header: str
    number: bool = False


def _words(text: str) -> int:
    """The longest piece of ``text`` that cannot be broken: a word, or part of a hyphenated
    word up to and including its hyphen."""
    return max((len(w) for w in re.split(r"(?<=-)|\s+", text)), default=0)


Cell = str | Text
"""A cell: plain text (never read as markup) or a styled :class:`rich.text.Text`."""


def _plain(cell: Cell) -> str:
    return cell.plain if isinstance(cell, Text) else cell


def _plan(col: Col, cells: Sequence[str]) -> tuple[int, int]:
    """The column's natural width (its longest cell or header) and the narrowest it may take
    without folding a word: all of it for a number, the longest word for text."""
    natural = max([len(c) for c in cells] + [_words(col.header), 1])
    if col.number:
        return natural, natural
    lines = [*cells, col.header]
    return max(max(len(c) for c in lines), 1), max(max(_words(c) for c in lines), 1)


def _cell(cell: Cell, width: int, number: bool) -> Text:
    """A cell as text, never markup; plain text wrapped at its spaces and hyphens (rich breaks
    only at spaces), a longer word folded."""
    if isinstance(cell, Text):
        return cell
    if number or len(cell) <= width:
        return Text(cell)
    return Text("\n".join(line for part in cell.splitlines()
                          for line in textwrap.wrap(part, width) or [""]))


def table_width(widths: Sequence[int], compact: bool = False) -> int:
    """A table's width with these column widths: rich's default box (padding 1 each side,
    separators, edges), or :data:`_COMPACT` (two spaces between columns, no edges)."""
    n = len(widths)
    return sum(widths) + (2 * n - 2 if compact else 3 * n + 1)


#: The style of a table too wide for rich's default box: a rule under the header, columns two
#: spaces apart.
_COMPACT: dict[str, Any] = {"box": box.SIMPLE_HEAD, "show_edge": False, "pad_edge": False,
                            "padding": (0, 0, 0, 1)}


def _groups(floors: Sequence[int], key: int, width: int, compact: bool) -> list[list[int]]:
    """The columns after the first ``key`` in as few groups as fit ``width`` beside the key
    columns, as even in size as that allows (one a group when nothing fits)."""
    rest = list(range(key, len(floors)))
    keys = list(floors[:key])
    for n in range(1, len(rest) + 1):
        size = -(-len(rest) // n)
        groups = [rest[i:i + size] for i in range(0, len(rest), size)]
        if all(table_width([*keys, *(floors[i] for i in g)], compact) <= width for g in groups):
            return groups
    return [[i] for i in rest] or [[]]


def _widths(natural: list[int], floors: list[int], width: int, compact: bool) -> list[int]:
    """Each column's width: the natural widths, the widest text column narrowed first, one
    character at a time, until the table fits ``width`` or every column is at its floor."""
    widths = list(natural)
    while table_width(widths, compact) > width:
        free = [i for i, w in enumerate(widths) if w > floors[i]]
        if not free:
            break
        widths[max(free, key=lambda i: widths[i])] -= 1
    return widths


def fitted(title: str, cols: Sequence[Col], rows: Sequence[Sequence[Cell]], width: int,
           key: int = 1, caption: str | None = None) -> list[RenderableType]:
    """The title, ``rows`` as one table in rich's default box if it fits ``width``, else in a
    compact style, else split by columns into several compact tables (the first ``key``
    columns in each, the others shared out in order), and the caption. Numbers are never
    wrapped or cut; text wraps at its words (a word longer than its column folds)."""
    plans = [_plan(c, [_plain(r[i]) for r in rows]) for i, c in enumerate(cols)]
    natural, floors = [p[0] for p in plans], [p[1] for p in plans]
    if table_width(floors, compact=True) > width:  # words longer than _TEXT_MIN may fold
        floors = [f if c.number else min(f, _TEXT_MIN) for f, c in zip(floors, cols, strict=True)]
    compact = table_width(floors) > width
    groups = _groups(floors, key, width, compact)
    out: list[RenderableType] = []
    for n, group in enumerate(groups, 1):
        part = f" ({n} of {len(groups)})" if len(groups) > 1 else ""
        out.append(Text(title + part, style="bold"))
        index = [*range(key), *group]
        sizes = _widths([natural[i] for i in index], [floors[i] for i in index], width, compact)
        table = Table(header_style="bold", **(_COMPACT if compact else {}))
        for i, size in zip(index, sizes, strict=True):
            col = cols[i]
            if col.number:
                table.add_column(Text("\n".join(textwrap.wrap(col.header, size)) or col.header),
                                 justify="right", no_wrap=True, width=size)
            else:
                table.add_column(Text(col.header), overflow="fold", width=size)
        for r in rows:
            table.add_row(*(_cell(r[i], size, cols[i].number) for i, size in zip(index, sizes,
                                                                                strict=True)))
        out.append(table)
    if caption:
        out.append(Text(caption))
    return out


def print_fitted(console: Console, title: str, cols: Sequence[Col],
                 rows: Sequence[Sequence[Cell]], key: int = 1, caption: str | None = None) -> None:
    """:func:`fitted` at the console's width, printed."""
    for part in fitted(title, cols, rows, console.width, key, caption):
        console.print(part)
