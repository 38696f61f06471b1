"""Hand-written SVG charts and map for the HTML report.

Every function returns an ``<svg>`` string meant to be inlined in an HTML page: no JavaScript,
no external resources, and deterministic output (coordinates are printed with fixed decimals),
so the same data always gives the same bytes. Every text is HTML-escaped here (markupsafe);
callers pass plain text and get :class:`~markupsafe.Markup` back. Hovering a bar or marker
shows its exact value through the SVG ``<title>`` element.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from markupsafe import Markup, escape

from placement_opt.reports.format import fmt_number

__all__ = [
    "KIND_COLORS",
    "BarChart",
    "Histogram",
    "MapFlow",
    "MapProvision",
    "MapZone",
    "PathwayProvision",
    "PathwayRoute",
    "PathwayZone",
    "Series",
    "bar_chart_svg",
    "histogram_svg",
    "map_svg",
    "nice_ticks",
    "pathway_svg",
]

Formatter = Callable[[float], str]

#: Colour of each provision kind (Okabe-Ito palette, safe for colour-blind readers).
KIND_COLORS: dict[str, str] = {
    "special": "#0072B2",
    "srp": "#009E73",
    "independent": "#D55E00",
    "mainstream": "#CC79A7",
    "ap": "#E69F00",
}
_KIND_LABELS = {"special": "special school", "srp": "SRP", "independent": "independent",
                "mainstream": "mainstream support", "ap": "alternative provision"}
_FONT = 11.0
_KM_PER_DEGREE = 6371.0088 * math.pi / 180.0


def _c(x: float) -> str:
    """An SVG coordinate with one decimal (fixed, so output is byte-stable)."""
    return f"{x:.1f}"


def _text_width(text: str, size: float = _FONT) -> float:
    """Rough rendered width of ``text`` in a sans-serif font of ``size`` px."""
    return 0.6 * size * len(text)


def _clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def nice_ticks(top: float, count: int = 5) -> list[float]:
    """Round axis ticks from 0 to at least ``top`` (steps of 1, 2, 2.5 or 5 × 10^k)."""
    if not math.isfinite(top) or top <= 0:
        return [0.0, 1.0]
    raw = top / count
    magnitude = 10.0 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1.0, 2.0, 2.5, 5.0, 10.0) if m * magnitude >= raw - 1e-12)
    n = math.ceil(top / step - 1e-9)
    return [i * step for i in range(n + 1)]


def _svg_open(width: float, height: float, label: str, css_class: str) -> str:
    """An ``<svg>`` start tag scaled to its container."""
    return (f'<svg class="{css_class}" viewBox="0 0 {_c(width)} {_c(height)}" role="img" '
            f'aria-label="{escape(label)}" preserveAspectRatio="xMidYMid meet">')


# --- bar charts -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Series:
    """One series of a bar chart: a value per category.

    ``stack`` is the bar slot within a category: series sharing a slot are stacked in one bar,
    in the order given; different slots stand side by side.
    """

    label: str
    values: tuple[float, ...]
    color: str
    stack: int = 0


@dataclass(frozen=True)
class BarChart:
    """Bars over categories: side by side per stack slot, stacked within a slot.

    ``y_max`` caps the axis: a bar running past it is cut with a zigzag and carries its full
    value, so one huge bar (an "unlimited" capacity) does not flatten every other bar.
    """

    categories: tuple[str, ...]
    series: tuple[Series, ...]
    y_label: str
    title: str = ""
    value_format: Formatter = fmt_number
    axis_format: Formatter = fmt_number
    show_totals: bool = False
    y_max: float | None = None

    @property
    def slots(self) -> list[int]:
        """The stack slots in use, in order."""
        return sorted({s.stack for s in self.series})

    def total(self, slot: int, i: int) -> float:
        """Height of the bar in ``slot`` for category ``i``."""
        return sum(max(s.values[i], 0.0) for s in self.series if s.stack == slot)


@dataclass(frozen=True)
class _Frame:
    """The plot area of a chart, in SVG pixels."""

    width: float
    height: float
    left: float
    top: float
    right: float
    bottom: float

    @property
    def plot_width(self) -> float:
        """Width of the plot area."""
        return self.right - self.left

    def y(self, value: float, top_value: float) -> float:
        """Pixel row of ``value`` on an axis from 0 to ``top_value``."""
        return self.bottom - (self.bottom - self.top) * value / top_value


def _legend(items: Sequence[tuple[str, str]], x0: float, y0: float, width: float) -> tuple[str, float]:
    """Swatches with labels in rows starting at (x0, y0); returns the SVG and its height."""
    parts: list[str] = []
    x, y = x0, y0
    for label, color in items:
        item_w = 16 + _text_width(label) + 14
        if x > x0 and x + item_w > x0 + width:
            x, y = x0, y + 16
        parts.append(f'<rect x="{_c(x)}" y="{_c(y - 9)}" width="10" height="10" fill="{color}"/>'
                     f'<text x="{_c(x + 14)}" y="{_c(y)}">{escape(label)}</text>')
        x += item_w
    return "".join(parts), (y - y0) + 16 if items else 0.0


def _y_axis(frame: _Frame, ticks: Sequence[float], fmt: Formatter, label: str) -> str:
    """Gridlines, tick labels and the rotated axis title."""
    parts: list[str] = []
    for tick in ticks:
        y = frame.y(tick, ticks[-1])
        parts.append(f'<line class="grid" x1="{_c(frame.left)}" x2="{_c(frame.right)}" '
                     f'y1="{_c(y)}" y2="{_c(y)}"/>'
                     f'<text class="tick" x="{_c(frame.left - 6)}" y="{_c(y + 4)}" '
                     f'text-anchor="end">{escape(fmt(tick))}</text>')
    mid = (frame.top + frame.bottom) / 2
    parts.append(f'<text class="axis-title" transform="translate(12 {_c(mid)}) rotate(-90)" '
                 f'text-anchor="middle">{escape(label)}</text>')
    parts.append(f'<line class="axis" x1="{_c(frame.left)}" x2="{_c(frame.right)}" '
                 f'y1="{_c(frame.bottom)}" y2="{_c(frame.bottom)}"/>')
    return "".join(parts)


def _category_labels(frame: _Frame, categories: Sequence[str], rotate: bool) -> str:
    """Category names under their groups, rotated when they would not fit side by side."""
    step = frame.plot_width / max(len(categories), 1)
    parts: list[str] = []
    for i, name in enumerate(categories):
        x = frame.left + step * (i + 0.5)
        shown = escape(_clip(name, 22))
        title = f"<title>{escape(name)}</title>" if len(name) > 22 else ""
        if rotate:
            parts.append(f'<text class="tick" transform="translate({_c(x + 3)} {_c(frame.bottom + 12)}) '
                         f'rotate(-35)" text-anchor="end">{title}{shown}</text>')
        else:
            parts.append(f'<text class="tick" x="{_c(x)}" y="{_c(frame.bottom + 16)}" '
                         f'text-anchor="middle">{title}{shown}</text>')
    return "".join(parts)


def _bar(x: float, y: float, w: float, h: float, color: str, tip: str) -> str:
    """One bar with a hover tooltip."""
    return (f'<rect x="{_c(x)}" y="{_c(y)}" width="{_c(max(w, 0.5))}" height="{_c(max(h, 0.0))}" '
            f'fill="{color}"><title>{escape(tip)}</title></rect>')


def _bar_top(chart: BarChart) -> float:
    """The axis maximum in data units: the tallest bar, or ``y_max`` when that is lower."""
    tallest = max((chart.total(slot, i) for slot in chart.slots
                   for i in range(len(chart.categories))), default=0.0)
    return tallest if chart.y_max is None else min(tallest, chart.y_max)


def bar_chart_svg(chart: BarChart, width: float = 560.0, plot_height: float = 230.0) -> Markup:
    """Render ``chart`` as SVG."""
    n = max(len(chart.categories), 1)
    ticks = nice_ticks(_bar_top(chart))
    left = 30 + max(_text_width(chart.axis_format(t)) for t in ticks) + 8
    legend, legend_h = _legend([(s.label, s.color) for s in chart.series], left, 14,
                               width - left - 10)
    step = (width - left - 10) / n
    longest = max((_text_width(_clip(c, 22)) for c in chart.categories), default=0.0)
    rotate = longest > step - 6
    below = 12 + longest * 0.58 + 8 if rotate else 26
    top = 14 + legend_h + (12 if chart.show_totals else 4)
    frame = _Frame(width, top + plot_height + below, left, top, width - 10, top + plot_height)
    parts = [_svg_open(frame.width, frame.height, chart.title or chart.y_label, "chart"), legend,
             _y_axis(frame, ticks, chart.axis_format, chart.y_label)]
    slots = chart.slots
    bar_w = step * 0.8 / max(len(slots), 1)
    if len(slots) == 1:
        bar_w *= 0.75
    for i, category in enumerate(chart.categories):
        x0 = frame.left + step * i + (step - bar_w * len(slots)) / 2
        for j, slot in enumerate(slots):
            parts.append(_stack(chart, frame, ticks[-1], i, slot, x0 + j * bar_w, bar_w, category))
    parts.append(_category_labels(frame, chart.categories, rotate))
    parts.append("</svg>")
    return Markup("".join(parts))


def _stack(chart: BarChart, frame: _Frame, top_value: float, i: int, slot: int, x: float,
           bar_w: float, category: str) -> str:
    """One bar: its series stacked bottom up, cut at the axis top, with its total when asked."""
    parts: list[str] = []
    gap = 1.0 if len(chart.slots) > 1 else 0.0
    base = 0.0
    for s in (s for s in chart.series if s.stack == slot):
        value = max(s.values[i], 0.0)
        if value > 0 and base < top_value:
            y_top = frame.y(min(base + value, top_value), top_value)
            parts.append(_bar(x, y_top, bar_w - gap, frame.y(base, top_value) - y_top, s.color,
                              f"{category} · {s.label}: {chart.value_format(value)}"))
        base += value
    if base > top_value * (1 + 1e-9):
        parts.append(_cut_mark(x, frame.top, bar_w - gap, chart.axis_format(base)))
    elif chart.show_totals and base > 0:
        parts.append(f'<text class="total" x="{_c(x + bar_w / 2)}" '
                     f'y="{_c(frame.y(base, top_value) - 4)}" text-anchor="middle">'
                     f"{escape(chart.axis_format(base))}</text>")
    return "".join(parts)


def _cut_mark(x: float, top: float, w: float, label: str) -> str:
    """A zigzag across the top of a bar that runs off the axis, and its full value written down it."""
    zig = (f"{_c(x - 1)},{_c(top + 6)} {_c(x + w / 4)},{_c(top + 2)} {_c(x + w / 2)},{_c(top + 6)} "
           f"{_c(x + 3 * w / 4)},{_c(top + 2)} {_c(x + w + 1)},{_c(top + 6)}")
    size = 9.5
    return (f'<polyline class="cut" points="{zig}"/>'
            f'<text class="cut-label" transform="translate({_c(x + w / 2 - size * 0.35)} {_c(top + 10)}) '
            f'rotate(90)" style="font-size:{_c(size)}px">{escape(label)}</text>')


# --- histogram ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Histogram:
    """Weights in contiguous bins ``[edges[i], edges[i+1])`` with optional marker lines."""

    edges: tuple[float, ...]
    weights: tuple[float, ...]
    x_label: str
    y_label: str
    color: str = "#56B4E9"
    markers: tuple[tuple[float, str], ...] = ()
    title: str = ""


def histogram_svg(hist: Histogram, width: float = 560.0, plot_height: float = 230.0) -> Markup:
    """Render ``hist`` as SVG bars on a numeric x axis with dashed marker lines."""
    ticks = nice_ticks(max(hist.weights, default=0.0))
    left = 30 + max(_text_width(fmt_number(t)) for t in ticks) + 8
    top = 14 + 13 * max(len(hist.markers), 1)
    frame = _Frame(width, top + plot_height + 44, left, top, width - 16, top + plot_height)
    x_min, x_max = hist.edges[0], hist.edges[-1]

    def px(x: float) -> float:
        return frame.left + frame.plot_width * (x - x_min) / (x_max - x_min)

    parts = [_svg_open(frame.width, frame.height, hist.title or hist.x_label, "chart"),
             _y_axis(frame, ticks, fmt_number, hist.y_label)]
    for lo, hi, w in zip(hist.edges[:-1], hist.edges[1:], hist.weights, strict=True):
        if w > 0:
            y = frame.y(w, ticks[-1])
            parts.append(_bar(px(lo) + 0.5, y, px(hi) - px(lo) - 1, frame.bottom - y, hist.color,
                              f"{fmt_number(lo)}–{fmt_number(hi)} min: {fmt_number(w)} pupils"))
    for tick in nice_ticks(x_max - x_min, 8):
        if tick + x_min <= x_max + 1e-9:
            x = px(tick + x_min)
            parts.append(f'<line class="axis" x1="{_c(x)}" x2="{_c(x)}" y1="{_c(frame.bottom)}" '
                         f'y2="{_c(frame.bottom + 4)}"/><text class="tick" x="{_c(x)}" '
                         f'y="{_c(frame.bottom + 16)}" text-anchor="middle">'
                         f"{escape(fmt_number(tick + x_min))}</text>")
    parts.append(f'<text class="axis-title" x="{_c((frame.left + frame.right) / 2)}" '
                 f'y="{_c(frame.bottom + 36)}" text-anchor="middle">{escape(hist.x_label)}</text>')
    parts += _markers(hist, frame, px)
    parts.append("</svg>")
    return Markup("".join(parts))


def _markers(hist: Histogram, frame: _Frame, px: Callable[[float], float]) -> list[str]:
    """Dashed vertical lines (e.g. journey limits) with their labels stacked above the plot."""
    parts: list[str] = []
    for i, (value, label) in enumerate(hist.markers):
        if not hist.edges[0] <= value <= hist.edges[-1]:
            continue
        x = px(value)
        text_y = 14 + 13 * i
        anchor = "end" if x > frame.right - _text_width(label) else "start"
        dx = -4 if anchor == "end" else 4
        parts.append(f'<line class="marker" x1="{_c(x)}" x2="{_c(x)}" y1="{_c(text_y + 3)}" '
                     f'y2="{_c(frame.bottom)}"/><text class="marker-label" x="{_c(x + dx)}" '
                     f'y="{_c(text_y)}" text-anchor="{anchor}">{escape(label)}</text>')
    return parts


# --- map ------------------------------------------------------------------------------------


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


@dataclass(frozen=True)
class _Projection:
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


def _fit(points: Sequence[tuple[float, float]], width: float, max_height: float,
         pad: float, min_height: float) -> tuple[_Projection, float]:
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
    return _Projection(cos_lat, min(xs), max(lats), scale, left, top), height


@dataclass
class _Labels:
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
        w = _text_width(text, size)
        x0 = x - w if anchor == "end" else x - w / 2 if anchor == "middle" else x
        return (x0, y - size * 0.8, x0 + w, y + size * 0.2 + (lines - 1) * size * 1.2)


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    """Whether two (x0, y0, x1, y1) boxes intersect."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _marker(kind: str, x: float, y: float, size: float, dashed: bool = False,
            style: str | None = None) -> str:
    """The symbol of a provision kind: square, triangle, diamond or circle (``style``: its
    fill and stroke attributes, when not the default)."""
    color = KIND_COLORS.get(kind, "#666666")
    style = style or f'fill="{color}" stroke="#ffffff" stroke-width="1.2"'
    if dashed:
        style = f'fill="#ffffff" stroke="{color}" stroke-width="2" stroke-dasharray="2 1.5"'
    s = size
    if kind == "special":
        return f'<rect x="{_c(x - s)}" y="{_c(y - s)}" width="{_c(2 * s)}" height="{_c(2 * s)}" {style}/>'
    if kind == "srp":
        pts = f"{_c(x)},{_c(y - 1.25 * s)} {_c(x + 1.2 * s)},{_c(y + s)} {_c(x - 1.2 * s)},{_c(y + s)}"
        return f'<polygon points="{pts}" {style}/>'
    if kind == "independent":
        r = 1.35 * s
        pts = f"{_c(x)},{_c(y - r)} {_c(x + r)},{_c(y)} {_c(x)},{_c(y + r)} {_c(x - r)},{_c(y)}"
        return f'<polygon points="{pts}" {style}/>'
    return f'<circle cx="{_c(x)}" cy="{_c(y)}" r="{_c(s)}" {style}/>'


_MAP_W = 900.0
_LEGEND_W = 230.0
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
    proj, height = _fit(points, _MAP_W, 760.0, _MAX_R + 14, max(legend_h + 12, 320.0))
    labels = _Labels(_MAP_W - 4, height - 4)
    parts = [_svg_open(_MAP_W + _LEGEND_W, height, "Map of districts, provisions and flows", "map"),
             f'<rect class="map-bg" x="0" y="0" width="{_c(_MAP_W)}" height="{_c(height)}"/>']
    at = _marker_positions(provisions, proj)
    parts.append(_zone_circles(zones, proj, max_demand))
    parts.append(_flow_lines(zones, provisions, flows, proj, at, max_flow))
    parts.append(_provision_markers(provisions, at, labels))
    parts.append(_zone_labels(zones, proj, max_demand, labels))
    parts.append(_provision_labels(provisions, at, labels))
    parts.append(_scale_bar(proj, height))
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


def _zone_circles(zones: Sequence[MapZone], proj: _Projection, max_demand: float) -> str:
    """District centroids, largest first so small circles stay visible on top."""
    parts: list[str] = []
    for z in sorted(zones, key=lambda z: (-z.demand, z.zone)):
        x, y = proj(z.lat, z.lon)
        parts.append(f'<circle class="zone" cx="{_c(x)}" cy="{_c(y)}" '
                     f'r="{_c(_zone_radius(z.demand, max_demand))}"><title>'
                     f"{escape(z.label)}: demand {escape(fmt_number(z.demand))} pupils</title></circle>")
    return "".join(parts)


def _marker_positions(provisions: Sequence[MapProvision | PathwayProvision],
                      proj: _Projection, near: float = 6.0) -> dict[str, tuple[float, float]]:
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


def _flow_lines(zones: Sequence[MapZone], provisions: Sequence[MapProvision],
                flows: Sequence[MapFlow], proj: _Projection, at: dict[str, tuple[float, float]],
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
                       labels: _Labels) -> str:
    """One marker per provision (class ``prov-marker``) with a tooltip."""
    parts: list[str] = []
    for p in provisions:
        x, y = at[p.provision]
        labels.block(x, y, 7)
        placed = "" if p.placed is None else f", placed {fmt_number(p.placed)}"
        where = " (no coordinates: drawn at its district's centroid)" if p.at_centroid else ""
        tip = (f"{p.name} ({p.provision}) · {_KIND_LABELS.get(p.kind, p.kind)} · {p.zone} · "
               f"capacity {fmt_number(p.capacity)}{placed}{where}")
        parts.append(f'<g class="prov-marker" data-provision="{escape(p.provision)}">'
                     f"<title>{escape(tip)}</title>{_marker(p.kind, x, y, 5.5, p.at_centroid)}</g>")
    return "".join(parts)


def _zone_labels(zones: Sequence[MapZone], proj: _Projection, max_demand: float,
                 labels: _Labels) -> str:
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


def _provision_labels(provisions: Sequence[MapProvision | PathwayProvision],
                      at: dict[str, tuple[float, float]],
                      labels: _Labels) -> str:
    """Provision ids where they fit without overlapping; the others keep their tooltip only."""
    parts: list[str] = []
    for p in provisions:
        x, y = at[p.provision]
        text = _clip(p.provision, 16)
        spot = labels.place(text, 10, [
            (x + 9, y + 3.5, "start"), (x - 9, y + 3.5, "end"), (x, y - 10, "middle"),
            (x, y + 17, "middle"), (x + 8, y - 8, "start"), (x + 8, y + 14, "start"),
            (x - 8, y - 8, "end"), (x - 8, y + 14, "end"),
        ])
        if spot is not None:
            parts.append(f'<text class="prov-label" x="{_c(spot[0])}" y="{_c(spot[1])}" '
                         f'text-anchor="{spot[2]}">{escape(text)}</text>')
    return "".join(parts)


def _scale_bar(proj: _Projection, height: float) -> str:
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


def _map_legend(max_demand: float, max_flow: float, flow_label: str,
                any_centroid: bool) -> tuple[str, float]:
    """The legend strip to the right of the map, and the height it needs."""
    x = _MAP_W + 14
    parts = [f'<text class="legend-head" x="{_c(x)}" y="22">Provisions (by kind)</text>']
    y = 44.0
    for kind, label in _KIND_LABELS.items():
        parts.append(_marker(kind, x + 7, y - 4, 5.5) +
                     f'<text x="{_c(x + 20)}" y="{_c(y)}">{escape(label)}</text>')
        y += 20
    if any_centroid:
        parts.append(_marker("special", x + 7, y - 4, 5.5, dashed=True) +
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


# --- pathway map ----------------------------------------------------------------------------


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
    proj, height = _fit(points, _MAP_W, 760.0, _GAP_R + 40, max(legend_h + 12, 320.0))
    labels = _Labels(_MAP_W - 4, height - 4)
    parts = [_svg_open(_MAP_W + _LEGEND_W, height, "Map of primary to secondary specialist pathways",
                       "map pathways"),
             f'<rect class="map-bg" x="0" y="0" width="{_c(_MAP_W)}" height="{_c(height)}"/>']
    at = _marker_positions(provisions, proj, near=12.0)
    parts.append(_district_points(zones, proj, labels))
    parts.append(_route_lines(provisions, routes, at))
    parts.append(_pathway_markers(provisions, at, labels))
    parts.append(_gap_labels(zones, proj, labels))
    parts.append(_district_labels(zones, proj, labels))
    parts.append(_provision_labels(provisions, at, labels))
    parts.append(_scale_bar(proj, height))
    parts.append(legend)
    parts.append("</svg>")
    return Markup("".join(parts))


def _district_points(zones: Sequence[PathwayZone], proj: _Projection, labels: _Labels) -> str:
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
                     labels: _Labels) -> str:
    """One marker per provision (class ``path-marker``), shaped by kind, filled by phase."""
    parts: list[str] = []
    for p in provisions:
        x, y = at[p.provision]
        labels.block(x, y, 7)
        where = " (no coordinates: drawn at its district's centroid)" if p.at_centroid else ""
        tip = (f"{p.name} ({p.provision}) · {_KIND_LABELS.get(p.kind, p.kind)} · "
               f"{_phase_words(p.primary, p.secondary)} · {p.zone} · "
               f"needs {p.needs.replace(';', ', ') or 'none'}{where}")
        style = _phase_style(p.kind, p.primary, p.secondary)
        parts.append(f'<g class="path-marker" data-provision="{escape(p.provision)}">'
                     f"<title>{escape(tip)}</title>{_marker(p.kind, x, y, 5.5, style=style)}</g>")
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


def _gap_labels(zones: Sequence[PathwayZone], proj: _Projection, labels: _Labels) -> str:
    """Each gap district's name and, below it, the needs without a local continuation."""
    parts: list[str] = []
    for z in zones:
        if not z.gap_needs:
            continue
        x, y = proj(z.lat, z.lon)
        need_lines = _wrap(z.gap_needs, "no secondary:")
        lines = [z.label, *need_lines]
        wide = max(lines, key=lambda t: _text_width(t, 13))
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


def _district_labels(zones: Sequence[PathwayZone], proj: _Projection, labels: _Labels) -> str:
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
    x = _MAP_W + 14
    parts = [f'<text class="legend-head" x="{_c(x)}" y="22">Specialist provisions</text>']
    y = 44.0
    for kind in ("special", "srp"):
        parts.append(_marker(kind, x + 7, y - 4, 5.5) +
                     f'<text x="{_c(x + 20)}" y="{_c(y)}">{escape(_KIND_LABELS[kind])}</text>')
        y += 20
    y += 10
    parts.append(f'<text class="legend-head" x="{_c(x)}" y="{_c(y)}">Phases taken</text>')
    y += 22
    for primary, secondary, label in ((True, False, "primary (filled)"),
                                      (False, True, "secondary (hollow)"),
                                      (True, True, "both (dark edge)")):
        parts.append("".join(_marker(k, x + 7 + 16 * i, y - 4, 5.5,
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
