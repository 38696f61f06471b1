"""One self-contained HTML report of a solved run: KPIs, charts, a map and tables.

The page opens offline: no scripts, fonts, images or styles are fetched from anywhere; every
chart is inline SVG drawn by :mod:`placement_opt.reports.html.charts`. The markup lives in the
jinja2 templates under ``templates/`` (autoescaped, so every text from the instance or result is
HTML-escaped); this module prepares what they show. The report carries no clock time, so the
same result and instance always give a byte-identical file.

>>> from pathlib import Path
>>> from placement_opt import Instance, solve
>>> from placement_opt.reports.html.run_page import write_html_report
>>> inst = Instance.from_path("instances/demo")                     # doctest: +SKIP
>>> write_html_report(solve(inst), inst, Path("report.html"))      # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from placement_opt._version import __version__
from placement_opt.errors import Issue
from placement_opt.instance import Instance
from placement_opt.io.atomic import ensure_new_file, write_text_atomic
from placement_opt.reports.format import DASH, fmt_gbp, fmt_minutes, fmt_number, fmt_share
from placement_opt.reports.html.run_context import KIND_NAMES, Context
from placement_opt.reports.html.run_figures import (
    cost_figures,
    journey_figures,
    map_figure,
    supply_figures,
)
from placement_opt.reports.html.run_firmness import FirmnessTables, firmness_view
from placement_opt.reports.html.run_high_needs import high_needs_view
from placement_opt.reports.html.run_pathways import pathway_view
from placement_opt.reports.html.run_plan import plan_view
from placement_opt.reports.html.svg import KIND_COLORS
from placement_opt.reports.html.templating import Cell, num, render
from placement_opt.results.result import Result
from placement_opt.schema.tables import KINDS
from placement_opt.status import Status

__all__ = ["render_html_report", "write_html_report"]

_WARNINGS_SHOWN = 20
_TOC = (("kpis", "KPIs"), ("supply", "Demand and places"), ("costs", "Costs"),
        ("journeys", "Journeys"), ("unmet", "Unmet demand"), ("plan", "Places added and budgets"),
        ("high_needs", "High-needs block"),
        ("map", "Map"), ("pathways", "Pathways"), ("warnings", "Warnings"),
        ("utilisation", "Utilisation"))
_KPI_ROWS: tuple[tuple[str, str, Callable[[float], str]], ...] = (
    ("objective", "Total cost (objective)", fmt_gbp), ("place_cost", "Place cost", fmt_gbp),
    ("transport_cost", "Transport cost", fmt_gbp), ("journey_cost", "Journey-time cost", fmt_gbp),
    ("unmet_penalty", "Unmet penalty", fmt_gbp), ("demand_whole", "Demand (pupils)", fmt_number),
    ("placed_whole", "Placed (pupils)", fmt_number), ("unmet_whole", "Unmet (pupils)", fmt_number),
    *((f"placed_{k}_whole", f"Placed: {KIND_NAMES[k]}", fmt_number) for k in KINDS),
    ("share_met_locally", "Share met locally", fmt_share),
    ("mean_journey_min", "Mean journey (min)", fmt_minutes),
    ("max_journey_min", "Max journey (min)", fmt_minutes),
)


def write_html_report(result: Result, instance: Instance, path: Path, overwrite: bool = False,
                      firmness: FirmnessTables | None = None) -> Path:
    """Write the report of ``result`` (solved from ``instance``) to ``path`` and return it;
    with ``firmness``, it has a section "How firm is this plan?".

    Refuses an existing file unless ``overwrite``; the file appears whole or not at all.
    """
    path = Path(path)
    ensure_new_file(path, overwrite)
    write_text_atomic(path, render_html_report(result, instance, firmness))
    return path


def render_html_report(result: Result, instance: Instance,
                       firmness: FirmnessTables | None = None) -> str:
    """The report as one HTML string (deterministic for a given result and instance)."""
    ctx = Context.build(result, instance)
    toc = _TOC if firmness is None else (*_TOC[:6], ("firmness", "How firm is this plan?"),
                                         *_TOC[6:])
    map_year, map_svg, map_note = map_figure(ctx)
    return render(
        "run_report.html.j2", r=result, version=__version__, toc=toc, horizon=ctx.horizon,
        solved=ctx.solved, description=instance.settings.instance.description,
        status_class=_status_class(result.status), facts=_facts(ctx),
        cards=_cards(ctx) if ctx.solved else (), kpi_head=_kpi_head(ctx), kpi_rows=_kpi_rows(ctx),
        supply_zone=supply_figures(ctx, "zone"), supply_need=supply_figures(ctx, "need"),
        costs=cost_figures(ctx), journeys=journey_figures(ctx), unmet=_unmet(ctx),
        plan=plan_view(ctx), firmness=firmness_view(ctx, firmness),
        high_needs=high_needs_view(ctx), map_year=map_year, map_svg=map_svg,
        map_note=map_note,
        pathways=pathway_view(ctx), warnings=[_warning(w) for w in result.warnings],
        shown=_WARNINGS_SHOWN, utilisation=_utilisation(ctx))


def _facts(ctx: Context) -> list[tuple[str, str]]:
    """Solve facts of the header after the status badge."""
    r = ctx.result
    facts = [
        ("Objective", fmt_gbp(r.objective) if r.objective is not None else DASH),
        ("Gap", fmt_share(r.gap, 4) if r.gap is not None else DASH),
        ("Backend", r.backend),
        ("Years", ctx.horizon),
        ("Model", ", ".join(f"{v:,} {k}" for k, v in sorted(r.model_size.items()))),
    ]
    if r.message and r.message.strip().lower() != r.status.value.replace("_", " "):
        facts.append(("Solver message", r.message))
    return facts


def _status_class(status: Status) -> str:
    """CSS class of a status badge: good, warn or bad."""
    if status is Status.OPTIMAL:
        return "good"
    return "warn" if status is Status.FEASIBLE_AT_LIMIT else "bad"


def _card(label: str, value: str, note: str = "", tone: str = "") -> dict[str, Any]:
    """One KPI card (``long`` values get a smaller font)."""
    return {"label": label, "value": value, "note": note, "tone": tone, "long": len(value) > 11}


def _cards(ctx: Context) -> list[tuple[str, list[dict[str, Any]]]]:
    """KPI cards for the horizon, in titled rows."""
    k = ctx.kpi
    costs = [_card("Total cost (objective)", fmt_gbp(k("objective")), "summed over the years"),
             _card("Place cost", fmt_gbp(k("place_cost"))),
             _card("Transport cost", fmt_gbp(k("transport_cost")))]
    if k("journey_cost") > 0 or ctx.instance.policy.journey_cost_per_min > 0:
        costs.append(_card("Journey-time cost", fmt_gbp(k("journey_cost"))))
    unmet = k("unmet_whole")  # pupils are shown whole (results/rounding.py), costs exact
    costs.append(_card("Unmet penalty", fmt_gbp(k("unmet_penalty")), tone="bad" if unmet > 0 else ""))
    pupils = [_card("Pupils placed", fmt_number(k("placed_whole")),
                    f"of {fmt_number(k('demand_whole'))} demand (pupil-years)")]
    pupils += [_card(f"Placed: {KIND_NAMES[kind]}", fmt_number(k(f"placed_{kind}_whole")),
                     _share(k(f"placed_{kind}_whole"), k("placed_whole")), tone=f"kind-{kind}")
               for kind in KINDS]
    travel = [_card("Met locally", fmt_share(k("share_met_locally")),
                    "share of demand placed in its district"),
              _card("Mean journey", fmt_minutes(k("mean_journey_min"), unit=True), "pupil-weighted"),
              _card("Max journey", fmt_minutes(k("max_journey_min"), unit=True)),
              _card("Unmet pupils", fmt_number(unmet), "pupil-years", tone="bad" if unmet > 0 else "good")]
    return [("Cost", costs), ("Pupils", pupils), ("Locality and travel", travel)]


def _share(part: float, whole: float) -> str:
    """``12.3% of placed``."""
    return f"{fmt_share(part / whole)} of placed" if whole > 0 else ""


def _kpi_head(ctx: Context) -> list[str]:
    """Head of the KPI × year table: every year, then the horizon."""
    return ["KPI", *(str(y) for y in ctx.years), "all years"]


def _kpi_rows(ctx: Context) -> list[list[Cell | str]]:
    """Every KPI by year, with the horizon (``all``) last; ``–`` where the result has none."""
    years = [str(y) for y in ctx.years] + ["all"]
    rows: list[list[Cell | str]] = []
    for name, label, fmt in _KPI_ROWS:
        cells: list[Cell | str] = [Cell(label, header=True)]
        for y in years:
            try:
                cells.append(num(fmt(ctx.result.kpi(name, y))))
            except KeyError:
                cells.append(num(DASH))
        rows.append(cells)
    return rows


def _unmet(ctx: Context) -> dict[str, Any]:
    """Unmet pupils by district × need and year (``rows`` empty when every pupil is placed)."""
    unmet = ctx.result.unmet
    if not ctx.solved or unmet.empty or float(unmet["unmet_whole"].sum()) <= 0:
        return {"rows": []}
    # By the zones' districts (their display names), however fine the zones.
    unmet = unmet.assign(zone=unmet["zone"].astype(str).map(ctx.zone_label))
    table = unmet.pivot_table(index=["zone", "need"], columns="year", values="unmet_whole",
                              aggfunc="sum",
                              fill_value=0.0).reindex(columns=list(ctx.years), fill_value=0.0)
    order = {h: i for i, h in enumerate(ctx.data.phases)}
    phases = unmet.groupby(["zone", "need"])["phase"].agg(
        lambda s: ", ".join(sorted(set(s), key=lambda h: (order.get(h, len(order)), h))))
    top = float(table.to_numpy().max())
    rows: list[list[Cell | str]] = []
    keys: list[tuple[str, str]] = table.index.tolist()
    values: list[list[float]] = table.to_numpy(float).tolist()
    for (zone, need), row in zip(keys, values, strict=True):
        rows.append([str(zone), str(need), str(phases[(zone, need)]),
                     *(_heat_cell(v, top) for v in row), num(fmt_number(sum(row)), bold=True)])
    return {"rows": rows, "head": ["District", "Need", "Phases", *(str(y) for y in table.columns), "Total"],
            "total": fmt_number(float(unmet["unmet_whole"].sum()))}


def _heat_cell(value: float, top: float) -> Cell:
    """A number cell shaded by its size relative to ``top``."""
    if value <= 0:
        return num("0", "zero")
    alpha = 0.15 + 0.6 * value / top if top > 0 else 0.15
    return num(fmt_number(value), style=f"background: rgba(213, 94, 0, {alpha:.2f})")


def _warning(w: Issue) -> dict[str, str]:
    """One finding: its severity, where, message and what was found against what was expected."""
    detail = "" if w.value is None else f"found {w.value!r}"
    if w.expected:
        detail += ("; " if detail else "") + f"expected {w.expected}"
    return {"severity": w.severity.value, "where": w.location(), "message": w.message,
            "detail": detail}


def _utilisation(ctx: Context) -> list[dict[str, Any]]:
    """Capacity, placed, spare and shadow price per provision and year, a group per provision."""
    util = ctx.result.utilisation
    if not ctx.solved or util.empty:
        return []
    groups = []
    for _, group in util.groupby("provision", sort=False):
        first = group.iloc[0]
        kind = str(first["kind"])
        years = []
        for r in group.sort_values("year").to_dict("records"):
            cap, placed, spare = (float(r["capacity"]), float(r["placed_whole"]),
                                  float(r["spare_whole"]))
            shadow = float(r["shadow_price"])
            used = placed / cap if cap > 0 else 0.0
            years.append({"year": int(r["year"]), "capacity": fmt_number(cap), "placed": fmt_number(placed),
                          "spare": fmt_number(spare), "full": cap > 0 and spare <= 1e-6,
                          "width": f"{min(used, 1.0):.3f}", "used": f"{used:.0%}",
                          "shadow": fmt_gbp(shadow) if math.isfinite(shadow) else ""})
        groups.append({"provision": str(first["provision"]), "name": str(first["provision_name"]),
                       "kind": kind, "color": KIND_COLORS.get(kind, "#666666"),
                       "zone": ctx.zone_label(str(first["zone"])), "years": years})
    return groups

