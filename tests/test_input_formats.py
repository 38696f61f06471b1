"""Cells and files as Excel saves them (issue 18): money cells (``£24,000``), semicolon and tab
CSV, and a demand table whose years leave a gap in the horizon."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from conftest import demo_text, load_errors
from openpyxl import load_workbook

from placement_opt import Instance
from placement_opt.io.csv_text import sniff_delimiter
from placement_opt.schema.numbers import number_hint, parse_numbers

DEMO = Path(__file__).resolve().parents[1] / "instances" / "demo"




# --- numbers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("cell", "number"), [
    ("24000", 24000.0), ("24,000", 24000.0), ("£24,000", 24000.0), ("£ 24000", 24000.0),
    ("£24,252.50", 24252.5), ("-£500", -500.0), ("£-500", -500.0), ("1,234,567", 1234567.0),
    ("2.4e4", 24000.0),
])
def test_accepted_number_formats(cell: str, number: float) -> None:
    assert parse_numbers(np.array([cell], dtype=object)).tolist() == [number]


@pytest.mark.parametrize(("cell", "hint"), [
    ("24.000,5", "decimal comma"), ("24000,5", "decimal comma"), ("1,5", "decimal comma"),
    ("£1.5m", "whole number"), ("24k", "whole number"), ("60%", "fraction"),
    ("$24,000", "only a leading £"), ("abc", ""), ("£", ""), ("24 000", ""),
])
def test_refused_number_formats(cell: str, hint: str) -> None:
    assert np.isnan(parse_numbers(np.array([cell], dtype=object))).all()
    assert (hint in number_hint(cell)) if hint else number_hint(cell) == ""


def test_money_cells_are_read_in_a_csv(tmp_path: Path,
                                       write_csv_instance: Callable[..., Path]) -> None:
    text = demo_text("provisions").replace(",60,24252\n", ',60,"£24,252"\n', 1)
    text = text.replace(",30,24252\n", ", 30 , £24252 \n", 1)
    inst = Instance.from_path(write_csv_instance(tmp_path, provisions=text))
    assert inst.provisions["cost_per_place"].iloc[:2].tolist() == [24252.0, 24252.0]
    assert inst.provisions["capacity"].iloc[1] == 30.0


@pytest.mark.parametrize(("cell", "hint"), [("24.252,5", "a decimal comma is not read"),
                                            ("abc", None)])
def test_a_bad_money_cell_is_an_error_naming_it(
        cell: str, hint: str | None, tmp_path: Path,
        write_csv_instance: Callable[..., Path]) -> None:
    text = demo_text("provisions").replace(",60,24252\n", f',60,"{cell}"\n', 1)
    [issue] = load_errors(write_csv_instance(tmp_path, provisions=text))
    assert (issue.message, issue.row, issue.column, issue.value) == (
        "not a number", 2, "cost_per_place", cell)
    assert issue.expected is not None
    assert (hint in issue.expected) if hint else issue.expected == "a number >= 0 and <= 1e+12"


def test_money_text_in_a_workbook_is_read(tmp_path: Path) -> None:
    path = Instance.from_path(DEMO).to_path(tmp_path / "demo.xlsx")
    book = load_workbook(path)
    sheet = book["provisions"]
    header = [c.value for c in sheet[1]]
    sheet.cell(2, header.index("cost_per_place") + 1, "£24,252")
    sheet.cell(2, header.index("kind") + 1, "Special ")
    book.save(path)
    inst = Instance.from_path(path)
    assert (inst.provisions["cost_per_place"].iloc[0], inst.provisions["kind"].iloc[0]) == (
        24252.0, "special")


# --- CSV delimiters ---------------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_semicolon_and_tab_csv_are_read(delimiter: str, tmp_path: Path,
                                        write_csv_instance: Callable[..., Path]) -> None:
    demand = demo_text("demand").replace(",", delimiter)
    provisions = "\n".join(
        delimiter.join(f'"{c}"' if ";" in c else c for c in line.split(","))
        for line in demo_text("provisions").splitlines()) + "\n"
    inst = Instance.from_path(write_csv_instance(tmp_path, demand=demand, provisions=provisions))
    expected = Instance.from_path(DEMO)
    assert inst.demand.equals(expected.demand)
    assert inst.provisions["needs"].tolist() == expected.provisions["needs"].tolist()


def test_semicolon_csv_with_decimal_commas_names_the_cell(
        tmp_path: Path, write_csv_instance: Callable[..., Path]) -> None:
    demand = demo_text("demand").replace(",", ";").replace(";2026;30\n", ";2026;30,5\n", 1)
    [issue] = load_errors(write_csv_instance(tmp_path, demand=demand))
    assert (issue.row, issue.column, issue.value) == (2, "pupils", "30,5")
    assert issue.expected is not None and "decimal comma" in issue.expected


def test_a_header_quoted_as_one_cell_is_an_error(
        tmp_path: Path, write_csv_instance: Callable[..., Path]) -> None:
    demand = '"zone;need;phase;year;pupils"\n' + "\n".join(
        f'"{line}"' for line in demo_text("demand").replace(",", ";").splitlines()[1:]) + "\n"
    issues = load_errors(write_csv_instance(tmp_path, demand=demand))
    [issue] = [i for i in issues if "header" in i.message]
    assert issue.source.endswith("demand.csv") and issue.row == 1
    assert issue.message.startswith("the header is one column holding a semicolon")


@pytest.mark.parametrize(("text", "delimiter"), [
    ("zone,need,phase\n", ","), ("zone;need;phase\n", ";"), ("zone\tneed\n", "\t"),
    ("need\nASD\n", ","), ("\n,,\nzone;need\n", ";"), ("zone;need;name,x\n", ";"),
    ("provision,needs\nP1,\"ASD;SLD\"\n", ","),
])
def test_sniffed_delimiter(text: str, delimiter: str) -> None:
    assert sniff_delimiter(text, "f") == (delimiter, None)


def test_utf16_csv_is_read(tmp_path: Path, write_csv_instance: Callable[..., Path]) -> None:
    folder = write_csv_instance(tmp_path)
    (folder / "demand.csv").write_bytes(demo_text("demand").replace(",", "\t").encode("utf-16"))
    assert len(Instance.from_path(folder).demand) == 24


# --- the horizon ------------------------------------------------------------------------------


def test_a_mistyped_demand_year_is_an_error_naming_the_gap(
        tmp_path: Path, write_csv_instance: Callable[..., Path]) -> None:
    demand = demo_text("demand").rstrip("\n") + "\nCanterbury,ASD,primary,2029,3\n"
    [issue] = load_errors(write_csv_instance(tmp_path, demand=demand))
    assert issue.source.endswith("demand.csv")
    assert (issue.row, issue.column, issue.value) == (26, "year", "2029")
    assert "no demand rows for 2028" in issue.message
    assert issue.expected == "a year of 2026 to 2027, or demand rows for every year between"


def test_a_missing_year_inside_the_horizon_is_an_error(
        tmp_path: Path, write_csv_instance: Callable[..., Path]) -> None:
    lines = demo_text("demand").splitlines()
    later = [line.replace(",2027,", ",2029,") for line in lines[1:] if ",2027," in line]
    demand = "\n".join(lines + later) + "\n"
    [issue] = load_errors(write_csv_instance(tmp_path, demand=demand))
    assert (issue.row, issue.value) == (26, "2029")
    assert issue.message == (f"demand year 2029 leaves a gap in the planning horizon: no demand "
                             f"rows for 2028 ({len(later)} rows have this year; the first is "
                             "shown)")


def test_consecutive_years_pass(tmp_path: Path, write_csv_instance: Callable[..., Path]) -> None:
    lines = demo_text("demand").splitlines()
    demand = "\n".join(lines + [line.replace(",2027,", ",2028,") for line in lines[1:]
                                if ",2027," in line]) + "\n"
    assert Instance.from_path(write_csv_instance(tmp_path, demand=demand)).years == [
        2026, 2027, 2028]


def test_the_template_documents_number_formats_and_names(tmp_path: Path) -> None:
    from placement_opt.io.template import write_template
    from placement_opt.schema.names import NAME_RULES
    from placement_opt.schema.numbers import NUMBER_FORMATS

    book = load_workbook(write_template(tmp_path / "template.xlsx"), read_only=True)
    cells = {row[0] for row in book["README"].iter_rows(values_only=True)}
    assert {NUMBER_FORMATS, NAME_RULES} <= cells


# --- settings ---------------------------------------------------------------------------------


def test_setting_text_is_read_as_cells_are() -> None:
    from placement_opt.schema.settings import settings_issues

    settings, issues = settings_issues(
        {"policy": {"transport_cost_per_km": "£570", "integer_pupils": " Yes ",
                    "min_openings": "2"},
         "finance": {"opening_balance": "-£12,300,000", "balance_target": "0",
                     "target_year": "2028"},
         "instance": {"name": "1,000"}}, "s")
    assert issues == [] and settings is not None
    assert (settings.policy.transport_cost_per_km, settings.policy.integer_pupils,
            settings.policy.min_openings) == (570.0, True, 2)
    assert settings.finance.opening_balance == -12_300_000.0
    assert settings.instance.name == "1,000"  # a text setting stays text


def test_a_setting_with_a_decimal_comma_says_why() -> None:
    from placement_opt.schema.settings import settings_issues

    _, [issue] = settings_issues({"policy": {"transport_cost_per_km": "570,5"}}, "s")
    assert issue.column == "policy.transport_cost_per_km"
    assert issue.expected is not None and "decimal comma" in issue.expected
