"""The pathway map of the run page: primary and secondary specialist provisions, the transfer
routes between them and the districts with a pathway gap, as inline SVG."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from placement_opt.reports.html.geo import (
    Labels,
    Projection,
    fit,
    marker_positions,
    provision_labels,
    scale_bar,
)
from placement_opt.reports.html.map_chart import LEGEND_W, MAP_W
from placement_opt.reports.html.svg import KIND_COLORS, KIND_LABELS, kind_marker, svg_open, text_width
from placement_opt.reports.html.svg import coord as _c

__all__ = ["PathwayProvision", "PathwayRoute", "PathwayZone", "pathway_svg"]


@dataclass(frozen=True)
class PathwayZone:
    """A district centroid; ``gap_needs`` lists the needs with no local secondary continuation."""

    zone: str
    label: str
    lat: float
    lon: float
    gap_needs: tuple[str, ...] = ()


@dataclass(frozen=True)
class PathwayProvision:
    """A specialist provision on the pathway map and the phases it takes."""

    provision: str
    name: str
    kind: str
    zone: str
    lat: float
    lon: float
    primary: bool
    secondary: bool
    needs: str = ""
    at_centroid: bool = False


@dataclass(frozen=True)
class PathwayRoute:
    """A transfer route from a primary to a secondary provision for ``needs`` (``;``-separated)."""

    source: str
    target: str
    needs: str
    minutes: float
    local: bool


_ROUTE_COLOR = "#57606a"
_GAP_R = 17.0


def pathway_svg(zones: Sequence[PathwayZone], provisions: Sequence[PathwayProvision],
                routes: Sequence[PathwayRoute]) -> Markup:
    """Primary and secondary specialist provisions, the transfer routes between them (solid
    within a district, dashed across districts) and the districts with a pathway gap ringed
    and named with their needs."""
    points = [(z.lat, z.lon) for z in zones] + [(p.lat, p.lon) for p in provisions]
    legend, legend_h = _pathway_legend()
    proj, height = fit(points, MAP_W, 760.0, _GAP_R + 40, max(legend_h + 12, 320.0))
    labels = Labels(MAP_W - 4, height - 4)
    parts = [svg_open(MAP_W + LEGEND_W, height, "Map of primary to secondary specialist pathways",
                       "map pathways"),
             f'<rect class="map-bg" x="0" y="0" width="{_c(MAP_W)}" height="{_c(height)}"/>']
    at = marker_positions(provisions, proj, near=12.0)
    parts.append(_district_points(zones, proj, labels))
    parts.append(_route_lines(provisions, routes, at))
    parts.append(_pathway_markers(provisions, at, labels))
    parts.append(_gap_labels(zones, proj, labels))
    parts.append(_district_labels(zones, proj, labels))
    parts.append(provision_labels(provisions, at, labels))
    parts.append(scale_bar(proj, height))
    parts.append(legend)
    parts.append("</svg>")
    return Markup("".join(parts))


def _district_points(zones: Sequence[PathwayZone], proj: Projection, labels: Labels) -> str:
    """A dot per district centroid; a red ring round each district with a pathway gap."""
    parts: list[str] = []
    for z in zones:
        x, y = proj(z.lat, z.lon)
        if z.gap_needs:
            parts.append(f'<circle class="gap-ring" data-zone="{escape(z.zone)}" cx="{_c(x)}" '
                         f'cy="{_c(y)}" r="{_c(_GAP_R)}"><title>{escape(z.label)}: no secondary '
                         f"specialist continuation in the district for {escape(', '.join(z.gap_needs))}"
                         "</title></circle>")
        parts.append(f'<circle class="district-dot" cx="{_c(x)}" cy="{_c(y)}" r="3">'
                     f"<title>{escape(z.label)} (district centroid)</title></circle>")
        labels.block(x, y, 4)
    return "".join(parts)


def _route_lines(provisions: Sequence[PathwayProvision], routes: Sequence[PathwayRoute],
                 at: dict[str, tuple[float, float]]) -> str:
    """Thin lines from primary to secondary provision: dashed when they are in different districts."""
    names = {p.provision: p.name for p in provisions}
    parts: list[str] = []
    for r in sorted(routes, key=lambda r: (r.local, r.source, r.target)):
        if r.source not in at or r.target not in at:
            continue
        x1, y1 = at[r.source]
        x2, y2 = at[r.target]
        where = "same district" if r.local else "another district"
        tip = (f"{names.get(r.source, r.source)} ({r.source}) → {names.get(r.target, r.target)} "
               f"({r.target}): {r.needs.replace(';', ', ')} · {r.minutes:.0f} min · {where}")
        parts.append(f'<line class="route{"" if r.local else " far"}" x1="{_c(x1)}" y1="{_c(y1)}" '
                     f'x2="{_c(x2)}" y2="{_c(y2)}"><title>{escape(tip)}</title></line>')
    return "".join(parts)


def _phase_style(kind: str, primary: bool, secondary: bool) -> str:
    """Marker fill and stroke: filled for primary, hollow for secondary, dark-edged for both."""
    color = KIND_COLORS.get(kind, "#666666")
    if primary and secondary:
        return f'fill="{color}" stroke="#1f2328" stroke-width="1.8"'
    if secondary:
        return f'fill="#ffffff" stroke="{color}" stroke-width="2.2"'
    return f'fill="{color}" stroke="#ffffff" stroke-width="1.2"'


def _phase_words(primary: bool, secondary: bool) -> str:
    """``primary``, ``secondary`` or ``primary and secondary``."""
    return " and ".join(w for w, on in (("primary", primary), ("secondary", secondary)) if on)


def _pathway_markers(provisions: Sequence[PathwayProvision], at: dict[str, tuple[float, float]],
                     labels: Labels) -> str:
    """One marker per provision (class ``path-marker``), shaped by kind, filled by phase."""
    parts: list[str] = []
    for p in provisions:
        x, y = at[p.provision]
        labels.block(x, y, 7)
        where = " (no coordinates: drawn at its district's centroid)" if p.at_centroid else ""
        tip = (f"{p.name} ({p.provision}) · {KIND_LABELS.get(p.kind, p.kind)} · "
               f"{_phase_words(p.primary, p.secondary)} · {p.zone} · "
               f"needs {p.needs.replace(';', ', ') or 'none'}{where}")
        style = _phase_style(p.kind, p.primary, p.secondary)
        parts.append(f'<g class="path-marker" data-provision="{escape(p.provision)}">'
                     f"<title>{escape(tip)}</title>{kind_marker(p.kind, x, y, 5.5, style=style)}</g>")
    return "".join(parts)


def _wrap(words: Sequence[str], first: str, width: int = 30) -> list[str]:
    """``first`` followed by ``words`` joined with commas, broken into lines of about ``width``."""
    lines = [first]
    for i, word in enumerate(words):
        piece = word + ("," if i < len(words) - 1 else "")
        if len(lines[-1]) + 1 + len(piece) > width and lines[-1] != first:
            lines.append(piece)
        else:
            lines[-1] += " " + piece
    return lines


_GAP_LINE = 15.6


def _gap_labels(zones: Sequence[PathwayZone], proj: Projection, labels: Labels) -> str:
    """Each gap district's name and, below it, the needs without a local continuation."""
    parts: list[str] = []
    for z in zones:
        if not z.gap_needs:
            continue
        x, y = proj(z.lat, z.lon)
        need_lines = _wrap(z.gap_needs, "no secondary:")
        lines = [z.label, *need_lines]
        wide = max(lines, key=lambda t: text_width(t, 13))
        r, up = _GAP_R, (len(lines) - 1) * _GAP_LINE
        mid = y + 4 - up / 2
        diag = r * 0.75
        spot = labels.place(wide, 13, [
            (x, y - r - 4 - up, "middle"), (x, y + r + 14, "middle"),
            (x + r + 5, mid, "start"), (x - r - 5, mid, "end"),
            (x + diag, y - diag - 4 - up, "start"), (x - diag, y - diag - 4 - up, "end"),
            (x + diag, y + diag + 12, "start"), (x - diag, y + diag + 12, "end"),
        ], force=True, lines=len(lines))
        if spot is None:
            continue
        sx, sy, anchor = spot
        tspans = "".join(f'<tspan class="gap-needs" x="{_c(sx)}" dy="{_c(_GAP_LINE)}">{escape(t)}</tspan>'
                         for t in need_lines)
        parts.append(f'<text class="gap-label" data-zone="{escape(z.zone)}" x="{_c(sx)}" '
                     f'y="{_c(sy)}" text-anchor="{anchor}">{escape(z.label)}{tspans}</text>')
    return "".join(parts)


def _district_labels(zones: Sequence[PathwayZone], proj: Projection, labels: Labels) -> str:
    """The other districts' names, muted, beside their dots."""
    parts: list[str] = []
    for z in zones:
        if z.gap_needs:
            continue
        x, y = proj(z.lat, z.lon)
        spot = labels.place(z.label, 12, [(x, y - 7, "middle"), (x, y + 16, "middle"),
                                          (x + 7, y + 4, "start"), (x - 7, y + 4, "end")],
                            force=True)
        if spot is not None:
            parts.append(f'<text class="district-label" x="{_c(spot[0])}" y="{_c(spot[1])}" '
                         f'text-anchor="{spot[2]}">{escape(z.label)}</text>')
    return "".join(parts)


def _pathway_legend() -> tuple[str, float]:
    """The legend strip to the right of the pathway map, and the height it needs."""
    x = MAP_W + 14
    parts = [f'<text class="legend-head" x="{_c(x)}" y="22">Specialist provisions</text>']
    y = 44.0
    for kind in ("special", "srp"):
        parts.append(kind_marker(kind, x + 7, y - 4, 5.5) +
                     f'<text x="{_c(x + 20)}" y="{_c(y)}">{escape(KIND_LABELS[kind])}</text>')
        y += 20
    y += 10
    parts.append(f'<text class="legend-head" x="{_c(x)}" y="{_c(y)}">Phases taken</text>')
    y += 22
    for primary, secondary, label in ((True, False, "primary (filled)"),
                                      (False, True, "secondary (hollow)"),
                                      (True, True, "both (dark edge)")):
        parts.append("".join(kind_marker(k, x + 7 + 16 * i, y - 4, 5.5,
                                     style=_phase_style(k, primary, secondary))
                             for i, k in enumerate(("special", "srp")))
                     + f'<text x="{_c(x + 36)}" y="{_c(y)}">{escape(label)}</text>')
        y += 20
    y += 10
    parts.append(f'<text class="legend-head" x="{_c(x)}" y="{_c(y)}">Transfer routes</text>'
                 f'<text x="{_c(x)}" y="{_c(y + 15)}">primary → secondary, same need</text>')
    y += 34
    for local, label in ((True, "within the district"), (False, "to another district")):
        parts.append(f'<line class="route{"" if local else " far"}" x1="{_c(x)}" x2="{_c(x + 36)}" '
                     f'y1="{_c(y - 4)}" y2="{_c(y - 4)}"/>'
                     f'<text x="{_c(x + 44)}" y="{_c(y)}">{escape(label)}</text>')
        y += 20
    y += 10
    parts.append(f'<text class="legend-head" x="{_c(x)}" y="{_c(y)}">Districts</text>')
    y += 22
    parts.append(f'<circle class="district-dot" cx="{_c(x + 7)}" cy="{_c(y - 4)}" r="3"/>'
                 f'<text x="{_c(x + 20)}" y="{_c(y)}">district centroid</text>')
    y += 30
    parts.append(f'<circle class="gap-ring" cx="{_c(x + 12)}" cy="{_c(y - 4)}" r="11"/>'
                 f'<circle class="district-dot" cx="{_c(x + 12)}" cy="{_c(y - 4)}" r="3"/>'
                 f'<text x="{_c(x + 30)}" y="{_c(y - 6)}">pathway gap: no secondary</text>'
                 f'<text x="{_c(x + 30)}" y="{_c(y + 8)}">continuation in the district</text>'
                 f'<text x="{_c(x + 30)}" y="{_c(y + 22)}">(needs listed)</text>')
    y += 34
    return "".join(parts), y
