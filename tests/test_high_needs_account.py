"""The high-needs account (``placement_opt/finance/account.py``): income, the model's DSG
spend and the lines outside it, in-year and cumulative balance against a target, by hand; the
account of a solved run; and each located error."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from placement_opt import Instance, solve
from placement_opt.errors import InstanceError
from placement_opt.finance.account import (
    DSG_LINES,
    LINE_COLUMNS,
    SUMMARY_COLUMNS,
    account_issues,
    high_needs_account,
)
from placement_opt.reports.budget import budget_export
from placement_opt.reports.high_needs import run_account
from placement_opt.results.run import RunData
from placement_opt.schema.settings import Finance

ROOT = Path(__file__).resolve().parent.parent
WORKED = ROOT / "models" / "examples" / "continuum_worked"

MODEL_FY = pd.DataFrame({
    "financial_year": [2025, 2025, 2025, 2026, 2026, 2026],
    "funding_line": ["place_funding", "top_up", "transport"] * 2,
    "amount_gbp": [100.0, 50.0, 30.0, 120.0, 60.0, 35.0],
    "estimated": [True] * 3 + [False] * 3})
OUTSIDE = pd.DataFrame({
    "financial_year": [2025, 2025, 2026, 2026], "line": ["hnb", "post16", "hnb", "post16"],
    "kind": ["income", "spend", "income", "spend"], "amount_gbp": [200.0, 40.0, 210.0, 42.0],
    "estimate": [False, True, True, True], "source": ["DSG 2025-26", "S251", "grown", "S251"]})


def test_the_account_by_hand() -> None:
    """2025-26: income 200 - spend (100 + 50 + 40) = +10, closing -100 + 10 = -90; 2026-27:
    210 - (120 + 60 + 42) = -12, closing -102, short of the -95 target. Transport is a memo."""
    finance = Finance(opening_balance=-100.0, balance_target=-95.0, target_year=2026)
    account = high_needs_account(MODEL_FY, OUTSIDE, finance, [2025, 2026])
    s = account.summary
    assert list(s.columns) == SUMMARY_COLUMNS
    assert s["financial_year_label"].tolist() == ["2025-26", "2026-27"]
    assert s["income_gbp"].tolist() == [200.0, 210.0]
    assert s["spend_gbp"].tolist() == [190.0, 222.0]
    assert s["in_year_balance_gbp"].tolist() == [10.0, -12.0]
    assert s["cumulative_balance_gbp"].tolist() == [-90.0, -102.0]
    assert s["memo_gbp"].tolist() == [30.0, 35.0]
    assert pd.isna(s["target_gbp"].iloc[0]) and s["target_gbp"].iloc[1] == -95.0
    assert not bool(s["meets_target"].iloc[1])
    lines = account.lines
    assert list(lines.columns) == LINE_COLUMNS
    first = lines[lines["financial_year"] == 2025]
    assert first["kind"].tolist() == ["income", "spend", "spend", "spend", "memo"]
    assert not first.loc[first["line"] == "transport", "in_balance"].iloc[0]
    assert first.loc[first["line"] == "post16", "source"].iloc[0] == "S251"


def test_a_target_met_says_so() -> None:
    finance = Finance(opening_balance=-100.0, balance_target=-90.0, target_year=2025)
    s = high_needs_account(MODEL_FY, OUTSIDE, finance, [2025, 2026]).summary
    assert bool(s["meets_target"].iloc[0])
    assert pd.isna(s["meets_target"].iloc[1])


def test_located_errors_for_a_year_outside_a_negative_amount_and_the_target_year() -> None:
    bad = OUTSIDE.assign(financial_year=[2025, 2031, 2026, 2026],
                         amount_gbp=[200.0, 40.0, -1.0, 42.0])
    finance = Finance(balance_target=0.0, target_year=2040)
    issues = account_issues(bad, finance, [2025, 2026], "kent")
    found = {(i.row, i.column, i.value) for i in issues}
    assert (3, "financial_year", "2031") in found
    assert (4, "amount_gbp", "-1.0") in found
    assert (None, "finance.target_year", "2040") in found
    assert all("horizon" in (i.expected or "") or "0 or more" in (i.expected or "")
               for i in issues)


def test_the_account_of_a_solved_run_spends_what_the_budget_export_charges() -> None:
    """One academic year, so its financial year holds the whole year (April-August estimated):
    spend = the export's DSG lines; with no income lines the balance falls by as much."""
    worked = Instance.from_path(WORKED)
    run = RunData.from_result(solve(worked), worked)
    account = run_account(run)
    export = budget_export(run)
    dsg = export.loc[export["funding_line"].isin(DSG_LINES), "amount_gbp"].sum()
    s = account.summary
    assert s["spend_gbp"].sum() == pytest.approx(dsg)
    assert s["cumulative_balance_gbp"].iloc[-1] == pytest.approx(-dsg)
    assert s["estimated"].all()


def test_a_run_with_a_target_outside_the_horizon_is_a_located_error() -> None:
    worked = Instance.from_path(WORKED)
    run = RunData.from_result(solve(worked), worked)
    finance = Finance(balance_target=0.0, target_year=2099)
    bad = RunData.from_result(solve(worked), worked.replace(
        settings=worked.settings.model_copy(update={"finance": finance})))
    assert run_account(run).summary["target_gbp"].isna().all()
    with pytest.raises(InstanceError, match="target_year"):
        run_account(bad)
