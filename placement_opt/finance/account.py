"""The high-needs account by financial year (``models/high_needs.md`` will give the full
formulation): DSG income, the model's high-needs spend and the lines outside the model, the
in-year balance and the cumulative DSG balance against the Safety Valve target.

The model's lines are the budget export's (``placement_opt.reports.budget``) already turned into
financial years (:func:`placement_opt.finance.years.to_financial_years`). The high-needs block
pays :data:`DSG_LINES`; transport (the council's general fund) and capital are shown as memo
lines, outside the balance. The lines outside the model come from the instance's
``high_needs`` table.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from placement_opt.errors import InstanceError, Issue
from placement_opt.finance.years import financial_year_label
from placement_opt.schema.settings import Finance
from placement_opt.schema.validation_finance import finance_issues

__all__ = ["DSG_LINES", "LINE_COLUMNS", "MEMO_LINES", "SUMMARY_COLUMNS", "Account",
           "account_issues", "check_account_inputs", "high_needs_account"]

#: Budget-export funding lines the high-needs block pays.
DSG_LINES = ("place_funding", "top_up", "mainstream_support", "independent_placements",
             "alternative_provision", "vacant_place_funding", "change_one_off", "change_savings",
             "unmet_demand")
#: Budget-export lines shown beside the account but outside its balance.
MEMO_LINES = ("transport", "capital")
LINE_COLUMNS = ["financial_year", "financial_year_label", "line", "kind", "amount_gbp",
                "in_balance", "estimated", "source"]
SUMMARY_COLUMNS = ["financial_year", "financial_year_label", "income_gbp", "spend_gbp",
                   "in_year_balance_gbp", "cumulative_balance_gbp", "target_gbp", "meets_target",
                   "memo_gbp", "estimated"]


@dataclass(frozen=True)
class Account:
    """``lines``: one row per financial year × line (kind income, spend or memo);
    ``summary``: one row per financial year (closing balances at 31 March)."""

    lines: pd.DataFrame
    summary: pd.DataFrame


def account_issues(outside: pd.DataFrame, finance: Finance, financial_years: list[int],
                   source: str) -> list[Issue]:
    """Located problems: a ``high_needs`` row whose financial year is outside the horizon's, a
    negative amount, a target year outside the horizon
    (:func:`placement_opt.schema.validation_finance.finance_issues`)."""
    return finance_issues(outside, finance, financial_years, f"{source}: table high_needs",
                          f"{source}: settings")


def check_account_inputs(outside: pd.DataFrame, finance: Finance, financial_years: list[int],
                         source: str) -> None:
    """Raise :class:`InstanceError` with :func:`account_issues` when there are any."""
    issues = account_issues(outside, finance, financial_years, source)
    if issues:
        raise InstanceError(issues)


def high_needs_account(model_fy: pd.DataFrame, outside: pd.DataFrame, finance: Finance,
                       financial_years: list[int]) -> Account:
    """The account from the model's lines by financial year (``financial_year``,
    ``funding_line``, ``amount_gbp``, ``estimated``), the ``high_needs`` table and the
    ``[finance]`` settings. Call :func:`account_issues` first: rows outside the horizon are
    left out here."""
    model = model_fy[model_fy["funding_line"].isin(DSG_LINES + MEMO_LINES)]
    model = model.groupby(["financial_year", "funding_line"], as_index=False).agg(
        amount_gbp=("amount_gbp", "sum"), estimated=("estimated", "any"))
    memo = model["funding_line"].isin(MEMO_LINES).to_numpy()
    from_model = pd.DataFrame({
        "financial_year": model["financial_year"].astype("int64"),
        "line": model["funding_line"], "kind": np.where(memo, "memo", "spend"),
        "amount_gbp": model["amount_gbp"].astype(float), "in_balance": ~memo,
        "estimated": model["estimated"].astype(bool), "source": "model (budget export)"})
    rows = outside[outside["financial_year"].astype("int64").isin(financial_years)]
    given = pd.DataFrame({
        "financial_year": rows["financial_year"].astype("int64"), "line": rows["line"],
        "kind": rows["kind"], "amount_gbp": rows["amount_gbp"].astype(float), "in_balance": True,
        "estimated": (rows["estimate"].fillna(False).astype(bool) if "estimate" in rows
                      else False),
        "source": rows["source"].fillna("") if "source" in rows else ""})
    lines = pd.concat([from_model, given], ignore_index=True)
    lines.insert(1, "financial_year_label", lines["financial_year"].map(financial_year_label))
    order = {"income": 0, "spend": 1, "memo": 2}
    lines = lines.sort_values(["financial_year", "kind", "line"],
                              key=lambda c: c.map(order) if c.name == "kind" else c,
                              kind="stable").reset_index(drop=True)[LINE_COLUMNS]
    return Account(lines=lines, summary=_summary(lines, finance, financial_years))


def _summary(lines: pd.DataFrame, finance: Finance, financial_years: list[int]) -> pd.DataFrame:
    def total(kind: str, in_balance: bool = True) -> pd.Series:
        part = lines[(lines["kind"] == kind) & (lines["in_balance"] == in_balance)]
        return part.groupby("financial_year")["amount_gbp"].sum().reindex(
            financial_years, fill_value=0.0)

    income, spend, memo = total("income"), total("spend"), total("memo", False)
    in_year = income - spend
    cumulative = finance.opening_balance + in_year.cumsum()
    years = pd.Index(financial_years)
    target = pd.Series(np.nan, index=years)
    meets = pd.Series(pd.NA, index=years, dtype="boolean")
    if finance.target_year is not None and finance.balance_target is not None:
        target[finance.target_year] = finance.balance_target
        meets[finance.target_year] = bool(cumulative[finance.target_year]
                                          >= finance.balance_target - 0.5)
    estimated = lines.groupby("financial_year")["estimated"].any().reindex(
        financial_years, fill_value=False)
    return pd.DataFrame({
        "financial_year": years.astype("int64"),
        "financial_year_label": [financial_year_label(y) for y in financial_years],
        "income_gbp": income.to_numpy(), "spend_gbp": spend.to_numpy(),
        "in_year_balance_gbp": in_year.to_numpy(), "cumulative_balance_gbp": cumulative.to_numpy(),
        "target_gbp": target.to_numpy(), "meets_target": meets.to_numpy(),
        "memo_gbp": memo.to_numpy(), "estimated": estimated.to_numpy(bool)})[SUMMARY_COLUMNS]
