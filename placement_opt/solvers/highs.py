"""HiGHS backend through highspy (the embedded default)."""

from __future__ import annotations

import time
from functools import partial

import highspy
import numpy as np

from placement_opt.model.matrix import MatrixModel
from placement_opt.options import SolveOptions
from placement_opt.progress import Clock, heartbeat
from placement_opt.solvers.base import Backend, Capabilities, RawSolution
from placement_opt.solvers.dive import DiveResult, dive, relaxed
from placement_opt.solvers.highs_core import (
    collect,
    highs_version,
    match_scheduler,
    new_highs,
    pass_model,
    progress_clock,
    secondary_pass,
)
from placement_opt.solvers.pricing import pricing_applies, pricing_groups, solve_by_pricing
from placement_opt.solvers.watchdog import Runner, run_watched
from placement_opt.status import Status

# collect, highs_version, match_scheduler, new_highs, pass_model: from highs_core, kept here for
# the callers that import them from this module.
__all__ = ["BACKEND", "WATCHDOG_NNZ", "collect", "highs_version", "match_scheduler", "new_highs",
           "pass_model", "solve_highs", "uses_watchdog"]

#: ``watchdog="auto"`` runs HiGHS in a killable child process from this many nonzeros up.
WATCHDOG_NNZ = 1_000_000


def uses_watchdog(model: MatrixModel, options: SolveOptions) -> bool:
    """True when ``solve_highs`` runs HiGHS in a child process killed at the deadline."""
    if options.time_limit is None or options.watchdog == "off":
        return False
    return options.watchdog == "on" or int(model.A.nnz) >= WATCHDOG_NNZ


def solve_highs(model: MatrixModel, options: SolveOptions,
                incumbent: np.ndarray | None = None) -> RawSolution:
    """Solve ``model`` with HiGHS; duals are returned when the model is an LP. A large LP is
    solved by column pricing (``options.pricing``, :mod:`placement_opt.solvers.pricing`); with
    a time limit, a large model runs under the watchdog (``options.watchdog``). ``incumbent``
    (a feasible point of a MIP, e.g. a re-solve's previous plan) is branch and cut's first
    solution when the dive finds none as good.

    With ``options.progress``, the run reports its elapsed time, incumbent, bound and gap
    (:mod:`placement_opt.progress`; under the watchdog, the elapsed time only), and ends
    with one event for its answer."""
    runner: Runner = partial(_solve_here, incumbent=incumbent)
    priced = pricing_applies(model, options)
    if priced:
        # The groups go with the runner: the watchdog's child gets a slimmed model.
        runner = partial(solve_by_pricing, groups=pricing_groups(model))
    clock = progress_clock(options)
    watched = uses_watchdog(model, options)
    if clock is not None:
        options = options.model_copy(update={"progress": clock})
        if watched or priced:  # else _solve_here says what it does
            clock.phase(f"{'LP by column pricing' if priced else 'solver'}"
                        f"{' in a watched process' if watched else ''}")
    with heartbeat(clock):
        if watched:
            # The reporter stays here (it need not pickle): the heartbeat shows the child's time.
            raw = run_watched(runner, model, options.model_copy(
                update={"watchdog": "off", "progress": None}), "highs")
        else:
            raw = runner(model, options)
    if clock is not None:
        clock.event(incumbent=raw.objective, bound=raw.bound, gap=raw.gap,
                    detail=raw.status.value.replace("_", " "), force=True)
    return raw


def _phase(options: SolveOptions, detail: str) -> None:
    """Say that the solve now does ``detail`` (when it reports progress)."""
    if isinstance(options.progress, Clock):
        options.progress.phase(detail)


#: The dive fixes one integer column a step: it runs on planning MIPs (openings, increments),
#: not on whole-pupil models whose every placement is an integer; a node or solution limit
#: asks for branch and cut's own stop, so it skips the dive too.
DIVE_MAX_INTEGERS = 2_000


def _solve_here(model: MatrixModel, options: SolveOptions,
                incumbent: np.ndarray | None = None) -> RawSolution:
    """HiGHS in this process. A planning MIP (see :data:`DIVE_MAX_INTEGERS`) first dives on its
    LP relaxation (``options.dive``, :mod:`placement_opt.solvers.dive`): within the gap of the
    relaxation's bound that is the answer, otherwise it is branch and cut's first incumbent."""
    start = time.perf_counter()
    first: DiveResult | None = None
    if model.is_mip and options.dive and options.node_limit is None \
            and options.solution_limit is None \
            and int(model.integrality.sum()) <= DIVE_MAX_INTEGERS:
        deadline = None if options.time_limit is None else start + float(options.time_limit)
        _phase(options, "LP relaxation and dive")
        lp = new_highs(options)
        pass_model(lp, relaxed(model))
        match_scheduler(int(options.threads))
        first = dive(lp, model, deadline)
        if first is not None and isinstance(options.progress, Clock):
            options.progress.event(incumbent=first.objective, bound=first.bound,
                                   gap=first.gap(), detail="dive done", force=True)
        if first is not None and first.gap() <= options.gap:
            return RawSolution(Status.OPTIMAL, first.x, first.objective, first.bound,
                               first.gap(), first.row_dual, time.perf_counter() - start, "highs",
                               f"Optimal within the gap (LP relaxation and a dive of "
                               f"{first.steps} steps)")
    _phase(options, "branch and cut" if model.is_mip else "LP")
    h = new_highs(options)
    if options.time_limit is not None:
        h.setOptionValue("time_limit", max(float(options.time_limit)
                                           - (time.perf_counter() - start), 1e-3))
    pass_model(h, model)
    start_x = first.x if first is not None else None
    if incumbent is not None and model.is_mip and (
            start_x is None or float(model.c @ incumbent) < float(model.c @ start_x)):
        start_x = incumbent
    if start_x is not None:
        given = highspy.HighsSolution()
        given.col_value = start_x.tolist()
        h.setSolution(given)
    match_scheduler(int(options.threads))
    h.run()
    seconds = time.perf_counter() - start
    raw = secondary_pass(h, model, np.arange(model.n_cols, dtype=np.int64),
                         collect(h, model, seconds))
    if raw.status is Status.ERROR and first is not None:
        # Branch and cut failed (numerics), but the dive's plan is feasible, with a proven gap.
        return RawSolution(Status.FEASIBLE_AT_LIMIT, first.x, first.objective, first.bound,
                           first.gap(), first.row_dual, seconds, "highs",
                           f"branch and cut stopped with an error ({raw.message}); the dive's "
                           f"plan, {first.gap():.3%} from the LP relaxation's bound")
    return raw


BACKEND = Backend(
    name="highs",
    description="HiGHS through highspy (embedded; LP duals; MIP by branch and cut)",
    capabilities=Capabilities(integers=True, duals=True, time_limit=True, threads=True),
    run=solve_highs,
    version=highs_version,
)
