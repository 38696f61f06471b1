"""``firmness(instance)``: the plan, the cost of reversing each of its decisions and its
near-optimal alternatives, in one object (``models/decisions.md``)."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from placement_opt.analysis.firmness.alternatives import Alternatives, find_alternatives
from placement_opt.analysis.firmness.costs import DecisionCosts, plan_of, reversal_costs
from placement_opt.analysis.firmness.reversal import Scope
from placement_opt.budget import Deadline
from placement_opt.errors import Issue
from placement_opt.instance import Instance
from placement_opt.model.data import ModelData
from placement_opt.model.decisions import decision_set
from placement_opt.model.matrix import MatrixModel
from placement_opt.options import SolveOptions
from placement_opt.results.result import Result
from placement_opt.solve import build_checked, fixed_decision_model, solve_built_raw
from placement_opt.status import Status

__all__ = ["Firmness", "decision_costs", "firmness"]

FloatArray = npt.NDArray[np.float64]

#: Alternatives are sought within this share of the best plan's objective by default.
DEFAULT_WITHIN = 0.001


@dataclass(frozen=True)
class Firmness:
    """How firm a plan is: ``result`` (the plan), ``costs`` (the cost of reversing each
    decision), ``alternatives`` (the next-cheapest plans with other decisions, and the firm
    decisions they all share), ``seconds`` (the whole analysis)."""

    result: Result
    costs: DecisionCosts
    alternatives: Alternatives
    seconds: float
    #: Rounds in which a cheaper reversal became the plan (``improve``), and what they saved.
    improved: int = 0
    saving: float = 0.0


def firmness(instance: Instance, options: SolveOptions | None = None, *, alternatives: int = 3,
             within: float = DEFAULT_WITHIN, reoptimise: Scope = "local", workers: int = 1,
             executor: str = "local", improve: int = 0) -> Firmness:
    """Solve ``instance``; reverse each decision of the plan (held and re-optimised, in
    ``workers`` processes); find up to ``alternatives`` plans that take other decisions
    within ``within`` (a share) of the plan's objective.

    ``improve``: up to this many rounds in which, when a reversal finds a cheaper plan, that
    plan becomes the plan and its decisions are tested again (a local search to a plan no
    single reversal improves); the first plan's bound stays its bound."""
    if alternatives < 0:
        raise ValueError(f"alternatives must be 0 or more, not {alternatives}")
    if not 0 <= within < 1:
        raise ValueError(f"within must be a share from 0 to 1 (0.001 = 0.1%), not {within}")
    if improve < 0:
        raise ValueError(f"improve must be 0 or more rounds, not {improve}")
    opts = options or SolveOptions()
    began = time.perf_counter()
    data, model, warnings = build_checked(instance)
    result, raw = solve_built_raw(instance, data, model, opts, Deadline.after(opts.time_limit),
                                  warnings)
    x = plan_of(instance, result, raw)
    ds = decision_set(data, model, instance)
    costs = reversal_costs(instance, data, model, ds, result, x, opts, reoptimise=reoptimise,
                           workers=workers, executor=executor)
    first = float(costs.objective)
    rounds = 0
    while rounds < improve and costs.cheaper is not None:
        result, x = _adopt(instance, data, model, costs.cheaper, result, opts, warnings)
        rounds += 1
        costs = reversal_costs(instance, data, model, ds, result, x, opts,
                               reoptimise=reoptimise, workers=workers, executor=executor)
    alts = find_alternatives(instance, data, model, ds, result, x, alternatives, within, opts)
    return Firmness(result, costs, alts, time.perf_counter() - began, rounds,
                    first - float(costs.objective))


def decision_costs(instance: Instance, options: SolveOptions | None = None, *,
                   reoptimise: Scope = "local", workers: int = 1, executor: str = "local",
                   ) -> tuple[Result, DecisionCosts]:
    """Solve ``instance``, then reverse each of its decisions in turn (``workers`` processes
    with ``executor="local"``; ``"serial"`` in this process): :func:`firmness` without the
    alternatives."""
    f = firmness(instance, options, alternatives=0, reoptimise=reoptimise, workers=workers,
                 executor=executor)
    return f.result, f.costs


_IMPROVED = "; improved by the firmness analysis"


def _adopt(instance: Instance, data: ModelData, model: MatrixModel, x: FloatArray,
           first: Result, opts: SolveOptions, warnings: list[Issue]) -> tuple[Result, FloatArray]:
    """The plan with the decisions of ``x`` (its placements re-solved, tie-broken), with the
    first plan's bound and the gap against it."""
    fixed = fixed_decision_model(model, x)
    result, raw = solve_built_raw(instance, data, fixed, opts, Deadline.after(opts.time_limit),
                                  warnings)
    x_new = plan_of(instance, result, raw)
    assert result.objective is not None
    bound = first.bound
    gap = None if bound is None else (result.objective - bound) / max(abs(result.objective),
                                                                        1e-9)
    message = (f"{first.message.split(_IMPROVED)[0]}{_IMPROVED} to "
               f"{result.objective:,.0f} (a reversal found a cheaper plan)")
    status = first.status if gap is not None and gap <= opts.gap else Status.FEASIBLE_AT_LIMIT
    return replace(result, bound=bound, gap=gap, message=message, status=status,
                   model_size=first.model_size), x_new
