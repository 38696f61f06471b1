"""A table sheet's cells written column by column: the same worksheet XML XlsxWriter writes cell
by cell, built in bulk (Kent's long tables hold ~10^5 cells, which per-cell writes take
seconds over).

:meth:`TableSheet.put_columns` turns each column into its cells' XML at once and
:meth:`TableSheet._write_rows` writes them out row by row when the workbook closes, with the
row spans, dimensions and shared-string order XlsxWriter's own writer gives, so a sheet has
the same bytes either way (``tests/test_sheet_data.py`` compares them). Text that needs
XlsxWriter's own handling (control characters, rich-text markup, over-long text) is refused:
the caller writes such a table cell by cell.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from xlsxwriter.format import Format  # type: ignore[import-untyped]
from xlsxwriter.utility import xl_col_to_name, xl_range  # type: ignore[import-untyped]
from xlsxwriter.worksheet import Worksheet  # type: ignore[import-untyped]

from placement_opt.schema.parse import CONTROL_CHARACTERS

__all__ = ["ExactSheet", "TableSheet", "cell_value", "plain_value"]

#: Text written cell by cell: control characters a workbook cannot hold, and rich-text markup.
_SPECIAL = re.compile(CONTROL_CHARACTERS.pattern + r"|^<r>.*</r>\Z", re.DOTALL)
_MAX_TEXT = 32_767
_PLAIN = (float, int, bool, str)
_NONE = 1 << 30  # the lowest column of an empty row (above any real column)


class ExactSheet(Worksheet):  # type: ignore[misc]
    """A worksheet that stores numbers with every digit (XlsxWriter keeps 16 significant
    digits, which does not round-trip every float)."""

    def _xml_number_element(self, number: float, attributes: Any = ()) -> None:
        # The attributes are the cell reference and a style index: nothing to escape.
        attr = "".join([f' {k}="{v}"' for k, v in attributes])
        self.fh.write(f"<c{attr}><v>{number!r}</v></c>")


def cell_value(value: Any) -> Any:
    """A plain Python value: missing → None, numpy scalars → Python."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def plain_value(value: Any) -> float | int | bool | str | None:
    """A cell's value as one of the types a cell holds: :func:`cell_value`, anything else as
    its text."""
    kind = type(value)
    if kind is float or kind is str or kind is int or kind is bool or value is None:
        return value  # type: ignore[no-any-return]
    value = cell_value(value)
    return value if value is None or type(value) in _PLAIN else str(value)


class _Column:
    """One column's cells, each as the end of its XML after the style (``""``: no cell), and
    its text cells (row, text) until they are shared."""

    def __init__(self, values: list[Any]) -> None:
        self.ends = [""] * len(values)
        self.text_rows: list[int] = []
        self.texts: list[str] = []
        for i, value in enumerate(values):
            self._put(i, plain_value(value))

    @classmethod
    def of(cls, ends: list[str]) -> _Column:
        """A column of these cell ends (and no text cells yet)."""
        column = cls([])
        column.ends = ends
        return column

    def _put(self, i: int, value: float | int | bool | str | None) -> None:
        kind = type(value)
        if kind is float:
            if value != value:  # NaN: an empty cell
                return
            if math.isinf(value):  # type: ignore[arg-type]
                value, kind = repr(value), str
        if kind is str:
            if value:  # empty text: an empty cell
                self.text_rows.append(i)
                self.texts.append(value)  # type: ignore[arg-type]
        elif kind is bool:
            self.ends[i] = f' t="b"><v>{int(value)}</v></c>'  # type: ignore[arg-type]
        elif value is not None:
            self.ends[i] = f"><v>{value!r}</v></c>"


def _column(values: np.ndarray | list[Any]) -> _Column:
    """A column's cells: numpy float, integer and boolean arrays and lists of text formatted
    in one pass, other lists value by value."""
    if isinstance(values, np.ndarray):
        kind = values.dtype.kind
        if kind == "f" and np.isfinite(values).all():
            return _Column.of([f"><v>{v!r}</v></c>" for v in values.astype(float).tolist()])
        if kind in "iu":
            return _Column.of([f"><v>{v}</v></c>" for v in values.tolist()])
        if kind == "b":
            return _Column.of([_TRUE if v else _FALSE for v in values.tolist()])
    items: list[Any] = values.tolist() if isinstance(values, np.ndarray) else values
    if all(type(v) is str for v in items):
        column = _Column.of([""] * len(items))
        column.text_rows = [i for i, v in enumerate(items) if v]
        column.texts = [v for v in items if v]
        return column
    return _Column(items)


_TRUE, _FALSE = ' t="b"><v>1</v></c>', ' t="b"><v>0</v></c>'


class TableSheet(ExactSheet):
    """A worksheet whose rows below the first ones (a table's header) are given as whole
    columns (:meth:`put_columns`)."""

    _bulk: tuple[int, list[_Column], list[Format | None], np.ndarray, np.ndarray] | None = None

    def add_table(self, first_row: int, first_col: int, last_row: int, last_col: int,
                  options: dict[str, Any] | None = None) -> int:
        """XlsxWriter's ``add_table`` (one table a sheet, no total row or data), without its
        cell-by-cell check for overlaps, which took a tenth of Kent's writing time."""
        if self.tables:
            raise RuntimeError(f"sheet {self.name}: one table a sheet")
        options = dict(options or {})
        if self._check_dimensions(last_row, last_col, True, True):
            return -1
        if "data" in options or options.get("total_row") or last_row <= first_row + 1:
            return int(super().add_table(first_row, first_col, last_row, last_col, options))
        code = int(super().add_table(first_row, first_col, first_row + 1, last_col, options))
        if code == 0:
            table = self.tables[-1]
            table["range"] = table["a_range"] = xl_range(first_row, first_col, last_row, last_col)
            if "autofilter" in table:
                table["autofilter"] = table["a_range"]
        return code

    def put_columns(self, first_row: int, columns: Sequence[np.ndarray | list[Any]],
                    styles: Sequence[Format | None]) -> bool:
        """Store ``columns`` (numpy arrays, or lists of values as :func:`plain_value` takes;
        each in its style; NaN, None and empty text are empty cells) as the rows from
        ``first_row`` on, registering their text in the shared strings as a row-by-row write
        would. False, with nothing stored, when a text cell needs XlsxWriter's own handling
        (write the cells one by one then)."""
        if (self._bulk is not None or self.constant_memory or self.excel_version != 2007
                or self.default_row_height != self.original_row_height
                or any(row >= first_row for row in self.row_info)):
            return False
        built = [_column(values) for values in columns]
        if not self._share_texts(built):
            return False
        length = len(built[0].ends) if built else 0
        present = np.array([[end != "" for end in column.ends] for column in built],
                           dtype=bool).reshape(len(built), length).T
        lo, hi = _bounds(present)
        filled = np.flatnonzero(hi >= 0)
        if len(filled):
            self._check_dimensions(first_row + int(filled[0]), int(lo.min()))
            self._check_dimensions(first_row + int(filled[-1]), int(hi.max()))
        self._bulk = (first_row, built, list(styles), lo, hi)
        return True

    def _share_texts(self, built: list[_Column]) -> bool:
        """Each text cell's XML, its text in the shared strings in row-major order of first
        use; False (nothing registered) for text that needs XlsxWriter's own handling."""
        firsts: list[tuple[int, int, str]] = []
        codes: list[np.ndarray] = []
        uniques: list[list[str]] = []
        for col, column in enumerate(built):
            code, unique = pd.factorize(np.asarray(column.texts, dtype=object))
            words: list[str] = unique.tolist()
            if any(len(w) > _MAX_TEXT or _SPECIAL.search(w) for w in words):
                return False
            _, first = np.unique(code, return_index=True)
            firsts += [(column.text_rows[f], col, w)
                       for f, w in zip(first.tolist(), words, strict=True)]
            codes.append(code)
            uniques.append(words)
        table = self.str_table
        for _, _, word in sorted(firsts, key=lambda t: (t[0], t[1])):
            table._get_shared_string_index(word)
        table.count += sum(len(c.texts) for c in built) - len(firsts)
        for column, code, words in zip(built, codes, uniques, strict=True):
            index = [table.string_table[w] for w in words]
            for i, k in zip(column.text_rows, code.tolist(), strict=True):
                column.ends[i] = f' t="s"><v>{index[k]}</v></c>'
        return True

    def _write_rows(self) -> None:
        if self._bulk is None:
            super()._write_rows()
            return
        first, built, styles, lo, hi = self._bulk
        held = sorted(row for row, stored in self.table.items() if stored)
        if self.comments or any(row >= first for row in held):
            raise RuntimeError(f"sheet {self.name}: cells written below row {first} by hand")
        last = int(self.dim_rowmax)
        low = np.full(last + 1, _NONE, dtype=np.int64)
        high = np.full(last + 1, -1, dtype=np.int64)
        for row in held:
            low[row], high[row] = min(self.table[row]), max(self.table[row])
        stop = min(last + 1, first + len(lo))
        low[first:stop], high[first:stop] = lo[:stop - first], hi[:stop - first]
        spans = _spans(low, high)
        for row in held:
            self._write_row(row, spans[row // 16])
            for col in sorted(self.table[row]):
                self._write_cell(row, col, self.table[row][col])
            self._xml_end_tag("row")
        numbers = [str(r) for r in range(first + 1, first + 1 + len(lo))]
        keep = hi.tolist()
        cells = []
        for col, (column, fmt) in enumerate(zip(built, styles, strict=True)):
            # The style index now, as XlsxWriter's writer takes it (indices go in order of use).
            head = f'<c r="{xl_col_to_name(col)}'
            style = "" if fmt is None else f' s="{fmt._get_xf_index()}"'
            cells.append([f'{head}{r}"{style}{end}' if end else ""
                          for r, end in zip(numbers, column.ends, strict=True)])
        self.fh.write("".join([f'<row r="{first + i + 1}" spans="{spans[(first + i) // 16]}">'
                               f'{"".join(row)}</row>'
                               for i, row in enumerate(zip(*cells, strict=True)) if keep[i] >= 0]))


def _bounds(present: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lowest and highest filled column of each row (``_NONE`` and -1 for an empty row)."""
    if present.size == 0:
        return (np.full(len(present), _NONE, dtype=np.int64),
                np.full(len(present), -1, dtype=np.int64))
    filled = present.any(axis=1)
    lo = np.where(filled, present.argmax(axis=1), _NONE)
    hi = np.where(filled, present.shape[1] - 1 - present[:, ::-1].argmax(axis=1), -1)
    return lo.astype(np.int64), hi.astype(np.int64)


def _spans(low: np.ndarray, high: np.ndarray) -> list[str | None]:
    """XlsxWriter's ``spans`` of each block of 16 rows: its lowest to highest filled column
    (1-based), None for a block with no cells."""
    blocks = -(-len(low) // 16)
    pad = blocks * 16 - len(low)
    lo = np.pad(low, (0, pad), constant_values=_NONE).reshape(blocks, 16).min(axis=1)
    hi = np.pad(high, (0, pad), constant_values=-1).reshape(blocks, 16).max(axis=1)
    return [f"{a + 1}:{b + 1}" if b >= 0 else None
            for a, b in zip(lo.tolist(), hi.tolist(), strict=True)]
