"""The high-needs account of a solved run (``placement_opt.finance.account``): the budget
export by financial year, with the instance's ``high_needs`` lines and ``[finance]`` settings;
what the run folder and the budget workbook show of it, and the change between two runs."""

from __future__ import annotations

from typing import Any

import pandas as pd

from placement_opt.finance import account as _account
from placement_opt.finance.account import Account, check_account_inputs
from placement_opt.finance.years import to_financial_years
from placement_opt.instance import Instance
from placement_opt.reports.budget import budget_export
from placement_opt.results.result import Result
from placement_opt.results.run import RunData
from placement_opt.schema.settings import Finance

__all__ = ["ACCOUNT_FILES", "DIFFERENCE_COLUMNS", "LINE_DESCRIPTIONS", "SUMMARY_DESCRIPTIONS",
           "account_difference", "account_headline", "check_account", "has_account_inputs",
           "high_needs_account", "run_account"]

#: The run-folder files of the account: the summary and the lines.
ACCOUNT_FILES = ("high_needs_account.csv", "high_needs_lines.csv")
_FY = {"financial_year": "Financial year starting in April of this year (2026: April 2026 to "
                         "March 2027).",
       "financial_year_label": "The financial year as 2026-27."}
#: Definitions of the summary's columns (the schema sheet of the budget workbook).
SUMMARY_DESCRIPTIONS = {
    **_FY,
    "income_gbp": "DSG high-needs income in the year: the high_needs table's income lines.",
    "spend_gbp": "High-needs block spend in the year: the model's DSG lines (place funding, "
                 "top-up, mainstream support, independent, AP, vacant places, change costs and "
                 "savings, unmet pupils at [finance] unmet_cost_per_pupil) plus the "
                 "high_needs table's spend lines.",
    "in_year_balance_gbp": "income_gbp - spend_gbp (negative: an in-year deficit).",
    "cumulative_balance_gbp": "Cumulative DSG balance at 31 March: [finance] opening_balance + "
                              "the in-year balances so far (negative: a deficit).",
    "target_gbp": "[finance] balance_target, in its target_year only (blank: no target).",
    "meets_target": "In the target year: cumulative_balance_gbp >= target_gbp (to the pound).",
    "memo_gbp": "Transport and capital in the year: shown, outside the balance.",
    "estimated": "True when a line of the year is estimated (the first year's April to August, "
                 "or a high_needs row marked estimate).",
}
#: Definitions of the lines' columns.
LINE_DESCRIPTIONS = {
    **_FY,
    "line": "Budget-export funding line (from the model) or the high_needs table's line id.",
    "kind": "income, spend, or memo (shown but outside the balance).",
    "amount_gbp": "GBP in the financial year (change_savings negative).",
    "in_balance": "True when the line counts in the in-year balance.",
    "estimated": "True for an estimated amount (the first year's April to August, or a "
                 "high_needs row marked estimate).",
    "source": "model (budget export), or the high_needs table's source.",
}
#: Columns of :func:`account_difference`.
DIFFERENCE_COLUMNS = ["run", "financial_year", "financial_year_label", "delta_income_gbp",
                      "delta_spend_gbp", "delta_in_year_balance_gbp",
                      "delta_cumulative_balance_gbp", "base_cumulative_balance_gbp",
                      "cumulative_balance_gbp"]


def check_account(inst: Instance) -> None:
    """Raise :class:`InstanceError` naming the table, row, column and value of a ``high_needs``
    line outside the horizon, a negative amount or a target year outside the horizon (before a
    solve, so nothing is written for an account that cannot be drawn up)."""
    check_account_inputs(inst.high_needs, inst.settings.finance, inst.years, str(inst.source))


def has_account_inputs(inst: Instance) -> bool:
    """True when the instance has ``high_needs`` lines or ``[finance]`` settings; without them
    the account is the model's spend against no income."""
    return len(inst.high_needs) > 0 or inst.settings.finance != Finance()


def run_account(run: RunData, export: pd.DataFrame | None = None) -> Account:
    """The account of ``run``: ``lines`` (financial year × line) and ``summary`` (income, spend,
    in-year and cumulative balance against the target, by financial year). ``export``: the
    run's :func:`~placement_opt.reports.budget.budget_export`, when already made.

    Raises :class:`InstanceError` naming the table, row, column and value of a line outside the
    horizon, a negative amount or a target year outside the horizon.
    """
    inst = run.instance
    check_account(inst)
    years = sorted(int(y) for y in inst.years)
    export = budget_export(run) if export is None else export
    model_fy = to_financial_years(export, ["amount_gbp"], keys=["funding_line"])
    return _account.high_needs_account(model_fy, inst.high_needs, inst.settings.finance, years)


def high_needs_account(result: Result, instance: Instance) -> Account:
    """The high-needs account of a solved ``result`` (of ``instance``): ``summary`` (one row per
    financial year: income, spend, in-year and cumulative DSG balance, target) and ``lines``
    (financial year × line), as :func:`run_account` gives them; nothing is kept on the result.

    >>> from placement_opt import Instance, high_needs_account, solve
    >>> inst = Instance.from_path("instances/demo")                  # doctest: +SKIP
    >>> high_needs_account(solve(inst), inst).summary                 # doctest: +SKIP
    """
    return run_account(RunData.from_result(result, instance))


def account_headline(summary: pd.DataFrame, finance: Finance
                     ) -> list[tuple[str, str, Any, str]]:
    """Headline figures of the account for the budget workbook (defined name, label, value,
    format): income, spend, in-year and cumulative balance by financial year, and the target."""
    rows: list[tuple[str, str, Any, str]] = [
        ("opening_balance_gbp", "Cumulative DSG balance on 1 April of the first financial year "
         "(GBP)", float(finance.opening_balance), "gbp")]
    for r in summary.to_dict("records"):
        year, label = int(r["financial_year"]), str(r["financial_year_label"])
        note = ", estimated" if bool(r["estimated"]) else ""
        for column, what in (("income_gbp", "High-needs income"),
                             ("spend_gbp", "High-needs spend"),
                             ("in_year_balance_gbp", "In-year DSG balance"),
                             ("cumulative_balance_gbp", "Cumulative DSG balance at 31 March")):
            name = column.removesuffix("_gbp")
            rows.append((f"{name}_gbp_fy_{year}", f"{what}, financial year {label}{note} (GBP)",
                         float(r[column]), "gbp"))
    if finance.target_year is not None and finance.balance_target is not None:
        hit = summary[summary["financial_year"] == finance.target_year]
        rows.append(("balance_target_gbp", f"Safety Valve target: cumulative DSG balance by 31 "
                     f"March {finance.target_year + 1} (GBP)", float(finance.balance_target), "gbp"))
        if len(hit):
            rows.append(("target_met", f"Target met in {hit['financial_year_label'].iloc[0]} "
                         "(TRUE/FALSE)", bool(hit["meets_target"].iloc[0]), ""))
    return rows


def account_difference(base: pd.DataFrame, other: pd.DataFrame, run: str) -> pd.DataFrame:
    """``other``'s account summary less ``base``'s, by financial year (a year only one has counts
    0 for the other): the change in income, spend, in-year and cumulative balance, and both
    cumulative balances."""
    cols = ["income_gbp", "spend_gbp", "in_year_balance_gbp", "cumulative_balance_gbp"]
    a = base.set_index("financial_year")
    b = other.set_index("financial_year")
    years = a.index.union(b.index)
    delta = b[cols].reindex(years, fill_value=0.0) - a[cols].reindex(years, fill_value=0.0)
    labels = b["financial_year_label"].combine_first(a["financial_year_label"]).reindex(years)
    out = pd.DataFrame({
        "run": run, "financial_year": years.astype("int64"),
        "financial_year_label": labels.to_numpy(),
        **{f"delta_{c}": delta[c].to_numpy(float) for c in cols},
        "base_cumulative_balance_gbp": a["cumulative_balance_gbp"].reindex(years).to_numpy(float),
        "cumulative_balance_gbp": b["cumulative_balance_gbp"].reindex(years).to_numpy(float)})
    return out[DIFFERENCE_COLUMNS]
