"""HiGHS through highspy, the low level: a configured instance, the arrays handed over in one
call, the status read back; and one plain solve. The backend (``solvers/highs.py``) and column
pricing (``solvers/pricing.py``) build on it."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import highspy
import numpy as np
import numpy.typing as npt

from placement_opt.model.matrix import MatrixModel
from placement_opt.options import SolveOptions
from placement_opt.progress import Clock
from placement_opt.solvers.base import RawSolution, relative_gap
from placement_opt.status import Status

__all__ = ["attach_progress", "collect", "highs_version", "match_scheduler", "new_highs",
           "pass_model", "progress_clock", "secondary_pass", "solve_plain"]

_MS = highspy.HighsModelStatus
_INF = highspy.kHighsInf
_LIMITS = {_MS.kTimeLimit, _MS.kIterationLimit, _MS.kSolutionLimit, _MS.kInterrupt,
           _MS.kMemoryLimit, _MS.kObjectiveBound, _MS.kObjectiveTarget}


def highs_version() -> str | None:
    """Version of the HiGHS library behind highspy."""
    h = _new_highs()
    return f"{h.versionMajor()}.{h.versionMinor()}.{h.versionPatch()}"


@contextmanager
def _stdout_silenced() -> Iterator[None]:
    """HiGHS prints a banner to the C stdout on its first construction; keep it off screen."""
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def _new_highs() -> highspy.Highs:
    with _stdout_silenced():
        return highspy.Highs()  # type: ignore[no-untyped-call]


_scheduler_threads: list[int] = []


def match_scheduler(threads: int) -> None:
    """HiGHS keeps one global thread pool per process, sized at its first run; a later run asking
    for another size fails with "Not Set" unless the pool is rebuilt (HiGHS.jl issue #130)."""
    if _scheduler_threads and _scheduler_threads[0] != threads:
        highspy.Highs.resetGlobalScheduler(True)
        _scheduler_threads.clear()
    if not _scheduler_threads:
        _scheduler_threads.append(threads)


def pass_model(h: highspy.Highs, model: MatrixModel) -> None:
    """Hand the arrays to HiGHS in one call (column-wise matrix, integrality as int32): no
    Python object per variable, and no copy through ``HighsLp`` fields."""
    csc = model.A.tocsc()
    csc.sort_indices()
    h.passModel(
        model.n_cols, model.n_rows, int(csc.nnz), int(highspy.MatrixFormat.kColwise),
        int(highspy.ObjSense.kMinimize), float(model.offset),
        np.ascontiguousarray(model.c, dtype=np.float64),
        np.ascontiguousarray(model.col_lower, dtype=np.float64),
        np.where(np.isinf(model.col_upper), _INF, model.col_upper).astype(np.float64),
        np.where(np.isinf(model.row_lower), -_INF, model.row_lower).astype(np.float64),
        np.where(np.isinf(model.row_upper), _INF, model.row_upper).astype(np.float64),
        csc.indptr.astype(np.int32, copy=False), csc.indices.astype(np.int32, copy=False),
        csc.data.astype(np.float64, copy=False), model.integrality.astype(np.int32),
    )


def new_highs(options: SolveOptions) -> highspy.Highs:
    """A HiGHS instance with ``options`` set (log, limits, threads, seed, LP method)."""
    h = _new_highs()
    h.setOptionValue("output_flag", options.verbose or options.log_file is not None)
    h.setOptionValue("log_to_console", options.verbose)
    if options.log_file is not None:
        h.setOptionValue("log_file", str(options.log_file))
    if options.time_limit is not None:
        h.setOptionValue("time_limit", float(options.time_limit))
    h.setOptionValue("mip_rel_gap", float(options.gap))
    if options.node_limit is not None:
        h.setOptionValue("mip_max_nodes", int(options.node_limit))
    if options.solution_limit is not None:
        h.setOptionValue("mip_max_improving_sols", int(options.solution_limit))
    h.setOptionValue("threads", int(options.threads))
    h.setOptionValue("random_seed", int(options.seed))
    if options.lp_method != "auto":
        h.setOptionValue("solver", options.lp_method)
    attach_progress(h, progress_clock(options))
    return h


def progress_clock(options: SolveOptions) -> Clock | None:
    """``options.progress`` as a rate-limited :class:`Clock` (a new one, starting now, unless
    it is one already); None without a reporter."""
    reporter = options.progress
    if reporter is None or isinstance(reporter, Clock):
        return reporter
    return Clock(reporter, "solve")


def attach_progress(h: highspy.Highs, clock: Clock | None) -> None:
    """Report branch and cut's incumbent, bound and gap in ``h`` to ``clock`` (simplex and
    IPM runs get no per-iteration callback, which would cost the solver time: a heartbeat
    covers them, :func:`placement_opt.progress.heartbeat`). Nothing is attached without a
    clock; the callbacks only read, so the solve takes the same path with them as without."""
    if clock is None:
        return

    def on_mip(event: Any) -> None:
        if clock.due():
            _mip_figures(clock, event.data_out)

    def on_improving(event: Any) -> None:
        _mip_figures(clock, event.data_out)

    h.cbMipInterrupt.subscribe(on_mip)
    h.cbMipImprovingSolution.subscribe(on_improving)


def _mip_figures(clock: Clock, out: Any) -> None:
    """Branch and cut's figures; a bound it does not give (a heuristic's new incumbent) is the
    last one known, and the gap is taken against it."""
    incumbent = float(out.mip_primal_bound)
    bound: float | None = float(out.mip_dual_bound)
    if bound is None or not np.isfinite(bound):
        bound = clock.figures()[1]
    clock.event(incumbent=incumbent, bound=bound, gap=relative_gap(incumbent, bound))


def collect(h: highspy.Highs, model: MatrixModel, seconds: float) -> RawSolution:
    ms = h.getModelStatus()
    info = h.getInfo()
    has_primal = info.primal_solution_status == 2  # kSolutionStatusFeasible
    message = h.modelStatusToString(ms)
    if ms == _MS.kOptimal or (ms == _MS.kModelEmpty):
        status = Status.OPTIMAL
    elif ms in _LIMITS:
        status = Status.FEASIBLE_AT_LIMIT if has_primal else Status.NO_SOLUTION_AT_LIMIT
    elif ms == _MS.kInfeasible:
        status = Status.INFEASIBLE
    elif ms in (_MS.kUnbounded, _MS.kUnboundedOrInfeasible):
        status = Status.UNBOUNDED if ms == _MS.kUnbounded else Status.INFEASIBLE
    else:
        status = Status.ERROR
    if not status.has_solution:
        return RawSolution(status, None, None, None, None, None, seconds, "highs", message)
    sol = h.getSolution()
    x = np.asarray(sol.col_value, dtype=float)
    objective = float(info.objective_function_value)
    if model.is_mip:
        mip_bound = float(info.mip_dual_bound)
        bound: float | None = mip_bound
        # The objective and gap of the solution returned, computed here: after a MIP start
        # HiGHS 1.16 can report the start's objective "in the reduced space", off by a
        # presolved column's cost (GBP 1m on kent_growth), while returning the start itself.
        objective = float(model.c @ x) + float(model.offset)
        gap: float | None = max(objective - mip_bound, 0.0) / max(abs(objective), 1e-9)
        if status is Status.OPTIMAL and gap is not None \
                and gap > float(h.getOptionValue("mip_rel_gap")[1]) + 1e-12:
            status = Status.FEASIBLE_AT_LIMIT
            message = f"{message}; the plan returned is {gap:.4%} from the bound"
        duals = None
    else:
        bound = objective
        gap = 0.0 if status is Status.OPTIMAL else None
        duals = np.asarray(sol.row_dual, dtype=float) if sol.dual_valid else None
    return RawSolution(status, x, objective, bound, gap, duals, seconds, "highs", message)




#: The second pass's values this close to a whole number are that number.
SNAP = 1e-9


def secondary_pass(h: highspy.Highs, model: MatrixModel, cols: npt.NDArray[np.int64],
                   raw: RawSolution) -> RawSolution:
    """``raw`` (the optimum of the LP in ``h``, whose columns are ``model``'s ``cols``) with
    its primal replaced by the optimum under the costs ``c + model.tie_break``, re-solved
    warm from ``h``'s basis: ties and near-ties (within the tie-break, at most GBP 0.50 a
    pupil-year) go the same way in every instance that has the same arcs. The duals stay the
    first pass's (exact for ``c``), its optimum is the bound, and the objective is the true
    cost ``c @ x`` of the plan returned. Unchanged when there is no tie-break, no optimum, or
    the pass does not solve."""
    if model.tie_break is None or raw.status is not Status.OPTIMAL or raw.objective is None \
            or raw.x is None or model.is_mip:
        return raw
    n = int(h.getNumCol())
    every = np.arange(n, dtype=np.int32)
    h.changeColsCost(n, every, np.ascontiguousarray(model.c[cols] + model.tie_break[cols],
                                                    dtype=np.float64))
    h.run()
    if h.getModelStatus() != _MS.kOptimal:
        return raw
    x = np.zeros(model.n_cols)
    x[cols] = np.asarray(h.getSolution().col_value, dtype=float)
    whole = np.round(x)
    x = np.where(np.abs(x - whole) <= SNAP, whole, x)
    objective = max(float(model.c @ x) + model.offset, raw.objective)
    gap = (objective - raw.objective) / max(abs(objective), 1e-9)
    return RawSolution(raw.status, x, objective, raw.objective, gap, raw.row_dual,
                       raw.seconds, raw.backend, raw.message)


def solve_plain(model: MatrixModel, options: SolveOptions) -> RawSolution:
    """One HiGHS run of ``model`` in this process, as ``options`` set it (an LP with a
    tie-break gets its second pass, :func:`secondary_pass`)."""
    h = new_highs(options)
    start = time.perf_counter()
    pass_model(h, model)
    match_scheduler(int(options.threads))
    h.run()
    raw = collect(h, model, time.perf_counter() - start)
    return secondary_pass(h, model, np.arange(model.n_cols, dtype=np.int64), raw)
