"""The run page's plan section: candidate sites opened, expansions built, why each investment,
places added against the deficit and spending against the budgets (rows of table cells)."""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from typing import Any

import pandas as pd

from placement_opt.reports.format import DASH, fmt_gbp, fmt_number
from placement_opt.reports.html.changes import changes_view, transfers_rows
from placement_opt.reports.html.run_context import Context
from placement_opt.reports.html.svg import KIND_COLORS
from placement_opt.reports.html.templating import Cell, num
from placement_opt.reports.plan import has_investments, plan_report
from placement_opt.results.run import RunData

__all__ = ["plan_view"]

Row = list[Cell | str]


def plan_view(ctx: Context) -> dict[str, Any]:
    """Everything the plan section shows (only ``solved`` when there is no solution)."""
    if not ctx.solved:
        return {"solved": False}
    added, capital = ctx.kpi("places_added"), ctx.kpi("capital_cost")
    return {
        "solved": True, "horizon": ctx.horizon,
        "added": fmt_number(added) if added > 0 or capital > 0 else "", "capital": fmt_gbp(capital),
        "openings": _openings(ctx), "expansions": _expansions(ctx), "why": _why(ctx),
        "changes": changes_view(ctx.result.changes, len(ctx.instance.changes), ctx.zone_label),
        "transfers": transfers_rows(ctx.result.transfers, ctx.zone_label),
        "budget": _budget(ctx),
    }


def _money(value: Any) -> str:
    """A GBP amount, or ``–`` when missing."""
    return DASH if value is None or pd.isna(value) else fmt_gbp(float(value))


def _lead(r: Mapping[Hashable, Any], ctx: Context) -> Row:
    """Provision, name, kind (with its swatch) and district cells of an openings/expansions row."""
    kind = str(r["kind"])
    return [str(r["provision"]), str(r["provision_name"]),
            Cell(kind, "kind", swatch=KIND_COLORS.get(kind, "#666666")), ctx.zone_label(str(r["zone"]))]


def _openings(ctx: Context) -> dict[str, Any]:
    """The candidate sites opened: from when, how many places and at what capital cost."""
    openings = ctx.result.openings
    if openings.empty:
        return {"considered": 0}
    is_open = openings["opened"].astype(bool)
    rows: list[Row] = []
    for r in openings[is_open].to_dict("records"):
        year = r["open_year"]
        rows.append([*_lead(r, ctx), DASH if pd.isna(year) else str(int(str(year))),
                     num(fmt_number(float(r["places"]))), num(_money(r["opening_cost"])),
                     num(_money(r["capital_cost"]))])
    closed = openings.loc[~is_open, "provision"].astype(str).tolist()
    return {"considered": len(openings), "closed": ", ".join(closed), "closed_count": len(closed),
            "rows": rows}


def _expansions(ctx: Context) -> dict[str, Any]:
    """The expansions built: when building starts, when places are in use, places and capital."""
    plan = ctx.result.expansions
    rows: list[Row] = []
    for r in plan.sort_values(["start_year", "provision"], kind="stable").to_dict("records"):
        rows.append([*_lead(r, ctx), str(int(str(r["start_year"]))), str(int(str(r["year_in_use"]))),
                     num(fmt_number(float(r["increments"]))), num(fmt_number(float(r["places_added"]))),
                     num(_money(r["capital_cost"]))])
    return {"options": int(ctx.data.exp_prov.size), "rows": rows}


def _why(ctx: Context) -> dict[str, Any] | None:
    """Why each investment, and the places added against each district's deficit
    (tables of :mod:`placement_opt.reports.plan`); None when nothing could be invested in."""
    run = RunData.from_result(ctx.result, ctx.instance)
    if not has_investments(run):
        return None
    tables = plan_report(run)
    last = max(ctx.years)
    rows: list[Row] = []
    for r in tables["investments"].to_dict("records"):
        payback = float(r["payback_years"])
        rows.append([
            str(r["provision_name"]), ctx.zone_label(str(r["district"])), str(int(r["first_year"])),
            num(fmt_number(float(r["places"]))), num(fmt_gbp(float(r["capital"]))),
            num(fmt_number(float(r["pupils_last_year"]))), str(r["from_districts"]),
            num(fmt_gbp(float(r["saving"]))), num(fmt_gbp(float(r["net_saving"]))),
            num(DASH if not math.isfinite(payback) else f"{payback:.1f}"),
            num(fmt_gbp(float(r["shadow_price_last_year"])))])
    by = tables["by_district"]
    districts: list[Row] = [
        [ctx.zone_label(str(r["district"])),
         *(num(fmt_number(float(r[c]))) for c in ("demand", "places_without_investment", "places_added",
                                                  "deficit_without_investment", "deficit_after"))]
        for r in by[by["year"] == last].to_dict("records")]
    return {"last": last, "rows": rows, "districts": districts}


def _budget(ctx: Context) -> dict[str, Any]:
    """Revenue and capital spent against each year's budget, and the horizon's capital budget."""
    use = ctx.result.budget_use
    total = ctx.instance.policy.capital_budget_total
    spent = float(use["capital_spent"].sum()) if len(use) else 0.0
    budget_cols = [c for c in ("revenue_budget", "capital_budget") if c in use.columns]
    rows: list[Row] = []
    if not use.empty and any(use[c].notna().any() for c in budget_cols):
        for r in use.to_dict("records"):
            over = float(r["overspend"])
            rows.append([str(int(str(r["year"]))), num(_money(r["revenue_budget"])),
                         num(_money(r["revenue_spent"])), num(fmt_gbp(over), "over" if over > 0.5 else ""),
                         num(_money(r["capital_budget"])), num(_money(r["capital_spent"]))])
    return {"rows": rows, "total": "" if total is None else fmt_gbp(float(total)),
            "spent": fmt_gbp(spent)}
