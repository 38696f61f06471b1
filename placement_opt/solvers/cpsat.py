"""CP-SAT backend (OR-Tools) for models whose every variable can be a whole number.

**When it applies.** CP-SAT solves pure integer programmes. The backend declares every column
an integer, so it accepts a model only when that changes nothing: placements must already be
whole pupils (``integer_pupils = true``), and every constraint row, after the scaling below,
must have integer coefficients and bounds (then unmet pupils, sizes and overspend are whole
numbers at an optimum too).

**Scaling rule.** Each row is multiplied by ``10**d`` with ``d`` the smallest whole number in
[0, 6] that makes all its coefficients and finite bounds integral (to 1e-9); a row that needs
more declines the model. The objective uses :func:`placement_opt.solvers.flow.cost_scale`
(the same rule as the min-cost flow backend: the largest ``d`` in [0, 6] keeping
``max|c| * 10**d * (sum of the costed columns' upper bounds)`` below 2**53) and is
recomputed from the solution with the original float costs, so it is within
``sum(x) / 10**d`` of the true optimum. Columns without a finite upper bound get one from the
demand rows they appear in, else ``UNBOUNDED_CAP``.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import numpy.typing as npt

from placement_opt.model.columns import Role
from placement_opt.model.matrix import MatrixModel
from placement_opt.options import SolveOptions
from placement_opt.solvers.base import Backend, Capabilities, RawSolution, relative_gap
from placement_opt.solvers.flow import cost_scale
from placement_opt.status import Status

__all__ = ["BACKEND", "UNBOUNDED_CAP", "cpsat_applicable", "row_scales", "solve_cpsat"]

#: Upper bound given to columns with no finite bound of their own (GBP or pupils).
UNBOUNDED_CAP = 10**9
_TOL = 1e-9


def _integral(values: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
    return np.abs(values - np.round(values)) <= _TOL * np.maximum(1.0, np.abs(values))


def row_scales(model: MatrixModel) -> npt.NDArray[np.int64] | None:
    """Per row, the power of ten that makes it integral (None if a row needs more than 10**6)."""
    csr = model.A.tocsr()
    scales = np.full(model.n_rows, -1, dtype=np.int64)
    lo = np.where(np.isfinite(model.row_lower), model.row_lower, 0.0)
    hi = np.where(np.isfinite(model.row_upper), model.row_upper, 0.0)
    row_of = np.repeat(np.arange(model.n_rows), np.diff(csr.indptr))
    for d in range(7):
        f = 10.0**d
        ok = _integral(lo * f) & _integral(hi * f)
        bad_entry = ~_integral(csr.data * f)
        ok[row_of[bad_entry]] = False
        scales[(scales < 0) & ok] = d
    return None if np.any(scales < 0) else scales


def cpsat_applicable(model: MatrixModel) -> str | None:
    """Why CP-SAT cannot solve ``model``, or None when it can."""
    role = model.column_keys.get("role", np.zeros(model.n_cols, dtype=np.int64))
    if not np.all(model.integrality[role == Role.ARC]):
        return "placements are not whole pupils (set integer_pupils = true)"
    if np.any(role == Role.TRANSFER):
        return "phase-transfer flows are fractional (leavers are pupils / years in the phase)"
    if row_scales(model) is None:
        return "a constraint needs more than 6 decimal places to be integral"
    if _objective_scale(model, _upper_bounds(model)) is None:
        return "costs too large to scale to integers safely"
    return None


def _objective_scale(model: MatrixModel, upper: npt.NDArray[np.int64]) -> int | None:
    """The flow backend's rule over the largest total the costed columns can reach."""
    costed = model.c != 0
    return cost_scale(model.c, float(upper[costed].sum()))


def _upper_bounds(model: MatrixModel) -> npt.NDArray[np.int64]:
    """Finite upper bounds: the column's own, else the demand of the rows it serves."""
    upper = np.where(np.isfinite(model.col_upper), model.col_upper, np.inf)
    block = model.block("demand")
    if block is not None:
        csc = model.A.tocsc()
        rows = csc.indices
        cols = np.repeat(np.arange(model.n_cols), np.diff(csc.indptr))
        in_demand = (rows >= block.start) & (rows < block.stop)
        cap = np.full(model.n_cols, np.inf)
        np.minimum.at(cap, cols[in_demand], model.row_upper[rows[in_demand]])
        upper = np.minimum(upper, cap)
    return np.where(np.isfinite(upper), np.floor(upper + _TOL), UNBOUNDED_CAP).astype(np.int64)


def solve_cpsat(model: MatrixModel, options: SolveOptions) -> RawSolution:
    """Solve with CP-SAT (every variable integer; see the module's scaling rule)."""
    from ortools.sat.python import cp_model

    start = time.perf_counter()
    reason = cpsat_applicable(model)
    if reason is not None:
        return RawSolution(Status.ERROR, None, None, None, None, None, 0.0, "cpsat",
                           f"CP-SAT does not apply: {reason}")
    scales = row_scales(model)
    assert scales is not None
    cp = cp_model.CpModel()
    lower = np.ceil(model.col_lower - _TOL).astype(np.int64)
    upper = _upper_bounds(model)
    xs: list[Any] = [cp.new_int_var(int(lo), int(hi), f"x{j}")
                     for j, (lo, hi) in enumerate(zip(lower, upper, strict=True))]
    csr = model.A.tocsr()
    for i in range(model.n_rows):
        f = 10.0 ** int(scales[i])
        a, b = csr.indptr[i], csr.indptr[i + 1]
        coefs = np.rint(csr.data[a:b] * f).astype(np.int64).tolist()
        expr = cp_model.LinearExpr.weighted_sum([xs[j] for j in csr.indices[a:b]], coefs)
        lo = int(np.rint(model.row_lower[i] * f)) if np.isfinite(model.row_lower[i]) else None
        hi = int(np.rint(model.row_upper[i] * f)) if np.isfinite(model.row_upper[i]) else None
        if lo is not None and lo == hi:
            cp.add(expr == lo)
        else:
            if lo is not None:
                cp.add(expr >= lo)
            if hi is not None:
                cp.add(expr <= hi)
    scale = _objective_scale(model, upper)
    assert scale is not None
    obj = np.round(model.c * scale).astype(np.int64)
    nz = np.flatnonzero(obj)
    cp.minimize(cp_model.LinearExpr.weighted_sum([xs[j] for j in nz], [int(obj[j]) for j in nz]))
    solver = cp_model.CpSolver()
    if options.time_limit is not None:
        # The limit covers building the CP model too: the search gets what is left of it.
        spent = time.perf_counter() - start
        solver.parameters.max_time_in_seconds = max(0.05, float(options.time_limit) - spent)
    solver.parameters.num_workers = int(options.threads)
    solver.parameters.random_seed = int(options.seed)
    solver.parameters.relative_gap_limit = float(options.gap)
    solver.parameters.log_search_progress = bool(options.verbose)
    if options.solution_limit is not None:
        # CP-SAT can stop at its first solution only; larger limits are not offered.
        solver.parameters.stop_after_first_solution = True
    code = solver.solve(cp)
    seconds = time.perf_counter() - start
    status = {cp_model.OPTIMAL: Status.OPTIMAL, cp_model.FEASIBLE: Status.FEASIBLE_AT_LIMIT,
              cp_model.INFEASIBLE: Status.INFEASIBLE,
              cp_model.UNKNOWN: Status.NO_SOLUTION_AT_LIMIT}.get(code, Status.ERROR)
    message = f"{solver.status_name(code)}; costs scaled by {scale}"
    if not status.has_solution:
        return RawSolution(status, None, None, None, None, None, seconds, "cpsat", message)
    x = np.array([solver.value(v) for v in xs], dtype=float)
    objective = float(model.c @ x + model.offset)
    bound = float(solver.best_objective_bound) / scale + model.offset
    gap = relative_gap(objective, bound)
    return RawSolution(status, x, objective, bound, gap, None, seconds, "cpsat", message)


def _version() -> str | None:
    from placement_opt.solvers.ortools_mb import ortools_version

    return ortools_version()


BACKEND = Backend(
    name="cpsat",
    description="OR-Tools CP-SAT, for models in whole numbers (integer_pupils); scaled rows",
    capabilities=Capabilities(integers=True, duals=False, time_limit=True, threads=True),
    run=solve_cpsat,
    version=_version,
    applicable=cpsat_applicable,
)
