"""Table sheets written column by column (``placement_opt.io.sheet_data``): every part of the
workbook is the same as XlsxWriter's own cell-by-cell writes give (cell XML, row spans,
dimensions, shared strings and their order, styles, tables), text that needs XlsxWriter's own
handling still goes cell by cell, and its errors are the same."""

from __future__ import annotations

import decimal
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from xlsxwriter.worksheet import Worksheet  # type: ignore[import-untyped]

from placement_opt.errors import OutputError
from placement_opt.io import sheet_data
from placement_opt.io.workbook import open_book
from placement_opt.reports.workbook_formats import write_tables

ROWS = 40  # more than two blocks of 16 rows (XlsxWriter's row spans)


def _awkward() -> pd.DataFrame:
    """Every kind of cell a report table holds, and the odd ones it might."""
    rng = np.random.default_rng(7)
    floats = rng.normal(1e5, 3e4, ROWS)
    floats[[1, 5]] = np.nan
    floats[[2, 3]] = [np.inf, -np.inf]
    floats[4], floats[6], floats[7] = 0.1 + 0.2, -0.0, 5e-324
    mixed: list[object] = ["a", None, np.nan, "", 3, 2.5, True, pd.NA, decimal.Decimal("1.5"),
                           np.int64(4), np.float64(np.nan), np.float64(np.inf),
                           pd.Timestamp("2025-09-01"), "_x0041_", "  padded  ", "a\rb",
                           "two\nlines", "tab\there", "&<>\"'", "unicode: \u0174 \U0001f600"]
    return pd.DataFrame({
        "year": np.arange(2025, 2025 + ROWS, dtype=np.int64),
        "district": rng.choice(["Ashford", "Dover", "", "Swale"], ROWS).astype(object),
        "pupils": floats,
        "amount_gbp": rng.integers(-10**15, 10**15, ROWS).astype(np.int64),
        "in_objective": rng.random(ROWS) > 0.5,
        "mixed": (mixed * 2)[:ROWS],
        "same_text": rng.choice(["Dover", "Kent", "Ashford"], ROWS).astype(object),
        "share": rng.random(ROWS).astype(np.float32),
        "nullable": pd.array([None if i % 3 else i for i in range(ROWS)], dtype="Int64"),
        "kind": pd.Categorical(rng.choice(["special", "srp"], ROWS)),
        "empty": [np.nan] * ROWS,
        "blank_early": [np.nan] * 20 + list(range(ROWS - 20)),
    }).assign(**{f"c{i}": float(i) for i in range(20)})  # past column Z


def _per_cell(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make table sheets write cell by cell, with XlsxWriter's own add_table."""
    monkeypatch.setattr(sheet_data.TableSheet, "put_columns", lambda *_: False)
    monkeypatch.setattr(sheet_data.TableSheet, "add_table", Worksheet.add_table)


def _write(path: Path, frames: dict[str, pd.DataFrame]) -> None:
    write_tables(path, frames, "tbl", notes=(["column", "meaning"], [["year", "The year."]]))


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


@pytest.mark.parametrize("frames", [
    {"awkward": _awkward()},
    {"awkward": _awkward(), "again": _awkward().iloc[::-1], "empty": _awkward().iloc[:0]},
    {"last_rows_empty": pd.DataFrame({"a": [1.0] + [np.nan] * 20, "b": ["x"] + [""] * 20})},
])
def test_columns_give_the_parts_cell_by_cell_writes_give(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, frames: dict[str, pd.DataFrame]) -> None:
    _write(tmp_path / "bulk.xlsx", frames)
    with monkeypatch.context() as m:
        _per_cell(m)
        _write(tmp_path / "cells.xlsx", frames)
    bulk, cells = _parts(tmp_path / "bulk.xlsx"), _parts(tmp_path / "cells.xlsx")
    assert list(bulk) == list(cells)
    assert [name for name in bulk if bulk[name] != cells[name]] == []


def test_the_same_frames_give_the_same_bytes(tmp_path: Path) -> None:
    _write(tmp_path / "a.xlsx", {"awkward": _awkward()})
    _write(tmp_path / "b.xlsx", {"awkward": _awkward()})
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()


def test_numbers_stay_numbers_and_text_stays_text(tmp_path: Path) -> None:
    frame = _awkward()
    _write(tmp_path / "a.xlsx", {"awkward": frame})
    ws = openpyxl.load_workbook(tmp_path / "a.xlsx")["awkward"]
    assert ws.tables["tbl_awkward"].ref == f"A1:AF{ROWS + 1}"
    header = [c.value for c in ws[1]]
    column = {name: [row[i] for row in ws.iter_rows(min_row=2, values_only=True)]
              for i, name in enumerate(header)}
    assert column["year"] == list(range(2025, 2025 + ROWS))
    assert all(type(y) is int for y in column["year"])
    assert column["pupils"][:8] == [frame["pupils"][0], None, "inf", "-inf", 0.1 + 0.2, None,
                                    -0.0, 5e-324]
    assert column["amount_gbp"] == frame["amount_gbp"].tolist()
    assert column["in_objective"] == frame["in_objective"].tolist()
    assert column["mixed"][:13] == ["a", None, None, None, 3, 2.5, True, None, "1.5", 4, None,
                                    "inf", "2025-09-01 00:00:00"]
    assert column["empty"] == [None] * ROWS
    assert ws["C2"].number_format == "#,##0.0" and ws["D2"].number_format == "\u00a3#,##0"


def test_rich_text_markup_goes_cell_by_cell_and_stays_text(tmp_path: Path) -> None:
    frame = pd.DataFrame({"text": ["plain", "<r>x</r>"], "n": [1.0, 2.0]})
    _write(tmp_path / "a.xlsx", {"t": frame})
    ws = openpyxl.load_workbook(tmp_path / "a.xlsx")["t"]
    assert [c.value for c in ws["A"]] == ["text", "plain", "<r>x</r>"]
    assert list(ws.tables) == ["tbl_t"]


@pytest.mark.parametrize("text, match", [
    ("bell\x07", "sheet t, row 4: text with a control character"),
    ("x" * 32_768, "sheet t, row 4: text longer than the 32,767"),
])
def test_text_a_cell_cannot_hold_is_refused_with_its_row(tmp_path: Path, text: str,
                                                         match: str) -> None:
    frame = pd.DataFrame({"n": [1.0, 2.0, 3.0], "text": ["ok", "ok", text]})
    with pytest.raises(OutputError, match=match), open_book(tmp_path / "a.xlsx",
                                                           tables=True) as book:
        book.table("t", frame, "tbl_t")
    assert not (tmp_path / "a.xlsx").exists()
