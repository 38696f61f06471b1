"""Hand-written SVG bar charts and histograms for the HTML pages.

Every function returns an ``<svg>`` string meant to be inlined in an HTML page: no JavaScript,
no external resources, and deterministic output (coordinates are printed with fixed decimals),
so the same data always gives the same bytes. Every text is HTML-escaped here (markupsafe);
callers pass plain text and get :class:`~markupsafe.Markup` back. Hovering a bar or marker
shows its exact value through the SVG ``<title>`` element. The maps are
:mod:`~placement_opt.reports.html.map_chart` and :mod:`~placement_opt.reports.html.pathway_chart`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from placement_opt.reports.format import fmt_number
from placement_opt.reports.html.svg import clip, svg_open, text_width
from placement_opt.reports.html.svg import coord as _c

__all__ = ["BarChart", "Formatter", "Histogram", "Series", "bar_chart_svg",
           "histogram_svg", "nice_ticks"]

Formatter = Callable[[float], str]


def nice_ticks(top: float, count: int = 5) -> list[float]:
    """Round axis ticks from 0 to at least ``top`` (steps of 1, 2, 2.5 or 5 × 10^k)."""
    if not math.isfinite(top) or top <= 0:
        return [0.0, 1.0]
    raw = top / count
    magnitude = 10.0 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1.0, 2.0, 2.5, 5.0, 10.0) if m * magnitude >= raw - 1e-12)
    n = math.ceil(top / step - 1e-9)
    return [i * step for i in range(n + 1)]


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
        item_w = 16 + text_width(label) + 14
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
        shown = escape(clip(name, 22))
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
    left = 30 + max(text_width(chart.axis_format(t)) for t in ticks) + 8
    legend, legend_h = _legend([(s.label, s.color) for s in chart.series], left, 14,
                               width - left - 10)
    step = (width - left - 10) / n
    longest = max((text_width(clip(c, 22)) for c in chart.categories), default=0.0)
    rotate = longest > step - 6
    below = 12 + longest * 0.58 + 8 if rotate else 26
    top = 14 + legend_h + (12 if chart.show_totals else 4)
    frame = _Frame(width, top + plot_height + below, left, top, width - 10, top + plot_height)
    parts = [svg_open(frame.width, frame.height, chart.title or chart.y_label, "chart"), legend,
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
    left = 30 + max(text_width(fmt_number(t)) for t in ticks) + 8
    top = 14 + 13 * max(len(hist.markers), 1)
    frame = _Frame(width, top + plot_height + 44, left, top, width - 16, top + plot_height)
    x_min, x_max = hist.edges[0], hist.edges[-1]

    def px(x: float) -> float:
        return frame.left + frame.plot_width * (x - x_min) / (x_max - x_min)

    parts = [svg_open(frame.width, frame.height, hist.title or hist.x_label, "chart"),
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
        anchor = "end" if x > frame.right - text_width(label) else "start"
        dx = -4 if anchor == "end" else 4
        parts.append(f'<line class="marker" x1="{_c(x)}" x2="{_c(x)}" y1="{_c(text_y + 3)}" '
                     f'y2="{_c(frame.bottom)}"/><text class="marker-label" x="{_c(x + dx)}" '
                     f'y="{_c(text_y)}" text-anchor="{anchor}">{escape(label)}</text>')
    return parts
