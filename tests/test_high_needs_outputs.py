"""The high-needs account reaches its users (issue 15): the run folder's CSVs, the budget
workbook's tables and named cells, the Python API, the run report's High-needs block, the
comparison of two runs, and a located error at the command line for bad finance input.

The instance is the demo (financial years 2026 and 2027) with a small ``high_needs`` table and
``[finance]`` settings: income £6.0m and £6.2m, post-16 spend £0.4m and £0.42m, an opening
balance of −£2m and a target of £0 in 2027."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

import placement_opt
from placement_opt import Instance, solve
from placement_opt.cli import app
from placement_opt.cli import common as cli_app
from placement_opt.errors import OutputError
from placement_opt.finance.account import LINE_COLUMNS, SUMMARY_COLUMNS
from placement_opt.reports.compare import compare_runs
from placement_opt.reports.files import ACCOUNT_FILES, write_budget, write_comparison
from placement_opt.reports.format import fmt_gbp_m
from placement_opt.reports.high_needs import DIFFERENCE_COLUMNS, run_account
from placement_opt.reports.html.balance_chart import signed_ticks
from placement_opt.reports.html.run_high_needs import target_sentence
from placement_opt.results.run import load_run
from placement_opt.schema.settings import Finance

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "instances" / "demo"
runner = CliRunner()
HIGH_NEEDS = """financial_year,line,kind,amount_gbp,estimate,source
2026,hnb_allocation,income,6000000,false,DSG 2026-27
2027,hnb_allocation,income,6200000,true,grown 3%
2026,post16,spend,400000,false,S251
2027,post16,spend,420000,true,S251
"""
FINANCE = "\n[finance]\nopening_balance = -2000000.0\nbalance_target = 0.0\ntarget_year = 2027\n"


@pytest.fixture(autouse=True)
def _wide_console() -> None:
    cli_app.console.width = 300
    cli_app.err_console.width = 300


def _instance(folder: Path, high_needs: str | None = HIGH_NEEDS, finance: str = FINANCE) -> Path:
    """A copy of the demo with the given high_needs table and [finance] settings."""
    shutil.copytree(DEMO, folder, ignore=shutil.ignore_patterns("scenarios"))
    if high_needs is not None:
        (folder / "high_needs.csv").write_text(high_needs)
    with (folder / "instance.toml").open("a") as f:
        f.write(finance)
    return folder


def _solve(instance: Path, out: Path) -> Path:
    res = runner.invoke(app, ["solve", str(instance), "--out", str(out)])
    assert res.exit_code == 0, res.output
    return out


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Run folders: ``a`` and ``b`` of the same instance, ``more`` with £0.5m more income in
    2027, ``plain`` of the demo as bundled (no high_needs table, no [finance])."""
    tmp = tmp_path_factory.mktemp("hn")
    inst = _instance(tmp / "inst")
    more = _instance(tmp / "more", HIGH_NEEDS.replace("2027,hnb_allocation,income,6200000",
                                                      "2027,hnb_allocation,income,6700000"))
    return {"a": _solve(inst, tmp / "a"), "b": _solve(inst, tmp / "b"),
            "more": _solve(more, tmp / "run-more"), "plain": _solve(DEMO, tmp / "plain"),
            "inst": inst}


def test_the_run_folder_has_the_account_as_run_account_gives_it(runs: dict[str, Path]) -> None:
    account = run_account(load_run(runs["a"]))
    summary = pd.read_csv(runs["a"] / "high_needs_account.csv")
    lines = pd.read_csv(runs["a"] / "high_needs_lines.csv", keep_default_na=False,
                        na_values=[""])
    assert list(summary.columns) == SUMMARY_COLUMNS
    assert list(lines.columns) == LINE_COLUMNS
    for col in ("income_gbp", "spend_gbp", "in_year_balance_gbp", "cumulative_balance_gbp",
                "memo_gbp"):
        assert summary[col].tolist() == pytest.approx(account.summary[col].tolist(), abs=1e-6)
    assert summary["financial_year"].tolist() == [2026, 2027]
    assert summary["income_gbp"].tolist() == [6_000_000.0, 6_200_000.0]
    # By hand: closing balance = opening + income - spend, year by year.
    spend = summary["spend_gbp"].to_numpy()
    assert summary["cumulative_balance_gbp"].iloc[-1] == pytest.approx(
        -2_000_000 + 12_200_000 - spend.sum())
    assert summary["target_gbp"].iloc[1] == 0.0 and not bool(summary["meets_target"].iloc[1])
    assert lines["amount_gbp"].tolist() == pytest.approx(account.lines["amount_gbp"].tolist())
    assert lines["line"].tolist() == account.lines["line"].tolist()


def test_the_python_api_gives_the_same_account() -> None:
    inst = Instance.from_path(DEMO)
    result = solve(inst)
    before = set(vars(result))
    account = placement_opt.high_needs_account(result, inst)
    assert "high_needs_account" in placement_opt.__all__
    assert list(account.summary.columns) == SUMMARY_COLUMNS
    assert set(vars(result)) == before
    # No high_needs table: no income, the balance is the model's spend run down.
    s = account.summary
    assert s["income_gbp"].tolist() == [0.0, 0.0]
    assert s["cumulative_balance_gbp"].tolist() == pytest.approx(
        (-s["spend_gbp"]).cumsum().tolist())


def test_without_finance_input_the_account_is_still_written(runs: dict[str, Path]) -> None:
    summary = pd.read_csv(runs["plain"] / "high_needs_account.csv")
    assert summary["income_gbp"].tolist() == [0.0, 0.0]
    assert summary["target_gbp"].isna().all()
    html = (runs["plain"] / "report.html").read_text()
    section = html[html.index('id="high_needs"'):]
    section = section[:section.index("</section>")]
    assert "no high_needs table and no [finance] settings" in section
    assert "<svg" not in section


def test_the_budget_workbook_has_the_account_as_tables(runs: dict[str, Path]) -> None:
    summary = pd.read_csv(runs["a"] / "high_needs_account.csv")
    book = load_workbook(runs["a"] / "budget_export.xlsx")
    for sheet, table, columns in (("high_needs", "tbl_high_needs", SUMMARY_COLUMNS),
                                  ("high_needs_lines", "tbl_high_needs_lines", LINE_COLUMNS)):
        ws = book[sheet]
        assert list(ws.tables) == [table]
        assert [c.value for c in ws[1]] == columns
        header = {c.value: i for i, c in enumerate(ws[1])}
        row = ws[2]
        assert isinstance(row[header["financial_year"]].value, int)
        assert row[header["financial_year"]].number_format == "0"
        assert row[header["amount_gbp" if sheet.endswith("lines") else "spend_gbp"]
                   ].number_format == "\u00a3#,##0"
    ws = book["high_needs"]
    values = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    at = SUMMARY_COLUMNS.index("cumulative_balance_gbp")
    assert [v[at] for v in values] == pytest.approx(summary["cumulative_balance_gbp"].tolist())
    names = book.defined_names
    for name in ("cumulative_balance_gbp_fy_2027", "in_year_balance_gbp_fy_2026",
                 "target_met", "balance_target_gbp", "opening_balance_gbp"):
        assert name in names, name
    sheet, ref = next(iter(names["cumulative_balance_gbp_fy_2027"].destinations))
    assert book[sheet][ref.replace("$", "")].value == pytest.approx(
        summary["cumulative_balance_gbp"].iloc[1])
    sheet, ref = next(iter(names["target_met"].destinations))
    assert book[sheet][ref.replace("$", "")].value is False
    schema = pd.DataFrame([[c.value for c in r] for r in book["schema"].iter_rows(min_row=2)],
                          columns=[c.value for c in book["schema"][1]])
    income = schema[(schema["table"] == "tbl_high_needs") & (schema["column"] == "income_gbp")]
    assert income["unit"].tolist() == ["GBP"] and "income" in income["description"].iloc[0]
    assert set(schema.loc[schema["table"] == "tbl_high_needs_lines", "column"]) == set(
        LINE_COLUMNS)


def test_the_budget_files_are_byte_stable_and_never_replaced(runs: dict[str, Path],
                                                             tmp_path: Path) -> None:
    run = load_run(runs["a"])
    for name in ("x", "y"):
        (tmp_path / name).mkdir()
        write_budget(run, tmp_path / name)
    for name in (*ACCOUNT_FILES, "budget_export.xlsx"):
        assert (tmp_path / "x" / name).read_bytes() == (tmp_path / "y" / name).read_bytes()
    (tmp_path / "z").mkdir()
    (tmp_path / "z" / "high_needs_account.csv").write_text("mine")
    with pytest.raises(OutputError, match=r"high_needs_account\.csv"):
        write_budget(run, tmp_path / "z")
    assert (tmp_path / "z" / "high_needs_account.csv").read_text() == "mine"


def test_the_run_report_has_the_high_needs_block(runs: dict[str, Path]) -> None:
    html = (runs["a"] / "report.html").read_text()
    assert '<a href="#high_needs">High-needs block</a>' in html
    section = html[html.index('<section id="high_needs">'):]
    section = section[:section.index("</section>")]
    summary = pd.read_csv(runs["a"] / "high_needs_account.csv")
    reached = summary["cumulative_balance_gbp"].iloc[1]
    assert (f"reaches {fmt_gbp_m(reached)} by March 2028, short of the £0 target by "
            f"{fmt_gbp_m(-reached)}") in section
    assert 'aria-label="High-needs account by financial year"' in section
    assert section.count("<polyline") == 2  # in-year and cumulative balance
    assert "target 2027-28" in section  # the target marker's tooltip
    assert "2027-28*" in section and "* Estimated" in section
    assert fmt_gbp_m(summary["spend_gbp"].iloc[0]) in section


def test_the_target_sentence_and_the_axis() -> None:
    s = pd.DataFrame({"financial_year": [2026, 2027], "cumulative_balance_gbp": [-5e6, 1.25e6],
                      "meets_target": pd.array([pd.NA, True], dtype="boolean")})
    met = target_sentence(s, Finance(balance_target=0.0, target_year=2027))
    assert met == ("The cumulative DSG balance reaches £1.2m by March 2028, meeting the £0 "
                   "target, £1.2m better.")
    short = target_sentence(s.assign(meets_target=pd.array([False, pd.NA], dtype="boolean")),
                            Finance(balance_target=-1e6, target_year=2026))
    assert short == ("The cumulative DSG balance reaches −£5.0m by March 2027, short of the "
                     "−£1.0m target by £4.0m.")
    assert "no Safety Valve target" in target_sentence(s, Finance())
    ticks = signed_ticks(-12.3e6, 6.2e6)
    assert ticks[0] <= -12.3e6 and ticks[-1] >= 6.2e6 and 0.0 in ticks


def test_compare_gives_the_account_difference(runs: dict[str, Path], tmp_path: Path) -> None:
    comp = compare_runs([runs["a"], runs["b"], runs["more"]])
    diff = comp.high_needs_differences
    assert list(diff.columns) == DIFFERENCE_COLUMNS
    same = diff[diff["run"] == "b"]
    deltas = [c for c in DIFFERENCE_COLUMNS if c.startswith("delta_")]
    assert (same[deltas].to_numpy() == 0).all()
    more = diff[diff["run"] == "run-more"].set_index("financial_year")
    assert more.loc[2026, deltas].tolist() == [0.0, 0.0, 0.0, 0.0]
    assert more.loc[2027, deltas].tolist() == pytest.approx([500_000.0, 0.0, 500_000.0,
                                                             500_000.0])
    assert more.loc[2027, "cumulative_balance_gbp"] - more.loc[2027, "base_cumulative_balance_gbp"
                                                               ] == pytest.approx(500_000.0)
    assert set(comp.high_needs["run"]) == {"a", "b", "run-more"}

    written = write_comparison(comp, tmp_path / "cmp")
    csv = pd.read_csv(tmp_path / "cmp" / "compare_high_needs.csv")
    assert tmp_path / "cmp" / "compare_high_needs.csv" in written
    assert csv["delta_income_gbp"].tolist() == pytest.approx(diff["delta_income_gbp"].tolist())
    book = load_workbook(tmp_path / "cmp" / "compare.xlsx", read_only=False)
    assert list(book["high_needs_differences"].tables) == ["tbl_compare_high_needs_differences"]
    assert list(book["high_needs"].tables) == ["tbl_compare_high_needs"]
    html = (tmp_path / "cmp" / "compare.html").read_text()
    section = html[html.index('<section id="high_needs">'):]
    assert "What the plan changed to get there" in section
    assert "+£0.5m" in section


def test_bad_finance_input_is_a_located_error_at_the_cli(tmp_path: Path) -> None:
    inst = _instance(tmp_path / "bad", HIGH_NEEDS + "2031,late,spend,5,false,x\n",
                     FINANCE.replace("target_year = 2027", "target_year = 2040"))
    res = runner.invoke(app, ["solve", str(inst), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    assert "high_needs" in res.output and "financial_year" in res.output
    assert "2031" in res.output and "finance.target_year" in res.output and "2040" in res.output
    assert "nothing was solved" in res.output
    assert not (tmp_path / "o").exists()
