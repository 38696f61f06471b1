"""A first solution for a planning MIP by diving on its LP relaxation, with a proven gap.

The planning MIPs (``models/openings.md``, ``models/planning.md``) have few integer columns
(sites to open, expansion increments) against many continuous ones, and tight LP relaxations
(Kent's growth plan: 0.02% between the relaxation and the optimum). HiGHS's branch and cut
spends most of its time on root cuts there. So, before it:

1. solve the LP relaxation: its objective is a **lower bound** on the MIP's optimum;
2. **dive**: fix the integer column whose value is fractional and nearest to the next whole
   number up (rounded up; rounded down when that makes the LP infeasible, e.g. over a capital
   budget) and re-solve the LP warm, until every integer column is whole; a candidate's size
   (whole places, bounded by its open column) only once every other integer column is whole,
   and then with those held, so that a size fixed early neither pins a site open nor lets the
   openings drift back to fractions. The result is a
   **feasible solution** of the MIP (every row holds, every integer column is whole);
3. its objective over the bound is a proven gap: within the requested gap the MIP is solved;
   otherwise the dive's solution is the branch and cut's first incumbent.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import highspy
import numpy as np
import numpy.typing as npt

from placement_opt.model.columns import Role
from placement_opt.model.matrix import MatrixModel
from placement_opt.solvers.base import RawSolution
from placement_opt.solvers.highs_core import secondary_pass
from placement_opt.status import Status

__all__ = ["DiveResult", "dive", "relaxed"]

FloatArray = npt.NDArray[np.float64]
_OPTIMAL = highspy.HighsModelStatus.kOptimal
#: Values closer than this to a whole number count as whole.
WHOLE_TOL = 1e-6


@dataclass(frozen=True)
class DiveResult:
    """The dive's solution and the LP relaxation's bound."""

    x: FloatArray
    objective: float
    bound: float
    steps: int
    seconds: float
    #: Row duals of the LP with every integer column fixed at its value: the marginal values
    #: at this solution (``models/openings.md``), as ``solve``'s duals stage would find them.
    row_dual: FloatArray

    def gap(self) -> float:
        """Relative gap of ``objective`` over ``bound`` (as HiGHS measures it)."""
        return (self.objective - self.bound) / max(abs(self.objective), 1e-9)


def dive(h: highspy.Highs, model: MatrixModel, deadline: float | None) -> DiveResult | None:
    """Steps 1–2 above on ``h``, a HiGHS instance holding ``model`` with its integrality
    removed; None when the relaxation does not solve, a dive step finds neither rounding
    feasible, or ``deadline`` (a ``time.perf_counter()`` value) passes."""
    began = time.perf_counter()
    ints = np.flatnonzero(model.integrality)
    roles = model.column_keys.get("role")
    last = (roles[ints] == int(Role.SIZE)) if roles is not None else np.zeros(ints.size, bool)
    h.run()
    if h.getModelStatus() != _OPTIMAL:
        return None
    bound = float(h.getInfo().objective_function_value)
    steps, pinned = 0, False
    while True:
        values = np.asarray(h.getSolution().col_value, dtype=float)[ints]
        frac = values - np.floor(values + WHOLE_TOL)
        open_ = np.flatnonzero((frac > WHOLE_TOL) & (frac < 1 - WHOLE_TOL))
        if open_.size == 0:
            break
        if deadline is not None and time.perf_counter() > deadline:
            return None
        first = open_[~last[open_]]
        if first.size == 0:  # only sizes left: hold the other integer columns where they are
            pin = ints[~last]
            if not pinned and pin.size:
                h.changeColsBounds(pin.size, pin.astype(np.int32), np.round(values[~last]),
                                   np.round(values[~last]))
                pinned = True
            first = open_
        j = first[np.argmax(frac[first])]
        if not (_fix(h, int(ints[j]), float(np.ceil(values[j])))
                or _fix(h, int(ints[j]), float(np.floor(values[j])))):
            return None
        steps += 1
    whole = np.round(np.asarray(h.getSolution().col_value, dtype=float)[ints])
    h.changeColsBounds(ints.size, ints.astype(np.int32), whole, whole)
    h.run()  # every integer column fixed: same primal, the fixed LP's duals
    if h.getModelStatus() != _OPTIMAL:
        return None
    solution = h.getSolution()
    x = np.asarray(solution.col_value, dtype=float)
    x[ints] = whole
    objective = float(h.getInfo().objective_function_value)
    row_dual = np.asarray(solution.row_dual, dtype=float)
    if model.tie_break is not None:  # the tie-broken placements of these decisions
        settled = secondary_pass(h, relaxed(model), np.arange(model.n_cols, dtype=np.int64),
                                 RawSolution(Status.OPTIMAL, x, objective, objective, 0.0,
                                             row_dual, 0.0, "highs", ""))
        if settled.x is not None and settled.objective is not None:
            x, objective = settled.x, settled.objective
            x[ints] = whole
    return DiveResult(x, objective, bound, steps, time.perf_counter() - began, row_dual)


def _fix(h: highspy.Highs, col: int, value: float) -> bool:
    """Fix column ``col`` at ``value`` and re-solve warm; whether the LP stays optimal."""
    h.changeColBounds(col, value, value)
    h.run()
    return bool(h.getModelStatus() == _OPTIMAL)


def relaxed(model: MatrixModel) -> MatrixModel:
    """``model`` without integrality (its LP relaxation)."""
    return replace(model, integrality=np.zeros_like(model.integrality))
