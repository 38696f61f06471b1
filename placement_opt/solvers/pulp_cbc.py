"""PuLP backend with CBC, and writing a MatrixModel as .lp / .mps for any other solver.

PuLP builds one Python object per variable, so this path is for portability and
cross-checking, not speed. PuLP 3.x bundles CBC (``PULP_CBC_CMD``); PuLP 4.x needs Python
>= 3.12, does not bundle CBC and removed that class, hence the ``pulp<3.4`` pin.
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from placement_opt.errors import OutputError
from placement_opt.model.matrix import MatrixModel
from placement_opt.options import SolveOptions
from placement_opt.solvers.base import Backend, Capabilities, RawSolution, relative_gap
from placement_opt.status import Status

__all__ = ["BACKEND", "pulp_version", "solve_pulp", "to_pulp", "write_model"]


def pulp_version() -> str | None:
    """Installed PuLP version when its bundled CBC is usable, else None."""
    try:
        import pulp
    except ImportError:  # pragma: no cover - pulp is a dependency
        return None
    if not hasattr(pulp, "PULP_CBC_CMD"):
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        if not pulp.PULP_CBC_CMD(msg=False).available():
            return None
    return str(pulp.__version__)


def to_pulp(model: MatrixModel) -> tuple[Any, list[Any], list[tuple[int, Any]]]:
    """The model as a PuLP problem; returns (problem, variables, [(row, constraint)])."""
    with warnings.catch_warnings():
        # PuLP 3.3 announces its 4.0 API on every variable; we pin < 3.4 (see module doc).
        warnings.simplefilter("ignore", DeprecationWarning)
        return _to_pulp(model)


def _to_pulp(model: MatrixModel) -> tuple[Any, list[Any], list[tuple[int, Any]]]:
    import pulp

    prob = pulp.LpProblem("placement_opt", pulp.LpMinimize)
    variables = [
        pulp.LpVariable(f"x{j}", lowBound=_finite(lo), upBound=_finite(hi),
                        cat=pulp.LpInteger if integer else pulp.LpContinuous)
        for j, (lo, hi, integer) in enumerate(
            zip(model.col_lower, model.col_upper, model.integrality, strict=True))
    ]
    cost = [(variables[j], float(c)) for j, c in enumerate(model.c) if c != 0]
    prob += pulp.LpAffineExpression(cost, constant=float(model.offset))
    csr = model.A.tocsr()
    constraints: list[tuple[int, Any]] = []
    for i in range(model.n_rows):
        lo, hi = float(model.row_lower[i]), float(model.row_upper[i])
        start, stop = csr.indptr[i], csr.indptr[i + 1]
        expr = pulp.LpAffineExpression(
            [(variables[j], float(v)) for j, v in zip(csr.indices[start:stop], csr.data[start:stop],
                                                       strict=True)])
        if lo == hi:
            pieces = [(pulp.LpConstraintEQ, lo)]
        else:
            pieces = []
            if np.isfinite(lo):
                pieces.append((pulp.LpConstraintGE, lo))
            if np.isfinite(hi):
                pieces.append((pulp.LpConstraintLE, hi))
        for k, (sense, rhs) in enumerate(pieces):
            con = pulp.LpConstraint(e=expr, sense=sense, rhs=rhs, name=f"r{i}_{k}")
            prob += con
            constraints.append((i, con))
    return prob, variables, constraints


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def solve_pulp(model: MatrixModel, options: SolveOptions) -> RawSolution:
    """Solve with CBC through PuLP; duals (``pi``) for LPs."""
    import pulp

    began = time.perf_counter()
    prob, variables, constraints = to_pulp(model)
    start = time.perf_counter()
    # The time limit covers building PuLP's objects too: CBC gets what is left of it.
    limit = (None if options.time_limit is None
             else max(0.05, options.time_limit - (start - began)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        solver = pulp.PULP_CBC_CMD(msg=options.verbose, timeLimit=limit,
                                   gapRel=options.gap, threads=options.threads,
                                   options=[f"randomSeed {options.seed + 1}"] + (
                                       [f"maxNodes {options.node_limit}"]
                                       if options.node_limit is not None else []) + (
                                       [f"maxSolutions {options.solution_limit}"]
                                       if options.solution_limit is not None else []))
        prob.solve(solver)
    seconds = time.perf_counter() - start
    status = _status(prob.status, prob.sol_status)
    message = f"{pulp.LpStatus[prob.status]} / solution status {prob.sol_status}"
    if not status.has_solution:
        return RawSolution(status, None, None, None, None, None, seconds, "pulp", message)
    x = np.array([v.varValue or 0.0 for v in variables], dtype=float)
    objective = float(model.c @ x + model.offset)
    duals = None
    if not model.is_mip:
        duals = np.zeros(model.n_rows)
        for row, con in constraints:
            duals[row] += float(con.pi or 0.0)
    bound = objective if status is Status.OPTIMAL else None
    gap = 0.0 if status is Status.OPTIMAL else relative_gap(objective, bound)
    return RawSolution(status, x, objective, bound, gap, duals, seconds, "pulp", message)


def _status(problem_status: int, solution_status: int) -> Status:
    import pulp

    if solution_status == pulp.LpSolutionOptimal:
        return Status.OPTIMAL
    if solution_status == pulp.LpSolutionIntegerFeasible:
        return Status.FEASIBLE_AT_LIMIT
    if problem_status == pulp.LpStatusInfeasible or solution_status == pulp.LpSolutionInfeasible:
        return Status.INFEASIBLE
    if problem_status == pulp.LpStatusUnbounded or solution_status == pulp.LpSolutionUnbounded:
        return Status.UNBOUNDED
    if problem_status == pulp.LpStatusNotSolved:
        return Status.NO_SOLUTION_AT_LIMIT
    return Status.ERROR


def write_model(model: MatrixModel, path: Path, overwrite: bool = False) -> Path:
    """Write ``model`` as ``.lp`` or ``.mps`` (by suffix) for use with any solver."""
    suffix = path.suffix.lower()
    if suffix not in (".lp", ".mps"):
        raise OutputError(f"{path}: use a .lp or .mps file name")
    if path.exists() and not overwrite:
        raise OutputError(f"{path} already exists; choose another name or allow overwriting")
    prob, _, _ = to_pulp(model)
    if suffix == ".lp":
        prob.writeLP(str(path))
    else:
        prob.writeMPS(str(path))
    return path


BACKEND = Backend(
    name="pulp",
    description="PuLP with its bundled CBC (object per variable; LP duals; .lp/.mps export)",
    capabilities=Capabilities(integers=True, duals=True, time_limit=True, threads=True),
    run=solve_pulp,
    version=pulp_version,
)
