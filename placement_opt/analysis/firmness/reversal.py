"""Re-solving a plan with one decision reversed, warm, in one HiGHS session per worker
(``models/decisions.md``).

Two re-solves per decision:

- **held**: every other integer column stays at its value in the plan; the LP left is solved
  warm from the previous basis (a few dozen pivots). Its cost is what reversing the decision
  on its own costs; re-optimising the rest can only make the reversal cheaper.
- **re-optimised**: the LP relaxation with the decision forced, then the dive of
  :mod:`placement_opt.solvers.dive`, re-deciding the decisions the reversal disturbs
  (``local``) or all of them (``full``). The relaxation's objective is a lower bound on any
  plan with the decision reversed.

The re-optimised plan is the cheaper of the dive's and the held plan (both are feasible plans
with the decision reversed).
"""

from __future__ import annotations

import hashlib
import pickle
import time
from dataclasses import dataclass
from typing import Literal

import highspy
import numpy as np
import numpy.typing as npt

from placement_opt.instance import Instance
from placement_opt.model.data import ModelData
from placement_opt.model.decisions import DecisionSet, held_bounds
from placement_opt.model.matrix import MatrixModel
from placement_opt.options import SolveOptions
from placement_opt.results.result import Result, make_result
from placement_opt.solvers.base import RawSolution
from placement_opt.solvers.dive import DiveResult, dive, relaxed
from placement_opt.solvers.highs_core import match_scheduler, new_highs, pass_model
from placement_opt.status import Status

__all__ = ["SCOPES", "Reversal", "ReversalInputs", "ReversalTask", "Scope", "forget_sessions",
           "objective_by_year", "reversal_tasks", "reverse_decisions"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
#: How far each reversal re-optimises the other decisions (see :class:`ReversalTask`).
Scope = Literal["held", "local", "full"]
SCOPES: tuple[str, ...] = ("held", "local", "full")
_OPTIMAL = highspy.HighsModelStatus.kOptimal
_INF = highspy.kHighsInf


@dataclass(frozen=True)
class ReversalInputs:
    """What every reversal of one plan shares: decisions of ``decisions`` reversed in the plan
    ``x`` of ``model``; ``reoptimise``: ``"held"`` (the held LP only), ``"local"`` (and a
    dive re-deciding the decisions the reversal disturbs) or ``"full"`` (a dive re-deciding
    every decision)."""

    model: MatrixModel
    decisions: DecisionSet
    x: FloatArray
    reoptimise: Scope
    options: SolveOptions
    #: With both, each reversed plan's objective by year is worked out in the worker.
    instance: Instance | None = None
    data: ModelData | None = None


@dataclass(frozen=True)
class ReversalTask:
    """Reverse decisions ``which`` of the pickled :class:`ReversalInputs` ``payload``
    (``key`` names it: a worker that holds ``key``'s sessions warm reuses them)."""

    key: str
    payload: bytes
    which: IntArray


def reversal_tasks(inputs: ReversalInputs, groups: list[IntArray]) -> list[ReversalTask]:
    """One task per group of decisions, the inputs pickled once for all."""
    payload = pickle.dumps(inputs, protocol=pickle.HIGHEST_PROTOCOL)
    key = hashlib.blake2b(payload, digest_size=16).hexdigest()
    return [ReversalTask(key, payload, np.asarray(g, dtype=np.int64)) for g in groups]


@dataclass(frozen=True)
class Reversal:
    """One decision reversed: the held plan's objective and the re-optimised plan (``None``
    when that re-solve found no plan, e.g. a reversal that breaks a budget), the
    relaxation's bound and the plan's objective by year."""

    decision: int
    held_objective: float | None
    best_x: FloatArray | None
    best_objective: float | None
    bound: float | None
    seconds: float
    by_year: dict[int, float] | None = None


@dataclass(frozen=True)
class _Warm:
    """A worker's sessions for one :class:`ReversalInputs`, and the starting point every
    reversal restores: the basis of the plan's held LP and of the relaxation."""

    key: str
    inputs: ReversalInputs
    held: highspy.Highs
    held_basis: highspy.HighsBasis
    lp: highspy.Highs | None
    lp_basis: highspy.HighsBasis | None
    relaxed0: FloatArray


#: This process's warm sessions (one set: a new key replaces them).
_WARM: list[_Warm] = []


def forget_sessions() -> None:
    """Drop this process's warm sessions."""
    _WARM.clear()


def _warm(task: ReversalTask) -> _Warm:
    if _WARM and _WARM[0].key == task.key:
        return _WARM[0]
    _WARM.clear()
    inputs: ReversalInputs = pickle.loads(task.payload)
    model, x = inputs.model, inputs.x
    lp, lp_basis, relaxed0 = None, None, np.zeros(model.n_cols)
    held = _session(model, inputs.options)
    if inputs.reoptimise != "held":
        lp = _session(model, inputs.options)
        lp.run()  # the relaxation, once: every dive starts from its basis
        relaxed0 = np.asarray(lp.getSolution().col_value, dtype=float)
        lp_basis = lp.getBasis()
        held.setBasis(lp_basis)
    ints = np.flatnonzero(model.integrality).astype(np.int32)
    whole = np.round(x[ints])
    held.changeColsBounds(ints.size, ints, whole, whole)
    held.run()  # the plan's own held LP: every held reversal starts from its basis
    warm = _Warm(task.key, inputs, held, held.getBasis(), lp, lp_basis, relaxed0)
    _WARM.append(warm)
    return warm


def reverse_decisions(task: ReversalTask) -> list[Reversal]:
    """Every decision of ``task.which`` reversed (a picklable worker function). Each starts
    from the same bases (the plan's held LP, the relaxation), so a reversal depends on its
    decision alone, not on the worker, nor on the decisions reversed before it."""
    w = _warm(task)
    inp = w.inputs
    model, ds, x = inp.model, inp.decisions, inp.x
    ints = np.flatnonzero(model.integrality).astype(np.int32)
    base_lo, base_up = model.col_lower[ints], model.col_upper[ints]
    taken = ds.taken(x)
    out: list[Reversal] = []
    for d in (int(v) for v in task.which):
        began = time.perf_counter()
        lower, upper = held_bounds(model, ds, x, d)
        w.held.clearSolver()  # no state of the last run (perturbations, weights) carried over
        w.held.setBasis(w.held_basis)
        w.held.changeColsBounds(ints.size, ints, lower[ints], np.where(
            np.isinf(upper[ints]), _INF, upper[ints]))
        w.held.run()
        h_x, h_obj = _solution(w.held)
        best_x, best_obj, bound = h_x, h_obj, None
        if w.lp is not None and w.lp_basis is not None:
            w.lp.clearSolver()
            w.lp.setBasis(w.lp_basis)
            found, bound = _forced_dive(w.lp, model, ds, d, bool(taken[d]), x, w.relaxed0,
                                        inp.reoptimise == "local")
            w.lp.changeColsBounds(ints.size, ints, base_lo, np.where(np.isinf(base_up), _INF,
                                                                     base_up))
            w.lp.changeColsCost(model.n_cols, np.arange(model.n_cols, dtype=np.int32),
                                np.ascontiguousarray(model.c, dtype=np.float64))
            if found is not None and (best_obj is None or found.objective < best_obj):
                best_x, best_obj = found.x, found.objective
        years = None
        if inp.instance is not None and inp.data is not None and best_x is not None:
            plan = make_result(inp.instance, inp.data, model, RawSolution(
                Status.FEASIBLE_AT_LIMIT, best_x, best_obj, bound, None, None, 0.0, "highs", ""),
                [], 0.0)
            years = objective_by_year(plan)
        out.append(Reversal(d, h_obj, best_x, best_obj, bound,
                            time.perf_counter() - began, years))
    return out


def objective_by_year(result: Result) -> dict[int, float]:
    """The objective of each year of ``result`` (its KPI table)."""
    k = result.kpis
    rows = k[(k["kpi"] == "objective") & (k["year"] != "all")]
    return {int(y): float(v) for y, v in zip(rows["year"], rows["value"], strict=True)}


def _session(model: MatrixModel, options: SolveOptions) -> highspy.Highs:
    h = new_highs(options.model_copy(update={"time_limit": None}))
    pass_model(h, relaxed(model))
    match_scheduler(int(options.threads))
    return h


def _solution(h: highspy.Highs) -> tuple[FloatArray | None, float | None]:
    if h.getModelStatus() != _OPTIMAL:
        return None, None
    return (np.asarray(h.getSolution().col_value, dtype=float),
            float(h.getInfo().objective_function_value))


#: An integer column whose relaxation value moves less than this when a decision is reversed
#: is held at its value in the plan during that decision's dive.
MOVED = 0.05


def _forced_dive(lp: highspy.Highs, model: MatrixModel, ds: DecisionSet, d: int,
                 taken: bool, x0: FloatArray, relaxed0: FloatArray, local: bool
                 ) -> tuple[DiveResult | None, float | None]:
    """The dive with decision ``d`` reversed, and the bound of its LP relaxation (``None``
    when that does not solve). ``local``: the integer columns the reversal leaves where they
    were in the relaxation (within :data:`MOVED`) are held at the plan's values, so only the
    decisions the reversal disturbs are re-decided; when that finds no plan, the dive runs
    again with every decision free."""
    cols = ds.columns[d].astype(np.int32)
    added = False
    if taken:  # not taken: its columns held at 0
        lp.changeColsBounds(cols.size, cols, np.zeros(cols.size), np.zeros(cols.size))
    else:
        row = ds.G[d]
        lp.addRow(1.0, _INF, int(row.nnz), row.indices.astype(np.int32), row.data)
        added = True
    try:
        lp.run()
        if lp.getModelStatus() != _OPTIMAL:
            return None, None
        bound = float(lp.getInfo().objective_function_value)
        moved = np.asarray(lp.getSolution().col_value, dtype=float)
        ints = np.flatnonzero(model.integrality)
        hold = ints[(np.abs(moved[ints] - relaxed0[ints]) <= MOVED)
                    & ~np.isin(ints, ds.columns[d]) & local].astype(np.int32)
        lo, up = model.col_lower[hold], model.col_upper[hold]
        whole = np.round(x0[hold])
        lp.changeColsBounds(hold.size, hold, whole, whole)
        found = dive(lp, model, None)
        if found is None and hold.size:
            lp.changeColsBounds(hold.size, hold, lo, np.where(np.isinf(up), _INF, up))
            found = dive(lp, model, None)
        return found, bound
    finally:
        if added:
            lp.deleteRows(1, np.array([lp.getNumRow() - 1], dtype=np.int32))
