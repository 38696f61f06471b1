"""Map geometry shared by the district map and the pathway map: the projection, marker
positions, greedy label placement, provision labels and the scale bar."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from markupsafe import escape

from placement_opt.reports.format import fmt_number
from placement_opt.reports.html.svg import clip, text_width
from placement_opt.reports.html.svg import coord as _c

__all__ = ["Labels", "Located", "Projection", "fit", "marker_positions", "provision_labels", "scale_bar"]

_KM_PER_DEGREE = 6371.0088 * math.pi / 180.0


class Located(Protocol):
    """Anything drawn at a provision's coordinates."""

    @property
    def provision(self) -> str:
        """The provision's id."""

    @property
    def lat(self) -> float:
        """Latitude, degrees."""

    @property
    def lon(self) -> float:
        """Longitude, degrees."""


@dataclass(frozen=True)
class Projection:
    """Equirectangular projection with cos(latitude) scaling, fitted into a pixel box."""

    cos_lat: float
    x_min: float
    lat_max: float
    scale: float
    left: float
    top: float

    def __call__(self, lat: float, lon: float) -> tuple[float, float]:
        return (self.left + (lon * self.cos_lat - self.x_min) * self.scale,
                self.top + (self.lat_max - lat) * self.scale)

    @property
    def px_per_km(self) -> float:
        """Pixels per kilometre (exact north-south, approximate east-west)."""
        return self.scale / _KM_PER_DEGREE


def fit(points: Sequence[tuple[float, float]], width: float, max_height: float,
         pad: float, min_height: float) -> tuple[Projection, float]:
    """A projection showing every (lat, lon) point within ``width``; returns it and the height."""
    lats = [p[0] for p in points] or [51.5]
    lons = [p[1] for p in points] or [0.0]
    cos_lat = math.cos(math.radians((min(lats) + max(lats)) / 2))
    xs = [lon * cos_lat for lon in lons]
    x_span = max(max(xs) - min(xs), 0.05)
    y_span = max(max(lats) - min(lats), 0.05)
    scale = min((width - 2 * pad) / x_span, (max_height - 2 * pad) / y_span)
    height = max(y_span * scale + 2 * pad, min_height)
    left = pad + ((width - 2 * pad) - (max(xs) - min(xs)) * scale) / 2
    top = (height - (max(lats) - min(lats)) * scale) / 2
    return Projection(cos_lat, min(xs), max(lats), scale, left, top), height


@dataclass
class Labels:
    """Greedy label placement: a label goes to the first candidate spot that overlaps nothing."""

    right: float
    bottom: float
    boxes: list[tuple[float, float, float, float]] = field(default_factory=list)

    def block(self, x: float, y: float, half: float) -> None:
        """Keep labels off a marker at (x, y)."""
        self.boxes.append((x - half, y - half, x + half, y + half))

    def place(self, text: str, size: float, candidates: Sequence[tuple[float, float, str]],
              force: bool = False, lines: int = 1) -> tuple[float, float, str] | None:
        """First free (x, baseline y, anchor) among ``candidates``; None when all collide.

        With ``force`` a label is always placed: at the candidate overlapping the fewest boxes.
        ``lines`` > 1 reserves room for that many lines (``text`` being the widest), the first
        line's baseline at y and each further line 1.2 × ``size`` lower.
        """
        scored: list[tuple[int, int, tuple[float, float, str], tuple[float, float, float, float]]] = []
        for x, y, anchor in candidates:
            box = self._box(text, size, x, y, anchor, lines)
            inside = box[0] >= 2 and box[1] >= 2 and box[2] <= self.right and box[3] <= self.bottom
            hits = sum(_overlap(box, other) for other in self.boxes) + (0 if inside else 1000)
            if hits == 0:
                self.boxes.append(box)
                return x, y, anchor
            scored.append((hits, len(scored), (x, y, anchor), box))
        if not force or not scored:
            return None
        _, _, spot, box = min(scored)
        self.boxes.append(box)
        return spot

    @staticmethod
    def _box(text: str, size: float, x: float, y: float, anchor: str,
             lines: int = 1) -> tuple[float, float, float, float]:
        """The box a label of ``text`` covers at (x, baseline y) with ``anchor``."""
        w = text_width(text, size)
        x0 = x - w if anchor == "end" else x - w / 2 if anchor == "middle" else x
        return (x0, y - size * 0.8, x0 + w, y + size * 0.2 + (lines - 1) * size * 1.2)


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    """Whether two (x0, y0, x1, y1) boxes intersect."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def marker_positions(provisions: Sequence[Located],
                      proj: Projection, near: float = 6.0) -> dict[str, tuple[float, float]]:
    """Pixel position of each provision; markers that would overlap are fanned out in a ring.

    Several provisions often share a spot (those without coordinates sit at their district's
    centroid): each group within ``near`` px is spread evenly on a small circle around its centre.
    """
    groups: list[list[tuple[str, float, float]]] = []
    for p in provisions:
        x, y = proj(p.lat, p.lon)
        home = next((g for g in groups if math.hypot(g[0][1] - x, g[0][2] - y) < near), None)
        if home is None:
            groups.append([(p.provision, x, y)])
        else:
            home.append((p.provision, x, y))
    at: dict[str, tuple[float, float]] = {}
    for group in groups:
        if len(group) == 1:
            at[group[0][0]] = (group[0][1], group[0][2])
            continue
        cx = sum(g[1] for g in group) / len(group)
        cy = sum(g[2] for g in group) / len(group)
        radius = max(8.0, 14.0 * len(group) / (2 * math.pi))
        for k, (provision, _, _) in enumerate(group):
            angle = 2 * math.pi * k / len(group) - math.pi / 2
            at[provision] = (cx + radius * math.cos(angle), cy + radius * math.sin(angle))
    return at


def provision_labels(provisions: Sequence[Located],
                      at: dict[str, tuple[float, float]],
                      labels: Labels) -> str:
    """Provision ids where they fit without overlapping; the others keep their tooltip only."""
    parts: list[str] = []
    for p in provisions:
        x, y = at[p.provision]
        text = clip(p.provision, 16)
        spot = labels.place(text, 10, [
            (x + 9, y + 3.5, "start"), (x - 9, y + 3.5, "end"), (x, y - 10, "middle"),
            (x, y + 17, "middle"), (x + 8, y - 8, "start"), (x + 8, y + 14, "start"),
            (x - 8, y - 8, "end"), (x - 8, y + 14, "end"),
        ])
        if spot is not None:
            parts.append(f'<text class="prov-label" x="{_c(spot[0])}" y="{_c(spot[1])}" '
                         f'text-anchor="{spot[2]}">{escape(text)}</text>')
    return "".join(parts)


def scale_bar(proj: Projection, height: float) -> str:
    """A round-number kilometre bar in the bottom-left corner."""
    target_km = 110.0 / proj.px_per_km
    magnitude = 10.0 ** math.floor(math.log10(target_km))
    km = max(m * magnitude for m in (1.0, 2.0, 5.0) if m * magnitude <= target_km)
    length = km * proj.px_per_km
    y = height - 14
    return (f'<g class="scale"><line x1="12" x2="{_c(12 + length)}" y1="{_c(y)}" y2="{_c(y)}"/>'
            f'<line x1="12" x2="12" y1="{_c(y - 4)}" y2="{_c(y)}"/>'
            f'<line x1="{_c(12 + length)}" x2="{_c(12 + length)}" y1="{_c(y - 4)}" y2="{_c(y)}"/>'
            f'<text x="{_c(12 + length / 2)}" y="{_c(y - 6)}" text-anchor="middle">'
            f"{escape(fmt_number(km))} km</text></g>")
