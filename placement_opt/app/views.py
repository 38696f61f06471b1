"""What the page shows of a finished run, as plain JSON (made in the run's own process, so the
server only reads it): KPIs, demand against places by district and year, the map of each year,
the plan (sites opened, expansions, each provision's use) and the warnings. The charts are the
HTML report's own (``reports/html``)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pandas as pd

from placement_opt.app.map import District, Flow, Site, map_svg
from placement_opt.instance import Instance
from placement_opt.model.locality import zone_to_district
from placement_opt.reports.format import fmt_gbp, fmt_minutes, fmt_number, fmt_share
from placement_opt.reports.html.run_context import KIND_NAMES, Context
from placement_opt.reports.html.run_figures import supply_figures
from placement_opt.reports.sufficiency import rollup, sufficiency_table
from placement_opt.results.result import Result
from placement_opt.results.rounding import whole_or_exact
from placement_opt.results.run import RunData

__all__ = ["KPIS", "kpi_text", "run_view"]

#: The KPIs the page shows and compares: key, label, unit ("gbp", "pupils", "share", "min").
KPIS: tuple[tuple[str, str, str], ...] = (
    ("objective", "Total cost (objective)", "gbp"),
    ("place_cost", "Place cost", "gbp"),
    ("transport_cost", "Transport cost", "gbp"),
    ("capital_cost", "Capital cost", "gbp"),
    ("unmet_whole", "Pupils without a place", "pupils"),
    ("placed_whole", "Pupils placed", "pupils"),
    ("placed_special_whole", "Placed in special schools", "pupils"),
    ("placed_srp_whole", "Placed in SRPs", "pupils"),
    ("placed_independent_whole", "Placed independent", "pupils"),
    ("placed_mainstream_whole", "Placed with mainstream support", "pupils"),
    ("openings", "Sites opened", "pupils"),
    ("places_added", "Places added", "pupils"),
    ("share_met_locally", "Met locally", "share"),
    ("mean_journey_min", "Mean journey", "min"),
)
_FORMATS: dict[str, Callable[[float], str]] = {
    "gbp": fmt_gbp, "pupils": fmt_number, "share": fmt_share,
    "min": lambda v: fmt_minutes(v, unit=True)}
_DISTRICT_COLUMNS = ("demand", "places_local", "placed_locally", "placed_elsewhere",
                     "placed_independent", "unmet", "surplus_deficit", "share_met_locally")


def kpi_text(value: float | None, unit: str) -> str:
    """A KPI value as the page prints it (``–`` for none)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return _FORMATS[unit](value)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-safe dicts (NaN as None)."""
    return [{str(k): (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()}
            for r in frame.astype(object).to_dict("records")]


def run_view(result: Result, instance: Instance) -> dict[str, Any]:
    """The page's view of a solved (or failed) run."""
    ctx = Context.build(result, instance)
    view: dict[str, Any] = {
        "status": result.status.value, "solved": ctx.solved, "message": result.message,
        "objective": result.objective, "gap": result.gap, "years": list(ctx.years),
        "seconds": round(result.build_seconds + result.solve_seconds, 2),
        "warnings": [str(w) for w in result.warnings][:20],
        "kpis": [], "districts": [], "maps": {}, "supply": [], "plan": {}}
    if not ctx.solved:
        return view
    view["kpis"] = [{"key": k, "label": label, "unit": unit, "value": ctx.kpi(k),
                     "text": kpi_text(ctx.kpi(k), unit)} for k, label, unit in KPIS]
    view["supply"] = [{"svg": str(svg), "caption": cap}
                      for svg, cap in supply_figures(ctx, "zone").figures]
    run = RunData.from_result(result, instance)
    by_district = rollup(sufficiency_table(run), ["district", "year"])
    view["districts"] = _records(by_district[["district", "year", *_DISTRICT_COLUMNS]])
    view["maps"] = {str(y): _year_map(ctx, by_district, y) for y in ctx.years}
    view["plan"] = _plan(ctx)
    return view


def _year_map(ctx: Context, by_district: pd.DataFrame, year: int) -> str:
    """The map of ``year``: districts shaded, flows from each district, provisions."""
    homes = zone_to_district(ctx.data)
    zones = ctx.instance.zones
    where = {str(z): (float(a), float(b))
             for z, a, b in zip(zones["zone"], zones["lat"], zones["lon"], strict=True)}
    rows = ctx.instance.demand
    rows = rows[rows["year"] == year]
    demand = {str(z): float(v) for z, v in rows.groupby("zone")["pupils"].sum().items()}
    districts = []
    for r in by_district[by_district["year"] == year].to_dict("records"):
        members = [z for z, d in homes.items() if d == r["district"] and z in where]
        weights = [demand.get(z, 0.0) + 1e-9 for z in members]
        total = sum(weights) or math.nan
        lat = sum(w * where[z][0] for z, w in zip(members, weights, strict=True)) / total
        lon = sum(w * where[z][1] for z, w in zip(members, weights, strict=True)) / total
        districts.append(District(str(r["district"]), float(r["demand"]),
                                  float(r["places_local"]), lat, lon))
    alloc = ctx.result.allocations
    alloc = alloc[alloc["year"] == year]
    moved = pd.DataFrame({"district": alloc["zone"].map(homes), "provision": alloc["provision"],
                          "pupils": whole_or_exact(alloc, "pupils")})
    summed = moved.groupby(["district", "provision"], as_index=False).agg(pupils=("pupils", "sum"))
    flows = [Flow(str(f["district"]), str(f["provision"]), float(f["pupils"]))
             for f in summed.to_dict("records")]
    util = ctx.result.utilisation
    use = {str(u["provision"]): (float(u["placed"]), float(u["capacity"]))
           for u in util[util["year"] == year].to_dict("records")}
    sites = []
    for p in ctx.instance.provisions.to_dict("records"):
        pid, zone = str(p["provision"]), str(p["zone"])
        # No coordinates: at its zone's centre, as the model places it (model/data.py).
        lat, lon = where[zone] if pd.isna(p["lat"]) or pd.isna(p["lon"]) else (p["lat"], p["lon"])
        if pid in use:
            sites.append(Site(pid, str(p["name"] or pid), str(p["kind"]), homes.get(zone, zone),
                              float(lat), float(lon), *use[pid]))
    return map_svg(districts, sites, flows, year)


def _plan(ctx: Context) -> dict[str, Any]:
    """Sites opened, expansions and every provision's use by year."""
    r = ctx.result
    opened = r.openings[r.openings["opened"].astype(bool)] if not r.openings.empty else r.openings
    openings = [{"provision": str(o["provision"]), "name": str(o["provision_name"]),
                 "kind": KIND_NAMES.get(str(o["kind"]), str(o["kind"])),
                 "district": ctx.zone_label(str(o["zone"])), "year": int(o["open_year"]),
                 "places": fmt_number(float(o["places"])),
                 "capital": fmt_gbp(float(o["capital_cost"]))}  # opening cost included
                for o in opened.to_dict("records")]
    grown = r.expansions[r.expansions["increments"] > 0] if not r.expansions.empty else r.expansions
    expansions = [{"provision": str(e["provision"]), "name": str(e["provision_name"]),
                   "district": ctx.zone_label(str(e["zone"])), "year": int(e["year_in_use"]),
                   "places": fmt_number(float(e["places_added"])),
                   "capital": fmt_gbp(float(e["capital_cost"]))} for e in grown.to_dict("records")]
    use = r.utilisation
    placed = {(str(u["provision"]), int(u["year"])): (float(u["placed_whole"]), float(u["capacity"]))
              for u in use.to_dict("records")}
    sites = []
    for u in use.drop_duplicates("provision").to_dict("records"):
        pid = str(u["provision"])
        cells = []
        for y in ctx.years:
            got, cap = placed.get((pid, y), (0.0, 0.0))
            cells.append({"placed": fmt_number(got), "capacity": fmt_number(cap),
                          "full": cap > 0 and got >= cap - 0.5})
        sites.append({"provision": pid, "name": str(u["provision_name"]),
                      "kind": KIND_NAMES.get(str(u["kind"]), str(u["kind"])),
                      "district": ctx.zone_label(str(u["zone"])), "years": cells})
    sites.sort(key=lambda s: (s["district"], s["name"]))
    return {"openings": openings, "expansions": expansions, "sites": sites}
