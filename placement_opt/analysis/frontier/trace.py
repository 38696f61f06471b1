"""The epsilon-constraint frontier (``models/frontier.md``): the minimum-cost plan, the plan
best on the metric (lexicographic: best metric first, then least cost with the metric held
there), and points evenly spaced in epsilon between them, each the least-cost plan with the
metric no worse than its epsilon. Every point is a variant of one built model (the same
columns, rows added) solved by :func:`placement_opt.solve.solve_built` into a full Result."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from placement_opt.analysis.frontier.metrics import METRICS, Metric, metric_for, metric_from_result
from placement_opt.analysis.frontier.points import point_row, with_dominance
from placement_opt.budget import Deadline
from placement_opt.errors import PlacementOptError
from placement_opt.instance import Instance
from placement_opt.model.columns import Role
from placement_opt.model.matrix import MatrixModel
from placement_opt.model.variants import with_rows
from placement_opt.options import SolveOptions
from placement_opt.results.result import Result
from placement_opt.solve import build_checked, choose_backend, run_stage, solve_built

__all__ = ["Frontier", "FrontierError", "epsilons", "frontier", "trace_frontier"]

#: The metric's end point holds the metric at its best value loosened by this share of it (the
#: tables and ``coefficients @ x`` agree to rounding), so the second stage is never infeasible.
HOLD_TOLERANCE = 1e-9
#: Pupils per demand row the frontier's unmet row allows above the minimum-cost plan's unmet
#: (the unmet table leaves out values below 1e-9).
UNMET_TOLERANCE = 1e-9

OnPoint = Callable[[str], None]


class FrontierError(PlacementOptError):
    """A frontier could not be traced (an unknown metric, too few points, no minimum-cost
    plan)."""


@dataclass(frozen=True)
class Frontier:
    """The traced frontier: ``points`` (one row per point, from the minimum-cost plan to the
    plan best on the metric: epsilon, metric, cost, status, gap, bound, KPIs, dominance) and
    ``results``, the full Result behind each point, in the same order. ``seconds`` (wall time
    of each solve) is kept out of every result file but ``timings.json``."""

    instance_name: str
    instance_fingerprint: str
    metric: str
    options: SolveOptions
    points: pd.DataFrame
    results: tuple[Result, ...]
    #: How the first stage of the best end ended: ``status``, ``gap`` and ``metric`` (the best
    #: value it found; proven best within the gap only when the status is optimal).
    first_stage: dict[str, object] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def unit(self) -> str:
        """The metric's unit."""
        return METRICS[self.metric].unit

    @property
    def minimised(self) -> bool:
        """True when less of the metric is better."""
        return METRICS[self.metric].sense == "min"

    def plan(self, table: str) -> pd.DataFrame:
        """``table`` (allocations, openings, expansions, kpis ...) of every point's Result, with
        the point number first."""
        parts = [getattr(r, table).assign(point=i) for i, r in enumerate(self.results)]
        frames = [p[["point", *[c for c in p.columns if c != "point"]]] for p in parts]
        nonempty = [f for f in frames if len(f)]
        return (pd.concat(nonempty, ignore_index=True) if nonempty
                else frames[0].iloc[0:0] if frames else pd.DataFrame(columns=["point"]))

    @property
    def openings(self) -> pd.DataFrame:
        """The openings of every point's plan (candidate sites opened or not)."""
        return self.plan("openings")

    @property
    def expansions(self) -> pd.DataFrame:
        """The expansions of every point's plan."""
        return self.plan("expansions")

    @property
    def allocations(self) -> pd.DataFrame:
        """The allocations of every point's plan."""
        return self.plan("allocations")


def epsilons(cheapest: float, best: float, points: int) -> list[float]:
    """``points`` values evenly spaced from ``cheapest`` (the minimum-cost plan's metric) to
    ``best`` (the best metric), both ends included."""
    return [cheapest + (best - cheapest) * i / (points - 1) for i in range(points)]


def trace_frontier(instance: Instance, metric: str, points: int = 5,
                   options: SolveOptions | None = None,
                   on_point: OnPoint | None = None) -> Frontier:
    """Trace cost against ``metric`` (one of :data:`METRICS`) over ``points`` points (at least
    2: the two ends). Each solve has the options' time limit and gap; ``on_point(label)`` is
    called before each. The instance is not modified."""
    if metric not in METRICS:
        raise FrontierError(f"unknown metric {metric!r}: one of {', '.join(METRICS)}")
    if points < 2:
        raise FrontierError(f"points must be at least 2 (the two ends), got {points}")
    opts = options or SolveOptions()
    began = time.perf_counter()
    data, model, warnings = build_checked(instance)
    seconds = {"build": time.perf_counter() - began}
    m = metric_for(metric, data, model)

    # The dive (fix LP values, re-solve) is slow with a dense metric row: on kent_growth one
    # epsilon solve took 346 s with it and 16 s without; the rows' solves go to branch and cut.
    constrained = opts.model_copy(update={"dive": False})

    def run(label: str, variant: MatrixModel, incumbent: np.ndarray | None = None) -> Result:
        if on_point is not None:
            on_point(label)
        start = time.perf_counter()
        o = opts if variant is model else constrained
        result = solve_built(instance, data, variant, o, Deadline.after(o.time_limit),
                             warnings, incumbent=incumbent)
        seconds[label] = time.perf_counter() - start
        return result

    cheapest = _required(run("min_cost", model), "the minimum-cost plan")
    capped = _unmet_capped(model, cheapest.kpi("unmet"))
    if on_point is not None:
        on_point("best_metric_first")
    start = time.perf_counter()
    best_x, first_stage = _best_metric_plan(capped, m, constrained)
    seconds["best_metric_first"] = time.perf_counter() - start
    best = m.value(best_x)
    first_stage["metric"] = best
    held = best + (HOLD_TOLERANCE if m.minimised else -HOLD_TOLERANCE) * max(1.0, abs(best))
    # The plan best on the metric meets every later row: each solve's first incumbent.
    end = run("best_metric", _epsilon_row(capped, m, held), best_x)
    targets = [*epsilons(_metric_of(m, cheapest), best, points)[:-1], held]
    inner: dict[int, Result] = {}
    for i in range(points - 2, 0, -1):
        inner[i] = run(f"epsilon_{i}", _epsilon_row(capped, m, targets[i]), best_x)
    results = (cheapest, *(inner[i] for i in range(1, points - 1)), end)
    roles = ["min_cost", *["epsilon"] * (points - 2), "best_metric"]
    rows = [point_row(i, role, targets[i], r, metric)
            for i, (role, r) in enumerate(zip(roles, results, strict=True))]
    seconds["total"] = time.perf_counter() - began
    return Frontier(instance.name, instance.fingerprint(), metric, opts,
                    with_dominance(pd.DataFrame(rows), m.minimised), results, first_stage,
                    seconds)


def _best_metric_plan(capped: MatrixModel, m: Metric,
                      opts: SolveOptions) -> tuple[np.ndarray, dict[str, object]]:
    """The first stage of the best end: a plan minimising the metric alone (maximising
    ``local_share``) with no more pupils unmet; a stepping stone, not a point, so the backend
    is run directly for its solution."""
    variant = replace(capped, c=(1.0 if m.minimised else -1.0) * m.coefficients, offset=0.0)
    backend = choose_backend(variant, opts.backend)
    raw, _ = run_stage("best_metric_first", Deadline.after(opts.time_limit), opts,
                       backend.name, lambda o: backend.run(variant, o))
    if raw.x is None:
        raise FrontierError(f"the plan best on {m.name} has no solution ({raw.status.value}): "
                            f"no frontier to trace. {raw.message}".strip())
    gap = raw.gap if raw.gap is not None and np.isfinite(raw.gap) else None
    return raw.x, {"status": raw.status.value, "gap": gap}


def _required(result: Result, what: str) -> Result:
    if not result.status.has_solution:
        raise FrontierError(f"{what} has no solution ({result.status.value}): no frontier to "
                            f"trace. {result.message}".strip())
    return result


def _metric_of(m: Metric, result: Result) -> float:
    return metric_from_result(m.name, result)


def _unmet_capped(model: MatrixModel, unmet: float) -> MatrixModel:
    """``model`` with the row ``sum(unmet) <= unmet`` (the minimum-cost plan's): along the
    frontier no pupil loses a place to shorten journeys or avoid a kind of provision."""
    layout = model.layout
    assert layout is not None
    cols = layout.columns.index(Role.UNMET)
    if cols.size == 0:
        return model
    row = np.zeros(model.n_cols)
    row[cols] = 1.0
    upper = np.array([unmet + UNMET_TOLERANCE * (cols.size + unmet)])
    return with_rows(model, "frontier_unmet", row, np.array([-np.inf]), upper)


def _epsilon_row(model: MatrixModel, m: Metric, epsilon: float) -> MatrixModel:
    """``model`` with the epsilon row: metric <= epsilon (>= for a metric maximised)."""
    lower, upper = m.bounds(epsilon)
    return with_rows(model, "frontier_epsilon", m.coefficients, np.array([lower]),
                     np.array([upper]))


def frontier(instance: Instance, metric: str = "pupil_minutes", points: int = 5,
             options: SolveOptions | None = None, **overrides: object) -> Frontier:
    """The frontier of cost against ``metric`` (:func:`trace_frontier`); ``options`` or
    keyword overrides (``gap=1e-3``, ``time_limit=30``) set every solve."""
    opts = options or SolveOptions()
    if overrides:
        opts = SolveOptions.model_validate({**opts.model_dump(), **overrides})
    return trace_frontier(instance, metric, points, opts)
