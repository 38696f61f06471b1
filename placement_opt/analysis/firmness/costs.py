"""The cost of each decision: what doing the opposite costs, over the horizon and by year,
and what else the plan changes when it must (``models/decisions.md``)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from placement_opt.analysis.firmness.reversal import (
    Reversal,
    ReversalInputs,
    ReversalTask,
    Scope,
    forget_sessions,
    objective_by_year,
    reversal_tasks,
    reverse_decisions,
)
from placement_opt.analysis.sweep.executors import run_tasks
from placement_opt.errors import PlacementOptError
from placement_opt.instance import Instance
from placement_opt.model.data import ModelData
from placement_opt.model.decisions import DecisionSet
from placement_opt.model.matrix import MatrixModel
from placement_opt.options import SolveOptions
from placement_opt.results.result import Result
from placement_opt.solvers.base import RawSolution

__all__ = ["COST_COLUMNS", "DecisionCosts", "longest_first", "plan_of", "reversal_costs"]

FloatArray = npt.NDArray[np.float64]
#: Columns of :attr:`DecisionCosts.decisions` after the decision's names.
COST_COLUMNS = ["in_plan", "amount", "reversal", "cost_held", "cost_to_reverse",
                "cost_lower_bound", "share_of_objective", "also_changes", "pupils_moved"]
#: A reversal cheaper than the plan by more than this share of it is a better plan.
SAVING_TOL = 1e-9
#: The verbs of a reversal, by decision (``what``) and whether the plan takes it.
_REVERSAL = {("opening", True): "do not open", ("opening", False): "open",
             ("expansion", True): "do not expand", ("expansion", False): "expand",
             ("close", True): "keep open", ("close", False): "close",
             ("reduce", True): "do not reduce", ("reduce", False): "reduce",
             ("redesignate", True): "keep designation", ("redesignate", False): "redesignate"}


@dataclass(frozen=True)
class DecisionCosts:
    """``decisions``: one row per decision (names, then :data:`COST_COLUMNS`): ``cost_held``
    is the cost of reversing it with every other decision held, ``cost_to_reverse`` with the
    others re-optimised (the cheaper plan of the two), ``cost_lower_bound`` what no plan with
    it reversed can beat (the LP relaxation), all in GBP over the horizon against the plan's
    objective. ``by_year``: decision × year, the change in that year's objective of the plan
    behind ``cost_to_reverse``. ``cheaper``: the solution of the cheapest reversal when it
    costs less than the plan (the plan was only within its gap), else ``None``."""

    objective: float
    decisions: pd.DataFrame
    by_year: pd.DataFrame
    seconds: float
    cheaper: FloatArray | None = None


def plan_of(instance: Instance, result: Result, raw: RawSolution) -> FloatArray:
    """The solution behind ``result``, or a clear error when the solve found none."""
    if raw.x is None or raw.objective is None:
        raise PlacementOptError(f"{instance.name}: no plan to test ({result.status.value}: "
                                f"{result.message})")
    return raw.x


def reversal_costs(instance: Instance, data: ModelData, model: MatrixModel, ds: DecisionSet,
                   base: Result, x: FloatArray, options: SolveOptions, *, reoptimise: Scope = "local",
                   workers: int = 1, executor: str = "local") -> DecisionCosts:
    """Reverse each decision of ``ds`` in the plan ``x`` (behind ``base``) of ``model``."""
    began = time.perf_counter()
    n = max(1, min(workers, ds.size))
    inputs = ReversalInputs(model, ds, x, reoptimise, options, instance, data)
    tasks = reversal_tasks(inputs, [np.array([d]) for d in longest_first(ds, x)])
    found: list[Reversal] = []

    def failed(task: ReversalTask, exc: BaseException) -> list[Reversal]:
        raise PlacementOptError(f"re-solving decisions {task.which.tolist()} failed: {exc}")

    try:
        for _, reversals in run_tasks(reverse_decisions, tasks, failed,
                                      executor if n > 1 else "serial", n):
            found += reversals
    finally:
        forget_sessions()  # the serial executor's sessions, held in this process
    found.sort(key=lambda r: r.decision)
    assert base.objective is not None
    table, by_year = _tables(model, ds, x, base, found)
    z0 = float(base.objective)
    saving = [r for r in found if r.best_objective is not None and r.best_x is not None
              and r.best_objective < z0 - SAVING_TOL * max(1.0, abs(z0))]
    cheaper = min(saving, key=lambda r: (r.best_objective, r.decision)).best_x if saving else None
    return DecisionCosts(z0, table, by_year, time.perf_counter() - began, cheaper)


def longest_first(ds: DecisionSet, x: FloatArray) -> list[int]:
    """The decisions in the order to hand them out, the dearest to reverse first so that the
    workers finish together: those the plan does not take (their reversal adds a row and
    often needs a second, unrestricted dive), then those it takes, each in table order. The
    order changes no answer (each reversal depends on its decision alone)."""
    return [int(d) for d in np.lexsort((np.arange(ds.size), ds.taken(x)))]


def _tables(model: MatrixModel, ds: DecisionSet, x0: FloatArray, base: Result,
            found: list[Reversal]) -> tuple[pd.DataFrame, pd.DataFrame]:
    assert base.objective is not None
    obj0 = float(base.objective)
    amounts = ds.amounts(x0)
    taken = amounts >= 0.5
    base_year = pd.Series(objective_by_year(base))
    rows: list[dict[str, object]] = []
    years: list[pd.DataFrame] = []
    for r in found:
        d = r.decision
        held = None if r.held_objective is None else r.held_objective - obj0
        cost = None if r.best_objective is None else r.best_objective - obj0
        also, moved = "", float("nan")
        if r.best_x is not None:
            also = _also_changes(ds, amounts, ds.amounts(r.best_x), d)
            moved = _places_moved(model, x0, r.best_x)
        if r.by_year is not None:
            delta = pd.Series(r.by_year).sub(base_year, fill_value=0.0)
            years.append(pd.DataFrame({"decision": ds.table["decision"].iat[d],
                                       "year": delta.index.astype("int64"),
                                       "cost_to_reverse": delta.to_numpy(float)}))
        what = str(ds.table["what"].iat[d])
        rows.append({
            "in_plan": bool(taken[d]), "amount": float(amounts[d]),
            "reversal": _REVERSAL[(what, bool(taken[d]))],
            "cost_held": held, "cost_to_reverse": cost,
            "cost_lower_bound": None if r.bound is None else r.bound - obj0,
            "share_of_objective": None if cost is None else cost / abs(obj0),
            "also_changes": also, "pupils_moved": moved})
    table = pd.concat([ds.table.iloc[[r.decision for r in found]].reset_index(drop=True),
                       pd.DataFrame(rows, columns=COST_COLUMNS)], axis=1)
    by_year = (pd.concat(years, ignore_index=True) if years else
               pd.DataFrame(columns=["decision", "year", "cost_to_reverse"]))
    return table, by_year


def _places_moved(model: MatrixModel, before: FloatArray, after: FloatArray) -> float:
    """Half the total change in placements by provision and year: pupils who go to another
    provision (swaps between pupils at tied costs within one provision do not count)."""
    n_arcs = model.layout.n_arcs if model.layout is not None else 0
    keys = model.column_keys
    prov, year = keys["provision"][:n_arcs], keys["year"][:n_arcs]
    cell = prov * (int(year.max(initial=0)) + 1) + year
    change = np.bincount(cell, weights=after[:n_arcs] - before[:n_arcs])
    return float(np.abs(change).sum() / 2)


def _also_changes(ds: DecisionSet, before: FloatArray, after: FloatArray, d: int) -> str:
    """The other decisions the plan with ``d`` reversed takes differently, as text."""
    parts = []
    for j in (int(v) for v in np.flatnonzero(before != after)):
        if j == d:
            continue
        name = str(ds.table["decision"].iat[j])
        a, b = int(before[j]), int(after[j])
        what = ds.table["what"].iat[j]
        if what == "opening":
            parts.append(("not " if a else "") + name)
        else:
            parts.append(f"{name} {a}→{b}")
    return "; ".join(parts)
