"""The app's map: Kent's district outlines shaded by local places against demand, the flows of
pupils from each district to the provisions that take them, and the provisions by kind, as one
inline SVG (every text escaped; the outlines ship in ``geo/kent_districts.geojson``)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

from markupsafe import Markup, escape

from placement_opt.reports.format import fmt_number
from placement_opt.reports.html.geo import Projection, fit
from placement_opt.reports.html.svg import KIND_LABELS, kind_marker
from placement_opt.reports.html.svg import coord as _c

__all__ = ["MAX_FLOWS", "District", "Flow", "Site", "boundaries", "kind_legend", "legend", "map_svg"]

WIDTH = 760.0
ATTRIBUTION = ("Boundaries: ONS, OGL v3; contains OS data © Crown copyright and database "
               "right")
#: The most flows drawn (the largest; the rest would only hide the map).
MAX_FLOWS = 60


@dataclass(frozen=True)
class District:
    """A district's demand and local places in the map's year; ``lat, lon``: where its flows
    start (the demand-weighted centre of its zones)."""

    district: str
    demand: float
    places_local: float
    lat: float
    lon: float


@dataclass(frozen=True)
class Site:
    """A provision marker."""

    provision: str
    name: str
    kind: str
    district: str
    lat: float
    lon: float
    placed: float
    capacity: float


@dataclass(frozen=True)
class Flow:
    """Pupils from a district to a provision."""

    district: str
    provision: str
    pupils: float


@cache
def boundaries() -> dict[str, list[list[list[tuple[float, float]]]]]:
    """District → polygons → rings → (lat, lon), read once from the shipped GeoJSON."""
    text = (files("placement_opt.app") / "geo" / "kent_districts.geojson").read_text("utf-8")
    out: dict[str, list[list[list[tuple[float, float]]]]] = {}
    for feature in json.loads(text)["features"]:
        polys = feature["geometry"]["coordinates"]
        out[feature["properties"]["district"]] = [
            [[(float(lat), float(lon)) for lon, lat in ring] for ring in poly] for poly in polys]
    return out


def _fill(demand: float, places: float) -> str:
    """Shade of a district: blue where local places cover demand, orange to red short of it."""
    if demand <= 0:
        return "#eef1f4"
    cover = places / demand
    if cover >= 1.0:
        return "#cfe3f3" if cover < 1.15 else "#9cc5e8"
    if cover >= 0.9:
        return "#fde3bf"
    return "#f8b98a" if cover >= 0.75 else "#ee8a6a"


def _path(polys: Sequence[Sequence[Sequence[tuple[float, float]]]], proj: Projection) -> str:
    parts = []
    for poly in polys:
        for ring in poly:
            pts = [proj(lat, lon) for lat, lon in ring]
            parts.append("M" + "L".join(f"{_c(x)},{_c(y)}" for x, y in pts) + "Z")
    return "".join(parts)


def _centre(polys: Sequence[Sequence[Sequence[tuple[float, float]]]]) -> tuple[float, float]:
    """The middle of the bounding box of a district's largest outer ring (where its name goes)."""
    ring = max((p[0] for p in polys), key=len)
    lats, lons = [p[0] for p in ring], [p[1] for p in ring]
    return ((min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2)


def _tip(d: District | None, name: str) -> str:
    if d is None:
        return f"{name}: not in this instance"
    gap = d.places_local - d.demand
    word = "surplus" if gap >= 0 else "short by"
    return (f"{name}: demand {fmt_number(d.demand)}, local places {fmt_number(d.places_local)}"
            f" ({word} {fmt_number(abs(gap))})")


def map_svg(districts: Sequence[District], sites: Sequence[Site], flows: Sequence[Flow],
            year: int) -> str:
    """The map of ``year`` as SVG markup."""
    shapes = boundaries()
    points = [pt for polys in shapes.values() for poly in polys for pt in poly[0]]
    proj, height = fit(points, WIDTH, 620.0, 14.0, 300.0)
    by_name = {d.district: d for d in districts}
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="map" viewBox="0 0 {_c(WIDTH)} '
             f'{_c(height + 18)}" role="img" aria-label="Map of Kent districts, provisions and '
             f'pupil flows in {year}">']
    for name, polys in shapes.items():
        d = by_name.get(name)
        fill = _fill(d.demand, d.places_local) if d else "#f4f4f4"
        parts.append(f'<path class="district" data-district="{escape(name)}" d="{_path(polys, proj)}" '
                     f'fill="{fill}" stroke="#7a8794" stroke-width="0.8">'
                     f"<title>{escape(_tip(d, name))}</title></path>")
    at = {s.provision: proj(s.lat, s.lon) for s in sites}
    inside = {k for k, (x, y) in at.items() if 0 <= x <= WIDTH and 0 <= y <= height}
    home = {s.provision: s.district for s in sites}
    away = [f for f in flows if f.provision in inside and f.district in by_name
            and home[f.provision] != f.district and f.pupils >= 0.5]
    away = sorted(away, key=lambda f: (-f.pupils, f.district, f.provision))[:MAX_FLOWS]
    top = max((f.pupils for f in away), default=0.0)
    for f in away:
        d = by_name[f.district]
        x1, y1 = proj(d.lat, d.lon)
        x2, y2 = at[f.provision]
        width = max(0.8, 8.0 * f.pupils / top)
        parts.append(f'<line class="flow" x1="{_c(x1)}" y1="{_c(y1)}" x2="{_c(x2)}" y2="{_c(y2)}" '
                     f'stroke="#34495e" stroke-opacity="0.4" stroke-width="{_c(width)}" '
                     f'stroke-linecap="round"><title>{escape(f.district)} → {escape(f.provision)}: '
                     f"{fmt_number(f.pupils)} pupils</title></line>")
    for s in sorted(sites, key=lambda s: s.kind != "independent"):
        if s.provision not in inside:
            continue
        x, y = at[s.provision]
        tip = (f"{s.name} ({KIND_LABELS.get(s.kind, s.kind)}): {fmt_number(s.placed)} placed"
               f" of {fmt_number(s.capacity)} places")
        parts.append(f'<g class="site" data-provision="{escape(s.provision)}"><title>'
                     f"{escape(tip)}</title>{kind_marker(s.kind, x, y, 4.5)}</g>")
    for name, polys in shapes.items():
        lat, lon = _centre(polys)
        x, y = proj(lat, lon)
        parts.append(f'<text class="district-label" x="{_c(x)}" y="{_c(y)}" text-anchor="middle" '
                     f'font-size="11.5" font-weight="600" fill="#1f2d3a" stroke="#ffffff" '
                     f'stroke-width="3" paint-order="stroke">{escape(name)}</text>')
    outside = len(sites) - len(inside)
    note = f"; {outside} provision(s) outside Kent not drawn" if outside else ""
    parts.append(f'<text x="6" y="{_c(height + 12)}" font-size="10" fill="#555">'
                 f"{escape(ATTRIBUTION + note)}</text></svg>")
    return "".join(parts)


def kind_legend() -> list[dict[str, Any]]:
    """Each provision kind's marker (inline SVG) and name, for the page's legend."""
    return [{"svg": Markup(f'<svg width="14" height="14" viewBox="0 0 14 14" aria-hidden="true">'
                           f"{kind_marker(kind, 7, 7, 4.5)}</svg>"), "label": label}
            for kind, label in KIND_LABELS.items()]


def legend() -> list[dict[str, Any]]:
    """The shading's classes, for the page's legend."""
    return [{"fill": _fill(1, c), "label": label} for c, label in (
        (1.2, "local places ≥ 115% of demand"), (1.0, "places cover demand"),
        (0.9, "90–100%"), (0.8, "75–90%"), (0.5, "under 75%"))] + [
        {"fill": "#f4f4f4", "label": "not in this instance"}]
