"""Finance-ready workbooks (``placement_opt/io/workbook.py``): Excel tables with stable names,
number formats, integer years, named headline cells, frozen headers, a schema sheet; and the
budget workbook's financial-year views. Each error path raises a clear OutputError."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from placement_opt import Instance, solve
from placement_opt.errors import OutputError
from placement_opt.io.workbook import open_book
from placement_opt.reports.files import write_budget
from placement_opt.results.run import RunData

ROOT = Path(__file__).resolve().parent.parent
WORKED = ROOT / "models" / "examples" / "continuum_worked"

FRAME = pd.DataFrame({"year": [2025, 2026], "district": ["Ashford", "Dover"],
                      "pupils": [12.5, 3.0], "amount_gbp": [1234567.0, 89.0],
                      "local_share": [0.75, 0.5]})


def _book(path: Path) -> None:
    with open_book(path, tables=True) as book:
        book.table("costs", FRAME, "tbl_costs", describe={"amount_gbp": "Cost of the year."})
        book.headline("headline", [("total_gbp", "Total (GBP)", 1234656.0, "gbp")])
        book.schema()


def test_a_table_sheet_has_formats_integer_years_a_named_table_and_a_frozen_header(
        tmp_path: Path) -> None:
    path = tmp_path / "b.xlsx"
    _book(path)
    wb = openpyxl.load_workbook(path)
    ws = wb["costs"]
    assert list(ws.tables) == ["tbl_costs"]
    assert ws.tables["tbl_costs"].ref == "A1:E3"
    assert ws.freeze_panes == "A2"
    assert [c.value for c in ws[1]] == list(FRAME.columns)
    assert ws["A2"].value == 2025 and isinstance(ws["A2"].value, int)
    assert ws["A2"].number_format == "0"
    assert ws["C2"].number_format == "#,##0.0"
    assert ws["D2"].number_format == "\u00a3#,##0" and ws["D2"].value == 1234567
    assert ws["E2"].number_format == "0.0%"


def test_headline_figures_are_named_cells_and_the_schema_lists_every_column(
        tmp_path: Path) -> None:
    path = tmp_path / "b.xlsx"
    _book(path)
    wb = openpyxl.load_workbook(path)
    target = wb.defined_names["total_gbp"].attr_text
    assert target == "'headline'!$C$2"
    assert wb["headline"]["C2"].value == 1234656
    schema = pd.read_excel(path, sheet_name="schema")
    costs = schema[schema["table"] == "tbl_costs"].set_index("column")
    assert list(costs.index) == list(FRAME.columns)
    assert costs.loc["amount_gbp", "unit"] == "GBP"
    assert costs.loc["amount_gbp", "description"] == "Cost of the year."
    assert costs.loc["year", "type"] == "int"


def test_same_tables_give_the_same_bytes(tmp_path: Path) -> None:
    _book(tmp_path / "a.xlsx")
    _book(tmp_path / "b.xlsx")
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()


@pytest.mark.parametrize("sheet, table, match", [
    ("a" * 32, "tbl_x", "sheet name"),
    ("bad/name", "tbl_x", "sheet name"),
    ("ok", "A1", "not a cell reference"),
    ("ok", "has space", "table name"),
])
def test_bad_sheet_or_table_names_are_refused(tmp_path: Path, sheet: str, table: str,
                                              match: str) -> None:
    with pytest.raises(OutputError, match=match), open_book(tmp_path / "x.xlsx",
                                                           tables=True) as book:
        book.table(sheet, FRAME, table)


def test_a_table_name_twice_an_unknown_format_or_a_streaming_book_is_refused(
        tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="used twice"), open_book(tmp_path / "x.xlsx",
                                                                  tables=True) as book:
        book.table("one", FRAME, "tbl_x")
        book.table("two", FRAME, "tbl_x")
    with pytest.raises(OutputError, match="unknown format"), open_book(tmp_path / "y.xlsx",
                                                                      tables=True) as book:
        book.table("one", FRAME, "tbl_y", formats={"pupils": "pounds"})
    with pytest.raises(OutputError, match="tables=True"), open_book(tmp_path / "z.xlsx") as book:
        book.table("one", FRAME, "tbl_z")
    with pytest.raises(OutputError, match="defined twice"), open_book(tmp_path / "w.xlsx",
                                                                     tables=True) as book:
        book.headline("h", [("fig_one", "a", 1.0, "gbp"), ("fig_one", "b", 2.0, "gbp")])


def test_the_budget_workbook_has_financial_year_views_and_headline_names(tmp_path: Path) -> None:
    worked = Instance.from_path(WORKED)
    run = RunData.from_result(solve(worked), worked)
    write_budget(run, tmp_path)
    wb = openpyxl.load_workbook(tmp_path / "budget_export.xlsx")
    assert wb.sheetnames[0] == "budget"
    for sheet in ("summary", "budget_fy", "summary_fy", "headline", "schema"):
        assert sheet in wb.sheetnames
    assert list(wb["budget_fy"].tables) == ["tbl_budget_fy"]
    fy = pd.read_excel(tmp_path / "budget_export.xlsx", sheet_name="budget_fy")
    budget = pd.read_excel(tmp_path / "budget_export.xlsx", sheet_name="budget")
    # One academic year: its financial year (April-August estimated) holds the same total.
    assert fy["amount_gbp"].sum() == pytest.approx(budget["amount_gbp"].sum())
    assert fy["estimated"].all()
    assert "total_cost_gbp" in wb.defined_names
