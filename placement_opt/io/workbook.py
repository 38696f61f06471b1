"""Writing frames to xlsx sheets with formula-safe text cells."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import IllegalCharacterError
from openpyxl.worksheet.worksheet import Worksheet

from placement_opt.errors import OutputError

__all__ = ["cell_value", "escape_text", "unescape_text", "write_frame", "write_rows",
           "write_workbook"]

#: OOXML's escape of a character in cell text (``_x000D_`` is a carriage return).
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def escape_text(text: str) -> str:
    """Cell text as stored in xlsx XML: a carriage return (which XML would turn into a line
    feed) as ``_x000D_``, and text that looks like an escape escaped itself (as Excel does)."""
    return _ESCAPE.sub(r"_x005F_x\1_", text).replace("\r", "_x000D_")


def unescape_text(text: str) -> str:
    """Inverse of :func:`escape_text`, as Excel reads cell text (openpyxl leaves it escaped)."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def cell_value(value: Any) -> Any:
    """A value openpyxl can store: missing → empty cell, numpy scalars → Python."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def write_rows(sheet: Worksheet, header: list[str], rows: list[list[Any]]) -> None:
    """Header in bold, then rows; every text is stored as plain text.

    openpyxl would store text starting with ``=`` as a formula and text such as ``#N/A`` as an
    error value; every text is forced back to a text cell (spreadsheets treat text starting
    with one of ``atomic.FORMULA_PREFIXES`` as a formula only when it is typed in).
    """
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for number, row in enumerate(rows, start=2):
        try:
            sheet.append([
                escape_text(v) if isinstance(v, str) else v for v in map(cell_value, row)
            ])
        except IllegalCharacterError as exc:
            raise OutputError(
                f"sheet {sheet.title}, row {number}: text with a control character that a "
                "workbook cannot hold; remove it or write CSV or JSON instead"
            ) from exc
    for row_cells in sheet.iter_rows(min_row=2):
        for cell in row_cells:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    for i, name in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = max(10, min(40, len(name) + 4))
    sheet.freeze_panes = "A2"


def write_frame(sheet: Worksheet, frame: pd.DataFrame) -> None:
    """Write a whole frame (header and rows) to ``sheet``."""
    rows = frame.astype("object").to_numpy().tolist()  # write_rows blanks missing values
    write_rows(sheet, [str(c) for c in frame.columns], rows)


def write_workbook(target: Path, sheets: Mapping[str, pd.DataFrame],
                   notes: tuple[list[str], list[list[Any]]] | None = None) -> None:
    """Write one sheet per frame to ``target`` atomically (the file appears whole or not at
    all), and a last ``notes`` sheet of (header, rows) when given."""
    from openpyxl import Workbook

    from placement_opt.io.atomic import write_with

    def _book(tmp: Path) -> None:
        book = Workbook()
        book.remove(book.active)
        for name, frame in sheets.items():
            write_frame(book.create_sheet(name), frame)
        if notes is not None:
            write_rows(book.create_sheet("notes"), *notes)
        book.save(tmp)

    write_with(target, _book)
