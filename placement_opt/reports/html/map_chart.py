"""The district map of the run page: zones sized by demand, provisions by kind and the flows of
pupils between them, as inline SVG (escaped with markupsafe, byte-stable)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from placement_opt.reports.format import fmt_number
from placement_opt.reports.html.geo import (
    Labels,
    Projection,
    fit,
    marker_positions,
    provision_labels,
    scale_bar,
)
from placement_opt.reports.html.svg import KIND_COLORS, KIND_LABELS, kind_marker, svg_open
from placement_opt.reports.html.svg import coord as _c

__all__ = ["LEGEND_W", "MAP_W", "MapFlow", "MapProvision", "MapZone", "map_svg"]


@dataclass(frozen=True)
class MapZone:
    """A district centroid with the demand that sizes its circle."""

    zone: str
    label: str
    lat: float
    lon: float
    demand: float


@dataclass(frozen=True)
class MapProvision:
    """A provision marker; ``at_centroid`` when it had no coordinates of its own."""

    provision: str
    name: str
    kind: str
    zone: str
    lat: float
    lon: float
    capacity: float
    placed: float | None
    at_centroid: bool = False


@dataclass(frozen=True)
class MapFlow:
    """Pupils from a district to a provision."""

    zone: str
    provision: str
    pupils: float


MAP_W = 900.0
LEGEND_W = 230.0
_MAX_R = 30.0
_MAX_FLOW_W = 12.0


def map_svg(zones: Sequence[MapZone], provisions: Sequence[MapProvision],
            flows: Sequence[MapFlow], flow_label: str) -> Markup:
    """Districts as circles sized by demand, provisions by kind, flows as lines (width ∝ pupils).

    ``flow_label`` says which pupils the flows and circles show (e.g. ``"2026"``).
    """
    points = [(z.lat, z.lon) for z in zones] + [(p.lat, p.lon) for p in provisions]
    max_demand = max((z.demand for z in zones), default=0.0)
    max_flow = max((f.pupils for f in flows), default=0.0)
    legend, legend_h = _map_legend(max_demand, max_flow, flow_label,
                                   any(p.at_centroid for p in provisions))
    proj, height = fit(points, MAP_W, 760.0, _MAX_R + 14, max(legend_h + 12, 320.0))
    labels = Labels(MAP_W - 4, height - 4)
    parts = [svg_open(MAP_W + LEGEND_W, height, "Map of districts, provisions and flows", "map"),
             f'<rect class="map-bg" x="0" y="0" width="{_c(MAP_W)}" height="{_c(height)}"/>']
    at = marker_positions(provisions, proj)
    parts.append(_zone_circles(zones, proj, max_demand))
    parts.append(_flow_lines(zones, provisions, flows, proj, at, max_flow))
    parts.append(_provision_markers(provisions, at, labels))
    parts.append(_zone_labels(zones, proj, max_demand, labels))
    parts.append(provision_labels(provisions, at, labels))
    parts.append(scale_bar(proj, height))
    parts.append(legend)
    parts.append("</svg>")
    return Markup("".join(parts))


def _zone_radius(demand: float, max_demand: float) -> float:
    """Circle radius with area proportional to demand (at least 4 px)."""
    if max_demand <= 0:
        return 4.0
    return max(4.0, _MAX_R * math.sqrt(max(demand, 0.0) / max_demand))


def _flow_width(pupils: float, max_flow: float) -> float:
    """Line width proportional to pupils (at least 0.8 px to stay visible)."""
    return max(0.8, _MAX_FLOW_W * pupils / max_flow) if max_flow > 0 else 0.8


def _zone_circles(zones: Sequence[MapZone], proj: Projection, max_demand: float) -> str:
    """District centroids, largest first so small circles stay visible on top."""
    parts: list[str] = []
    for z in sorted(zones, key=lambda z: (-z.demand, z.zone)):
        x, y = proj(z.lat, z.lon)
        parts.append(f'<circle class="zone" cx="{_c(x)}" cy="{_c(y)}" '
                     f'r="{_c(_zone_radius(z.demand, max_demand))}"><title>'
                     f"{escape(z.label)}: demand {escape(fmt_number(z.demand))} pupils</title></circle>")
    return "".join(parts)


def _flow_lines(zones: Sequence[MapZone], provisions: Sequence[MapProvision],
                flows: Sequence[MapFlow], proj: Projection, at: dict[str, tuple[float, float]],
                max_flow: float) -> str:
    """Zone → provision lines, widest first, coloured by the provision's kind."""
    zone_at = {z.zone: z for z in zones}
    prov_at = {p.provision: p for p in provisions}
    parts: list[str] = []
    for f in sorted(flows, key=lambda f: (-f.pupils, f.zone, f.provision)):
        z, p = zone_at.get(f.zone), prov_at.get(f.provision)
        if z is None or p is None or f.pupils <= 0:
            continue
        x1, y1 = proj(z.lat, z.lon)
        x2, y2 = at[p.provision]
        parts.append(f'<line class="flow" x1="{_c(x1)}" y1="{_c(y1)}" x2="{_c(x2)}" y2="{_c(y2)}" '
                     f'stroke="{KIND_COLORS.get(p.kind, "#666666")}" '
                     f'stroke-width="{_c(_flow_width(f.pupils, max_flow))}"><title>'
                     f"{escape(z.label)} → {escape(p.name)}: {escape(fmt_number(f.pupils))} pupils"
                     f"</title></line>")
    return "".join(parts)


def _provision_markers(provisions: Sequence[MapProvision], at: dict[str, tuple[float, float]],
                       labels: Labels) -> str:
    """One marker per provision (class ``prov-marker``) with a tooltip."""
    parts: list[str] = []
    for p in provisions:
        x, y = at[p.provision]
        labels.block(x, y, 7)
        placed = "" if p.placed is None else f", placed {fmt_number(p.placed)}"
        where = " (no coordinates: drawn at its district's centroid)" if p.at_centroid else ""
        tip = (f"{p.name} ({p.provision}) · {KIND_LABELS.get(p.kind, p.kind)} · {p.zone} · "
               f"capacity {fmt_number(p.capacity)}{placed}{where}")
        parts.append(f'<g class="prov-marker" data-provision="{escape(p.provision)}">'
                     f"<title>{escape(tip)}</title>{kind_marker(p.kind, x, y, 5.5, p.at_centroid)}</g>")
    return "".join(parts)


def _zone_labels(zones: Sequence[MapZone], proj: Projection, max_demand: float,
                 labels: Labels) -> str:
    """District names beside their circles (above, below, right or left: the first that fits)."""
    parts: list[str] = []
    for z in sorted(zones, key=lambda z: (-z.demand, z.zone)):
        x, y = proj(z.lat, z.lon)
        r = _zone_radius(z.demand, max_demand)
        spot = labels.place(z.label, 13, [(x, y - r - 4, "middle"), (x, y + r + 13, "middle"),
                                          (x + r + 4, y + 4, "start"), (x - r - 4, y + 4, "end"),
                                          (x, y + 4, "middle")], force=True)
        if spot is None:
            continue
        parts.append(f'<text class="zone-label" x="{_c(spot[0])}" y="{_c(spot[1])}" '
                     f'text-anchor="{spot[2]}">{escape(z.label)}</text>')
    return "".join(parts)


def _map_legend(max_demand: float, max_flow: float, flow_label: str,
                any_centroid: bool) -> tuple[str, float]:
    """The legend strip to the right of the map, and the height it needs."""
    x = MAP_W + 14
    parts = [f'<text class="legend-head" x="{_c(x)}" y="22">Provisions (by kind)</text>']
    y = 44.0
    for kind, label in KIND_LABELS.items():
        parts.append(kind_marker(kind, x + 7, y - 4, 5.5) +
                     f'<text x="{_c(x + 20)}" y="{_c(y)}">{escape(label)}</text>')
        y += 20
    if any_centroid:
        parts.append(kind_marker("special", x + 7, y - 4, 5.5, dashed=True) +
                     f'<text x="{_c(x + 20)}" y="{_c(y)}">no coordinates:</text>'
                     f'<text x="{_c(x + 20)}" y="{_c(y + 13)}">at district centroid</text>')
        y += 34
    y += 10
    parts.append(f'<text class="legend-head" x="{_c(x)}" y="{_c(y)}">Districts ({escape(flow_label)})</text>'
                 f'<text x="{_c(x)}" y="{_c(y + 15)}">circle area ∝ demand</text>')
    y += 30
    if max_demand > 0:
        for value in _legend_values(max_demand):
            r = _zone_radius(value, max_demand)
            parts.append(f'<circle class="zone" cx="{_c(x + _MAX_R)}" cy="{_c(y + r)}" r="{_c(r)}"/>'
                         f'<text x="{_c(x + 2 * _MAX_R + 8)}" y="{_c(y + r + 4)}">'
                         f"{escape(fmt_number(value))} pupils</text>")
            y += 2 * r + 6
    y += 16
    parts.append(f'<text class="legend-head" x="{_c(x)}" y="{_c(y)}">Flows ({escape(flow_label)})</text>'
                 f'<text x="{_c(x)}" y="{_c(y + 15)}">line width ∝ pupils,</text>'
                 f'<text x="{_c(x)}" y="{_c(y + 29)}">colour = provision kind</text>')
    y += 46
    if max_flow > 0:
        for value in _legend_values(max_flow):
            w = _flow_width(value, max_flow)
            parts.append(f'<line class="flow" x1="{_c(x)}" x2="{_c(x + 44)}" y1="{_c(y)}" '
                         f'y2="{_c(y)}" stroke="#555555" stroke-width="{_c(w)}"/>'
                         f'<text x="{_c(x + 54)}" y="{_c(y + 4)}">{escape(fmt_number(value))} pupils</text>')
            y += max(w, 8) + 10
    else:
        parts.append(f'<text x="{_c(x)}" y="{_c(y)}">none</text>')
        y += 14
    return "".join(parts), y


def _legend_values(top: float) -> list[float]:
    """Two round reference values for a legend: about the maximum and about a quarter of it."""
    return sorted({_round_down(top), _round_down(top / 4)}, reverse=True)


def _round_down(value: float) -> float:
    """The largest 1, 2 or 5 × 10^k not above ``value``."""
    magnitude = 10.0 ** math.floor(math.log10(value))
    return max(m * magnitude for m in (1.0, 2.0, 5.0) if m * magnitude <= value * (1 + 1e-9))
