"""Writing frames to xlsx sheets with formula-safe text cells."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import IllegalCharacterError
from openpyxl.worksheet.worksheet import Worksheet

from placement_opt.errors import OutputError
from placement_opt.io.atomic import FORMULA_PREFIXES

__all__ = ["cell_value", "write_frame", "write_rows"]


def cell_value(value: Any) -> Any:
    """A value openpyxl can store: missing → empty cell, numpy scalars → Python."""
    if value is None or value is pd.NA:
        return None
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def write_rows(sheet: Worksheet, header: list[str], rows: list[list[Any]]) -> None:
    """Header in bold, then rows; every text is stored as plain text.

    openpyxl would store text starting with ``=`` (see :data:`FORMULA_PREFIXES`) as a formula
    and text such as ``#N/A`` as an error value; both are forced back to text cells.
    """
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for number, row in enumerate(rows, start=2):
        try:
            sheet.append([cell_value(v) for v in row])
        except IllegalCharacterError as exc:
            raise OutputError(
                f"sheet {sheet.title}, row {number}: text with a control character that a "
                "workbook cannot hold; remove it or write CSV or JSON instead"
            ) from exc
    for row_cells in sheet.iter_rows(min_row=2):
        for cell in row_cells:
            if isinstance(cell.value, str) and (
                cell.data_type != "s" or cell.value.startswith(FORMULA_PREFIXES)
            ):
                cell.data_type = "s"
    for i, name in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = max(10, min(40, len(name) + 4))
    sheet.freeze_panes = "A2"


def write_frame(sheet: Worksheet, frame: pd.DataFrame) -> None:
    """Write a whole frame (header and rows) to ``sheet``."""
    rows = frame.astype("object").where(frame.notna(), None).to_numpy().tolist()
    write_rows(sheet, [str(c) for c in frame.columns], rows)
