"""OR-Tools backend: model_builder filled straight from the sparse arrays; SCIP for MIPs, GLOP
for LPs (or PDLP with ``lp_method="pdlp"``)."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from placement_opt.model.matrix import MatrixModel
from placement_opt.options import SolveOptions
from placement_opt.solvers.base import Backend, Capabilities, RawSolution, relative_gap
from placement_opt.status import Status

__all__ = ["BACKEND", "ortools_version", "solve_ortools"]


def ortools_version() -> str | None:
    """Installed OR-Tools version, or None."""
    try:
        import ortools
    except ImportError:  # pragma: no cover - ortools is a dependency
        return None
    return str(getattr(ortools, "__version__", "unknown"))


def solve_ortools(model: MatrixModel, options: SolveOptions) -> RawSolution:
    """Solve with OR-Tools (SCIP when integer, GLOP or PDLP otherwise)."""
    from ortools.linear_solver.python import model_builder as mb
    from ortools.linear_solver.python import model_builder_helper as mbh

    builder = mbh.ModelBuilderHelper()
    fill: Any = builder.fill_model_from_sparse_data
    fill(*(np.asarray(a, dtype=np.float64) for a in (
        model.col_lower, model.col_upper, model.c, model.row_lower, model.row_upper)),
        model.A.tocsr())
    for j in np.flatnonzero(model.integrality):
        builder.set_var_integrality(int(j), True)
    builder.set_objective_offset(float(model.offset))
    name = "SCIP" if model.is_mip else ("PDLP" if options.lp_method == "pdlp" else "GLOP")
    solver = mbh.ModelSolverHelper(name)
    if options.time_limit is not None:
        solver.set_time_limit_in_seconds(float(options.time_limit))
    if name == "SCIP":
        params = [f"limits/gap = {options.gap}", f"randomization/randomseedshift = {options.seed}",
                  f"parallel/maxnthreads = {options.threads}"]
        if options.node_limit is not None:
            params.append(f"limits/nodes = {max(1, options.node_limit)}")
        if options.solution_limit is not None:
            params.append(f"limits/bestsol = {options.solution_limit}")
        solver.set_solver_specific_parameters("\n".join(params))
    solver.enable_output(options.verbose)
    start = time.perf_counter()
    solver.solve(builder)
    status = solver.status()
    seconds = time.perf_counter() - start
    mapped = _status(status, solver.has_solution(), mb)
    if not mapped.has_solution:
        return RawSolution(mapped, None, None, None, None, None, seconds, "ortools", status.name)
    x = np.asarray(solver.variable_values(), dtype=float)
    objective = float(solver.objective_value())
    duals = None
    if not model.is_mip:
        duals = np.asarray(solver.dual_values(), dtype=float)
        bound: float | None = objective
    else:
        bound = float(solver.best_objective_bound())
    gap = relative_gap(objective, bound) if model.is_mip else 0.0
    return RawSolution(mapped, x, objective, bound, gap, duals, seconds, "ortools", status.name)


def _status(status: object, has_solution: bool, mb: object) -> Status:
    s = mb.SolveStatus  # type: ignore[attr-defined]
    if status == s.OPTIMAL:
        return Status.OPTIMAL
    if status == s.FEASIBLE:
        return Status.FEASIBLE_AT_LIMIT
    if status == s.INFEASIBLE:
        return Status.INFEASIBLE
    if status == s.UNBOUNDED:
        return Status.UNBOUNDED
    if status in (s.NOT_SOLVED, s.CANCELLED_BY_USER):
        return Status.FEASIBLE_AT_LIMIT if has_solution else Status.NO_SOLUTION_AT_LIMIT
    return Status.ERROR


BACKEND = Backend(
    name="ortools",
    description="OR-Tools model_builder: SCIP for MIPs, GLOP (or PDLP) for LPs with duals",
    capabilities=Capabilities(integers=True, duals=True, time_limit=True, threads=True),
    run=solve_ortools,
    version=ortools_version,
)
