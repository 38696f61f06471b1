"""What ``run.py`` derives from the case records: side-by-side ratios, log-log slopes and the
issue's goals. Every ratio is of two medians measured in the same run."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

__all__ = ["GOALS", "goals", "ratios", "scaling"]

#: Goals of issue 7: (key, text, limit, comparison).
GOALS: tuple[tuple[str, str, float, str], ...] = (
    ("pulp_speedup_1m", "build + hand-off at 1M arcs at least 30× faster than PuLP", 30.0, ">="),
    ("raw_ratio_1m", "build + hand-off at 1M arcs within 2× of raw numpy → CSR → highspy", 2.0,
     "<="),
    ("peak_mb_1m", "peak memory at 1M arcs at most 0.6 GB (600 MB, whole process)", 600.0, "<="),
    ("flow_speedup", "pure allocation: flow at least 10× faster than HiGHS LP (backends' own "
     "time, largest size), same optimum", 10.0, ">="),
    ("kent_multi_year_s", "Kent multi-year with expansion to 0.1% gap in at most 10 s on 2 "
     "cores", 10.0, "<="),
    ("national_s", "national to 1% gap in at most 300 s", 300.0, "<="),
)


def _ok(record: dict[str, Any]) -> dict[str, Any] | None:
    result = record.get("result")
    return result if result and "error" not in result else None


def _div(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b <= 0 or not math.isfinite(a) or not math.isfinite(b):
        return None
    return a / b


def _by(records: Iterable[dict[str, Any]], section: str) -> list[dict[str, Any]]:
    return [r for r in records if r["section"] == section]


def _build_ratios(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for target in sorted({r["target"] for r in _by(records, "build")}):
        got = {r["method"]: _ok(r) for r in _by(records, "build") if r["target"] == target}
        med = {m: (g["median_s"] if g else None) for m, g in got.items()}

        def ratio(a: str, b: str, stage: str, med: dict[str, Any] = med) -> float | None:
            return _div(med[a][stage] if med.get(a) else None, med[b][stage] if med.get(b) else None)

        arcs = next((g["arcs"] for g in got.values() if g), None)
        out.append({
            "target": target, "arcs": arcs,
            "pulp_over_project_total": ratio("pulp", "project", "total"),
            "pulp_over_project_model": ratio("pulp", "project", "model"),
            "project_over_raw_total": ratio("project", "raw", "total"),
            "project_over_raw_model": ratio("project", "raw", "model"),
            "peak_mb": {m: (g["peak_rss_mb"] if g else None) for m, g in got.items()},
        })
    return out


def _flow_ratios(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for target in sorted({r["target"] for r in _by(records, "flow")}):
        got = {r["variant"]: _ok(r) for r in _by(records, "flow") if r["target"] == target}
        flow, highs = got.get("flow"), got.get("highs")
        row: dict[str, Any] = {"target": target, "arcs": (flow or highs or {}).get("arcs")}
        for variant, g in got.items():
            if variant != "flow":
                row[f"{variant}_over_flow"] = _div(g["median_s"] if g else None,
                                                  flow["median_s"] if flow else None)
                row[f"{variant}_over_flow_solver"] = _div(
                    _median_of(g, "solver_s"), _median_of(flow, "solver_s"))
        same = None
        if flow and highs and flow["objective"] is not None and highs["objective"] is not None:
            diff = abs(flow["objective"] - highs["objective"])
            scale = flow.get("flow_scale") or 1.0
            tol = flow["total_demand"] / scale + 1e-9 * abs(highs["objective"])
            row.update(objective_diff=diff, tolerance=tol)
            same = diff <= tol
        row["same_optimum"] = same
        out.append(row)
    return out


def _median_of(result: dict[str, Any] | None, key: str) -> float | None:
    if not result:
        return None
    return float(np.median([r[key] for r in result["runs"]]))


def _backend_ratios(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for name in dict.fromkeys(r["instance"] for r in _by(records, "backends")):
        got = {r["backend"]: _ok(r) for r in _by(records, "backends") if r["instance"] == name}
        highs = got.get("highs")
        out.append({"instance": name, **{
            f"{b}_over_highs": _div(g["median_s"] if g else None, highs["median_s"] if highs else None)
            for b, g in got.items() if b != "highs"}})
    return out


def ratios(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Side-by-side ratios by section."""
    return {"build": _build_ratios(records), "flow": _flow_ratios(records),
            "backends": _backend_ratios(records)}


def _fit(points: list[tuple[float, float]]) -> tuple[float | None, float | None]:
    """Slope and intercept of log10(value) on log10(arcs), or None with fewer than 2 points."""
    pts = [(x, y) for x, y in points if x > 0 and y > 0]
    if len({x for x, _ in pts}) < 2:
        return None, None
    slope, intercept = np.polyfit(np.log10([x for x, _ in pts]), np.log10([y for _, y in pts]), 1)
    return float(slope), float(intercept)


def scaling(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Time and memory against arcs, with the fitted log-log slope of each series."""
    series: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for r in _by(records, "build"):
        g = _ok(r)
        if g:
            series.setdefault((f"build+hand-off, {r['method']}", "s"), []).append(
                (g["arcs"], g["median_s"]["total"]))
            series.setdefault((f"peak memory, {r['method']}", "MB"), []).append(
                (g["arcs"], g["peak_rss_mb"]))
            series.setdefault((f"peak memory above the instance, {r['method']}", "MB"), []).append(
                (g["arcs"], max(0.0, g["peak_rss_mb"] - (g["rss_ready_mb"] or 0.0))))
    for r in _by(records, "flow"):
        g = _ok(r)
        if g:
            series.setdefault((f"solve (wall), {r['variant']}", "s"), []).append(
                (g["arcs"], g["median_s"]))
    out = []
    for (name, unit), points in series.items():
        slope, intercept = _fit(points)
        out.append({"series": name, "unit": unit, "points": sorted(points), "slope": slope,
                    "intercept": intercept})
    return out


def _at(rows: list[dict[str, Any]], target: int) -> dict[str, Any] | None:
    return next((r for r in rows if r["target"] == target), None)


def goals(records: list[dict[str, Any]], found: dict[str, Any]) -> list[dict[str, Any]]:
    """Each goal of issue 7 with what this run measured (None: not measured here)."""
    at_1m = _at(found["build"], 1_000_000)
    project_1m = next((_ok(r) for r in _by(records, "build")
                       if r["target"] == 1_000_000 and r["method"] == "project"), None)
    flows = [f for f in found["flow"] if f.get("highs_over_flow_solver") is not None]
    largest_flow = flows[-1] if flows else None
    kent = next((_ok(r) for r in _by(records, "kent_multi_year")), None)
    national = next((_ok(r) for r in _by(records, "national")), None)
    flow_note = ""
    if largest_flow:
        flow_note = (f"at {largest_flow['arcs']:,} arcs; end to end (wall) "
                     f"{_fmt(_get(largest_flow, 'highs_over_flow'))}×; same optimum: "
                     f"{largest_flow['same_optimum']}")
    measured: dict[str, tuple[float | None, str]] = {
        "pulp_speedup_1m": (_get(at_1m, "pulp_over_project_total"),
                            "model only (build + hand-off after data and arcs): "
                            f"{_fmt(_get(at_1m, 'pulp_over_project_model'))}×"),
        "raw_ratio_1m": (_get(at_1m, "project_over_raw_total"),
                         f"model only: {_fmt(_get(at_1m, 'project_over_raw_model'))}×"),
        "peak_mb_1m": (_get(project_1m, "peak_rss_mb"),
                       f"of which imports and instance: {_fmt(_get(project_1m, 'rss_ready_mb'))} MB"),
        "flow_speedup": (_get(largest_flow, "highs_over_flow_solver"), flow_note),
        "kent_multi_year_s": (_get(kent, "median_s"),
                              f"{kent['status']}, gap {_fmt(_get(kent, 'gap'))}" if kent else ""),
        "national_s": (_get(national, "median_s"),
                       f"{national['status']}, gap {_fmt(_get(national, 'gap'))}" if national
                       else ""),
    }
    out = []
    for key, text, limit, op in GOALS:
        value, note = measured[key]
        met = None if value is None else (value >= limit if op == ">=" else value <= limit)
        if key == "flow_speedup" and met and largest_flow and not largest_flow["same_optimum"]:
            met = False
        out.append({"goal": key, "text": text, "limit": limit, "comparison": op,
                    "measured": value, "met": met, "note": note})
    return out


def _get(found: dict[str, Any] | None, key: str) -> float | None:
    """``found[key]`` as a float, None when either is missing."""
    value = None if found is None else found.get(key)
    return None if value is None else float(value)


def _fmt(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.3g}"
