"""The run page's pathway section: primary → secondary specialist routes on a map, and the
districts where a primary specialist provision has no secondary continuation."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
from markupsafe import Markup

from placement_opt.instance import Instance
from placement_opt.reports.html.pathway_chart import (
    PathwayProvision,
    PathwayRoute,
    PathwayZone,
    pathway_svg,
)
from placement_opt.reports.html.run_context import Context, demand_by
from placement_opt.reports.html.run_figures import map_provisions
from placement_opt.reports.pathways import SPECIALIST, pathway_gaps, pathway_graph
from placement_opt.results.run import RunData

__all__ = ["GapRow", "pathway_view"]

#: Transfer routes drawn per primary provision and need (the nearest by journey time).
_ROUTES_PER_NEED = 2


@dataclass(frozen=True)
class GapRow:
    """A district–need pair without a local secondary continuation; ``nearest`` is empty when
    no secondary provision takes the need, ``beyond`` names the limit it lies past."""

    district: str
    need: str
    nearest: str
    beyond: str
    minutes: str
    leavers: str


def pathway_view(ctx: Context) -> dict[str, Any]:
    """What the pathway section shows (``possible`` is false without both phases)."""
    phases = ctx.data.phases
    if "primary" not in phases or "secondary" not in phases or not ctx.years:
        return {"possible": False}
    run, closed = _pathway_run(ctx)
    graph = pathway_graph(run, exclude=closed)
    gaps = pathway_gaps(run, exclude=closed)
    open_gaps = gaps[gaps["gap_in_district"].astype(bool)]
    gap_needs: dict[str, list[str]] = {}
    for district, need in zip(open_gaps["district"], open_gaps["need"], strict=True):
        gap_needs.setdefault(str(district), []).append(str(need))
    zones = [PathwayZone(d, ctx.zone_label(d), lat, lon, tuple(gap_needs.get(d, ())))
             for d, lat, lon in _district_centroids(ctx)]
    provisions = _pathway_provisions(ctx, graph, set(closed))
    routes = [PathwayRoute(str(u), str(v), str(e["needs"]), float(e["journey_min"]), bool(e["local"]))
              for u, v, e in graph.edges(data=True) if e.get("type") == "transfer_route"]
    drawn = _nearest_routes(routes, {p.provision: p for p in provisions})
    limit = float(ctx.data.limit[phases.index("secondary")])
    within = f" within the secondary journey limit ({limit:g} min)" if math.isfinite(limit) else ""
    note = (f"Primary specialist provisions (filled markers) and secondary ones (hollow; a dark edge "
            f"when a provision takes both phases): special schools and SRPs. Lines: transfer routes "
            f"from a primary provision to a secondary provision designated for the same need{within} "
            "of the primary provision's district, solid within the district and dashed to another. "
            f"To keep the picture readable only the nearest {_ROUTES_PER_NEED} continuations (by "
            "journey time) per primary provision and need are drawn, a provision taking both "
            f"phases counting as its own nearest: {len(drawn)} of {len(routes)} routes; the full "
            "network is written by placement-opt pathways. Red rings: districts "
            "with a primary specialist provision but no secondary continuation for the same need in "
            "the district, with the needs listed.")
    if closed:
        note += " Candidate sites the plan leaves closed are left out."
    note += " Hover a marker, line or ring for details."
    svg: Markup = pathway_svg(zones, provisions, drawn)
    return {"possible": True, "svg": svg, "note": note, **_gap_view(ctx, gaps, open_gaps, limit)}


def _pathway_run(ctx: Context) -> tuple[RunData, tuple[str, ...]]:
    """The run the pathway functions read, and the candidate sites to leave out (those the plan
    leaves closed; every candidate when there is no plan)."""
    run = RunData.from_result(ctx.result, ctx.instance)
    openings = ctx.result.openings
    if ctx.solved:
        closed = (openings.loc[~openings["opened"].astype(bool), "provision"].astype(str).tolist()
                  if len(openings) else [])
        return run, tuple(sorted(closed))
    util = pd.DataFrame({"provision": pd.Series(dtype=object), "year": pd.Series(dtype="int64"),
                         "capacity": pd.Series(dtype=float)})
    candidates = [p for p, c in zip(ctx.data.provisions, ctx.data.candidate, strict=True) if c]
    return replace(run, utilisation=util), tuple(sorted(candidates))


def _pathway_provisions(ctx: Context, graph: nx.DiGraph, closed: set[str]) -> list[PathwayProvision]:
    """Special schools and SRPs taking primary or secondary pupils, where the map draws them."""
    spots = {p.provision: p for p in map_provisions(ctx, None)}
    out = []
    for pid, node in graph.nodes(data=True):
        if node.get("type") != "provision" or node.get("kind") not in SPECIALIST or pid in closed:
            continue
        phases = str(node.get("phases", "")).split(";")
        primary, secondary = "primary" in phases, "secondary" in phases
        if not (primary or secondary):
            continue
        spot = spots[str(pid)]
        out.append(PathwayProvision(str(pid), spot.name, spot.kind, spot.zone, spot.lat, spot.lon,
                                    primary, secondary, str(node.get("needs", "")), spot.at_centroid))
    return out


def _nearest_routes(routes: Sequence[PathwayRoute],
                    provisions: dict[str, PathwayProvision]) -> list[PathwayRoute]:
    """The routes among the nearest few continuations of some primary provision and need.

    A provision taking both phases is its own nearest continuation (at 0 minutes, not drawn),
    so an all-through school draws one line fewer per need.
    """
    by_need: dict[tuple[str, str], list[PathwayRoute]] = {}
    for r in routes:
        if r.source in provisions and r.target in provisions:
            for need in r.needs.split(";"):
                by_need.setdefault((r.source, need), []).append(r)
    keep: set[tuple[str, str]] = set()
    for (source, need), group in by_need.items():
        if provisions[source].secondary:
            group = [PathwayRoute(source, source, need, 0.0, True), *group]
        nearest = sorted(group, key=lambda r: (r.minutes, r.target != source, r.target))
        keep.update((r.source, r.target) for r in nearest[:_ROUTES_PER_NEED] if r.target != source)
    return [r for r in routes if (r.source, r.target) in keep]


def _district_centroids(ctx: Context) -> list[tuple[str, float, float]]:
    """Each district at the first-year-demand-weighted mean of its zones' centroids (the plain
    mean when it has no demand); a one-zone district sits at its zone's centroid."""
    data, zones = ctx.data, ctx.instance.zones
    demand = demand_by(data, "zone", 0) if data.years else np.zeros(len(data.zones))
    lat, lon = zones["lat"].to_numpy(float), zones["lon"].to_numpy(float)
    out = []
    for g, district in enumerate(data.districts):
        mine = data.zone_district == g
        w = demand[mine] if demand[mine].sum() > 0 else np.ones(int(mine.sum()))
        out.append((district, float(np.average(lat[mine], weights=w)),
                    float(np.average(lon[mine], weights=w))))
    return out


def _gap_view(ctx: Context, gaps: pd.DataFrame, open_gaps: pd.DataFrame,
              limit: float) -> dict[str, Any]:
    """Districts and needs with a primary specialist provision but no local secondary one."""
    if open_gaps.empty:
        return {"gaps": (), "gap_text": ""}
    names = _provision_names(ctx.instance)
    far = int(open_gaps["gap_in_reach"].astype(bool).sum())
    text = (f"{len(open_gaps)} of {len(gaps)} district–need pairs with a primary specialist "
            "provision have no secondary continuation for that need in the district")
    text += f"; {far} of them none within the secondary journey limit either." if far else "."
    rows = []
    for r in open_gaps.to_dict("records"):
        nearest, minutes = r["nearest_secondary"], r["nearest_secondary_min"]
        where = beyond = ""
        if nearest is not None and not pd.isna(nearest):
            where = f"{names.get(str(nearest), str(nearest))} ({nearest})"
            if bool(r["gap_in_reach"]) and math.isfinite(limit):
                beyond = f"{limit:g}"
        rows.append(GapRow(
            ctx.zone_label(str(r["district"])), str(r["need"]), where, beyond,
            "–" if minutes is None or pd.isna(minutes) else f"{float(minutes):.0f}",
            f"{float(r['transfers_without_local_continuation']):.1f}" if ctx.solved else "–"))
    leavers_note = (" Leavers a year: the first year's primary pupils of that need at the "
                    "district's primary specialist provisions, divided by the years of the primary "
                    "phase (an estimate: the model does not decide transfers yet)."
                    if ctx.solved else " No solution: leavers are not known.")
    return {"gaps": tuple(rows), "gap_text": text + leavers_note}


def _provision_names(instance: Instance) -> dict[str, str]:
    """Provision id → display name (its id when it has none)."""
    prov = instance.provisions
    names = prov["name"].where(prov["name"].notna(), prov["provision"])
    return dict(zip(prov["provision"].astype(str), names.astype(str), strict=True))
