"""The xlsx writers (placement_opt.io.workbook, XlsxWriter): typed cells, text kept as text,
full-precision numbers, styling, identical bytes for identical input, and their error paths."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from placement_opt import Instance, OutputError
from placement_opt.io.template import write_template
from placement_opt.io.workbook import open_book, unescape_text, write_workbook

#: Text that a spreadsheet writer might store as a formula, number, boolean, error, link,
#: rich text or escaped character.
TEXTS = ["=1+1", "+44", "-3", "@SUM(A1)", "#N/A", "#DIV/0!", "1e3", "0012", "TRUE",
         "https://example.org", "mailto:a@b.c", "<r>x</r>", "<r><t>rich</t></r>", "_x0041_",
         "a\rb", "tab\there", "two\nlines", "  padded  ", "&<>\"'", "unicode: Ŵ 😀", ""]
#: Floats whose 16 significant digits do not give the same float back.
FLOATS = [0.1 + 0.2, 1 / 3, 2 / 3 * 1e-300, 123456789.12345679, -5e-324, 1.7976931348623157e308]


def _cells(path: Path, sheet: str) -> list[list[tuple[object, str]]]:
    """(value, data_type) of every cell of ``sheet``, as openpyxl reads them."""
    book = load_workbook(path)
    rows = [[(c.value, c.data_type) for c in row] for row in book[sheet].iter_rows()]
    book.close()
    return rows


def test_cells_keep_their_types_and_values(tmp_path: Path) -> None:
    frame = pd.DataFrame({
        "text": TEXTS,
        "float": (FLOATS + [math.nan, math.inf, -math.inf, 2.5] * 5)[:len(TEXTS)],
        "int": range(len(TEXTS)),
        "flag": [i % 2 == 0 for i in range(len(TEXTS))],
        "mixed": ([None, pd.NA, 7, 1.5, "x", True] * 4)[:len(TEXTS)],
    })
    write_workbook(tmp_path / "t.xlsx", {"data": frame})
    rows = _cells(tmp_path / "t.xlsx", "data")
    assert [v for v, _ in rows[0]] == list(frame.columns)
    body = rows[1:]
    texts = [(unescape_text(v) if isinstance(v, str) else v, t) for (v, t), *_ in body]
    assert texts == [(s, "s") if s else (None, "n") for s in TEXTS]  # "" is an empty cell
    floats = [row[1] for row in body]
    assert floats[:len(FLOATS)] == [(f, "n") for f in FLOATS]  # every digit kept
    assert floats[len(FLOATS):len(FLOATS) + 4] == [(None, "n"), ("inf", "s"), ("-inf", "s"),
                                                   (2.5, "n")]
    assert [row[2] for row in body] == [(i, "n") for i in range(len(TEXTS))]
    assert all(isinstance(row[2][0], int) for row in body)
    assert [row[3] for row in body] == [(i % 2 == 0, "b") for i in range(len(TEXTS))]
    assert [row[4] for row in body][:6] == [(None, "n"), (None, "n"), (7, "n"), (1.5, "n"),
                                            ("x", "s"), (True, "b")]


def test_header_is_bold_and_frozen_with_column_widths(tmp_path: Path) -> None:
    frame = pd.DataFrame({"a": [1], "a_rather_long_column_name": [2], "x" * 60: [3]})
    write_workbook(tmp_path / "t.xlsx", {"data": frame}, (["column", "meaning"], [["a", "b"]]))
    book = load_workbook(tmp_path / "t.xlsx")
    assert book.sheetnames == ["data", "notes"]
    sheet = book["data"]
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.b for cell in sheet[1])
    assert not sheet["A2"].font.b
    # Widths in characters: 10 at least, the name plus 4, 40 at most (XlsxWriter adds the
    # padding Excel shows as a fraction of a character).
    widths = [sheet.column_dimensions[c].width for c in "ABC"]
    assert [math.floor(w) for w in widths] == [10, 29, 40]
    book.close()


def test_same_tables_give_the_same_bytes(tmp_path: Path, demo_path: Path) -> None:
    frame = pd.DataFrame({"name": TEXTS, "n": range(len(TEXTS))})
    for name in ("a", "b"):
        write_workbook(tmp_path / f"{name}.xlsx", {"data": frame}, (["k", "v"], [["x", 1.5]]))
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()
    inst = Instance.from_path(demo_path)
    first = inst.to_path(tmp_path / "one.xlsx").read_bytes()
    assert inst.to_path(tmp_path / "two.xlsx").read_bytes() == first
    write_template(tmp_path / "t1.xlsx")
    write_template(tmp_path / "t2.xlsx")
    assert (tmp_path / "t1.xlsx").read_bytes() == (tmp_path / "t2.xlsx").read_bytes()


def test_budget_schema_sheet_ends_with_the_schema_version(tmp_path: Path) -> None:
    with open_book(tmp_path / "t.xlsx") as book:
        book.frame("schema", pd.DataFrame({"column": ["a"]}), after=[[], ["schema_version", "1"]])
    assert [[v for v, _ in row] for row in _cells(tmp_path / "t.xlsx", "schema")] == [
        ["column", None], ["a", None], [None, None], ["schema_version", "1"]]


def test_template_has_comments_and_data_validation(tmp_path: Path) -> None:
    book = load_workbook(write_template(tmp_path / "t.xlsx"))
    for name in ("provisions", "needs"):  # needs and phases come with rows
        assert all("Expected:" in cell.comment.text for cell in book[name][1])
    sheet = book["provisions"]
    rules = sheet.data_validations.dataValidation
    assert {r.type for r in rules} >= {"list", "decimal"}
    assert any(r.formula1 == "zones!$A$2:$A$5000" for r in rules)
    assert book["README"]["A1"].value == "placement_opt instance workbook"
    book.close()


def _no_scratch_left(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    return scratch


def test_text_too_long_for_a_cell_is_refused(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    scratch = _no_scratch_left(tmp_path, monkeypatch)
    frame = pd.DataFrame({"text": ["ok", "x" * 32_768]})
    with pytest.raises(OutputError, match="sheet data, row 3: text longer than the 32,767"):
        write_workbook(tmp_path / "out" / "t.xlsx", {"data": frame})
    assert list((tmp_path / "out").iterdir()) == []  # nothing half-written
    assert list(scratch.iterdir()) == []


def test_control_character_is_refused_with_its_sheet_and_row(tmp_path: Path) -> None:
    frame = pd.DataFrame({"text": ["ok", "ok", "bell\x07"]})
    with pytest.raises(OutputError, match="sheet data, row 4: text with a control character"):
        write_workbook(tmp_path / "t.xlsx", {"data": frame})
    assert list(tmp_path.iterdir()) == []


def test_more_rows_than_a_sheet_holds_are_refused(tmp_path: Path) -> None:
    with (pytest.raises(OutputError, match="sheet big: more rows or columns"),
          open_book(tmp_path / "t.xlsx") as book):
        book.rows("big", ["a"], [], count=1_048_576)
    assert not (tmp_path / "t.xlsx").exists()
