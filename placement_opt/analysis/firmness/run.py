"""``firmness(instance)``: the plan, the cost of reversing each of its decisions and its
near-optimal alternatives, in one object (``models/decisions.md``)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from placement_opt.analysis.firmness.alternatives import Alternatives, find_alternatives
from placement_opt.analysis.firmness.costs import DecisionCosts, plan_of, reversal_costs
from placement_opt.analysis.firmness.reversal import Scope
from placement_opt.budget import Deadline
from placement_opt.instance import Instance
from placement_opt.model.decisions import decision_set
from placement_opt.options import SolveOptions
from placement_opt.results.result import Result
from placement_opt.solve import build_checked, solve_built_raw

__all__ = ["Firmness", "firmness"]

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


def firmness(instance: Instance, options: SolveOptions | None = None, *, alternatives: int = 3,
             within: float = DEFAULT_WITHIN, reoptimise: Scope = "local", workers: int = 1,
             executor: str = "local") -> Firmness:
    """Solve ``instance``; reverse each decision of the plan (held and re-optimised, in
    ``workers`` processes); find up to ``alternatives`` plans that take other decisions
    within ``within`` (a share) of the plan's objective."""
    if alternatives < 0:
        raise ValueError(f"alternatives must be 0 or more, not {alternatives}")
    if not 0 <= within < 1:
        raise ValueError(f"within must be a share from 0 to 1 (0.001 = 0.1%), not {within}")
    opts = options or SolveOptions()
    began = time.perf_counter()
    data, model, warnings = build_checked(instance)
    result, raw = solve_built_raw(instance, data, model, opts, Deadline.after(opts.time_limit),
                                  warnings)
    x = plan_of(instance, result, raw)
    ds = decision_set(data, model, instance)
    costs = reversal_costs(instance, data, model, ds, result, x, opts, reoptimise=reoptimise,
                           workers=workers, executor=executor)
    alts = find_alternatives(instance, data, model, ds, result, x, alternatives, within, opts)
    return Firmness(result, costs, alts, time.perf_counter() - began)
