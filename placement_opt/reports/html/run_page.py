"""One self-contained HTML report of a solved run: KPIs, charts, a map and tables.

The page opens offline: no scripts, fonts, images or styles are fetched from anywhere; every
chart is inline SVG drawn by :mod:`placement_opt.reports.html.charts`. Every text from the instance
or result is HTML-escaped. The report carries no clock time, so the same result and instance
always give a byte-identical file.

>>> from pathlib import Path
>>> from placement_opt import Instance, solve
>>> from placement_opt.reports.html.run_page import write_html_report
>>> inst = Instance.from_path("instances/demo")                     # doctest: +SKIP
>>> write_html_report(solve(inst), inst, Path("report.html"))      # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from html import escape
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from placement_opt._version import __version__
from placement_opt.errors import Issue
from placement_opt.instance import Instance
from placement_opt.io.atomic import ensure_new_file, write_text_atomic
from placement_opt.model.data import ModelData
from placement_opt.reports.html.changes import changes_html, transfers_html
from placement_opt.reports.html.charts import (
    KIND_COLORS,
    BarChart,
    Histogram,
    MapFlow,
    MapProvision,
    MapZone,
    PathwayProvision,
    PathwayRoute,
    PathwayZone,
    Series,
    bar_chart_svg,
    fmt_gbp,
    fmt_gbp_short,
    fmt_number,
    histogram_svg,
    map_svg,
    pathway_svg,
)
from placement_opt.reports.pathways import SPECIALIST, pathway_gaps, pathway_graph
from placement_opt.reports.plan import has_investments, plan_report
from placement_opt.results.result import Result
from placement_opt.results.run import RunData
from placement_opt.schema.tables import KINDS
from placement_opt.status import Status

__all__ = ["render_html_report", "write_html_report"]

_DEMAND, _PLACED = "#555555", "#E69F00"
_COST_SERIES = (("place_cost", "places", "#0072B2"), ("transport_cost", "transport", "#E69F00"),
                ("journey_cost", "journey time", "#999999"),
                ("unmet_penalty", "unmet penalty", "#D55E00"))


def write_html_report(result: Result, instance: Instance, path: Path, overwrite: bool = False) -> Path:
    """Write the report of ``result`` (solved from ``instance``) to ``path`` and return it.

    Refuses an existing file unless ``overwrite``; the file appears whole or not at all.
    """
    path = Path(path)
    ensure_new_file(path, overwrite)
    write_text_atomic(path, render_html_report(result, instance))
    return path


def render_html_report(result: Result, instance: Instance) -> str:
    """The report as one HTML string (deterministic for a given result and instance)."""
    ctx = _Context.build(result, instance)
    sections = [
        _header(ctx),
        _kpi_section(ctx),
        _supply_section(ctx),
        f'<div class="pair">{_cost_section(ctx)}{_journey_section(ctx)}</div>',
        _unmet_section(ctx),
        _plan_section(ctx),
        _map_section(ctx),
        _pathway_section(ctx),
        _warnings_section(ctx),
        _utilisation_section(ctx),
    ]
    title = f"placement_opt report: {result.instance_name}"
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n<main>\n"
            + "\n".join(s for s in sections if s)
            + f'\n<footer>Written by placement_opt {escape(__version__)}. Instance fingerprint '
            f"{escape(result.instance_fingerprint)}.</footer>\n</main>\n</body>\n</html>\n")


# --- data behind the report -----------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    """The result, the instance and the coded arrays every section reads."""

    result: Result
    instance: Instance
    data: ModelData
    solved: bool
    zone_names: dict[str, str]

    @classmethod
    def build(cls, result: Result, instance: Instance) -> _Context:
        """Code the instance once (capacities and coordinates by the model's own rules)."""
        solved = result.status.has_solution and not result.kpis.empty
        return cls(result, instance, RunData.from_result(result, instance).data, solved,
                   _zone_names(instance))

    @property
    def years(self) -> tuple[int, ...]:
        """Years with demand, in order."""
        return self.data.years

    @property
    def horizon(self) -> str:
        """``2026–2030`` (or the single year)."""
        if not self.years:
            return "no years"
        first, last = self.years[0], self.years[-1]
        return str(first) if first == last else f"{first}–{last}"

    def zone_label(self, zone: str) -> str:
        """A district's display name (its id when it has none)."""
        return self.zone_names.get(zone, zone)

    def kpi(self, name: str) -> float:
        """A horizon KPI, NaN when the result has none."""
        try:
            return self.result.kpi(name)
        except KeyError:
            return math.nan


def _zone_names(instance: Instance) -> dict[str, str]:
    """Zone id → display name."""
    zones = instance.zones
    names = zones["name"].where(zones["name"].notna(), zones["zone"])
    return dict(zip(zones["zone"].astype(str), names.astype(str), strict=True))


def _demand_by(data: ModelData, axis: str, year_index: int) -> np.ndarray:
    """Demand per zone (``axis="zone"``) or per need in one year."""
    codes, size = (data.d_zone, len(data.zones)) if axis == "zone" else (data.d_need, len(data.needs))
    sel = data.d_year == year_index
    return np.bincount(codes[sel], weights=data.d_pupils[sel], minlength=size)


def _places_by_zone(data: ModelData, year_index: int, mask: np.ndarray) -> np.ndarray:
    """Places (total capacity) of the provisions in ``mask`` standing in each zone."""
    return np.bincount(data.prov_zone[mask], weights=data.cap_total[mask, year_index],
                       minlength=len(data.zones))


def _places_by_need(data: ModelData, year_index: int, mask: np.ndarray) -> np.ndarray:
    """Places of the provisions in ``mask`` designated for each need (need caps applied)."""
    total = data.cap_total[mask, year_index][:, None]
    capped = np.fmin(np.broadcast_to(total, (int(mask.sum()), len(data.needs))),
                     data.cap_need[mask, :, year_index])
    return np.asarray((capped * data.designated[mask]).sum(axis=0), dtype=float)


def _placed_by(result: Result, column: str, year: int, keys: Sequence[str]) -> np.ndarray:
    """Pupils placed in ``year`` grouped by ``column`` (zone or need), aligned with ``keys``."""
    alloc = result.allocations
    if alloc.empty:
        return np.zeros(len(keys))
    sums = alloc[alloc["year"] == year].groupby(column)["pupils"].sum()
    return np.array([float(sums.get(k, 0.0)) for k in keys])


# --- sections -------------------------------------------------------------------------------


def _header(ctx: _Context) -> str:
    """Title, description, status badge and solve facts."""
    r = ctx.result
    desc = ctx.instance.settings.instance.description
    facts = [
        ("Status", f'<span class="badge {_status_class(r.status)}">{escape(r.status.value)}</span>'),
        ("Objective", escape(fmt_gbp(r.objective)) if r.objective is not None else "–"),
        ("Gap", escape(f"{r.gap:.4%}") if r.gap is not None and math.isfinite(r.gap) else "–"),
        ("Build + solve", escape(f"{r.build_seconds:.2f} s + {r.solve_seconds:.2f} s")),
        ("Backend", escape(r.backend)),
        ("Years", escape(ctx.horizon)),
        ("Model", escape(", ".join(f"{v:,} {k}" for k, v in sorted(r.model_size.items())))),
    ]
    if r.message and r.message.strip().lower() != r.status.value.replace("_", " "):
        facts.append(("Solver message", escape(r.message)))
    items = "".join(f"<div><dt>{k}</dt><dd>{v}</dd></div>" for k, v in facts)
    return (f"<header><h1>Placement report: {escape(r.instance_name)}</h1>"
            + (f'<p class="desc">{escape(desc)}</p>' if desc else "")
            + f'<dl class="facts">{items}</dl>{_toc()}</header>')


def _toc() -> str:
    """Links to the sections of the page."""
    links = [("kpis", "KPIs"), ("supply", "Demand and places"), ("costs", "Costs"),
             ("journeys", "Journeys"), ("unmet", "Unmet demand"),
             ("plan", "Places added and budgets"), ("map", "Map"), ("pathways", "Pathways"),
             ("warnings", "Warnings"), ("utilisation", "Utilisation")]
    return '<nav>' + " · ".join(f'<a href="#{a}">{escape(t)}</a>' for a, t in links) + "</nav>"


def _status_class(status: Status) -> str:
    """CSS class of a status badge: good, warn or bad."""
    if status is Status.OPTIMAL:
        return "good"
    return "warn" if status is Status.FEASIBLE_AT_LIMIT else "bad"


def _card(label: str, value: str, note: str = "", tone: str = "") -> str:
    """One KPI card."""
    note_html = f'<div class="note">{escape(note)}</div>' if note else ""
    size = " long" if len(value) > 11 else ""
    return (f'<div class="card {tone}"><div class="label">{escape(label)}</div>'
            f'<div class="value{size}">{escape(value)}</div>{note_html}</div>')


def _kpi_section(ctx: _Context) -> str:
    """KPI cards for the horizon and a KPI × year table; a no-solution notice otherwise."""
    head = f'<section id="kpis"><h2>Key figures, {escape(ctx.horizon)}</h2>'
    if not ctx.solved:
        return (head + f'<div class="notice bad">No solution ({escape(ctx.result.status.value)}): '
                "no placements, costs or journeys to report. The warnings below say what the "
                "pre-solve checks found.</div></section>")
    k = ctx.kpi
    costs = [_card("Total cost (objective)", fmt_gbp(k("objective")), "summed over the years"),
             _card("Place cost", fmt_gbp(k("place_cost"))),
             _card("Transport cost", fmt_gbp(k("transport_cost")))]
    if k("journey_cost") > 0 or ctx.instance.policy.journey_cost_per_min > 0:
        costs.append(_card("Journey-time cost", fmt_gbp(k("journey_cost"))))
    unmet = k("unmet")
    costs.append(_card("Unmet penalty", fmt_gbp(k("unmet_penalty")), tone="bad" if unmet > 0 else ""))
    pupils = [_card("Pupils placed", fmt_number(k("placed")),
                    f"of {fmt_number(k('demand'))} demand (pupil-years)")]
    pupils += [_card(f"Placed: {_KIND_NAMES[kind]}", fmt_number(k(f"placed_{kind}")),
                     _share(k(f"placed_{kind}"), k("placed")), tone=f"kind-{kind}") for kind in KINDS]
    travel = [_card("Met locally", f"{k('share_met_locally'):.1%}", "share of demand placed in its district"),
              _card("Mean journey", f"{k('mean_journey_min'):.1f} min", "pupil-weighted"),
              _card("Max journey", f"{k('max_journey_min'):.1f} min"),
              _card("Unmet pupils", fmt_number(unmet), "pupil-years", tone="bad" if unmet > 0 else "good")]
    return (head + _cards("Cost", costs) + _cards("Pupils", pupils) + _cards("Locality and travel", travel)
            + _kpi_table(ctx) + "</section>")


_KIND_NAMES = {"special": "special", "srp": "SRP", "independent": "independent",
               "mainstream": "mainstream", "ap": "alternative provision"}


def _share(part: float, whole: float) -> str:
    """``12.3% of placed``."""
    return f"{part / whole:.1%} of placed" if whole > 0 else ""


def _cards(title: str, cards: Sequence[str]) -> str:
    """A titled row of cards."""
    return f'<h3>{escape(title)}</h3><div class="cards">{"".join(cards)}</div>'


_KPI_ROWS = (
    ("objective", "Total cost (objective)", fmt_gbp), ("place_cost", "Place cost", fmt_gbp),
    ("transport_cost", "Transport cost", fmt_gbp), ("journey_cost", "Journey-time cost", fmt_gbp),
    ("unmet_penalty", "Unmet penalty", fmt_gbp), ("demand", "Demand (pupils)", fmt_number),
    ("placed", "Placed (pupils)", fmt_number), ("unmet", "Unmet (pupils)", fmt_number),
    *((f"placed_{k}", f"Placed: {_KIND_NAMES[k]}", fmt_number) for k in KINDS),
    ("share_met_locally", "Share met locally", lambda v: f"{v:.1%}"),
    ("mean_journey_min", "Mean journey (min)", lambda v: f"{v:.1f}"),
    ("max_journey_min", "Max journey (min)", lambda v: f"{v:.1f}"),
)


def _kpi_table(ctx: _Context) -> str:
    """Every KPI by year, with the horizon (``all``) last."""
    years = [str(y) for y in ctx.years] + ["all"]
    head = "".join(f"<th>{escape(y if y != 'all' else 'all years')}</th>" for y in years)
    rows = []
    for name, label, fmt in _KPI_ROWS:
        cells = []
        for y in years:
            try:
                cells.append(f'<td class="num">{escape(fmt(ctx.result.kpi(name, y)))}</td>')
            except KeyError:
                cells.append('<td class="num">–</td>')
        rows.append(f"<tr><th>{escape(label)}</th>{''.join(cells)}</tr>")
    return (f'<details><summary>All KPIs by year</summary><table class="kpis"><thead><tr><th>KPI</th>'
            f"{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></details>")


def _panel_years(ctx: _Context) -> list[int]:
    """The first and the last year (one panel when they are the same)."""
    return sorted({ctx.years[0], ctx.years[-1]}) if ctx.years else []


def _supply_section(ctx: _Context) -> str:
    """Demand vs places by district and by need, for the first and last year."""
    panels_zone, panels_need = [], []
    for year in _panel_years(ctx):
        panels_zone.append(_figure(str(year), bar_chart_svg(_supply_chart(ctx, year, "zone"))))
        panels_need.append(_figure(str(year), bar_chart_svg(_supply_chart(ctx, year, "need"))))
    return ('<section id="supply"><h2>Demand and places</h2>'
            "<p>Places in a district are the capacity of the provisions standing in it, stacked by "
            "kind. Designated places for a need are the capacity of every provision designated for "
            "it (with any per-need cap), so a provision designated for several needs counts under each."
            + (" Placed (residents) counts pupils living in the district, wherever they are placed."
               if ctx.solved else "")
            + " A bar cut by a zigzag runs off the scale (e.g. an independent sector modelled as "
            "unlimited); its full height is written on it.</p>"
            + "<h3>By district</h3>" + _grid(panels_zone) + "<h3>By need</h3>" + _grid(panels_need)
            + "</section>")


def _supply_chart(ctx: _Context, year: int, axis: str) -> BarChart:
    """Demand, placed and places by kind for each zone (``axis="zone"``) or need in ``year``."""
    data = ctx.data
    t = data.years.index(year)
    keys = list(data.zones) if axis == "zone" else list(data.needs)
    places = _places_by_kind(data, t, axis)
    series = [Series("demand", _tuple(_demand_by(data, axis, t)), _DEMAND, stack=0)]
    if ctx.solved:
        label = "placed (residents)" if axis == "zone" else "placed"
        series.append(Series(label, _tuple(_placed_by(ctx.result, axis, year, keys)), _PLACED, stack=1))
    prefix = "places" if axis == "zone" else "designated"
    series += [Series(f"{prefix}: {_KIND_NAMES[kind]}", _tuple(values), KIND_COLORS[kind], stack=2)
               for kind, values in places.items() if values.sum() > 0]
    keep = list(range(len(keys))) if axis == "zone" else _needs_with_data(series)
    labels = tuple(ctx.zone_label(keys[i]) if axis == "zone" else keys[i] for i in keep)
    series = [Series(s.label, tuple(s.values[i] for i in keep), s.color, s.stack) for s in series]
    title = f"Demand and places by {'district' if axis == 'zone' else 'need'}, {year}"
    cap = _axis_cap(series, f"{prefix}: {_KIND_NAMES['independent']}")
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


#: Kinds bottom to top in a places bar: the independent sector last, as it is often "unlimited".
_STACK_ORDER = ("special", "srp", "mainstream", "independent")


def _places_by_kind(data: ModelData, t: int, axis: str) -> dict[str, np.ndarray]:
    """Places per zone or need in year index ``t``, split by provision kind."""
    out: dict[str, np.ndarray] = {}
    for kind in _STACK_ORDER:
        mask = data.kind == KINDS.index(kind)
        if axis == "zone":
            out[kind] = _places_by_zone(data, t, mask)
        else:
            out[kind] = _places_by_need(data, t, mask)
    return out


def _needs_with_data(series: Sequence[Series]) -> list[int]:
    """Indices of needs with any demand or places (the other default codes are left out)."""
    n = len(series[0].values) if series else 0
    return [i for i in range(n) if any(s.values[i] > 0 for s in series)]


def _tuple(values: Iterable[float]) -> tuple[float, ...]:
    """Plain floats (numpy scalars print differently)."""
    return tuple(float(v) for v in values)


def _figure(caption: str, svg: str) -> str:
    """A chart with its caption."""
    return f"<figure>{svg}<figcaption>{escape(caption)}</figcaption></figure>"


def _grid(figures: Sequence[str]) -> str:
    """Figures side by side."""
    return f'<div class="grid">{"".join(figures)}</div>'


def _cost_section(ctx: _Context) -> str:
    """Stacked cost components by year."""
    head = '<section id="costs"><h2>Cost by component and year</h2>'
    if not ctx.solved:
        return head + '<p class="empty">No solution: no costs.</p></section>'
    years = [str(y) for y in ctx.years]
    series = []
    for name, label, color in _COST_SERIES:
        values = tuple(ctx.result.kpi(name, y) for y in years)
        if any(v > 0 for v in values):
            series.append(Series(label, values, color))
    if not series:
        return head + '<p class="empty">Every cost is zero.</p></section>'
    chart = BarChart(tuple(years), tuple(series), "GBP per year", "Cost by component and year",
                     value_format=fmt_gbp, axis_format=fmt_gbp_short, show_totals=True)
    return (head + _grid([_figure("Components stacked; the figure above each bar is the year's total.",
                                  bar_chart_svg(chart))]) + "</section>")


def _journey_section(ctx: _Context) -> str:
    """Pupil-weighted histogram of journey minutes, with the journey limits marked."""
    head = '<section id="journeys"><h2>Journey times</h2>'
    alloc = ctx.result.allocations
    if not ctx.solved or alloc.empty:
        return head + '<p class="empty">No placements: no journeys.</p></section>'
    minutes = alloc["journey_min"].to_numpy(float)
    weights = alloc["pupils"].to_numpy(float)
    limits = _journey_limits(ctx)
    top = max([float(minutes.max()), *(v for v, _ in limits)])
    width = next((w for w in (1.0, 2.0, 5.0, 10.0, 15.0, 20.0, 30.0, 60.0) if top / w <= 24), 120.0)
    edges = np.arange(0.0, (math.floor(top / width) + 1) * width + width / 2, width)
    counts, _ = np.histogram(minutes, bins=edges, weights=weights)
    hist = Histogram(_tuple(edges), _tuple(counts), f"one-way journey, minutes ({width:g}-minute bins)",
                     "pupils", markers=tuple(limits), title="Journey-time distribution")
    note = (f"Pupils placed in each journey-time band, summed over {ctx.horizon}; dashed lines "
            "are the journey limits by phase.")
    return head + _grid([_figure(note, histogram_svg(hist))]) + "</section>"


def _journey_limits(ctx: _Context) -> list[tuple[float, str]]:
    """(minutes, label) for each distinct finite journey limit of the instance's phases."""
    by_limit: dict[float, list[str]] = {}
    for phase in ctx.data.phases:
        limit = ctx.instance.policy.journey_limit(phase)
        if math.isfinite(limit):
            by_limit.setdefault(float(limit), []).append(phase)
    return [(v, f"{', '.join(p)} limit {v:g} min") for v, p in sorted(by_limit.items())]


def _unmet_section(ctx: _Context) -> str:
    """Unmet pupils by district × need and year, or a clear note that there are none."""
    head = '<section id="unmet"><h2>Unmet demand</h2>'
    if not ctx.solved:
        return head + '<p class="empty">No solution: unmet demand is not known.</p></section>'
    unmet = ctx.result.unmet
    if unmet.empty or float(unmet["unmet"].sum()) <= 0:
        return head + '<p class="all-met">No unmet demand: every pupil is placed.</p></section>'
    table = unmet.pivot_table(index=["zone", "need"], columns="year", values="unmet", aggfunc="sum",
                              fill_value=0.0).reindex(columns=list(ctx.years), fill_value=0.0)
    order = {h: i for i, h in enumerate(ctx.data.phases)}
    phases = unmet.groupby(["zone", "need"])["phase"].agg(
        lambda s: ", ".join(sorted(set(s), key=lambda h: (order.get(h, len(order)), h))))
    top = float(table.to_numpy().max())
    head_cells = "".join(f"<th>{escape(str(y))}</th>" for y in table.columns)
    rows = []
    keys: list[tuple[str, str]] = table.index.tolist()
    values: list[list[float]] = table.to_numpy(float).tolist()
    for (zone, need), row in zip(keys, values, strict=True):
        cells = "".join(_heat_cell(v, top) for v in row)
        rows.append(f"<tr><td>{escape(ctx.zone_label(str(zone)))}</td><td>{escape(str(need))}</td>"
                    f"<td>{escape(str(phases[(zone, need)]))}</td>{cells}"
                    f'<td class="num"><b>{escape(fmt_number(sum(row)))}</b></td></tr>')
    return (head + f"<p>{escape(fmt_number(float(unmet['unmet'].sum())))} pupil-years cannot be placed "
            "within capacity, designation and journey limits (each costs the unmet penalty).</p>"
            f'<table><thead><tr><th>District</th><th>Need</th><th>Phases</th>{head_cells}<th>Total</th>'
            f"</tr></thead><tbody>{''.join(rows)}</tbody></table></section>")


def _heat_cell(value: float, top: float) -> str:
    """A number cell shaded by its size relative to ``top``."""
    if value <= 0:
        return '<td class="num zero">0</td>'
    alpha = 0.15 + 0.6 * value / top if top > 0 else 0.15
    return (f'<td class="num" style="background: rgba(213, 94, 0, {alpha:.2f})">'
            f"{escape(fmt_number(value))}</td>")


def _map_section(ctx: _Context) -> str:
    """Map of districts, provisions and the first year's flows."""
    year = ctx.years[0] if ctx.years else None
    label = str(year) if year is not None else "no year"
    zones = _map_zones(ctx)
    provisions = _map_provisions(ctx, year)
    flows = _map_flows(ctx, year) if ctx.solved else []
    note = (f"Equirectangular projection (longitude scaled by cos latitude). Circles: district "
            f"centroids, area proportional to {label} demand. Lines: pupils placed from a district "
            f"to a provision in {label} (first year of the horizon), width proportional to pupils. "
            "Provisions at (nearly) the same spot are fanned out around it. Provision labels are "
            "ids, left out where they would overlap; hover a marker, line or circle for details.")
    if not ctx.solved:
        note += " No solution: no flows to draw."
    return (f'<section id="map"><h2>Map: districts, provisions and placements ({escape(label)})</h2>'
            f"<figure class=\"wide\">{map_svg(zones, provisions, flows, label)}"
            f"<figcaption>{escape(note)}</figcaption></figure></section>")


def _map_zones(ctx: _Context) -> list[MapZone]:
    """District centroids with their first-year demand."""
    data = ctx.data
    demand = _demand_by(data, "zone", 0) if data.years else np.zeros(len(data.zones))
    zones = ctx.instance.zones
    return [MapZone(str(z), ctx.zone_label(str(z)), float(lat), float(lon), float(d))
            for z, lat, lon, d in zip(zones["zone"], zones["lat"], zones["lon"], demand, strict=True)]


def _map_provisions(ctx: _Context, year: int | None) -> list[MapProvision]:
    """Provisions at their coordinates, or at their zone's centroid when they have none."""
    prov = ctx.instance.provisions
    centroid = {str(z): (float(a), float(b)) for z, a, b in
                zip(ctx.instance.zones["zone"], ctx.instance.zones["lat"], ctx.instance.zones["lon"],
                    strict=True)}
    placed = (_placed_by(ctx.result, "provision", year, list(ctx.data.provisions))
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


def _map_flows(ctx: _Context, year: int | None) -> list[MapFlow]:
    """Pupils by (zone, provision) in ``year``."""
    alloc = ctx.result.allocations
    if year is None or alloc.empty:
        return []
    sums = alloc[alloc["year"] == year].groupby(["zone", "provision"])["pupils"].sum()
    keys: list[tuple[str, str]] = sums.index.tolist()
    return [MapFlow(str(z), str(p), float(v))
            for (z, p), v in zip(keys, sums.to_numpy(float).tolist(), strict=True)]


#: Transfer routes drawn per primary provision and need (the nearest by journey time).
_ROUTES_PER_NEED = 2


def _pathway_section(ctx: _Context) -> str:
    """Primary → secondary specialist pathways: a map of the routes and the table of gaps."""
    head = '<section id="pathways"><h2>Pathways (primary → secondary)</h2>'
    phases = ctx.data.phases
    if "primary" not in phases or "secondary" not in phases or not ctx.years:
        return (head + '<p class="empty">The instance does not have both a primary and a '
                "secondary phase: no pathways to draw.</p></section>")
    run, closed = _pathway_run(ctx)
    graph = pathway_graph(run, exclude=closed)
    gaps = pathway_gaps(run, exclude=closed)
    open_gaps = gaps[gaps["gap_in_district"].astype(bool)]
    gap_needs: dict[str, list[str]] = {}
    for district, need in zip(open_gaps["district"], open_gaps["need"], strict=True):
        gap_needs.setdefault(str(district), []).append(str(need))
    zones = [PathwayZone(z.zone, z.label, z.lat, z.lon, tuple(gap_needs.get(z.zone, ())))
             for z in _map_zones(ctx)]
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
    figure = (f'<figure class="wide">{pathway_svg(zones, provisions, drawn)}'
              f"<figcaption>{escape(note)}</figcaption></figure>")
    return head + figure + _gap_table(ctx, gaps, open_gaps, limit) + "</section>"


def _pathway_run(ctx: _Context) -> tuple[RunData, tuple[str, ...]]:
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


def _pathway_provisions(ctx: _Context, graph: nx.DiGraph, closed: set[str]) -> list[PathwayProvision]:
    """Special schools and SRPs taking primary or secondary pupils, where the map draws them."""
    spots = {p.provision: p for p in _map_provisions(ctx, None)}
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


def _gap_table(ctx: _Context, gaps: pd.DataFrame, open_gaps: pd.DataFrame, limit: float) -> str:
    """Districts and needs with a primary specialist provision but no local secondary one."""
    if open_gaps.empty:
        return ('<p class="all-met">No pathway gaps: every district with a primary specialist '
                "provision has a secondary continuation for the same need in the district.</p>")
    names = _provision_names(ctx.instance)
    far = int(open_gaps["gap_in_reach"].astype(bool).sum())
    text = (f"{len(open_gaps)} of {len(gaps)} district–need pairs with a primary specialist "
            "provision have no secondary continuation for that need in the district")
    text += f"; {far} of them none within the secondary journey limit either." if far else "."
    rows = []
    for r in open_gaps.to_dict("records"):
        nearest, minutes = r["nearest_secondary"], r["nearest_secondary_min"]
        if nearest is None or pd.isna(nearest):
            where = '<span class="empty">no secondary provision for this need</span>'
        else:
            where = escape(f"{names.get(str(nearest), str(nearest))} ({nearest})")
            if bool(r["gap_in_reach"]) and math.isfinite(limit):
                where += f' <span class="over">beyond the {escape(f"{limit:g}")}-min limit</span>'
        mins = "–" if minutes is None or pd.isna(minutes) else f"{float(minutes):.0f}"
        leavers = (f"{float(r['transfers_without_local_continuation']):.1f}" if ctx.solved else "–")
        rows.append(f"<tr><td>{escape(ctx.zone_label(str(r['district'])))}</td>"
                    f"<td>{escape(str(r['need']))}</td><td>{where}</td>"
                    f'<td class="num">{escape(mins)}</td><td class="num">{escape(leavers)}</td></tr>')
    leavers_note = (" Leavers a year: the first year's primary pupils of that need at the "
                    "district's primary specialist provisions, divided by the years of the primary "
                    "phase (an estimate: the model does not decide transfers yet)."
                    if ctx.solved else " No solution: leavers are not known.")
    return (f"<h3>Pathway gaps</h3><p>{escape(text + leavers_note)}</p>"
            '<table class="gaps"><thead><tr><th>District</th><th>Need</th><th>Nearest secondary</th>'
            "<th>Minutes</th><th>Leavers/yr without local continuation</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


def _provision_names(instance: Instance) -> dict[str, str]:
    """Provision id → display name (its id when it has none)."""
    prov = instance.provisions
    names = prov["name"].where(prov["name"].notna(), prov["provision"])
    return dict(zip(prov["provision"].astype(str), names.astype(str), strict=True))


def _plan_section(ctx: _Context) -> str:
    """Candidate sites opened, expansions built and spending against the budgets."""
    head = '<section id="plan"><h2>Places added and budgets</h2>'
    if not ctx.solved:
        return (head + '<p class="empty">No solution: no openings, expansions or budget use to '
                "report.</p></section>")
    added, capital = ctx.kpi("places_added"), ctx.kpi("capital_cost")
    intro = ""
    if added > 0 or capital > 0:
        intro = (f"<p>{escape(fmt_number(added))} places added over {escape(ctx.horizon)} for "
                 f"{escape(fmt_gbp(capital))} of capital (included in the objective).</p>")
    return (head + intro + _openings_table(ctx) + _expansions_table(ctx) + _plan_why(ctx)
            + changes_html(ctx.result.changes, len(ctx.instance.changes), ctx.zone_label)
            + transfers_html(ctx.result.transfers, ctx.zone_label)
            + _budget_table(ctx) + "</section>")


def _plan_why(ctx: _Context) -> str:
    """Why each investment, and the places added against each district's deficit
    (tables of :mod:`placement_opt.reports.plan`)."""
    run = RunData.from_result(ctx.result, ctx.instance)
    if not has_investments(run):
        return ""
    tables = plan_report(run)
    last = max(ctx.years)
    inv = tables["investments"]
    rows = []
    for r in inv.to_dict("records"):
        payback = float(r["payback_years"])
        rows.append(
            f"<tr><td>{escape(str(r['provision_name']))}</td>"
            f"<td>{escape(ctx.zone_label(str(r['district'])))}</td><td>{int(r['first_year'])}</td>"
            f'<td class="num">{escape(fmt_number(float(r["places"])))}</td>'
            f'<td class="num">{escape(fmt_gbp(float(r["capital"])))}</td>'
            f'<td class="num">{escape(fmt_number(float(r["pupils_last_year"])))}</td>'
            f"<td>{escape(str(r['from_districts']))}</td>"
            f'<td class="num">{escape(fmt_gbp(float(r["saving"])))}</td>'
            f'<td class="num">{escape(fmt_gbp(float(r["net_saving"])))}</td>'
            f'<td class="num">{escape("–" if not math.isfinite(payback) else f"{payback:.1f}")}</td>'
            f'<td class="num">{escape(fmt_gbp(float(r["shadow_price_last_year"])))}</td></tr>')
    why = ("<h3>Why each investment</h3><p>Pupils in the added places and where they live; the "
           "saving is the place and transport cost of the same pupil-years in the cheapest "
           "eligible place with room at another provision (in Kent, mostly the independent "
           "sector; where none has room, the place's marginal value), less their cost here, over "
           f"{escape(ctx.horizon)}; net of capital; payback = capital / the {last} saving. "
           "Marginal value: the shadow price of one more place in "
           f"{last} (negative = saving), at the optimum with the building plan fixed.</p>")
    if inv.empty:
        why += '<p class="empty">No place is added: nothing was worth its capital.</p>'
    else:
        why += ('<table class="plan"><thead><tr><th>Provision</th><th>District</th><th>First year</th>'
                f"<th>Places</th><th>Capital</th><th>Pupils {last}</th><th>Pupils from</th>"
                "<th>Saving</th><th>Net of capital</th><th>Payback (years)</th>"
                f"<th>Marginal value {last}</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")
    by = tables["by_district"]
    by = by[by["year"] == last]
    cells = []
    for r in by.to_dict("records"):
        cells.append(f"<tr><td>{escape(ctx.zone_label(str(r['district'])))}</td>" + "".join(
            f'<td class="num">{escape(fmt_number(float(r[c])))}</td>'
            for c in ("demand", "places_without_investment", "places_added",
                      "deficit_without_investment", "deficit_after")) + "</tr>")
    return (why + f"<h3>Places added against the deficit, {last}</h3><p>State places located in "
            "each district (special, SRP, mainstream) without the plan's investments and with "
            "them; the deficit is demand above places, per need and phase, summed "
            "(plan_places.csv has every need, phase and year).</p>"
            '<table class="plan"><thead><tr><th>District</th><th>Demand</th>'
            "<th>Places without investment</th><th>Places added</th>"
            "<th>Deficit without investment</th><th>Deficit after</th></tr></thead>"
            f"<tbody>{''.join(cells)}</tbody></table>")


def _money(value: Any) -> str:
    """A GBP amount, or ``–`` when missing."""
    return "–" if value is None or pd.isna(value) else fmt_gbp(float(value))


def _plan_row(r: Mapping[Hashable, Any], ctx: _Context) -> str:
    """Provision, name, kind (with its swatch) and district cells of an openings/expansions row."""
    kind = str(r["kind"])
    swatch = f'<span class="swatch" style="background:{KIND_COLORS.get(kind, "#666666")}"></span>'
    return (f"<td>{escape(str(r['provision']))}</td><td>{escape(str(r['provision_name']))}</td>"
            f'<td class="kind">{swatch}{escape(kind)}</td>'
            f"<td>{escape(ctx.zone_label(str(r['zone'])))}</td>")


def _openings_table(ctx: _Context) -> str:
    """The candidate sites opened: from when, how many places and at what capital cost."""
    head = "<h3>Candidate sites opened</h3>"
    openings = ctx.result.openings
    if openings.empty:
        return head + '<p class="empty">The instance has no candidate sites: no openings to decide.</p>'
    is_open = openings["opened"].astype(bool)
    closed = openings.loc[~is_open, "provision"].astype(str).tolist()
    closed_note = (f"<p>Left closed ({len(closed)} of {len(openings)}): {escape(', '.join(closed))}.</p>"
                   if closed else "")
    if not is_open.any():
        return (head + f'<p class="empty">No candidate site opened ({len(openings)} considered: '
                f"{escape(', '.join(closed))}).</p>")
    rows = []
    for r in openings[is_open].to_dict("records"):
        year = r["open_year"]
        rows.append(f"<tr>{_plan_row(r, ctx)}"
                    f"<td>{escape('–' if pd.isna(year) else str(int(str(year))))}</td>"
                    f'<td class="num">{escape(fmt_number(float(r["places"])))}</td>'
                    f'<td class="num">{escape(_money(r["opening_cost"]))}</td>'
                    f'<td class="num">{escape(_money(r["capital_cost"]))}</td></tr>')
    return (head + '<table class="plan"><thead><tr><th>Provision</th><th>Name</th><th>Kind</th>'
            "<th>District</th><th>Open from</th><th>Places</th><th>Opening cost</th>"
            "<th>Capital cost (opening + places)</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>" + closed_note)


def _expansions_table(ctx: _Context) -> str:
    """The expansions built: when building starts, when places are in use, places and capital."""
    head = "<h3>Expansions built</h3>"
    options = int(ctx.data.exp_prov.size)
    plan = ctx.result.expansions
    if options == 0:
        return (head + '<p class="empty">The instance offers no expansion options: no places '
                "added to existing provisions.</p>")
    if plan.empty:
        return (head + f'<p class="empty">No expansion built ({options} option'
                f"{'s' if options != 1 else ''} offered, none worth its capital cost).</p>")
    rows = []
    for r in plan.sort_values(["start_year", "provision"], kind="stable").to_dict("records"):
        rows.append(f"<tr>{_plan_row(r, ctx)}<td>{int(str(r['start_year']))}</td>"
                    f"<td>{int(str(r['year_in_use']))}</td>"
                    f'<td class="num">{escape(fmt_number(float(r["increments"])))}</td>'
                    f'<td class="num">{escape(fmt_number(float(r["places_added"])))}</td>'
                    f'<td class="num">{escape(_money(r["capital_cost"]))}</td></tr>')
    return (head + '<table class="plan"><thead><tr><th>Provision</th><th>Name</th><th>Kind</th>'
            "<th>District</th><th>Building starts</th><th>Places in use from</th>"
            "<th>Increments</th><th>Places added</th><th>Capital cost</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


def _budget_table(ctx: _Context) -> str:
    """Revenue and capital spent against each year's budget, when any budget is set."""
    head = "<h3>Budgets by year</h3>"
    use = ctx.result.budget_use
    total = ctx.instance.policy.capital_budget_total
    total_note = ""
    if total is not None:
        spent = float(use["capital_spent"].sum()) if len(use) else 0.0
        total_note = (f"<p>Capital budget over the horizon: {escape(fmt_gbp(float(total)))}; "
                      f"spent {escape(fmt_gbp(spent))}.</p>")
    budget_cols = [c for c in ("revenue_budget", "capital_budget") if c in use.columns]
    if use.empty or not any(use[c].notna().any() for c in budget_cols):
        return (head + '<p class="empty">No revenue or capital budget is set for any year: '
                "spending is not checked against a yearly budget.</p>" + total_note)
    rows = []
    for r in use.to_dict("records"):
        over = float(r["overspend"])
        over_cell = (f'<td class="num over">{escape(fmt_gbp(over))}</td>' if over > 0.5
                     else f'<td class="num">{escape(fmt_gbp(over))}</td>')
        rows.append(f"<tr><td>{int(str(r['year']))}</td>"
                    f'<td class="num">{escape(_money(r["revenue_budget"]))}</td>'
                    f'<td class="num">{escape(_money(r["revenue_spent"]))}</td>{over_cell}'
                    f'<td class="num">{escape(_money(r["capital_budget"]))}</td>'
                    f'<td class="num">{escape(_money(r["capital_spent"]))}</td></tr>')
    return (head + "<p>Revenue spent is place and transport cost (journey-time cost is not "
            "spending). A revenue budget is soft: spending above it is overspend, charged in the "
            "objective at the overspend penalty. A capital budget is a hard limit on capital "
            "starting that year. – means no budget set.</p>"
            '<table class="plan"><thead><tr><th>Year</th><th>Revenue budget</th><th>Revenue spent</th>'
            "<th>Overspend</th><th>Capital budget</th><th>Capital spent</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>" + total_note)


def _utilisation_section(ctx: _Context) -> str:
    """Capacity, placed, spare and shadow price per provision and year (one row per year)."""
    head = '<section id="utilisation"><h2>Utilisation by provision</h2>'
    util = ctx.result.utilisation
    if not ctx.solved or util.empty:
        return head + '<p class="empty">No solution: utilisation is not known.</p></section>'
    rows = [_utilisation_rows(group, ctx) for _, group in util.groupby("provision", sort=False)]
    return (head + "<p>Shadow price: the change in total cost for one more place in that year "
            "(negative = a saving; blank for integer solves). Full provisions are shaded.</p>"
            '<table class="util"><thead><tr><th>Provision</th><th>Name</th><th>Kind</th>'
            "<th>District</th><th>Year</th><th>Capacity</th><th>Placed</th><th>Spare</th>"
            "<th>Used</th><th>Shadow price</th></tr></thead>" + "".join(rows) + "</table></section>")


def _utilisation_rows(group: pd.DataFrame, ctx: _Context) -> str:
    """One provision's rows (a ``<tbody>``), its name cells spanning its years."""
    first = group.iloc[0]
    kind = str(first["kind"])
    swatch = f'<span class="swatch" style="background:{KIND_COLORS.get(kind, "#666666")}"></span>'
    span = f' rowspan="{len(group)}"'
    lead = (f"<td{span}>{escape(str(first['provision']))}</td>"
            f"<td{span}>{escape(str(first['provision_name']))}</td>"
            f'<td{span} class="kind">{swatch}{escape(kind)}</td>'
            f"<td{span}>{escape(ctx.zone_label(str(first['zone'])))}</td>")
    rows = []
    for i, r in enumerate(group.sort_values("year").to_dict("records")):
        cap, placed, spare = float(r["capacity"]), float(r["placed"]), float(r["spare"])
        shadow = float(r["shadow_price"])
        used = placed / cap if cap > 0 else 0.0
        full = " full" if cap > 0 and spare <= 1e-6 else ""
        rows.append(f"<tr>{lead if i == 0 else ''}<td>{int(r['year'])}</td>"
                    f'<td class="num">{escape(fmt_number(cap))}</td>'
                    f'<td class="num{full}">{escape(fmt_number(placed))}</td>'
                    f'<td class="num">{escape(fmt_number(spare))}</td>'
                    f'<td class="bar"><span style="width:calc((100% - 16px) * {min(used, 1.0):.3f})"></span>'
                    f"<em>{used:.0%}</em></td>"
                    f'<td class="num">{escape(fmt_gbp(shadow)) if math.isfinite(shadow) else ""}</td></tr>')
    return "<tbody>" + "".join(rows) + "</tbody>"


_WARNINGS_SHOWN = 20


def _warnings_section(ctx: _Context) -> str:
    """The instance's and the pre-solve checks' findings (beyond the first 20, folded)."""
    warnings = ctx.result.warnings
    head = f'<section id="warnings"><h2>Warnings ({len(warnings)})</h2>'
    if not warnings:
        return head + '<p class="empty">No warnings.</p></section>'
    rows = [_warning_row(w) for w in warnings]
    html = head + _warning_table(rows[:_WARNINGS_SHOWN])
    if len(rows) > _WARNINGS_SHOWN:
        html += (f"<details><summary>{len(rows) - _WARNINGS_SHOWN} more warnings</summary>"
                 f"{_warning_table(rows[_WARNINGS_SHOWN:])}</details>")
    return html + "</section>"


def _warning_row(w: Issue) -> str:
    """One finding as a table row."""
    detail = "" if w.value is None else f"found {w.value!r}"
    if w.expected:
        detail += ("; " if detail else "") + f"expected {w.expected}"
    return (f'<tr><td><span class="sev {escape(w.severity.value)}">{escape(w.severity.value)}</span>'
            f"</td><td>{escape(w.location())}</td><td>{escape(w.message)}</td>"
            f"<td>{escape(detail)}</td></tr>")


def _warning_table(rows: Sequence[str]) -> str:
    """A table of warning rows."""
    return ('<table class="warnings"><thead><tr><th>Severity</th><th>Where</th><th>Message</th>'
            f"<th>Detail</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")


_CSS = """
:root { --ink: #1f2328; --muted: #5b636b; --line: #d8dde3; --bg: #f6f8fa; --good: #1a7f37;
  --warn: #9a6700; --bad: #cf222e; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #ffffff; font: 14px/1.45 system-ui, -apple-system,
  "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1240px; margin: 0 auto; padding: 20px 24px 40px; }
h1 { font-size: 24px; margin: 0 0 4px; overflow-wrap: anywhere; }
h2 { font-size: 19px; margin: 30px 0 8px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
h3 { font-size: 15px; margin: 16px 0 6px; color: var(--muted); }
p { margin: 6px 0 10px; max-width: 95ch; }
.desc { color: var(--muted); }
dl.facts { display: flex; flex-wrap: wrap; gap: 6px 24px; margin: 10px 0; }
dl.facts div { min-width: 90px; }
dt { font-size: 12px; color: var(--muted); }
dd { margin: 0; font-weight: 600; }
nav { font-size: 13px; margin-top: 8px; }
a { color: #0969da; text-decoration: none; }
.badge { padding: 1px 8px; border-radius: 10px; color: #ffffff; font-size: 13px; }
.badge.good { background: var(--good); } .badge.warn { background: var(--warn); }
.badge.bad { background: var(--bad); }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(180px, 1fr)); gap: 10px; }
.card { border: 1px solid var(--line); border-left: 4px solid #8c959f; border-radius: 6px;
  padding: 8px 12px; background: var(--bg); }
.card .label { font-size: 12px; color: var(--muted); }
.card .value { font-size: 21px; font-weight: 650; font-variant-numeric: tabular-nums; }
.card .value.long { font-size: 17px; line-height: 1.9; }
.card .note { font-size: 11.5px; color: var(--muted); }
.card.good { border-left-color: var(--good); } .card.bad { border-left-color: var(--bad); }
.card.kind-special { border-left-color: #0072B2; } .card.kind-srp { border-left-color: #009E73; }
.card.kind-independent { border-left-color: #D55E00; } .card.kind-mainstream { border-left-color: #CC79A7; }
.card.kind-ap { border-left-color: #E69F00; }
.notice { padding: 12px 16px; border-radius: 6px; border: 1px solid var(--bad); background: #fff1f0; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(460px, 1fr)); gap: 16px; }
figure { margin: 0; border: 1px solid var(--line); border-radius: 6px; padding: 8px; }
figure.wide { max-width: 1200px; }
figcaption { font-size: 12.5px; color: var(--muted); margin-top: 4px; }
svg { width: 100%; height: auto; display: block; }
svg text { font-size: 11px; fill: var(--ink); }
svg .tick { fill: var(--muted); } svg .axis-title { fill: var(--muted); font-size: 11.5px; }
svg .grid { stroke: #eaeef2; stroke-width: 1; } svg .axis { stroke: #8c959f; stroke-width: 1; }
svg .total { font-weight: 600; font-size: 10.5px; }
svg .cut { fill: none; stroke: #ffffff; stroke-width: 2.5; }
svg .cut-label { font-weight: 600; paint-order: stroke; stroke: #ffffff; stroke-width: 2.5px; }
svg .marker { stroke: var(--bad); stroke-width: 1.2; stroke-dasharray: 4 3; }
svg .marker-label { fill: var(--bad); font-size: 10.5px; }
svg .map-bg { fill: #f3f6f9; stroke: var(--line); }
svg .zone { fill: rgba(140, 149, 159, 0.25); stroke: #6e7781; stroke-width: 1; }
svg .zone-label { font-size: 13px; font-weight: 650; paint-order: stroke; stroke: #ffffff;
  stroke-width: 3px; stroke-linejoin: round; }
svg .prov-label { font-size: 10px; paint-order: stroke; stroke: #ffffff; stroke-width: 2.5px;
  stroke-linejoin: round; }
svg .flow { stroke-opacity: 0.5; stroke-linecap: round; }
svg .legend-head { font-weight: 650; font-size: 12px; }
svg .scale line { stroke: var(--ink); stroke-width: 1.5; }
table { border-collapse: collapse; font-size: 13px; margin: 6px 0; }
th, td { border-bottom: 1px solid var(--line); padding: 3px 8px; text-align: left; vertical-align: top; }
thead th { background: var(--bg); font-weight: 600; }
th.year { text-align: center; border-left: 1px solid var(--line); }
td.first { border-left: 1px solid var(--line); }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.full { background: #fff1e0; font-weight: 600; }
td.zero { color: #afb8c1; }
td.kind { white-space: nowrap; }
table.kpis th:first-child { white-space: nowrap; }
.pair { display: grid; grid-template-columns: repeat(auto-fit, minmax(460px, 1fr)); gap: 0 16px; }
.pair .grid { grid-template-columns: 1fr; }
table.util tbody { border-bottom: 1px solid #afb8c1; }
table.util td { border-bottom-color: #eef1f4; }
td.bar { position: relative; min-width: 90px; }
td.bar span { position: absolute; left: 8px; top: 5px; bottom: 5px; background: #cfe3f5; }
td.bar em { position: relative; font-style: normal; font-size: 12px; padding-left: 4px; }
.swatch { display: inline-block; width: 10px; height: 10px; margin-right: 6px; border-radius: 2px; }
.sev { font-size: 12px; padding: 0 6px; border-radius: 8px; background: #eaeef2; }
.sev.error { background: #ffebe9; color: var(--bad); }
.sev.warning { background: #fff8c5; color: var(--warn); }
.empty { color: var(--muted); font-style: italic; }
.over { color: var(--bad); font-weight: 600; }
svg .route { stroke: #57606a; stroke-width: 1.1; stroke-opacity: 0.6; fill: none; }
svg .route.far { stroke-dasharray: 5 3; }
svg .district-dot { fill: #6e7781; }
svg .district-label { font-size: 12px; fill: var(--muted); paint-order: stroke; stroke: #ffffff;
  stroke-width: 3px; stroke-linejoin: round; }
svg .gap-ring { fill: rgba(207, 34, 46, 0.12); stroke: var(--bad); stroke-width: 2; }
svg .gap-label { font-size: 13px; font-weight: 650; fill: var(--bad); paint-order: stroke;
  stroke: #ffffff; stroke-width: 3px; stroke-linejoin: round; }
svg .gap-label .gap-needs { font-size: 11.5px; font-weight: 600; }
.all-met { color: var(--good); font-weight: 600; }
details { margin-top: 12px; } summary { cursor: pointer; color: #0969da; }
footer { margin-top: 36px; font-size: 12px; color: var(--muted); overflow-wrap: anywhere; }
@media print { main { max-width: none; } figure, table { break-inside: avoid; } }
"""
