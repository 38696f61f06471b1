"""``solve(instance)``: build, check, hand to a backend, and return a new Result."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import numpy as np

from placement_opt.errors import Issue, PlacementOptError, Severity
from placement_opt.instance import Instance
from placement_opt.model.arcs import eligible_arcs
from placement_opt.model.build import build_from_data
from placement_opt.model.checks import presolve_checks
from placement_opt.model.data import ModelData
from placement_opt.model.matrix import MatrixModel
from placement_opt.options import SolveOptions
from placement_opt.results.result import Result, make_result
from placement_opt.solvers.diagnose import diagnose_infeasibility
from placement_opt.solvers.registry import Backend, get_backend
from placement_opt.status import Status

__all__ = ["choose_backend", "solve"]


def solve(instance: Instance, options: SolveOptions | None = None, **overrides: Any) -> Result:
    """Solve ``instance``: the allocation model of ``models/allocation.md``, with candidate
    sites (``models/openings.md``) and expansions, budgets and continuity
    (``models/planning.md``) where the instance has them.

    ``options`` (or keyword overrides such as ``time_limit=10``, ``gap=1e-3``, ``threads=2``)
    set the solver. The instance is not modified.
    """
    opts = options or SolveOptions()
    if overrides:
        opts = SolveOptions.model_validate({**opts.model_dump(), **overrides})
    start = time.perf_counter()
    data = ModelData.from_instance(instance)
    arcs = eligible_arcs(data)
    model = build_from_data(data, arcs, instance)
    warnings = presolve_checks(data, arcs) + penalty_scale_check(model, len(arcs))
    build_seconds = time.perf_counter() - start
    backend = choose_backend(model, opts.backend)
    raw = backend.run(model, opts)
    if opts.backend == "auto":
        raw = replace(raw, message=f"auto chose {backend.name}: {raw.message}")
    if model.is_mip and raw.x is not None and opts.mip_duals:
        raw = replace(raw, row_dual=fixed_decision_duals(model, raw.x, opts))
    diagnosis = None
    if raw.status is Status.INFEASIBLE and opts.diagnose:
        diagnosis = diagnose_infeasibility(model, opts)
        warnings += [Issue("infeasibility diagnosis", text, severity=Severity.ERROR)
                     for text in diagnosis["explanation"]]
    return make_result(instance, data, model, raw, warnings, build_seconds, diagnosis)


#: Above this ratio of unmet penalty to dearest placement, solver tolerances (about 1e-6 on a
#: variable) times the penalty become visible in the objective.
PENALTY_RATIO_WARN = 1e4


def penalty_scale_check(model: MatrixModel, n_arcs: int) -> list[Issue]:
    """Numeric policy: warn when the unmet penalty dwarfs every placement cost."""
    if n_arcs == 0 or model.n_cols == n_arcs:
        return []
    dearest = float(np.max(np.abs(model.c[:n_arcs])))
    penalty = float(model.c[n_arcs])
    if dearest > 0 and penalty / dearest > PENALTY_RATIO_WARN:
        return [Issue("pre-solve check", (
            f"unmet_penalty ({penalty:,.0f}) is {penalty / dearest:,.0f} times the dearest "
            f"placement ({dearest:,.0f}): a solver's feasibility tolerance times the penalty can "
            "distort the objective; 10 to 100 times the dearest placement is enough"),
            severity=Severity.WARNING)]
    return []


def fixed_decision_duals(model: MatrixModel, x: np.ndarray, options: SolveOptions) -> np.ndarray | None:
    """Duals of the LP left when every integer decision (openings; pupils too when whole pupils
    are asked for) is fixed at its MIP value: marginal values at the MIP optimum
    (``models/openings.md``)."""
    from placement_opt.solvers.highs import solve_highs

    decisions = model.integrality
    lower = np.where(decisions, np.round(x), model.col_lower)
    upper = np.where(decisions, np.round(x), model.col_upper)
    fixed = replace(model, col_lower=lower, col_upper=upper,
                    integrality=np.zeros(model.n_cols, dtype=bool))
    raw = solve_highs(fixed, options.model_copy(update={"backend": "highs"}))
    return raw.row_dual if raw.status is Status.OPTIMAL else None


def choose_backend(model: MatrixModel, name: str) -> Backend:
    """The backend for ``name``; ``auto`` takes min-cost flow when the model is a pure
    transportation problem with whole-number data, HiGHS otherwise."""
    if name == "auto":
        name = "flow" if get_backend("flow").supports(model) is None else "highs"
    backend = get_backend(name)
    reason = backend.supports(model)
    if reason is not None:
        raise PlacementOptError(f"backend {name!r} cannot solve this model: {reason}")
    return backend
