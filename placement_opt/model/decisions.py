"""The plan's decisions as linear forms over the model's columns (``models/decisions.md``).

A decision is one choice a planner signs off: open candidate site c, take expansion option e,
take change option o (close, reduce, redesignate). Each has an *amount*, a whole-number linear
form ``g_d @ x`` over its columns, 0 when the decision is not taken:

- opening: ``y[c, T-1]`` (open in the last year; ``y`` never closes again);
- expansion: ``sum_t w[e, t]``, the increments taken;
- change: ``sum_t z[o, t]`` (places removed for a reduction, 1 for the others).

Forcing the opposite of a plan's decision gives a variant of the model with the same columns
(:func:`forced`): a taken decision's columns are held at 0; one not taken gets the row
``g_d @ x >= 1``. :func:`held_bounds` is the same reversal with every other decision held,
for the LP that prices a reversal on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from placement_opt.instance import Instance
from placement_opt.model.columns import Role
from placement_opt.model.data import ModelData
from placement_opt.model.matrix import MatrixModel
from placement_opt.model.variants import with_bounds, with_rows
from placement_opt.schema.tables import (
    CHANGE_ACTIONS,
    KINDS,
)

__all__ = ["DECISION_COLUMNS", "DecisionSet", "decision_set", "forced", "held_bounds"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

#: Columns of :attr:`DecisionSet.table`.
DECISION_COLUMNS = ["decision", "what", "provision", "provision_name", "kind", "zone"]
#: An amount at least this is a decision taken (amounts are whole numbers).
TAKEN = 0.5


@dataclass(frozen=True)
class DecisionSet:
    """The model's decisions: ``G`` (D × columns) gives each one's amount ``G @ x``;
    ``columns[d]`` are its integer columns (an opening's: its years, then its size; its
    amount is only the last year's);
    ``first[d]`` the first column a reversal
    to "taken" uses with the others held (the earliest year it may take effect) and
    ``unit[d]`` the amount put there; ``table`` names them (:data:`DECISION_COLUMNS`)."""

    G: sp.csr_matrix
    columns: tuple[IntArray, ...]
    first: IntArray
    unit: FloatArray
    table: pd.DataFrame

    @property
    def size(self) -> int:
        """Number of decisions."""
        return int(self.first.size)

    def amounts(self, x: FloatArray) -> FloatArray:
        """Each decision's amount in the plan ``x`` (rounded to whole numbers)."""
        return np.asarray(np.round(self.G @ x), dtype=np.float64)

    def taken(self, x: FloatArray) -> npt.NDArray[np.bool_]:
        """Which decisions the plan ``x`` takes."""
        return np.asarray(self.G @ x >= TAKEN)


def decision_set(data: ModelData, model: MatrixModel, instance: Instance) -> DecisionSet:
    """Every opening, expansion and change decision of ``model`` (built from ``instance``)."""
    layout = model.layout
    if layout is None:
        raise ValueError("decision_set needs a model built by build_from_data")
    cols = layout.columns
    n_t = len(data.years)
    cand = np.flatnonzero(data.candidate)
    groups: list[IntArray] = []
    first: list[int] = []
    unit: list[float] = []
    rows: list[tuple[str, str, int]] = []
    off_y, off_s = cols.start(Role.OPEN), cols.start(Role.SIZE)
    summed: list[IntArray] = []
    for slot, p in enumerate(cand):
        span = off_y + slot * n_t + np.arange(n_t, dtype=np.int64)
        groups.append(np.append(span, off_s + slot))  # the site's size goes with it
        summed.append(span[-1:])
        first.append(int(span[min(int(data.first_open[p]), n_t - 1)]))
        unit.append(1.0)
        rows.append(("open", "opening", int(p)))
    off_w = cols.start(Role.EXPAND)
    for e, p in enumerate(data.exp_prov):
        span = off_w + e * n_t + np.arange(n_t, dtype=np.int64)
        groups.append(span)
        first.append(int(span[min(int(data.exp_first[e]), n_t - 1)]))
        unit.append(1.0)
        rows.append(("expand", "expansion", int(p)))
    plan = layout.changes
    if plan is not None:
        off_z = plan_start = cols.start(Role.CHANGE)
        upper = plan.columns.upper.reshape(plan.n_options, n_t)
        for o, p in enumerate(plan.provision):
            span = off_z + o * n_t + np.arange(n_t, dtype=np.int64)
            allowed = np.flatnonzero(upper[o] > 0)
            groups.append(span)
            first.append(int(span[allowed[0]]) if allowed.size else plan_start)
            unit.append(float(upper[o].max()) if allowed.size else 0.0)
            action = CHANGE_ACTIONS[int(plan.action[o])]
            rows.append((action, action, int(p)))
    n_d = len(groups)
    summed += groups[len(summed):]
    indptr = np.cumsum([0, *(g.size for g in summed)])
    indices = np.concatenate(summed) if summed else np.zeros(0, dtype=np.int64)
    amount = sp.csr_matrix((np.ones(indices.size), indices, indptr), shape=(n_d, model.n_cols))
    return DecisionSet(amount, tuple(groups), np.asarray(first, dtype=np.int64),
                       np.asarray(unit, dtype=np.float64), _table(data, instance, rows))


def _table(data: ModelData, instance: Instance, rows: list[tuple[str, str, int]]
           ) -> pd.DataFrame:
    names = dict(zip(instance.provisions["provision"],
                     instance.provisions["name"].fillna(instance.provisions["provision"]),
                     strict=True))
    prov = np.asarray([p for _, _, p in rows], dtype=np.int64)
    ids = np.asarray(data.provisions, dtype=object)[prov] if prov.size else np.zeros(0, object)
    return pd.DataFrame({
        "decision": [f"{verb} {pid}" for (verb, _, _), pid in zip(rows, ids, strict=True)],
        "what": [what for _, what, _ in rows],
        "provision": ids,
        "provision_name": [names[pid] for pid in ids],
        "kind": np.asarray(KINDS, dtype=object)[data.kind[prov]] if prov.size else [],
        "zone": np.asarray(data.zones, dtype=object)[data.prov_zone[prov]] if prov.size else [],
    }, columns=DECISION_COLUMNS)


def forced(model: MatrixModel, decisions: DecisionSet, d: int, take: bool) -> MatrixModel:
    """``model`` with decision ``d`` taken (``take``: its amount at least 1, when and how much
    left free) or not taken (its columns held at 0)."""
    if take:
        return with_rows(model, "forced_decision", decisions.G[d], np.array([1.0]),
                         np.array([np.inf]))
    return with_bounds(model, decisions.columns[d], 0.0, 0.0)


def held_bounds(model: MatrixModel, decisions: DecisionSet, x: FloatArray, d: int
                ) -> tuple[FloatArray, FloatArray]:
    """Column bounds that hold every integer column of ``model`` at its value in the plan
    ``x`` but reverse decision ``d``: taken → its columns 0; not taken → taken from its
    earliest year with one unit (a site open from then on, one increment, the whole
    change)."""
    ints = np.flatnonzero(model.integrality)
    lower, upper = model.col_lower.copy(), model.col_upper.copy()
    lower[ints] = upper[ints] = np.round(x[ints])
    cols = decisions.columns[d]
    lower[cols] = upper[cols] = 0.0
    if not decisions.taken(x)[d]:
        first = int(decisions.first[d])
        if decisions.table["what"].iat[d] == "opening":
            years, size = cols[:-1], cols[-1]
            on = years[years >= first]
            lower[size], upper[size] = model.col_lower[size], model.col_upper[size]
        else:
            on = np.array([first], dtype=np.int64)
        lower[on] = upper[on] = decisions.unit[d]
    return lower, upper
