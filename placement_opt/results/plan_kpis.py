"""KPIs of the planning options: phase transfers and pathway breaks (models/transfers.md),
closures, reductions and redesignations (models/changes.md), by year and for the horizon."""

from __future__ import annotations

import numpy as np
import pandas as pd

from placement_opt.schema.settings import Policy

__all__ = ["plan_kpis"]


def plan_kpis(transfers: pd.DataFrame, changes: pd.DataFrame, years: tuple[int, ...],
              pol: Policy) -> tuple[pd.DataFrame, dict[str, float]]:
    """KPI rows (kpi, year, value, unit) and what each year (and ``"all"``) adds to the
    objective: transfer and break weights, one-off change costs less savings."""
    t_year = transfers["year"].to_numpy(np.int64)
    is_break = (transfers["to_kind"] == "break").to_numpy(bool)
    pupils = transfers["pupils"].to_numpy(float)
    local = transfers["local"].to_numpy(bool)
    minutes = np.nan_to_num(transfers["minutes"].to_numpy(float))
    c_year = changes["year"].to_numpy(np.int64)
    one_off = changes["one_off_cost"].to_numpy(float)
    saving = changes["saving_per_year"].to_numpy(float)
    rows: list[tuple[str, str, float, str]] = []
    adds: dict[str, float] = {}
    for year in [*years, None]:
        key = "all" if year is None else str(year)
        t_in = np.ones(t_year.size, bool) if year is None else t_year == year
        moved = float(pupils[t_in & ~is_break].sum())
        breaks = float(pupils[t_in & is_break].sum())
        kept = float(pupils[t_in & ~is_break & local].sum())
        weight = (pol.transfer_cost_per_min * float((minutes * pupils)[t_in & ~is_break].sum())
                  + pol.pathway_break_penalty * breaks)
        # One-off costs in the year a change takes effect; savings in every year it is in effect.
        spent = float(one_off.sum() if year is None else one_off[c_year == year].sum())
        in_effect = (np.fromiter((sum(1 for y in years if y >= c) for c in c_year), float,
                                 c_year.size) if year is None else (c_year <= year).astype(float))
        saved = float((saving * in_effect).sum())
        adds[key] = weight + spent - saved
        if len(transfers):
            rows += [
                ("transfers", key, moved, "pupils"),
                ("pathway_breaks", key, breaks, "pupils"),
                ("transfers_local_share", key, kept / moved if moved else 0.0, "share"),
                ("transfer_weights", key, weight, "GBP"),
            ]
        if len(changes):
            rows += [("change_one_off_cost", key, spent, "GBP"),
                     ("change_savings", key, saved, "GBP")]
    return pd.DataFrame(rows, columns=["kpi", "year", "value", "unit"]), adds
