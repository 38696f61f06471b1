"""The comparison of runs as one offline HTML page: inline SVG charts, no scripts, fonts or
network; the same comparison always gives the same bytes. The markup is the jinja2 template
``templates/compare.html.j2``; this module prepares what it shows."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from placement_opt._version import __version__
from placement_opt.reports.compare import OUTCOMES, Comparison, kpi_better
from placement_opt.reports.format import (
    DASH,
    fmt_gbp,
    fmt_gbp_m,
    fmt_gbp_short,
    fmt_number,
    fmt_share,
    fmt_signed,
    fmt_unit,
)
from placement_opt.reports.html.charts import BarChart, Series, bar_chart_svg
from placement_opt.reports.html.svg import KIND_COLORS
from placement_opt.reports.html.templating import Cell, num, render

__all__ = ["RUN_COLORS", "render_comparison"]

#: Okabe-Ito colours, one per run (cycled).
RUN_COLORS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
_COMPONENTS = (("place_cost", "places", "#0072B2"), ("transport_cost", "transport", "#E69F00"),
               ("journey_cost", "journey time", "#999999"), ("capital_cost", "capital", "#009E73"),
               ("unmet_penalty", "unmet penalty", "#D55E00"), ("overspend", "overspend", "#CC79A7"))
_SHOWN_DIFFERENCES = 25


def _color(i: int) -> str:
    return RUN_COLORS[i % len(RUN_COLORS)]


def _value(comp: Comparison, kpi: str, run: str, year: str | None = None) -> float:
    table = comp.kpis if year is None else comp.kpis_by_year[comp.kpis_by_year["year"] == year]
    hit = table.loc[table["kpi"] == kpi, run]
    return float(hit.iloc[0]) if len(hit) and pd.notna(hit.iloc[0]) else 0.0


def _by_year_chart(comp: Comparison, kpi: str, label: str, title: str, money: bool = False,
                   share: bool = False) -> BarChart:
    years = tuple(sorted(comp.kpis_by_year["year"].unique()))
    series = tuple(Series(run, tuple(_value(comp, kpi, run, y) for y in years), _color(i), stack=i)
                   for i, run in enumerate(comp.names))
    if money:
        return BarChart(years, series, label, title, value_format=fmt_gbp, axis_format=fmt_gbp_short)
    if share:
        return BarChart(years, series, label, title, value_format=fmt_share,
                        axis_format=lambda v: fmt_share(v, 0))
    return BarChart(years, series, label, title)


def _stacked_by_run(comp: Comparison, parts: tuple[tuple[str, str, str], ...], label: str,
                    title: str, money: bool) -> BarChart:
    series = tuple(Series(name, tuple(_value(comp, kpi, run) for run in comp.names), color)
                   for kpi, name, color in parts
                   if any(_value(comp, kpi, run) > 0 for run in comp.names))
    fmt = fmt_gbp if money else fmt_number
    axis = fmt_gbp_short if money else fmt_number
    return BarChart(comp.names, series, label, title, value_format=fmt, axis_format=axis,
                    show_totals=True)


def _kpi_rows(comp: Comparison) -> list[dict[str, Any]]:
    """Each KPI over the horizon for every run, and its change from the first run, judged
    ``better``, ``worse`` or neither (:data:`placement_opt.reports.compare.BETTER`)."""
    rows = []
    for r in comp.kpis.to_dict("records"):
        unit = str(r["unit"])
        base = float(r[comp.names[0]]) if pd.notna(r[comp.names[0]]) else math.nan
        cells = []
        for i, run in enumerate(comp.names):
            value = float(r[run]) if pd.notna(r[run]) else math.nan
            delta, judged = "", ""
            if i and math.isfinite(value) and math.isfinite(base) and abs(value - base) > 1e-9:
                better = kpi_better(str(r["kpi"]), value - base)
                delta = fmt_signed(value - base, unit)
                judged = "" if better is None else ("better" if better else "worse")
            cells.append({"value": fmt_unit(value, unit), "delta": delta, "judged": judged})
        rows.append({"kpi": str(r["kpi"]), "unit": unit, "cells": cells})
    return rows


def _differences(comp: Comparison) -> dict[str, Any]:
    """The largest changes by run, district and need (``rows`` empty for one run)."""
    diff = comp.differences
    if diff.empty:
        return {"rows": []}
    cols = [f"delta_{c}" for c in ("demand", *OUTCOMES, "cost")]
    head = [Cell(c.removeprefix("delta_").replace("_", " "), "num") for c in cols]
    rows: list[list[Cell | str]] = [
        [str(r["run"]), str(r["district"]), str(r["need"]),
         *(num(fmt_signed(float(r[c]), "GBP" if c == "delta_cost" else "pupils")) for c in cols),
         num(fmt_number(float(r["change"]))), "tie" if bool(r["tie"]) else ""]
        for r in diff.head(_SHOWN_DIFFERENCES).to_dict("records")]
    return {"head": ["run", "district", "need", *head, Cell("change", "num"), "same cost"],
            "rows": rows, "ties": int(diff["tie"].sum()),
            "shown": min(len(diff), _SHOWN_DIFFERENCES), "total": len(diff)}


def _high_needs(comp: Comparison) -> dict[str, Any]:
    """The change in the high-needs account by run and financial year (``rows`` empty for one
    run or no account), in £m."""
    diff = comp.high_needs_differences
    if diff.empty:
        return {"rows": [], "accounts": not comp.high_needs.empty}
    cols = ("delta_income_gbp", "delta_spend_gbp", "delta_in_year_balance_gbp",
            "delta_cumulative_balance_gbp", "base_cumulative_balance_gbp", "cumulative_balance_gbp")
    head = ["run", "financial year", *(Cell(h, "num") for h in (
        "Δ income", "Δ spend", "Δ in-year balance", "Δ cumulative balance",
        f"cumulative: {comp.names[0]}", "cumulative: run"))]
    rows: list[list[Cell | str]] = [
        [str(r["run"]), str(r["financial_year_label"]),
         *(num(_signed_m(float(r[c])) if c.startswith("delta") else fmt_gbp_m(float(r[c])))
           for c in cols)]
        for r in diff.to_dict("records")]
    return {"head": head, "rows": rows, "accounts": True}


def _signed_m(value: float) -> str:
    """A change in £m with its sign: ``+£1.2m``, ``−£0.3m``, ``0``."""
    return "0" if abs(value) < 0.5 else ("+" if value > 0 else "") + fmt_gbp_m(value)


def _runs(comp: Comparison) -> list[dict[str, str]]:
    """One row per run: its colour, status, objective, instance and folder."""
    return [{"run": str(r["run"]), "color": _color(i), "status": str(r["status"]),
             "objective": fmt_gbp(float(r["objective"])) if pd.notna(r["objective"]) else DASH,
             "instance": str(r["instance"]), "folder": str(r["folder"])}
            for i, r in enumerate(comp.runs.to_dict("records"))]


def render_comparison(comp: Comparison) -> str:
    """The page as one string."""
    kinds = tuple((f"placed_{k}", k, KIND_COLORS.get(k, "#666666")) for k in KIND_COLORS)
    figures = [
        (bar_chart_svg(_by_year_chart(comp, "total_cost", "GBP per year", "Cost by year", money=True)),
         "Placement, transport and journey cost by year, one bar per run."),
        (bar_chart_svg(_stacked_by_run(comp, _COMPONENTS, "GBP over the horizon", "Cost by component",
                                       money=True)),
         "Objective over the horizon by component; the figure above each bar is its total."),
        (bar_chart_svg(_stacked_by_run(comp, kinds, "pupil-years", "Placements by kind", money=False)),
         "Pupil-years placed by kind of provision over the horizon."),
        (bar_chart_svg(_by_year_chart(comp, "unmet", "pupils", "Unmet demand by year")),
         "Pupils without a place, by year."),
        (bar_chart_svg(_by_year_chart(comp, "share_met_locally", "share", "Met locally", share=True)),
         "Share of demand placed in the pupils' own district, by year."),
        (bar_chart_svg(_by_year_chart(comp, "mean_journey_min", "minutes", "Mean journey")),
         "Mean journey of placed pupils, by year."),
    ]
    return render("compare.html.j2", names=comp.names, colors=[_color(i) for i in range(len(comp.names))],
                  version=__version__, runs=_runs(comp), kpis=_kpi_rows(comp), figures=figures,
                  diff=_differences(comp), high_needs=_high_needs(comp))
