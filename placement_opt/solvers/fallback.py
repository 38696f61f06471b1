"""A plan at hand when a solver stops at its time limit with no incumbent: the trivial plan —
nothing opened, expanded or changed, no pupil placed but the existing cohort, every demand row
unmet — checked against every row and bound of the model, so it is returned only when it is
feasible. Its gap against the solver's bound says how far from good it is."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import numpy.typing as npt

from placement_opt.model.columns import Role
from placement_opt.model.matrix import MatrixModel
from placement_opt.solvers.base import RawSolution
from placement_opt.status import Status

__all__ = ["TOLERANCE", "trivial_plan", "with_trivial_incumbent"]

#: Row and bound feasibility tolerance (absolute, scaled by the row's size).
TOLERANCE = 1e-6


def trivial_plan(model: MatrixModel) -> npt.NDArray[np.float64] | None:
    """Every column at its lower bound (0 for all but fixed ones), each unmet column at its
    demand row's pupils, a soft target's shortfall and a budget's overspend at what that plan
    leaves; ``None`` when that violates a row (a hard rule no empty plan keeps)."""
    layout, demand = model.layout, model.block("demand")
    if layout is None or demand is None:
        return None
    x = np.where(np.isfinite(model.col_lower), model.col_lower, 0.0).astype(np.float64)
    rhs = model.row_lower[demand.start:demand.stop]  # demand rows are equalities
    block = model.A[demand.start:demand.stop]
    for role, sign in ((Role.UNMET, 1.0), (Role.SURPLUS, -1.0)):
        cols = layout.columns.index(role)
        if cols.size == 0:
            continue
        part = block[:, cols].tocoo()  # one entry per column: +1 unmet, -1 surplus
        x[cols[part.col]] = np.maximum(sign * rhs[part.row], 0.0)
    _absorb(model, x, (Role.SHORTFALL, Role.OVERSPEND))
    activity = model.A @ x
    scale = 1.0 + np.abs(activity)
    ok_rows = ((activity >= model.row_lower - TOLERANCE * scale)
               & (activity <= model.row_upper + TOLERANCE * scale))
    ok_cols = (x >= model.col_lower - TOLERANCE) & (x <= model.col_upper + TOLERANCE)
    whole = ~model.integrality | (np.abs(x - np.round(x)) <= TOLERANCE)
    return x if bool(ok_rows.all() and ok_cols.all() and whole.all()) else None


def _absorb(model: MatrixModel, x: npt.NDArray[np.float64], roles: tuple[Role, ...]) -> None:
    """Set each slack column of ``roles`` (a soft target's shortfall, a budget's overspend:
    a negative entry in a <= row) to what its row needs over its upper bound."""
    layout = model.layout
    assert layout is not None
    for role in roles:
        cols = layout.columns.index(role)
        if cols.size == 0:
            continue
        part = model.A[:, cols].tocoo()
        neg = part.data < 0
        rows, which, coef = part.row[neg], part.col[neg], part.data[neg]
        over = np.asarray(model.A[rows] @ x).ravel() - model.row_upper[rows]
        x[cols[which]] = np.maximum(x[cols[which]], np.maximum(over, 0.0) / -coef)


def with_trivial_incumbent(model: MatrixModel, raw: RawSolution) -> RawSolution:
    """``raw`` unchanged unless it stopped at a limit with no solution and the trivial plan is
    feasible; then that plan, status ``feasible_at_limit``, its gap against ``raw.bound``."""
    if raw.status is not Status.NO_SOLUTION_AT_LIMIT:
        return raw
    x = trivial_plan(model)
    if x is None:
        return raw
    objective = float(model.c @ x) + model.offset
    bound = raw.bound if raw.bound is not None and np.isfinite(raw.bound) else None
    gap = None if bound is None else abs(objective - bound) / max(abs(objective), 1e-9)
    note = ("no plan from the solver by the time limit: the trivial plan (nothing opened or "
            "changed, every pupil not already placed unmet), feasible but far from good")
    return replace(raw, status=Status.FEASIBLE_AT_LIMIT, x=x, objective=objective, bound=bound,
                   gap=gap, row_dual=None, message=f"{raw.message}; {note}" if raw.message
                   else note)
