"""Min-cost-flow backend (OR-Tools) for models that are pure transportation problems.

Applicable when the model has only demand rows (1) and shared-capacity rows (2) of
``models/allocation.md``, unit coefficients, and whole-number demand and capacities. The
network: demand row → provision-year (one arc per eligible arc, unit cost c), provision-year →
sink (capacity Cap, cost 0), demand row → sink (the unmet arc, cost pi).

**Cost scaling rule.** Min-cost flow needs integer costs. Costs are multiplied by
``scale = 10**d`` and rounded, with ``d`` the largest whole number in [0, 6] such that
``max|c| * scale * (total demand + 1) < 2**53`` (so every cost sum is exact in a float and far
from int64 overflow). The objective is then recomputed from the flows with the original
float costs. Rounding moves each unit cost by at most ``0.5 / scale``, so the objective is
within ``total demand / scale`` of the LP optimum (1e-6 GBP per pupil at ``d = 6``); the
contract tests check this against HiGHS. When even ``d = 0`` would overflow, the backend
declines the model.
"""

from __future__ import annotations

import time

import numpy as np
import numpy.typing as npt

from placement_opt.model.matrix import MatrixModel
from placement_opt.options import SolveOptions
from placement_opt.solvers.base import Backend, Capabilities, RawSolution
from placement_opt.status import Status

__all__ = ["BACKEND", "cost_scale", "flow_applicable", "solve_flow"]

_TOL = 1e-9
_FLOW_FAMILIES = {"demand", "capacity"}


def cost_scale(costs: npt.NDArray[np.float64], total_flow: float) -> int | None:
    """The scale 10**d of the documented rule, or None when costs are too large."""
    biggest = float(np.max(np.abs(costs))) if costs.size else 0.0
    for d in range(6, -1, -1):
        if biggest * 10**d * (total_flow + 1) < 2.0**53:
            return int(10**d)
    return None


def flow_applicable(model: MatrixModel) -> str | None:
    """Why min-cost flow cannot solve ``model``, or None when it can."""
    families = {b.family for b in model.blocks}
    extra = families - _FLOW_FAMILIES
    if extra:
        return f"side constraints ({', '.join(sorted(extra))}) are not a network"
    if "demand" not in families:
        return "no demand rows"
    if model.A.nnz and not np.all(model.A.data == 1.0):
        return "coefficients other than 1"
    if np.any(model.col_lower != 0) or np.any(np.isfinite(model.col_upper)):
        return "variable bounds other than [0, inf)"
    demand = model.block("demand")
    assert demand is not None
    rhs = model.row_lower[demand.start:demand.stop]
    cap_block = model.block("capacity")
    caps = model.row_upper[cap_block.start:cap_block.stop] if cap_block else np.zeros(0)
    if not (_whole(rhs) and _whole(caps)):
        return "demand or capacity is not a whole number"
    if cost_scale(model.c, float(rhs.sum())) is None:
        return "costs too large to scale to integers safely"
    return None


def _whole(values: npt.NDArray[np.float64]) -> bool:
    return bool(np.all(np.abs(values - np.round(values)) <= _TOL))


def solve_flow(model: MatrixModel, options: SolveOptions) -> RawSolution:
    """Solve a transportation-structured model by min-cost flow (no duals)."""
    from ortools.graph.python import min_cost_flow

    start = time.perf_counter()
    reason = flow_applicable(model)
    if reason is not None:
        return RawSolution(Status.ERROR, None, None, None, None, None, 0.0, "flow",
                           f"min-cost flow does not apply: {reason}")
    demand = model.block("demand")
    assert demand is not None
    cap_block = model.block("capacity")
    n_d = demand.size
    n_c = cap_block.size if cap_block else 0
    supply = np.round(model.row_lower[demand.start:demand.stop]).astype(np.int64)
    csc = model.A.tocsc()
    csc.sort_indices()
    counts = np.diff(csc.indptr)
    first_row = csc.indices[csc.indptr[:-1]]
    last_row = csc.indices[csc.indptr[1:] - 1]
    is_arc = counts == 2
    tail = first_row  # the demand row of every column
    sink = n_d + n_c
    head = np.where(is_arc, n_d + (last_row - (cap_block.start if cap_block else 0)), sink)
    scale = cost_scale(model.c, float(supply.sum()))
    assert scale is not None
    unit_cost = np.round(model.c * scale).astype(np.int64)
    arc_cap = supply[tail]

    smcf = min_cost_flow.SimpleMinCostFlow()
    ids = smcf.add_arcs_with_capacity_and_unit_cost(tail, head, arc_cap, unit_cost)
    if cap_block is not None:
        caps = np.round(model.row_upper[cap_block.start:cap_block.stop]).astype(np.int64)
        smcf.add_arcs_with_capacity_and_unit_cost(
            np.arange(n_d, n_d + n_c), np.full(n_c, sink), caps, np.zeros(n_c, dtype=np.int64))
    supplies = np.concatenate([supply, np.zeros(n_c, dtype=np.int64), [-supply.sum()]])
    smcf.set_nodes_supplies(np.arange(sink + 1), supplies)
    code = smcf.solve()
    seconds = time.perf_counter() - start
    if code != smcf.OPTIMAL:
        return RawSolution(Status.ERROR, None, None, None, None, None, seconds, "flow",
                           f"min-cost flow status {code}")
    x = np.asarray(smcf.flows(ids), dtype=float)
    objective = float(model.c @ x + model.offset)
    message = f"min-cost flow, costs scaled by {scale} (objective within {supply.sum() / scale:.2g})"
    return RawSolution(Status.OPTIMAL, x, objective, objective, 0.0, None, seconds, "flow",
                       message)


def _version() -> str | None:
    try:
        from ortools.graph.python import min_cost_flow  # noqa: F401
    except ImportError:  # pragma: no cover - ortools is a dependency
        return None
    from placement_opt.solvers.ortools_mb import ortools_version

    return ortools_version()


BACKEND = Backend(
    name="flow",
    description="OR-Tools min-cost flow, for pure allocation models (whole-number data)",
    capabilities=Capabilities(integers=True, duals=False, time_limit=False, threads=False,
                              side_constraints=False),
    run=solve_flow,
    version=_version,
    applicable=flow_applicable,
)
