"""The high-needs trajectory as inline SVG: income and spend bars by financial year, the in-year
and cumulative DSG balance as lines on the same £ axis (which crosses zero), and the Safety
Valve target as a marker. Deterministic (fixed decimals) and escaped, as
:mod:`placement_opt.reports.html.charts`."""

from __future__ import annotations

import math
from dataclasses import dataclass

from markupsafe import Markup, escape

from placement_opt.reports.format import fmt_gbp, fmt_gbp_short
from placement_opt.reports.html.charts import nice_ticks
from placement_opt.reports.html.svg import clip, svg_open, text_width
from placement_opt.reports.html.svg import coord as _c

__all__ = ["BALANCE_COLORS", "BalanceChart", "balance_chart_svg", "signed_ticks"]

#: Colours (Okabe-Ito) of income, spend, the in-year and the cumulative balance, and the target.
BALANCE_COLORS = {"income": "#009E73", "spend": "#D55E00", "in_year": "#E69F00",
                  "cumulative": "#0072B2", "target": "#CF222E"}


@dataclass(frozen=True)
class BalanceChart:
    """One value per financial year (``categories``) of each series; ``target``: (index of
    the target year, target balance), or None."""

    categories: tuple[str, ...]
    income: tuple[float, ...]
    spend: tuple[float, ...]
    in_year: tuple[float, ...]
    cumulative: tuple[float, ...]
    target: tuple[int, float] | None = None
    title: str = "High-needs account by financial year"


def signed_ticks(low: float, high: float, count: int = 6) -> list[float]:
    """Round ticks covering ``low`` to ``high`` (0 always among them when the range holds it)."""
    low, high = min(low, 0.0), max(high, 0.0)
    step = nice_ticks(high - low, count)[1]
    start = math.floor(low / step + 1e-9) * step
    n = max(math.ceil(high / step - 1e-9) - math.floor(low / step + 1e-9), 1)
    return [start + i * step + 0.0 for i in range(n + 1)]


def balance_chart_svg(chart: BalanceChart, width: float = 640.0,
                      plot_height: float = 250.0) -> Markup:
    """Render ``chart`` as SVG."""
    values = [*chart.income, *chart.spend, *chart.in_year, *chart.cumulative]
    if chart.target is not None:
        values.append(chart.target[1])
    finite = [v for v in values if math.isfinite(v)]
    ticks = signed_ticks(min(finite, default=0.0), max(finite, default=0.0))
    lo, hi = ticks[0], ticks[-1]
    left = 30 + max(text_width(fmt_gbp_short(t)) for t in ticks) + 8
    right, top = width - 10, 36.0
    bottom = top + plot_height
    n = max(len(chart.categories), 1)
    step = (right - left) / n

    def y(v: float) -> float:
        return bottom - (bottom - top) * (v - lo) / (hi - lo)

    def x(i: int) -> float:
        return left + step * (i + 0.5)

    parts = [svg_open(width, bottom + 30, chart.title, "chart"), _legend(chart, left)]
    for t in ticks:
        parts.append(f'<line class="{"axis" if t == 0 else "grid"}" x1="{_c(left)}" '
                     f'x2="{_c(right)}" y1="{_c(y(t))}" y2="{_c(y(t))}"/><text class="tick" '
                     f'x="{_c(left - 6)}" y="{_c(y(t) + 4)}" text-anchor="end">'
                     f"{escape(fmt_gbp_short(t))}</text>")
    parts.append(f'<text class="axis-title" transform="translate(12 {_c((top + bottom) / 2)}) '
                 'rotate(-90)" text-anchor="middle">GBP</text>')
    bar_w = min(step * 0.3, 48.0)
    for i, name in enumerate(chart.categories):
        for j, (label, series, key) in enumerate((("income", chart.income, "income"),
                                                  ("spend", chart.spend, "spend"))):
            v = series[i]
            y0, y1 = sorted((y(0.0), y(v)))
            parts.append(f'<rect x="{_c(x(i) - bar_w + j * bar_w)}" y="{_c(y0)}" '
                         f'width="{_c(bar_w - 1)}" height="{_c(y1 - y0)}" '
                         f'fill="{BALANCE_COLORS[key]}" fill-opacity="0.75"><title>'
                         f"{escape(f'{name} · {label}: {fmt_gbp(v)}')}</title></rect>")
        parts.append(f'<text class="tick" x="{_c(x(i))}" y="{_c(bottom + 18)}" '
                     f'text-anchor="middle">{escape(clip(name, 16))}</text>')
    for label, series, key, dash in (("in-year balance", chart.in_year, "in_year", "5 3"),
                                     ("cumulative balance", chart.cumulative, "cumulative", "")):
        points = " ".join(f"{_c(x(i))},{_c(y(v))}" for i, v in enumerate(series))
        style = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(f'<polyline points="{points}" fill="none" stroke="{BALANCE_COLORS[key]}" '
                     f'stroke-width="2.5"{style}/>')
        for i, v in enumerate(series):
            parts.append(f'<circle cx="{_c(x(i))}" cy="{_c(y(v))}" r="3.5" '
                         f'fill="{BALANCE_COLORS[key]}"><title>'
                         f"{escape(f'{chart.categories[i]} · {label}: {fmt_gbp(v)}')}"
                         "</title></circle>")
    if chart.target is not None:
        i, v = chart.target
        color = BALANCE_COLORS["target"]
        parts.append(f'<line x1="{_c(left)}" x2="{_c(right)}" y1="{_c(y(v))}" y2="{_c(y(v))}" '
                     f'stroke="{color}" stroke-width="1.2" stroke-dasharray="2 3"/>'
                     f'<path d="M{_c(x(i) - 7)},{_c(y(v))} L{_c(x(i))},{_c(y(v) - 7)} '
                     f'L{_c(x(i) + 7)},{_c(y(v))} L{_c(x(i))},{_c(y(v) + 7)} Z" fill="none" '
                     f'stroke="{color}" stroke-width="2"><title>'
                     f"{escape(f'target {chart.categories[i]}: {fmt_gbp(v)}')}</title></path>")
    parts.append("</svg>")
    return Markup("".join(parts))


def _legend(chart: BalanceChart, x0: float) -> str:
    """Swatches for the bars, line samples for the balances and a diamond for the target."""
    items = [("income", "income", "bar"), ("spend", "spend", "bar"),
             ("in-year balance", "in_year", "dash"), ("cumulative balance", "cumulative", "line")]
    if chart.target is not None:
        items.append(("target", "target", "diamond"))
    parts, x, y = [], x0, 16.0
    for label, key, mark in items:
        color = BALANCE_COLORS[key]
        if mark == "bar":
            parts.append(f'<rect x="{_c(x)}" y="{_c(y - 9)}" width="10" height="10" '
                         f'fill="{color}" fill-opacity="0.75"/>')
        elif mark == "diamond":
            parts.append(f'<path d="M{_c(x)},{_c(y - 4)} L{_c(x + 5)},{_c(y - 9)} '
                         f'L{_c(x + 10)},{_c(y - 4)} L{_c(x + 5)},{_c(y + 1)} Z" fill="none" '
                         f'stroke="{color}" stroke-width="1.6"/>')
        else:
            dash = ' stroke-dasharray="4 2"' if mark == "dash" else ""
            parts.append(f'<line x1="{_c(x)}" x2="{_c(x + 10)}" y1="{_c(y - 4)}" '
                         f'y2="{_c(y - 4)}" stroke="{color}" stroke-width="2.5"{dash}/>')
        parts.append(f'<text x="{_c(x + 14)}" y="{_c(y)}">{escape(label)}</text>')
        x += 16 + text_width(label) + 14
    return "".join(parts)
