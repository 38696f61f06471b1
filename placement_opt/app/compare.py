"""Two finished runs side by side: their levers, each KPI with the difference, and each
district's local places against demand in the last year both have."""

from __future__ import annotations

import math
from typing import Any

from placement_opt.app.views import KPIS, kpi_text
from placement_opt.reports.format import fmt_number, fmt_signed

__all__ = ["compare_runs"]

#: KPIs where less is better (the rest: more is better, or neither).
_LOWER_BETTER = {"objective", "place_cost", "transport_cost", "capital_cost", "unmet_whole",
                 "placed_independent_whole", "mean_journey_min"}
_HIGHER_BETTER = {"share_met_locally"}


def _difference(a: float, b: float, unit: str) -> str:
    """``b - a`` as the page prints it, signed."""
    d = b - a
    if abs(d) < 1e-9:
        return "same"
    if unit == "share":
        return f"{100 * d:+.1f} points"
    return fmt_signed(d, {"gbp": "GBP", "min": "min"}.get(unit, "pupils"))


def _tone(key: str, a: float, b: float) -> str:
    """better, worse or '' for the second run against the first."""
    if abs(b - a) < 1e-9 * max(1.0, abs(a)):
        return ""
    lower = b < a
    if key in _LOWER_BETTER:
        return "better" if lower else "worse"
    if key in _HIGHER_BETTER:
        return "worse" if lower else "better"
    return ""


def compare_runs(first: dict[str, Any], first_view: dict[str, Any], second: dict[str, Any],
                 second_view: dict[str, Any]) -> dict[str, Any]:
    """Run summaries and views → the comparison table (the second against the first)."""
    values = [{k["key"]: k["value"] for k in v.get("kpis", [])} for v in (first_view, second_view)]
    rows = []
    for key, label, unit in KPIS:
        a, b = values[0].get(key), values[1].get(key)
        row = {"key": key, "label": label, "a": kpi_text(a, unit), "b": kpi_text(b, unit),
               "difference": "–", "tone": ""}
        if a is not None and b is not None and not (math.isnan(a) or math.isnan(b)):
            row.update(difference=_difference(a, b, unit), tone=_tone(key, a, b))
        rows.append(row)
    return {"runs": [{"id": r["id"], "name": r["name"], "instance": r["instance"],
                      "levers": r["levers"], "status": v.get("status")}
                     for r, v in ((first, first_view), (second, second_view))],
            "kpis": rows, "districts": _districts(first_view, second_view)}


def _districts(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    """Local places minus demand by district in the last year both runs have."""
    years = sorted(set(first.get("years", [])) & set(second.get("years", [])))
    if not years:
        return {"year": None, "rows": []}
    year = years[-1]
    gaps = [{r["district"]: r["surplus_deficit"] for r in v.get("districts", []) if r["year"] == year}
            for v in (first, second)]
    rows = [{"district": d, "a": fmt_number(gaps[0].get(d, 0.0)), "b": fmt_number(gaps[1].get(d, 0.0)),
             "difference": fmt_signed(gaps[1].get(d, 0.0) - gaps[0].get(d, 0.0), "pupils")}
            for d in sorted(set(gaps[0]) | set(gaps[1]))]
    return {"year": year, "rows": rows}
