"""The frontier as an SVG chart: cost (the objective) against the metric, one marker per
point, labelled with its number, joined in order; a dominated point is drawn hollow and red.
Fixed-decimal coordinates and escaped text, so the same frontier gives the same bytes."""

from __future__ import annotations

import math

import pandas as pd
from markupsafe import Markup, escape

from placement_opt.reports.format import fmt_gbp, fmt_number, fmt_share
from placement_opt.reports.html.charts import nice_ticks
from placement_opt.reports.html.svg import coord, svg_open, text_width

__all__ = ["axis_ticks", "frontier_svg", "tick_label"]

_LINE = "#0072B2"
_DOMINATED = "#D55E00"


def axis_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round ticks covering ``low`` to ``high`` (a flat range is widened around its value)."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return [0.0, 1.0]
    if high - low <= 1e-12 * max(1.0, abs(high)):
        pad = max(abs(high) * 0.01, 1e-6)
        low, high = low - pad, high + pad
    step = nice_ticks(high - low, count)[1]
    start = math.floor(low / step + 1e-9)
    stop = math.ceil(high / step - 1e-9)
    return [i * step + 0.0 for i in range(start, max(stop, start + 1) + 1)]


def tick_label(value: float, step: float, unit: str) -> str:
    """An axis tick with as many decimals as ``step`` needs to tell the ticks apart: pounds
    (``GBP``) and counts in millions or thousands, a share as a percentage."""
    if unit == "share":
        return f"{value:.{_decimals(step * 100)}%}"
    size = max(abs(value), step)
    scale, suffix = (1e6, "m") if size >= 1e6 else (1e3, "k") if size >= 1e4 else (1.0, "")
    text = f"{abs(value) / scale:,.{_decimals(step / scale)}f}{suffix}"
    sign = "−" if value < 0 else ""
    return f"{sign}£{text}" if unit == "GBP" else f"{sign}{text}"


def _decimals(step: float) -> int:
    """Decimals that show a multiple of ``step`` exactly (up to 4)."""
    for d in range(5):
        if abs(step * 10 ** d - round(step * 10 ** d)) < 1e-6:
            return d
    return 4


def frontier_svg(points: pd.DataFrame, metric: str, unit: str, width: float = 640.0,
                 plot_height: float = 300.0) -> Markup:
    """Cost against ``metric`` for the rows of ``Frontier.points`` that have a plan."""
    shown = points[points["objective"].notna() & points["metric"].notna()]
    xs, ys = shown["metric"].to_numpy(float), shown["objective"].to_numpy(float)
    x_ticks = axis_ticks(float(xs.min()), float(xs.max())) if len(xs) else [0.0, 1.0]
    y_ticks = axis_ticks(float(ys.min()), float(ys.max())) if len(ys) else [0.0, 1.0]
    x_step, y_step = x_ticks[1] - x_ticks[0], y_ticks[1] - y_ticks[0]
    left = 18 + max(text_width(tick_label(t, y_step, "GBP")) for t in y_ticks) + 8
    right, top = width - 16, 20.0
    bottom = top + plot_height

    def px(v: float) -> float:
        return left + (v - x_ticks[0]) / (x_ticks[-1] - x_ticks[0]) * (right - left)

    def py(v: float) -> float:
        return bottom - (v - y_ticks[0]) / (y_ticks[-1] - y_ticks[0]) * plot_height

    title = f"Cost against {metric}"
    parts = [svg_open(width, bottom + 44, title, "chart frontier")]
    for t in y_ticks:
        at = coord(py(t))
        parts.append(f'<line class="grid" x1="{coord(left)}" x2="{coord(right)}" y1="{at}" '
                     f'y2="{at}"/><text class="tick" x="{coord(left - 6)}" y="{at}" '
                     f'text-anchor="end" dominant-baseline="middle">'
                     f'{escape(tick_label(t, y_step, "GBP"))}</text>')
    for t in x_ticks:
        at = coord(px(t))
        parts.append(f'<line class="grid" x1="{at}" x2="{at}" y1="{coord(top)}" '
                     f'y2="{coord(bottom)}"/><text class="tick" x="{at}" '
                     f'y="{coord(bottom + 14)}" text-anchor="middle">'
                     f'{escape(tick_label(t, x_step, unit))}</text>')
    parts.append(f'<line class="axis" x1="{coord(left)}" x2="{coord(right)}" y1="{coord(bottom)}" '
                 f'y2="{coord(bottom)}"/><line class="axis" x1="{coord(left)}" x2="{coord(left)}" '
                 f'y1="{coord(top)}" y2="{coord(bottom)}"/>')
    parts.append(f'<text class="axis-title" x="{coord((left + right) / 2)}" '
                 f'y="{coord(bottom + 34)}" text-anchor="middle">'
                 f'{escape(f"{metric} ({unit})")}</text>'
                 f'<text class="axis-title" x="12" y="{coord(top + plot_height / 2)}" '
                 f'text-anchor="middle" transform="rotate(-90 12 {coord(top + plot_height / 2)})">'
                 'cost (objective, GBP)</text>')
    if len(shown) > 1:
        path = " ".join(f"{coord(px(x))},{coord(py(y))}" for x, y in zip(xs, ys, strict=True))
        parts.append(f'<polyline points="{path}" fill="none" stroke="{_LINE}" stroke-width="1.5"/>')
    for r in shown.to_dict("records"):
        x, y = px(float(r["metric"])), py(float(r["objective"]))
        dominated = bool(r["dominated"])
        style = (f'fill="#ffffff" stroke="{_DOMINATED}" stroke-width="2"' if dominated
                 else f'fill="{_LINE}" stroke="#ffffff" stroke-width="1.2"')
        value = float(r["metric"])
        shown_value = fmt_share(value, 2) if unit == "share" else fmt_number(value)
        tip = (f"point {r['point']} ({r['role']}): {metric} {shown_value}"
               f", cost {fmt_gbp(float(r['objective']))}"
               + (f", dominated by point {r['dominated_by']}" if dominated else ""))
        parts.append(f'<circle cx="{coord(x)}" cy="{coord(y)}" r="5" {style}>'
                     f'<title>{escape(tip)}</title></circle>'
                     f'<text x="{coord(x + 7)}" y="{coord(y - 7)}">{escape(str(r["point"]))}'
                     f'{escape(" (dominated)") if dominated else ""}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
