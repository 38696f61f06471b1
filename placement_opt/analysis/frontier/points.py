"""One row per frontier point (epsilon, metric, cost, status, gap, bound and key KPIs) and
which points another point dominates."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from placement_opt.analysis.frontier.metrics import METRICS, metric_from_result
from placement_opt.results.result import Result

__all__ = ["DOMINANCE_TOLERANCE", "POINT_COLUMNS", "point_row", "with_dominance"]

#: KPIs over the horizon each point records besides the metrics.
_KPIS = ("total_cost", "capital_cost", "unmet", "placed", "openings", "places_added",
         "mean_journey_min", "share_met_locally", "placed_independent")
#: Columns of :attr:`Frontier.points`, in order.
POINT_COLUMNS = ["point", "role", "epsilon", "metric", "objective", "status", "gap", "bound",
                 "dominated", "dominated_by", *_KPIS, *METRICS]
#: Relative difference below which two costs or two metric values count as equal.
DOMINANCE_TOLERANCE = 1e-7


def point_row(i: int, role: str, epsilon: float, result: Result, metric: str) -> dict[str, Any]:
    """The row of point ``i``: its epsilon, the metric of its plan, the solver's objective,
    status, gap and bound, the KPIs and every metric (NaN without a plan)."""
    has = result.status.has_solution
    nan = float("nan")
    row: dict[str, Any] = {
        "point": i, "role": role, "epsilon": epsilon,
        "metric": metric_from_result(metric, result) if has else nan,
        "objective": nan if result.objective is None else result.objective,
        "status": result.status.value,
        "gap": nan if result.gap is None else result.gap,
        "bound": nan if result.bound is None else result.bound,
    }
    row.update({k: result.kpi(k) if has else nan for k in _KPIS})
    row.update({name: metric_from_result(name, result) if has else nan for name in METRICS})
    return row


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= DOMINANCE_TOLERANCE * max(1.0, abs(a), abs(b))


def with_dominance(points: pd.DataFrame, minimised: bool) -> pd.DataFrame:
    """``points`` (rows of :func:`point_row`) in :data:`POINT_COLUMNS` order, with
    ``dominated`` (another point's plan costs no more and is no worse on the metric, and is
    better on one of them beyond :data:`DOMINANCE_TOLERANCE`) and ``dominated_by`` (the first
    such point). For optimal points this cannot happen; within a gap it can."""
    cost = points["objective"].to_numpy(float)
    value = points["metric"].to_numpy(float) * (1.0 if minimised else -1.0)
    by: list[Any] = []
    for i in range(len(points)):
        first = None
        for j in range(len(points)):
            if j == i or np.isnan(cost[i]) or np.isnan(cost[j]):
                continue
            no_worse = ((cost[j] <= cost[i] or _close(cost[j], cost[i]))
                        and (value[j] <= value[i] or _close(value[j], value[i])))
            better = ((cost[j] < cost[i] and not _close(cost[j], cost[i]))
                      or (value[j] < value[i] and not _close(value[j], value[i])))
            if no_worse and better:
                first = int(points["point"].iloc[j])
                break
        by.append(first)
    out = points.assign(dominated=[b is not None for b in by],
                        dominated_by=pd.array(by, dtype="Int64"))
    return out[POINT_COLUMNS].reset_index(drop=True)
