"""The run page's charts and map: demand against places, costs, journeys and the first year's
flows, each an inline SVG with its caption (or the reason there is none)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from markupsafe import Markup

from placement_opt.model.data import ModelData
from placement_opt.model.locality import zone_to_district
from placement_opt.reports.format import fmt_gbp, fmt_gbp_short
from placement_opt.reports.html.charts import BarChart, Histogram, Series, bar_chart_svg, histogram_svg
from placement_opt.reports.html.map_chart import MapFlow, MapProvision, MapZone, map_svg
from placement_opt.reports.html.run_context import (
    KIND_NAMES,
    Context,
    as_floats,
    demand_by,
    placed_by,
    places_by_need,
    places_by_zone,
)
from placement_opt.reports.html.svg import KIND_COLORS
from placement_opt.results.rounding import whole_or_exact
from placement_opt.schema.tables import KINDS

__all__ = ["Figures", "cost_figures", "journey_figures", "map_figure", "map_provisions",
           "map_zones", "supply_figures"]

_DEMAND, _PLACED = "#555555", "#E69F00"
_COST_SERIES = (("place_cost", "places", "#0072B2"), ("transport_cost", "transport", "#E69F00"),
                ("journey_cost", "journey time", "#999999"),
                ("unmet_penalty", "unmet penalty", "#D55E00"))
#: Kinds bottom to top in a places bar: the independent sector last, as it is often "unlimited".
_STACK_ORDER = ("special", "srp", "mainstream", "independent")


@dataclass(frozen=True)
class Figures:
    """Charts with their captions, or the reason there are none (``empty``)."""

    figures: tuple[tuple[Markup, str], ...] = ()
    empty: str = ""


def _panel_years(ctx: Context) -> list[int]:
    """The first and the last year (one panel when they are the same)."""
    return sorted({ctx.years[0], ctx.years[-1]}) if ctx.years else []


def supply_figures(ctx: Context, axis: str) -> Figures:
    """Demand vs places by district (``axis="zone"``) or need, for the first and last year."""
    return Figures(tuple((bar_chart_svg(_supply_chart(ctx, year, axis)), str(year))
                         for year in _panel_years(ctx)))


def _supply_chart(ctx: Context, year: int, axis: str) -> BarChart:
    """Demand, placed and places by kind for each zone (``axis="zone"``) or need in ``year``."""
    data = ctx.data
    t = data.years.index(year)
    # axis "zone" means the zones' districts (models/allocation.md, *Met locally*).
    keys = list(data.districts) if axis == "zone" else list(data.needs)
    places = _places_by_kind(data, t, axis)
    series = [Series("demand", as_floats(demand_by(data, "district" if axis == "zone" else axis,
                                                   t)), _DEMAND, stack=0)]
    if ctx.solved:
        label = "placed (residents)" if axis == "zone" else "placed"
        homes = zone_to_district(data) if axis == "zone" else None
        series.append(Series(label, as_floats(placed_by(ctx.result, axis, year, keys, homes)),
                             _PLACED, stack=1))
    prefix = "places" if axis == "zone" else "designated"
    series += [Series(f"{prefix}: {KIND_NAMES[kind]}", as_floats(values), KIND_COLORS[kind], stack=2)
               for kind, values in places.items() if values.sum() > 0]
    keep = list(range(len(keys))) if axis == "zone" else _needs_with_data(series)
    labels = tuple(ctx.zone_label(keys[i]) if axis == "zone" else keys[i] for i in keep)
    series = [Series(s.label, tuple(s.values[i] for i in keep), s.color, s.stack) for s in series]
    title = f"Demand and places by {'district' if axis == 'zone' else 'need'}, {year}"
    cap = _axis_cap(series, f"{prefix}: {KIND_NAMES['independent']}")
    return BarChart(labels, tuple(series), "pupils / places", title, y_max=cap)


def _axis_cap(series: Sequence[Series], independent: str) -> float | None:
    """An axis cap when independent places dwarf everything else (else None: no cap).

    Places of the independent sector are often entered as "unlimited" (a huge capacity). When
    the tallest bar is over 5 × the tallest bar without them, the axis stops at 1.2 × the latter,
    so demand and maintained places stay readable.
    """
    n = len(series[0].values) if series else 0
    slots = sorted({s.stack for s in series})

    def tallest(keep: Sequence[Series]) -> float:
        return max((sum(s.values[i] for s in keep if s.stack == k) for k in slots for i in range(n)),
                   default=0.0)

    robust = tallest([s for s in series if s.label != independent])
    return 1.2 * robust if robust > 0 and tallest(series) > 5.0 * robust else None


def _places_by_kind(data: ModelData, t: int, axis: str) -> dict[str, np.ndarray]:
    """Places per zone or need in year index ``t``, split by provision kind."""
    out: dict[str, np.ndarray] = {}
    for kind in _STACK_ORDER:
        mask = data.kind == KINDS.index(kind)
        out[kind] = places_by_zone(data, t, mask) if axis == "zone" else places_by_need(data, t, mask)
    return out


def _needs_with_data(series: Sequence[Series]) -> list[int]:
    """Indices of needs with any demand or places (the other default codes are left out)."""
    n = len(series[0].values) if series else 0
    return [i for i in range(n) if any(s.values[i] > 0 for s in series)]


def cost_figures(ctx: Context) -> Figures:
    """Stacked cost components by year."""
    if not ctx.solved:
        return Figures(empty="No solution: no costs.")
    years = [str(y) for y in ctx.years]
    series = []
    for name, label, color in _COST_SERIES:
        values = tuple(ctx.result.kpi(name, y) for y in years)
        if any(v > 0 for v in values):
            series.append(Series(label, values, color))
    if not series:
        return Figures(empty="Every cost is zero.")
    chart = BarChart(tuple(years), tuple(series), "GBP per year", "Cost by component and year",
                     value_format=fmt_gbp, axis_format=fmt_gbp_short, show_totals=True)
    return Figures(((bar_chart_svg(chart),
                     "Components stacked; the figure above each bar is the year's total."),))


def journey_figures(ctx: Context) -> Figures:
    """Pupil-weighted histogram of journey minutes, with the journey limits marked."""
    alloc = ctx.result.allocations
    if not ctx.solved or alloc.empty:
        return Figures(empty="No placements: no journeys.")
    minutes = alloc["journey_min"].to_numpy(float)
    weights = whole_or_exact(alloc, "pupils").to_numpy(float)
    limits = _journey_limits(ctx)
    top = max([float(minutes.max()), *(v for v, _ in limits)])
    width = next((w for w in (1.0, 2.0, 5.0, 10.0, 15.0, 20.0, 30.0, 60.0) if top / w <= 24), 120.0)
    edges = np.arange(0.0, (math.floor(top / width) + 1) * width + width / 2, width)
    counts, _ = np.histogram(minutes, bins=edges, weights=weights)
    hist = Histogram(as_floats(edges), as_floats(counts),
                     f"one-way journey, minutes ({width:g}-minute bins)", "pupils",
                     markers=tuple(limits), title="Journey-time distribution")
    note = (f"Pupils placed in each journey-time band, summed over {ctx.horizon}; dashed lines "
            "are the journey limits by phase.")
    return Figures(((histogram_svg(hist), note),))


def _journey_limits(ctx: Context) -> list[tuple[float, str]]:
    """(minutes, label) for each distinct finite journey limit of the instance's phases."""
    by_limit: dict[float, list[str]] = {}
    for phase in ctx.data.phases:
        limit = ctx.instance.policy.journey_limit(phase)
        if math.isfinite(limit):
            by_limit.setdefault(float(limit), []).append(phase)
    return [(v, f"{', '.join(p)} limit {v:g} min") for v, p in sorted(by_limit.items())]


def map_figure(ctx: Context) -> tuple[str, Markup, str]:
    """The first year's label, the map of districts, provisions and flows, and its caption."""
    year = ctx.years[0] if ctx.years else None
    label = str(year) if year is not None else "no year"
    flows = _map_flows(ctx, year) if ctx.solved else []
    note = (f"Equirectangular projection (longitude scaled by cos latitude). Circles: zone "
            f"centroids (districts or smaller areas), area proportional to {label} demand. Lines: "
            f"pupils placed from a zone "
            f"to a provision in {label} (first year of the horizon), width proportional to pupils. "
            "Provisions at (nearly) the same spot are fanned out around it. Provision labels are "
            "ids, left out where they would overlap; hover a marker, line or circle for details.")
    if not ctx.solved:
        note += " No solution: no flows to draw."
    return label, map_svg(map_zones(ctx), map_provisions(ctx, year), flows, label), note


def map_zones(ctx: Context) -> list[MapZone]:
    """District centroids with their first-year demand."""
    data = ctx.data
    demand = demand_by(data, "zone", 0) if data.years else np.zeros(len(data.zones))
    zones = ctx.instance.zones
    return [MapZone(str(z), ctx.area_label(str(z)), float(lat), float(lon), float(d))
            for z, lat, lon, d in zip(zones["zone"], zones["lat"], zones["lon"], demand, strict=True)]


def map_provisions(ctx: Context, year: int | None) -> list[MapProvision]:
    """Provisions at their coordinates, or at their zone's centroid when they have none."""
    prov = ctx.instance.provisions
    centroid = {str(z): (float(a), float(b)) for z, a, b in
                zip(ctx.instance.zones["zone"], ctx.instance.zones["lat"], ctx.instance.zones["lon"],
                    strict=True)}
    placed = (placed_by(ctx.result, "provision", year, list(ctx.data.provisions))
              if ctx.solved and year is not None else None)
    lats, lons = prov["lat"].to_numpy(float), prov["lon"].to_numpy(float)
    out = []
    for i, row in enumerate(prov.to_dict("records")):
        missing = bool(np.isnan(lats[i]) or np.isnan(lons[i]))
        lat, lon = centroid[str(row["zone"])] if missing else (float(lats[i]), float(lons[i]))
        name = row["name"] if isinstance(row["name"], str) and row["name"] else str(row["provision"])
        capacity = float(ctx.data.cap_total[i, 0]) if year is not None else math.nan
        out.append(MapProvision(str(row["provision"]), name, str(row["kind"]),
                                ctx.zone_label(str(row["zone"])), lat, lon, capacity,
                                None if placed is None else float(placed[i]), at_centroid=missing))
    return out


def _map_flows(ctx: Context, year: int | None) -> list[MapFlow]:
    """Pupils by (zone, provision) in ``year``."""
    alloc = ctx.result.allocations
    if year is None or alloc.empty:
        return []
    rows = alloc[alloc["year"] == year]
    sums = whole_or_exact(rows, "pupils").groupby([rows["zone"], rows["provision"]]).sum()
    keys: list[tuple[str, str]] = sums.index.tolist()
    return [MapFlow(str(z), str(p), float(v))
            for (z, p), v in zip(keys, sums.to_numpy(float).tolist(), strict=True)]
