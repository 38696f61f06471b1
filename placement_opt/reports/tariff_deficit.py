"""A proposed tariff's effect on the high-needs (DSG) balance, by financial year.

Every place cost the tariff prices (place funding + top-up, or a provision's own cost) is
high-needs block spend; transport is not (it is the council's general fund) and is left out.
Academic years become financial years by :func:`placement_opt.finance.years.to_financial_years`
(financial year f = 5/12 of academic year f - 1 + 7/12 of academic year f). A lower spend
improves the balance, so each change is ``current - proposed``: positive is a saving.

Given the run's high-needs account (:func:`placement_opt.reports.high_needs.run_account`), the
balance levels sit beside the changes: the current plan's cumulative DSG balance, and the
proposal's, which is the current balance plus the cumulative change (the lines outside the
model and the income are the same under both tariffs).
"""

from __future__ import annotations

import pandas as pd

from placement_opt.finance.years import to_financial_years

__all__ = ["DEFICIT_COLUMNS", "deficit_effect"]

#: Column → description, for the schema of ``tariff_deficit.csv``.
DEFICIT_COLUMNS: dict[str, str] = {
    "financial_year": "Financial year, April of this year to March of the next.",
    "financial_year_label": "The financial year as finance writes it (2025-26).",
    "current_spend_gbp": "High-needs place spend of the run's placements, current tariff.",
    "proposed_spend_gbp": "The same placements under the proposed tariff.",
    "in_year_change_gbp": "Change in the in-year balance: current - proposed (+ is a saving).",
    "cumulative_change_gbp": "Change in the cumulative DSG balance by the end of the year.",
    "resolved_spend_gbp": "With --resolve: the re-solved placements under the proposed tariff.",
    "resolved_in_year_change_gbp": "With --resolve: current - resolved.",
    "resolved_cumulative_change_gbp": "With --resolve: the cumulative change.",
    "current_cumulative_balance_gbp": "The run's cumulative DSG balance at 31 March (the "
                                      "high-needs account; negative: a deficit).",
    "proposed_cumulative_balance_gbp": "The same with the proposed tariff, same placements.",
    "resolved_cumulative_balance_gbp": "With --resolve: the same with the re-solved placements.",
    "estimated": "True where April to August falls before the horizon (estimated).",
}


def deficit_effect(current: pd.DataFrame, proposed: pd.DataFrame,
                   resolved: pd.DataFrame | None = None,
                   balance: pd.DataFrame | None = None) -> pd.DataFrame:
    """By financial year, the place spend of priced placements (frames of
    :func:`placement_opt.reports.tariff.priced_placements`: ``year``, ``place_cost``) under
    the current tariff, the proposed one with the same placements and, with ``resolved``, the
    proposed instance's own placements; and the change each makes to the in-year and the
    cumulative balance. With ``balance`` (the account's summary: ``financial_year``,
    ``cumulative_balance_gbp``), also the balance levels, current and proposed."""
    parts = {"current": current, "proposed": proposed}
    if resolved is not None:
        parts["resolved"] = resolved
    by_year = pd.concat(
        [frame.groupby("year")["place_cost"].sum().rename(f"{name}_spend_gbp")
         for name, frame in parts.items()], axis=1).fillna(0.0)
    by_year.index = by_year.index.astype("int64")
    fy = to_financial_years(by_year.rename_axis("year").reset_index(),
                            list(by_year.columns), keys=[])
    for name in parts:
        if name == "current":
            continue
        prefix = "" if name == "proposed" else "resolved_"
        change = fy["current_spend_gbp"] - fy[f"{name}_spend_gbp"]
        fy[f"{prefix}in_year_change_gbp"] = change
        fy[f"{prefix}cumulative_change_gbp"] = change.cumsum()
    if balance is not None:
        level = balance.set_index("financial_year")["cumulative_balance_gbp"]
        fy["current_cumulative_balance_gbp"] = fy["financial_year"].map(level).to_numpy(float)
        for name in parts:
            if name != "current":
                prefix = "" if name == "proposed" else "resolved_"
                fy[f"{name}_cumulative_balance_gbp"] = (fy["current_cumulative_balance_gbp"]
                                                        + fy[f"{prefix}cumulative_change_gbp"])
    return fy[[c for c in DEFICIT_COLUMNS if c in fy.columns]]
