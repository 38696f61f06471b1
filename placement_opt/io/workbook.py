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

import pandas as pd
import xlsxwriter  # type: ignore[import-untyped]  # no py.typed marker
from xlsxwriter.format import Format  # type: ignore[import-untyped]
from xlsxwriter.worksheet import Worksheet  # type: ignore[import-untyped]

from placement_opt.errors import OutputError

__all__ = ["Book", "cell_value", "frame_rows", "open_book", "unescape_text", "write_workbook"]

#: OOXML's escape of a character in cell text (``_x000D_`` is a carriage return).
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
#: Control characters a workbook cannot hold as such (tab, line feed and carriage return can).
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
#: Every workbook carries this creation date, so the same tables give the same bytes.
CREATED = datetime(2000, 1, 1)
#: Workbook options: never turn text into numbers, formulas or links; stream rows to disk.
#: constant_memory also stores text inline, which openpyxl (our reader) reads back exactly: it
#: strips every ``x005F_`` from shared strings. (Plain mode was only ~10% faster on Kent.)
_OPTIONS = {"constant_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
            "strings_to_urls": False}
_MAX_ROWS, _MAX_COLS = 1_048_576, 16_384


def unescape_text(text: str) -> str:
    """Cell text as Excel reads it: ``_xHHHH_`` escapes decoded (openpyxl leaves them as
    stored; XlsxWriter writes a carriage return as ``_x000D_`` and ``_x0041_`` as
    ``_x005F_x0041_``)."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def cell_value(value: Any) -> Any:
    """A plain Python value: missing → None, numpy scalars → Python."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


class _ExactSheet(Worksheet):  # type: ignore[misc]
    """A worksheet that stores numbers with every digit (XlsxWriter keeps 16 significant
    digits, which does not round-trip every float)."""

    def _xml_number_element(self, number: float, attributes: Any = ()) -> None:
        # The attributes are the cell reference and a style index: nothing to escape.
        attr = "".join([f' {k}="{v}"' for k, v in attributes])
        self.fh.write(f"<c{attr}><v>{number!r}</v></c>")


class Book:
    """An xlsx workbook being written, one sheet at a time (rows stream to disk)."""

    def __init__(self, target: Path, scratch: str) -> None:
        self._book = xlsxwriter.Workbook(str(target), {**_OPTIONS, "tmpdir": scratch})
        self._book.set_properties({"created": CREATED})
        self._bold = self._book.add_format({"bold": True})
        self._plain = self._book.add_format()

    def frame(self, name: str, frame: pd.DataFrame, after: Sequence[Sequence[Any]] = (),
              comments: Sequence[str] = ()) -> Worksheet:
        """A sheet holding ``frame`` (header and rows), then the rows ``after``."""
        return self.rows(name, [str(c) for c in frame.columns],
                         _chain(frame_rows(frame), after), len(frame) + len(after), comments)

    def rows(self, name: str, header: Sequence[str], rows: Iterable[Sequence[Any]],
             count: int | None = None, comments: Sequence[str] = ()) -> Worksheet:
        """A sheet with ``header`` in bold and frozen (with ``comments`` on its cells), then
        ``rows`` (``count`` of them, when known, is checked against the sheet's limit first)."""
        sheet: Worksheet = self._book.add_worksheet(name, worksheet_class=_ExactSheet)
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
        sheet: Worksheet = self._book.add_worksheet(name, worksheet_class=_ExactSheet)
        for col, width in enumerate(widths):
            sheet.set_column(col, col, width)
        for number, row in enumerate(rows):
            for col, value in enumerate(row):
                self._cell(sheet, number, col, value)
        return sheet

    def _cell(self, sheet: Worksheet, row: int, col: int, value: Any) -> None:
        kind = type(value)
        if kind is float:
            if value != value:  # NaN: an empty cell
                return
            if math.isinf(value):
                self._text(sheet, row, col, repr(value))
            else:
                sheet.write_number(row, col, value)
        elif kind is str:
            if value:  # empty text: an empty cell
                self._text(sheet, row, col, value)
        elif kind is int:
            sheet.write_number(row, col, value)
        elif kind is bool:
            sheet.write_boolean(row, col, value)
        elif value is None:
            return
        else:
            plain = cell_value(value)
            if plain is not None:
                self._cell(sheet, row, col, plain if type(plain) in _PLAIN else str(plain))

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


_PLAIN = (float, int, bool, str)


def _chain(first: Iterable[Sequence[Any]], then: Iterable[Sequence[Any]]
           ) -> Iterator[Sequence[Any]]:
    yield from first
    yield from then


def frame_rows(frame: pd.DataFrame) -> Iterator[tuple[Any, ...]]:
    """The rows of ``frame`` as tuples of Python values (NaN and None for missing)."""
    columns = [frame.iloc[:, i] for i in range(frame.shape[1])]
    values = [c.tolist() if c.dtype.kind in "biuf" else c.astype("object").tolist()
              for c in columns]
    return zip(*values, strict=True) if values else iter([()] * len(frame))


@contextmanager
def open_book(target: Path) -> Iterator[Book]:
    """A :class:`Book` writing to ``target``, closed (saved) when the block ends without error;
    its scratch files (the streamed rows) are removed either way."""
    with tempfile.TemporaryDirectory(prefix="xlsx-", ignore_cleanup_errors=True) as scratch:
        book = Book(target, scratch)
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
