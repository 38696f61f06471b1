"""The frontier as one offline HTML page (``frontier.html``): the chart, the points and the
plan behind each; jinja2 with autoescape, no scripts or external files."""

from __future__ import annotations

from typing import Any

from placement_opt._version import __version__
from placement_opt.analysis.frontier.chart import frontier_svg
from placement_opt.analysis.frontier.metrics import METRICS
from placement_opt.analysis.frontier.trace import Frontier
from placement_opt.reports.format import DASH, fmt_gbp, fmt_number, fmt_share, fmt_unit
from placement_opt.reports.html.templating import Cell, num, render

__all__ = ["dominance_note", "metric_text", "render_frontier"]


def metric_text(value: float, unit: str) -> str:
    """A metric value in its unit (a share as a percentage with two decimals)."""
    if value != value:
        return DASH
    return fmt_share(value, 2) if unit == "share" else fmt_number(value)


def dominance_note(frontier: Frontier) -> str:
    """One sentence on dominated points: none, or which and why (the gap); and a word when
    the best end's first stage stopped short of an optimum."""
    hit = frontier.points[frontier.points["dominated"]]
    stage = frontier.first_stage.get("status", "optimal")
    short = ("" if stage == "optimal" else f" The best {frontier.metric} is the best found: its "
             f"first stage ended {stage}, so the metric may go further.")
    if hit.empty:
        return ("No point is dominated: no plan on the frontier costs no more than another and "
                "is better on the metric." + short)
    names = ", ".join(f"point {p} (by point {b})" for p, b in zip(hit["point"],
                                                                  hit["dominated_by"], strict=True))
    return (f"Dominated: {names}. An optimal point cannot be dominated; this one is within "
            "its MIP gap of its optimum, so a plan found for another point is better on both."
            + short)


def _plan_rows(frontier: Frontier) -> list[list[Cell | str]]:
    rows: list[list[Cell | str]] = []
    for i, r in enumerate(frontier.results):
        opened = r.openings[r.openings["opened"]] if len(r.openings) else r.openings
        sites = ", ".join(f"{p} ({int(y)}, {fmt_number(float(n))} places)" for p, y, n in
                          zip(opened.get("provision", []), opened.get("open_year", []),
                              opened.get("places", []), strict=True)) or DASH
        exp = r.expansions
        grown = ", ".join(f"{p} +{fmt_number(float(n))} ({int(y)})" for p, n, y in
                          zip(exp.get("provision", []), exp.get("places_added", []),
                              exp.get("year_in_use", []), strict=True)) or DASH
        rows.append([num(str(i)), sites, grown])
    return rows


def render_frontier(frontier: Frontier) -> str:
    """The page as one string."""
    spec = METRICS[frontier.metric]
    pts = frontier.points
    head: list[Cell | str] = ["point", "role", num("epsilon"), num(frontier.metric),
                              num("cost (objective)"), num("total cost"), "status", num("gap"),
                              num("unmet"), num("mean journey (min)"), num("met locally"),
                              num("independent"), "dominated"]
    rows: list[list[Cell | str]] = []
    for r in pts.to_dict("records"):
        rows.append([
            num(str(r["point"])), str(r["role"]), num(metric_text(float(r["epsilon"]), spec.unit)),
            num(metric_text(float(r["metric"]), spec.unit)), num(fmt_gbp(float(r["objective"]))),
            num(fmt_gbp(float(r["total_cost"]))), str(r["status"]),
            num(fmt_share(float(r["gap"]), 3)), num(fmt_number(float(r["unmet"]))),
            num(fmt_unit(float(r["mean_journey_min"]), "min")),
            num(fmt_share(float(r["share_met_locally"]))),
            num(fmt_number(float(r["placed_independent"]))),
            f"by point {r['dominated_by']}" if r["dominated"] else "no",
        ])
    context: dict[str, Any] = {
        "instance": frontier.instance_name, "metric": frontier.metric,
        "description": spec.description[0].upper() + spec.description[1:],
        "minimised": frontier.minimised, "last": len(pts) - 1, "gap": frontier.options.gap,
        "dominance": dominance_note(frontier),
        "chart": frontier_svg(pts, frontier.metric, spec.unit),
        "caption": f"Cost (the objective) against {frontier.metric}, one marker per point; "
                   "a hollow red marker is a dominated point.",
        "head": head, "rows": rows,
        "plan_head": ["point", "candidate sites opened (year, places)",
                      "expansions (places, year in use)"],
        "plan_rows": _plan_rows(frontier), "version": __version__,
    }
    return render("frontier.html.j2", **context)


