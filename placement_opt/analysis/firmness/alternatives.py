"""Near-optimal alternatives: the next-cheapest plans that take other decisions, each within a
stated share of the best, and the decisions all of them share (``models/decisions.md``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from placement_opt.budget import Deadline
from placement_opt.instance import Instance
from placement_opt.model.data import ModelData
from placement_opt.model.decisions import DecisionSet
from placement_opt.model.matrix import MatrixModel
from placement_opt.model.variants import with_rows
from placement_opt.options import SolveOptions
from placement_opt.results.result import Result
from placement_opt.solve import solve_built_raw

__all__ = ["ALTERNATIVE_COLUMNS", "Alternatives", "find_alternatives", "no_good_row"]

FloatArray = npt.NDArray[np.float64]
#: Columns of :attr:`Alternatives.plans`.
ALTERNATIVE_COLUMNS = ["plan", "objective", "above_best", "share_above_best", "status",
                       "decisions_differing", "differs_by"]


@dataclass(frozen=True)
class Alternatives:
    """``plans``: the best plan (``plan`` 0) and each alternative found, cheapest first
    (:data:`ALTERNATIVE_COLUMNS`); ``decisions``: decision × plan, the amount each plan takes;
    ``firm``: the decisions every plan takes alike; ``within``: the share of the best's
    objective the alternatives were allowed above it; ``results``: each plan's Result."""

    within: float
    plans: pd.DataFrame
    decisions: pd.DataFrame
    firm: pd.DataFrame
    results: tuple[Result, ...]


def no_good_row(ds: DecisionSet, amounts: FloatArray) -> tuple[FloatArray, float]:
    """The cut that a plan takes some decision the plan with ``amounts`` leaves, or leaves
    one it takes: ``sum_{d not taken} g_d x + sum_{d taken} (1 - g_d x / a_d) >= 1``, as
    (coefficients, lower bound)."""
    taken = amounts >= 0.5
    weight = np.where(taken, -1.0 / np.where(taken, amounts, 1.0), 1.0)
    return np.atleast_2d(ds.G.T @ weight), 1.0 - float(taken.sum())


def find_alternatives(instance: Instance, data: ModelData, model: MatrixModel,
                      ds: DecisionSet, best: Result, best_x: FloatArray, k: int,
                      within: float, options: SolveOptions) -> Alternatives:
    """Up to ``k`` plans, each the cheapest that differs from the best and every plan found
    before it in the decisions taken (a no-good cut per plan), with an objective at most
    ``within`` (a share) above the best's."""
    assert best.objective is not None
    z0 = float(best.objective)
    cap = z0 + within * abs(z0) - model.offset
    current = with_rows(model, "within_of_best", model.c[None, :], np.array([-np.inf]),
                        np.array([cap]))
    amounts = [ds.amounts(best_x)]
    results = [best]
    rows = [_plan_row(0, best, z0, 0, "")]
    for i in range(1, k + 1):
        cut, lower = no_good_row(ds, amounts[-1])
        current = with_rows(current, f"not_plan_{i - 1}", cut, np.array([lower]),
                            np.array([np.inf]))
        result, raw = solve_built_raw(instance, data, current, options,
                                      Deadline.after(options.time_limit), [])
        if raw.x is None or not result.status.has_solution:
            break
        a = ds.amounts(raw.x)
        differ = np.flatnonzero(a != amounts[0])
        text = "; ".join(f"{ds.table['decision'].iat[int(d)]} {int(amounts[0][d])}→{int(a[d])}"
                         for d in differ)
        amounts.append(a)
        results.append(result)
        rows.append(_plan_row(i, result, z0, int(differ.size), text))
    table = pd.DataFrame(rows, columns=ALTERNATIVE_COLUMNS)
    grid = pd.DataFrame(np.column_stack(amounts), columns=[f"plan_{i}" for i in
                                                           range(len(amounts))])
    decisions = pd.concat([ds.table, grid], axis=1)
    taken = np.column_stack(amounts) >= 0.5
    keep = np.flatnonzero(taken.all(axis=1) | ~taken.any(axis=1))
    firm = ds.table.assign(in_plan=taken[:, 0]).iloc[keep].reset_index(drop=True)
    return Alternatives(within, table, decisions, firm, tuple(results))


def _plan_row(i: int, result: Result, z0: float, n_differ: int, text: str) -> dict[str, object]:
    assert result.objective is not None
    above = float(result.objective) - z0
    return {"plan": i, "objective": float(result.objective), "above_best": above,
            "share_above_best": above / abs(z0) if z0 else 0.0,
            "status": result.status.value, "decisions_differing": n_differ,
            "differs_by": text}
