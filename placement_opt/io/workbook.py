"""Writing frames to xlsx sheets (with XlsxWriter): numbers as numbers, text always as text."""

from __future__ import annotations

import math
import re
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xlsxwriter  # type: ignore[import-untyped]  # no py.typed marker
from xlsxwriter.format import Format  # type: ignore[import-untyped]
from xlsxwriter.worksheet import Worksheet  # type: ignore[import-untyped]

from placement_opt.errors import OutputError
from placement_opt.io.sheet_data import ExactSheet, TableSheet, cell_value, plain_value
from placement_opt.schema.parse import CONTROL_CHARACTERS

__all__ = ["FORMATS", "Book", "cell_value", "column_format", "frame_rows", "open_book",
           "unescape_text", "write_workbook"]

#: OOXML's escape of a character in cell text (``_x000D_`` is a carriage return).
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
#: Control characters a workbook cannot hold as such (tab, line feed and carriage return can).
_ILLEGAL = CONTROL_CHARACTERS
#: Every workbook carries this creation date, so the same tables give the same bytes.
CREATED = datetime(2000, 1, 1)
#: Workbook options: never turn text into numbers, formulas or links; stream rows to disk.
#: constant_memory also stores text inline, which openpyxl (our reader) reads back exactly: it
#: strips every ``x005F_`` from shared strings. (Plain mode was only ~10% faster on Kent.)
_OPTIONS = {"constant_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
            "strings_to_urls": False}
_MAX_ROWS, _MAX_COLS = 1_048_576, 16_384
#: Named number formats for :meth:`Book.table` (Excel format codes).
FORMATS = {"gbp": "\u00a3#,##0", "pupils": "#,##0.0", "count": "#,##0", "share": "0.0%",
           "year": "0", "number": "#,##0.00"}
#: A name Excel accepts for a table or a defined name (and that is not a cell reference).
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]{0,254}")
_CELL_LIKE = re.compile(r"(?i)([A-Z]{1,3}[0-9]+|R[0-9]*C[0-9]*|[RC])")
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


#: The unit the schema sheet gives a column of each format.
UNITS = {"gbp": "GBP", "pupils": "pupils", "count": "count", "share": "share (0 to 1, shown as %)",
         "year": "year", "number": ""}
_TYPES = {"i": "int", "u": "int", "f": "float", "b": "bool"}


def column_format(column: str) -> str | None:
    """The format (a key of :data:`FORMATS`) a column's name implies: ``*_gbp`` → ``gbp``;
    ``pupils``, ``*_pupils``, ``pupils_*`` → ``pupils``; ``share*``, ``*_share``, ``*_pct`` →
    ``share``; ``year``, ``*_year`` → ``year``; else None (general)."""
    name = column.lower()
    if name.endswith("_gbp"):
        return "gbp"
    if name == "pupils" or name.endswith("_pupils") or name.startswith("pupils_"):
        return "pupils"
    if name.startswith("share") or name.endswith("_share") or name.endswith("_pct"):
        return "share"
    if name == "year" or name.endswith("_year"):
        return "year"
    return None


def _check_name(kind: str, name: str) -> None:
    if not _NAME.fullmatch(name) or _CELL_LIKE.fullmatch(name):
        raise OutputError(f"{kind} name {name!r}: use letters, digits, _ and . (starting with a "
                          "letter or _, at most 255 characters, not a cell reference like A1)")


def _check_sheet(name: str) -> None:
    if not name or len(name) > 31 or _SHEET_BAD.search(name) or name.startswith("'"):
        raise OutputError(f"sheet name {name!r}: 1 to 31 characters, none of [ ] : * ? / \\")


def unescape_text(text: str) -> str:
    """Cell text as Excel reads it: ``_xHHHH_`` escapes decoded (openpyxl leaves them as
    stored; XlsxWriter writes a carriage return as ``_x000D_`` and ``_x0041_`` as
    ``_x005F_x0041_``)."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


class Book:
    """An xlsx workbook being written, one sheet at a time (rows stream to disk, except in a
    book of tables, whose table sheets are written column by column: ``sheet_data``)."""

    def __init__(self, target: Path, scratch: str, tables: bool = False) -> None:
        # XlsxWriter cannot add a table in constant_memory mode (add_table only warns and does
        # nothing), so a book of tables holds its cells in memory until it is closed, and its
        # parts too (no scratch files; each part dated 1980-01-01).
        self._tables = tables
        self._book = xlsxwriter.Workbook(str(target), {**_OPTIONS, "tmpdir": scratch,
                                                       "constant_memory": not tables,
                                                       "in_memory": tables})
        self._book.set_properties({"created": CREATED})
        self._bold = self._book.add_format({"bold": True})
        self._plain = self._book.add_format()
        self._formats = {key: self._book.add_format({"num_format": code})
                         for key, code in FORMATS.items()}
        self._names: set[str] = set()
        self._schema: list[tuple[str, str, str, str, str, str]] = []

    def table(self, name: str, frame: pd.DataFrame, table: str,
              formats: Mapping[str, str] | None = None,
              widths: Mapping[str, float] | None = None,
              describe: Mapping[str, str] | None = None,
              units: Mapping[str, str] | None = None) -> Worksheet:
        """A sheet holding ``frame`` as an Excel table named ``table``, header frozen, each column
        in the format its name implies (:func:`column_format`) or the one ``formats`` gives
        (a key of :data:`FORMATS`, or ``"general"``); ``widths`` overrides column widths.
        Each column is recorded, with its ``describe`` text and unit (``units``, else the
        format's :data:`UNITS`), for :meth:`schema`."""
        _check_sheet(name)
        _check_name("table", table)
        if not self._tables:
            raise OutputError("a table needs a book opened with tables=True")
        if table.lower() in self._names:
            raise OutputError(f"table name {table!r} used twice in one workbook")
        header = [str(c) for c in frame.columns]
        if not header:
            raise OutputError(f"sheet {name}: a table needs at least one column")
        if len({h.lower() for h in header}) < len(header):
            raise OutputError(f"sheet {name}: a table needs distinct column names")
        if len(header) > _MAX_COLS or len(frame) + 1 > _MAX_ROWS:
            raise OutputError(f"sheet {name}: more rows or columns than a workbook can hold; "
                              "write CSV instead")
        self._names.add(table.lower())
        chosen = {**{h: column_format(h) for h in header}, **(formats or {})}
        for h, key in chosen.items():
            if key is not None and key != "general" and key not in self._formats:
                raise OutputError(f"sheet {name}, column {h}: unknown format {key!r}; use one of "
                                  + ", ".join([*FORMATS, "general"]))
        styles = [self._formats.get(chosen[h] or "") for h in header]
        for i, h in enumerate(header):
            kind = _TYPES.get(frame.iloc[:, i].dtype.kind, "text")
            unit = (units or {}).get(h, UNITS.get(chosen[h] or "", ""))
            self._schema.append((name, table, h, kind, unit, (describe or {}).get(h, "")))
        sheet: TableSheet = self._book.add_worksheet(name, worksheet_class=TableSheet)
        for col, title in enumerate(header):
            width = (widths or {}).get(title, max(10, min(40, len(title) + 4)))
            sheet.set_column(col, col, width, styles[col])
        # The table writes its header cells (row 0) itself.
        sheet.add_table(0, 0, max(len(frame), 1), len(header) - 1, {
            "name": table, "style": "Table Style Light 9",
            "columns": [{"header": h} for h in header]})
        sheet.freeze_panes(1, 0)
        if not sheet.put_columns(1, _columns(frame, arrays=True), styles):
            for number, row in enumerate(frame_rows(frame), start=1):
                for col, value in enumerate(row):
                    self._cell(sheet, number, col, value, styles[col])
        return sheet

    def schema(self, name: str = "schema", table: str = "tbl_schema") -> Worksheet:
        """A sheet listing every column of every table written so far: sheet, table, column,
        type, unit and description."""
        frame = pd.DataFrame(self._schema, columns=["sheet", "table", "column", "type", "unit",
                                                    "description"])
        return self.table(name, frame, table, widths={"description": 90, "unit": 24})

    def named_cell(self, name: str, sheet: str, row: int, col: int) -> None:
        """Define ``name`` (workbook scope) as the cell at ``row``, ``col`` (0-based) of ``sheet``."""
        _check_name("defined", name)
        if name.lower() in self._names:
            raise OutputError(f"name {name!r} defined twice in one workbook")
        self._names.add(name.lower())
        from xlsxwriter.utility import xl_rowcol_to_cell  # type: ignore[import-untyped]

        self._book.define_name(name, f"='{sheet}'!{xl_rowcol_to_cell(row, col, True, True)}")

    def headline(self, name: str, figures: Sequence[tuple[str, str, Any, str]],
                 table: str = "tbl_headline") -> Worksheet:
        """A sheet of headline figures as a table ``table``: one row per (defined name, label,
        value, format key), each value cell defined under its name (:meth:`named_cell`)."""
        _check_sheet(name)
        _check_name("table", table)
        if not self._tables:
            raise OutputError("a table needs a book opened with tables=True")
        sheet: Worksheet = self._book.add_worksheet(name, worksheet_class=ExactSheet)
        header = (("name", 30, "Defined name of the value cell (use it in formulas)."),
                  ("figure", 60, "What the figure is."),
                  ("value", 18, "The figure, in the unit its format shows."))
        for col, (title, width, text) in enumerate(header):
            sheet.set_column(col, col, width)
            self._schema.append((name, table, title, "text" if col < 2 else "float", "", text))
        sheet.add_table(0, 0, max(len(figures), 1), 2, {
            "name": table, "style": "Table Style Light 9",
            "columns": [{"header": h[0]} for h in header]})
        self._names.add(table.lower())
        sheet.freeze_panes(1, 0)
        for number, (defined, label, value, key) in enumerate(figures, start=1):
            self.named_cell(defined, name, number, 2)
            self._text(sheet, number, 0, defined)
            self._text(sheet, number, 1, label)
            self._cell(sheet, number, 2, value, self._formats.get(key))
        return sheet

    def frame(self, name: str, frame: pd.DataFrame, after: Sequence[Sequence[Any]] = (),
              comments: Sequence[str] = ()) -> Worksheet:
        """A sheet holding ``frame`` (header and rows), then the rows ``after``."""
        return self.rows(name, [str(c) for c in frame.columns],
                         _chain(frame_rows(frame), after), len(frame) + len(after), comments)

    def rows(self, name: str, header: Sequence[str], rows: Iterable[Sequence[Any]],
             count: int | None = None, comments: Sequence[str] = ()) -> Worksheet:
        """A sheet with ``header`` in bold and frozen (with ``comments`` on its cells), then
        ``rows`` (``count`` of them, when known, is checked against the sheet's limit first)."""
        sheet: Worksheet = self._book.add_worksheet(name, worksheet_class=ExactSheet)
        if len(header) > _MAX_COLS or (count or 0) + 1 > _MAX_ROWS:
            raise OutputError(f"sheet {name}: more rows or columns than a workbook can hold; "
                              "write CSV instead")
        for col, title in enumerate(header):
            self._text(sheet, 0, col, title, self._bold)
            sheet.set_column(col, col, max(10, min(40, len(title) + 4)))
        for col, comment in enumerate(comments):  # before the rows: they stream to disk
            sheet.write_comment(0, col, comment, {"author": "placement_opt"})
        sheet.freeze_panes(1, 0)
        for number, row in enumerate(rows, start=1):
            for col, value in enumerate(row):
                self._cell(sheet, number, col, value)
        return sheet

    def lines(self, name: str, rows: Iterable[Sequence[Any]], widths: Sequence[float]) -> Worksheet:
        """A sheet of plain ``rows`` (no header) with the given column widths."""
        sheet: Worksheet = self._book.add_worksheet(name, worksheet_class=ExactSheet)
        for col, width in enumerate(widths):
            sheet.set_column(col, col, width)
        for number, row in enumerate(rows):
            for col, value in enumerate(row):
                self._cell(sheet, number, col, value)
        return sheet

    def _cell(self, sheet: Worksheet, row: int, col: int, value: Any,
              style: Format | None = None) -> None:
        kind = type(value)
        if kind is float:
            if value != value:  # NaN: an empty cell
                return
            if math.isinf(value):
                self._text(sheet, row, col, repr(value))
            else:
                sheet.write_number(row, col, value, style)
        elif kind is str:
            if value:  # empty text: an empty cell
                self._text(sheet, row, col, value)
        elif kind is int:
            sheet.write_number(row, col, value, style)
        elif kind is bool:
            sheet.write_boolean(row, col, value)
        elif value is None:
            return
        else:
            plain = plain_value(value)
            if plain is not None:
                self._cell(sheet, row, col, plain, style)

    def _text(self, sheet: Worksheet, row: int, col: int, text: str,
              style: Format | None = None) -> None:
        if _ILLEGAL.search(text):
            raise OutputError(f"sheet {sheet.name}, row {row + 1}: text with a control character "
                              "that a workbook cannot hold; remove it or write CSV or JSON instead")
        if text.startswith("<r>") and text.endswith("</r>"):
            # XlsxWriter would store such text as rich-text XML; two plain runs keep it text.
            code = sheet.write_rich_string(row, col, self._plain, text[:1], text[1:])
        else:
            code = sheet.write_string(row, col, text, style)
        if code == -2:
            raise OutputError(f"sheet {sheet.name}, row {row + 1}: text longer than the 32,767 "
                              "characters a workbook cell can hold; write CSV or JSON instead")

    def close(self) -> None:
        """Finish the file."""
        self._book.close()



def _chain(first: Iterable[Sequence[Any]], then: Iterable[Sequence[Any]]
           ) -> Iterator[Sequence[Any]]:
    yield from first
    yield from then


def _columns(frame: pd.DataFrame, arrays: bool = False) -> list[Any]:
    """The columns of ``frame`` as lists of Python values (NaN and None for missing), or with
    ``arrays``, numeric and boolean numpy columns as arrays."""
    columns = [frame.iloc[:, i] for i in range(frame.shape[1])]
    return [c.to_numpy() if arrays and isinstance(c.dtype, np.dtype) and c.dtype.kind in "biuf"
            else c.tolist() if c.dtype.kind in "biuf" else c.astype("object").tolist()
            for c in columns]


def frame_rows(frame: pd.DataFrame) -> Iterator[tuple[Any, ...]]:
    """The rows of ``frame`` as tuples of Python values (NaN and None for missing)."""
    values = _columns(frame)
    return zip(*values, strict=True) if values else iter([()] * len(frame))


@contextmanager
def open_book(target: Path, tables: bool = False) -> Iterator[Book]:
    """A :class:`Book` writing to ``target``, closed (saved) when the block ends without error;
    its scratch files (the streamed rows) are removed either way. ``tables``: a book for
    :meth:`Book.table` (cells held in memory, not streamed)."""
    with tempfile.TemporaryDirectory(prefix="xlsx-", ignore_cleanup_errors=True) as scratch:
        book = Book(target, scratch, tables)
        yield book
        book.close()


def write_workbook(target: Path, sheets: Mapping[str, pd.DataFrame],
                   notes: tuple[list[str], list[list[Any]]] | None = None) -> None:
    """Write one sheet per frame to ``target`` atomically (the file appears whole or not at
    all), and a last ``notes`` sheet of (header, rows) when given."""
    from placement_opt.io.atomic import write_with

    def _book(tmp: Path) -> None:
        with open_book(tmp) as book:
            for name, frame in sheets.items():
                book.frame(name, frame)
            if notes is not None:
                book.rows("notes", *notes)

    write_with(target, _book)
