"""The comparison of runs as one offline HTML page: inline SVG charts, no scripts, fonts or
network; the same comparison always gives the same bytes."""

from __future__ import annotations

import math
from html import escape

import pandas as pd

from placement_opt._version import __version__
from placement_opt.reports.compare import OUTCOMES, Comparison
from placement_opt.reports.html.charts import (
    KIND_COLORS,
    BarChart,
    Series,
    bar_chart_svg,
    fmt_gbp,
    fmt_gbp_short,
    fmt_number,
)

__all__ = ["RUN_COLORS", "render_comparison"]

#: Okabe-Ito colours, one per run (cycled).
RUN_COLORS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
_COMPONENTS = (("place_cost", "places", "#0072B2"), ("transport_cost", "transport", "#E69F00"),
               ("journey_cost", "journey time", "#999999"), ("capital_cost", "capital", "#009E73"),
               ("unmet_penalty", "unmet penalty", "#D55E00"), ("overspend", "overspend", "#CC79A7"))
_SHOWN_DIFFERENCES = 25


def _fmt(value: float, unit: str) -> str:
    if not math.isfinite(value):
        return "–"
    if unit == "GBP":
        return fmt_gbp(value)
    if unit == "share":
        return f"{value:.1%}"
    if unit == "min":
        return f"{value:.1f}"
    return fmt_number(value)


def _color(i: int) -> str:
    return RUN_COLORS[i % len(RUN_COLORS)]


def _figure(caption: str, chart: BarChart) -> str:
    return f"<figure>{bar_chart_svg(chart)}<figcaption>{escape(caption)}</figcaption></figure>"


def _value(comp: Comparison, kpi: str, run: str, year: str | None = None) -> float:
    table = comp.kpis if year is None else comp.kpis_by_year[comp.kpis_by_year["year"] == year]
    hit = table.loc[table["kpi"] == kpi, run]
    return float(hit.iloc[0]) if len(hit) and pd.notna(hit.iloc[0]) else 0.0


def _by_year_chart(comp: Comparison, kpi: str, label: str, title: str, money: bool = False,
                   share: bool = False) -> BarChart:
    years = tuple(sorted(comp.kpis_by_year["year"].unique()))
    series = tuple(Series(run, tuple(_value(comp, kpi, run, y) for y in years), _color(i), stack=i)
                   for i, run in enumerate(comp.names))
    if money:
        return BarChart(years, series, label, title, value_format=fmt_gbp, axis_format=fmt_gbp_short)
    if share:
        return BarChart(years, series, label, title, value_format=lambda v: f"{v:.1%}",
                        axis_format=lambda v: f"{v:.0%}")
    return BarChart(years, series, label, title)


def _stacked_by_run(comp: Comparison, parts: tuple[tuple[str, str, str], ...], label: str,
                    title: str, money: bool) -> BarChart:
    series = tuple(Series(name, tuple(_value(comp, kpi, run) for run in comp.names), color)
                   for kpi, name, color in parts
                   if any(_value(comp, kpi, run) > 0 for run in comp.names))
    fmt = fmt_gbp if money else fmt_number
    axis = fmt_gbp_short if money else fmt_number
    return BarChart(comp.names, series, label, title, value_format=fmt, axis_format=axis,
                    show_totals=True)


def _kpi_table(comp: Comparison) -> str:
    head = "".join(f'<th class="num"><span class="swatch" style="background:{_color(i)}"></span>'
                   f"{escape(run)}</th>" for i, run in enumerate(comp.names))
    rows = []
    for r in comp.kpis.to_dict("records"):
        unit = str(r["unit"])
        base = float(r[comp.names[0]]) if pd.notna(r[comp.names[0]]) else math.nan
        cells = []
        for i, run in enumerate(comp.names):
            value = float(r[run]) if pd.notna(r[run]) else math.nan
            delta = ""
            if i and math.isfinite(value) and math.isfinite(base) and abs(value - base) > 1e-9:
                sign = "+" if value > base else "−"
                shown = _fmt(abs(value - base), unit)
                delta = f'<br><small class="{"up" if value > base else "down"}">{sign}{escape(shown)}</small>'
            cells.append(f'<td class="num">{escape(_fmt(value, unit))}{delta}</td>')
        rows.append(f"<tr><th>{escape(str(r['kpi']))} <small>({escape(unit)})</small></th>"
                    f"{''.join(cells)}</tr>")
    return (f'<table class="kpis"><thead><tr><th>KPI over the horizon</th>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>")


def _differences_table(comp: Comparison) -> str:
    diff = comp.differences
    if diff.empty:
        return '<p class="empty">One run only: nothing to compare against.</p>'
    cols = [f"delta_{c}" for c in ("demand", *OUTCOMES, "cost")]
    head = "".join(f'<th class="num">{escape(c.removeprefix("delta_").replace("_", " "))}</th>'
                   for c in cols)
    rows = []
    for r in diff.head(_SHOWN_DIFFERENCES).to_dict("records"):
        cells = "".join(f'<td class="num">{escape(_signed(float(r[c]), c == "delta_cost"))}</td>'
                        for c in cols)
        rows.append(f"<tr><td>{escape(str(r['run']))}</td><td>{escape(str(r['district']))}</td>"
                    f"<td>{escape(str(r['need']))}</td>{cells}"
                    f'<td class="num">{escape(fmt_number(float(r["change"])))}</td></tr>')
    return (f"<p>Change from <b>{escape(comp.names[0])}</b>, pupil-years and GBP over the horizon; "
            f"<i>change</i> adds up the sizes of the changes in where pupils went. The "
            f"{min(len(diff), _SHOWN_DIFFERENCES)} largest of {len(diff)} rows "
            f"(all of them in compare.xlsx).</p>"
            f'<table class="diff"><thead><tr><th>run</th><th>district</th><th>need</th>{head}'
            f'<th class="num">change</th></tr></thead><tbody>{"".join(rows)}</tbody></table>')


def _signed(value: float, money: bool) -> str:
    if abs(value) < 1e-9:
        return "0"
    text = fmt_gbp(abs(value)) if money else fmt_number(abs(value))
    return ("+" if value > 0 else "−") + text


def _runs_table(comp: Comparison) -> str:
    rows = "".join(
        f'<tr><td><span class="swatch" style="background:{_color(i)}"></span>{escape(str(r["run"]))}'
        f"</td><td>{escape(str(r['status']))}</td>"
        f'<td class="num">{escape(fmt_gbp(float(r["objective"])) if pd.notna(r["objective"]) else "–")}'
        f"</td><td>{escape(str(r['instance']))}</td><td><code>{escape(str(r['folder']))}</code></td></tr>"
        for i, r in enumerate(comp.runs.to_dict("records")))
    return ('<table><thead><tr><th>run</th><th>status</th><th class="num">objective</th>'
            f"<th>instance</th><th>folder</th></tr></thead><tbody>{rows}</tbody></table>")


def render_comparison(comp: Comparison) -> str:
    """The page as one string."""
    kinds = tuple((f"placed_{k}", k, KIND_COLORS.get(k, "#666666")) for k in KIND_COLORS)
    figures = [
        _figure("Placement, transport and journey cost by year, one bar per run.",
                _by_year_chart(comp, "total_cost", "GBP per year", "Cost by year", money=True)),
        _figure("Objective over the horizon by component; the figure above each bar is its total.",
                _stacked_by_run(comp, _COMPONENTS, "GBP over the horizon", "Cost by component",
                                money=True)),
        _figure("Pupil-years placed by kind of provision over the horizon.",
                _stacked_by_run(comp, kinds, "pupil-years", "Placements by kind", money=False)),
        _figure("Pupils without a place, by year.",
                _by_year_chart(comp, "unmet", "pupils", "Unmet demand by year")),
        _figure("Share of demand placed in the pupils' own district, by year.",
                _by_year_chart(comp, "share_met_locally", "share", "Met locally", share=True)),
        _figure("Mean journey of placed pupils, by year.",
                _by_year_chart(comp, "mean_journey_min", "minutes", "Mean journey")),
    ]
    body = (f"<h1>Comparison of {len(comp.names)} runs</h1>"
            f"<section><h2>Runs</h2>{_runs_table(comp)}</section>"
            f"<section><h2>KPIs</h2><p>Each run beside the first; small figures are the change "
            f"from {escape(comp.names[0])}.</p>{_kpi_table(comp)}</section>"
            f'<section><h2>Charts</h2><div class="grid">{"".join(figures)}</div></section>'
            f"<section><h2>Biggest differences by district and need</h2>"
            f"{_differences_table(comp)}</section>")
    return ('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>placement_opt comparison: {escape(', '.join(comp.names))}</title>\n"
            f"<style>{_CSS}</style>\n</head>\n<body>\n<main>\n{body}\n"
            f"<footer>Written by placement_opt {escape(__version__)}.</footer>\n</main>\n</body>\n"
            "</html>\n")


_CSS = """
body { margin: 0; color: #1f2328; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto,
  Arial, sans-serif; }
main { max-width: 1240px; margin: 0 auto; padding: 20px 24px 40px; }
h1 { font-size: 24px; } h2 { font-size: 19px; margin: 28px 0 8px; border-bottom: 2px solid #d8dde3; }
table { border-collapse: collapse; font-size: 13px; margin: 6px 0; }
th, td { border-bottom: 1px solid #d8dde3; padding: 3px 8px; text-align: left; vertical-align: top; }
thead th { background: #f6f8fa; } .num { text-align: right; font-variant-numeric: tabular-nums; }
small.up { color: #cf222e; } small.down { color: #1a7f37; } small { color: #5b636b; }
.swatch { display: inline-block; width: 10px; height: 10px; margin-right: 6px; border-radius: 2px; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(460px, 1fr)); gap: 16px; }
figure { margin: 0; border: 1px solid #d8dde3; border-radius: 6px; padding: 8px; }
figcaption { font-size: 12.5px; color: #5b636b; margin-top: 4px; }
svg { width: 100%; height: auto; display: block; }
svg text { font-size: 11px; fill: #1f2328; }
svg .tick { fill: #5b636b; } svg .axis-title { fill: #5b636b; font-size: 11.5px; }
svg .grid { stroke: #eaeef2; stroke-width: 1; } svg .axis { stroke: #8c959f; stroke-width: 1; }
svg .total { font-weight: 600; font-size: 10.5px; }
svg .cut { fill: none; stroke: #ffffff; stroke-width: 2.5; }
svg .cut-label { font-weight: 600; paint-order: stroke; stroke: #ffffff; stroke-width: 2.5px; }
.empty { color: #5b636b; font-style: italic; } footer { margin-top: 30px; color: #5b636b; }
"""
