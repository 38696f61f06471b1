"""``solve(instance)``: build, check, hand to a backend, and return a new Result."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from placement_opt.budget import Deadline, Outcome, Stage
from placement_opt.errors import Issue, PlacementOptError, Severity
from placement_opt.instance import Instance
from placement_opt.model.arcs import eligible_arcs
from placement_opt.model.build import build_from_data
from placement_opt.model.checks import presolve_checks
from placement_opt.model.data import ModelData
from placement_opt.model.matrix import MatrixModel
from placement_opt.model.safety_valve import check_target
from placement_opt.model.tie_break import tie_break_costs
from placement_opt.options import SolveOptions
from placement_opt.results.model_cache import model_data_of
from placement_opt.results.result import Result, make_result
from placement_opt.solvers.base import RawSolution
from placement_opt.solvers.diagnose import diagnose_within
from placement_opt.solvers.fallback import with_trivial_incumbent
from placement_opt.solvers.highs import solve_highs
from placement_opt.solvers.registry import Backend, get_backend
from placement_opt.solvers.watchdog import no_time
from placement_opt.status import Status

__all__ = ["build_checked", "choose_backend", "fixed_decision_model", "run_stage", "solve",
           "solve_built", "solve_built_raw"]


def solve(instance: Instance, options: SolveOptions | None = None, **overrides: Any) -> Result:
    """Solve ``instance``: the allocation model of ``models/allocation.md``, with candidate
    sites (``models/openings.md``) and expansions, budgets and continuity
    (``models/planning.md``) where the instance has them.

    ``options`` (or keyword overrides such as ``time_limit=10``, ``gap=1e-3``, ``threads=2``)
    set the solver. The instance is not modified.

    The whole call, model build included, runs within ``time_limit``: each stage (the solve,
    the LP for MIP duals, an infeasibility diagnosis) gets the time left, a stage with none
    left is skipped, and ``Result.stages`` says how each ended (``placement_opt.budget``).
    """
    opts = options or SolveOptions()
    if overrides:
        opts = SolveOptions.model_validate({**opts.model_dump(), **overrides})
    deadline = Deadline.after(opts.time_limit)
    start = time.perf_counter()
    data, model, warnings = build_checked(instance)
    return solve_built(instance, data, model, opts, deadline, warnings,
                       time.perf_counter() - start)


def build_checked(instance: Instance) -> tuple[ModelData, MatrixModel, list[Issue]]:
    """The model of ``instance`` and the pre-solve checks' findings (a Safety Valve target
    outside the account is a located error)."""
    check_target(instance)
    data = model_data_of(instance)  # the reports of this run reuse it
    arcs = eligible_arcs(data)
    model = build_from_data(data, arcs, instance)
    return data, model, presolve_checks(data, arcs) + penalty_scale_check(model, len(arcs))


def solve_built(instance: Instance, data: ModelData, model: MatrixModel, opts: SolveOptions,
                deadline: Deadline, warnings: list[Issue], build_seconds: float = 0.0,
                incumbent: np.ndarray | None = None) -> Result:
    """Solve ``model`` (built from ``instance`` by :func:`build_checked`, or a variant of it
    with the same columns: a decision forced, a row added) into a new Result. ``incumbent``, a
    feasible point of ``model``, is handed to HiGHS as its first solution."""
    return solve_built_raw(instance, data, model, opts, deadline, warnings, build_seconds,
                           incumbent)[0]


def solve_built_raw(instance: Instance, data: ModelData, model: MatrixModel,
                    opts: SolveOptions, deadline: Deadline, warnings: list[Issue],
                    build_seconds: float = 0.0, incumbent: np.ndarray | None = None
                    ) -> tuple[Result, RawSolution]:
    """:func:`solve_built`, with the backend's solution (its ``x`` for analyses that re-solve
    from this plan)."""
    warnings = list(warnings)
    backend = choose_backend(model, opts.backend)
    if opts.tie_break and backend.name == "highs":
        # Ties between placements broken by the arcs' labels (model/tie_break.py): HiGHS
        # re-solves the LP (a MIP's with its decisions fixed) warm under the perturbed costs,
        # keeping the first pass's optimum as the bound and its duals.
        model = replace(model, tie_break=tie_break_costs(model))
    raw, first = run_stage("solve", deadline, opts, backend.name,
                           lambda o: _run_backend(backend, model, o, incumbent))
    solver_raw = raw
    raw = with_trivial_incumbent(model, raw)  # always a plan at a time limit, when one is
    trivial = raw is not solver_raw  # not an optimum: no duals for it
    stages = [first]
    if opts.backend == "auto":
        raw = replace(raw, message=f"auto chose {backend.name}: {raw.message}")
    # The tie-broken placements of the plan's decisions, when there is time left for them
    # (a plan from the dive has them, with its duals: its fixed LP took the second pass).
    settle = model.tie_break is not None and raw.row_dual is None and not deadline.expired()
    if model.is_mip and raw.x is not None and not trivial \
            and ((opts.mip_duals and raw.row_dual is None) or settle):
        fixed = fixed_decision_model(model, raw.x)
        lp, stage = run_stage("duals", deadline, opts.model_copy(update={"backend": "highs"}),
                              "highs", lambda o: solve_highs(fixed, o))
        stages.append(stage)
        optimal = lp.status is Status.OPTIMAL
        raw = replace(raw, row_dual=lp.row_dual if optimal and opts.mip_duals else None)
        if optimal and settle and lp.x is not None and lp.objective is not None:
            raw = replace(raw, x=lp.x, objective=min(lp.objective, raw.objective or np.inf))
    elif model.is_mip and not opts.mip_duals:
        raw = replace(raw, row_dual=None)
    diagnosis = None
    if raw.status is Status.INFEASIBLE and opts.diagnose:
        given = deadline.remaining()
        began = time.perf_counter()
        diagnosis, outcome = diagnose_within(model, opts, deadline)
        stages.append(Stage("diagnosis", outcome, given, time.perf_counter() - began))
        warnings += [Issue("infeasibility diagnosis", text, severity=Severity.ERROR)
                     for text in diagnosis["explanation"]]
    return make_result(instance, data, model, raw, warnings, build_seconds, diagnosis,
                       stages=tuple(stages)), raw


def _run_backend(backend: Backend, model: MatrixModel, options: SolveOptions,
                 incumbent: np.ndarray | None) -> RawSolution:
    """``backend`` on ``model``, with ``incumbent`` as HiGHS's first solution when given."""
    if incumbent is not None and backend.name == "highs":
        return solve_highs(model, options, incumbent=incumbent)
    return backend.run(model, options)


def run_stage(name: str, deadline: Deadline, options: SolveOptions, backend: str,
              run: Callable[[SolveOptions], RawSolution]) -> tuple[RawSolution, Stage]:
    """``run`` with the time left as its limit, and how it ended; skipped when none is left."""
    given = deadline.remaining()
    if deadline.expired():
        return no_time(backend), Stage(name, "skipped", given, 0.0)
    began = time.perf_counter()
    raw = run(deadline.options_for(options))
    at_limit = raw.status in (Status.FEASIBLE_AT_LIMIT, Status.NO_SOLUTION_AT_LIMIT)
    outcome: Outcome = "cut_short" if at_limit and deadline.ran_out(given) else "done"
    return raw, Stage(name, outcome, given, time.perf_counter() - began)


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


def fixed_decision_model(model: MatrixModel, x: np.ndarray) -> MatrixModel:
    """The LP left when every integer decision (openings; pupils too when whole pupils are
    asked for) is fixed at its MIP value: its duals are the marginal values at the MIP optimum
    (``models/openings.md``)."""
    decisions = model.integrality
    lower = np.where(decisions, np.round(x), model.col_lower)
    upper = np.where(decisions, np.round(x), model.col_upper)
    return replace(model, col_lower=lower, col_upper=upper,
                   integrality=np.zeros(model.n_cols, dtype=bool))


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
