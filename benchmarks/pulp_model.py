"""The allocation model built the PuLP way, one ``LpVariable`` per arc: the object-per-variable
baseline of ``run.py`` (issue 7).

Same model as ``placement_opt.model.build`` on a single-year-at-a-time allocation instance
(``models/allocation.md``): one placement column per eligible arc and one unmet column per
demand row, and the rows (1) demand, (2) shared capacity per provision-year, (3) per-need
capacity and (5) the independent-sector cap. Continuity, candidate sites, expansions, budgets,
local shares and an existing cohort are not built here (``supported`` says why an instance is
refused).

To keep the comparison about the modelling layer, PuLP is given the package's eligible-arc
table and each arc's cost as numbers (vectorised, as the package computes them); the loops here
only create PuLP objects. A PuLP user who also computed eligibility in Python would be slower.
The hand-off to a solver is what ``PULP_CBC_CMD`` does before it starts CBC:
``writeMPS(path, rename=1)``.
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import pulp

from placement_opt import Instance
from placement_opt.model.arcs import Arcs
from placement_opt.model.data import ModelData
from placement_opt.schema.tables import KINDS

__all__ = ["build_pulp", "handoff_pulp", "pulp_size", "solve_pulp_cbc", "supported"]


def supported(instance: Instance, data: ModelData) -> str | None:
    """Why this builder cannot build ``instance``'s model, or None when it can."""
    pol = instance.policy
    reasons = [
        (pol.continuity, "continuity"), (bool(data.candidate.any()), "candidate sites"),
        (data.exp_prov.size > 0, "expansions"), (data.e_pupils.size > 0, "an existing cohort"),
        (bool(np.any(data.local_share > 0)), "local shares"),
        (bool(np.any(~np.isnan(data.revenue_budget))), "revenue budgets"),
        (bool(np.any(~np.isnan(data.capital_budget))), "capital budgets"),
        (pol.capital_budget_total is not None, "a capital budget"),
        (pol.integer_pupils, "whole pupils"),
    ]
    found = [what for flag, what in reasons if flag]
    return None if not found else "not in the PuLP baseline: " + ", ".join(found)


def build_pulp(instance: Instance, data: ModelData, arcs: Arcs) -> tuple[Any, list[Any]]:
    """The model as a PuLP problem and its variables (arcs first, then unmet), object by object."""
    reason = supported(instance, data)
    if reason is not None:
        raise ValueError(reason)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # PuLP 3.3 announces its 4.0 API
        return _build(instance, data, arcs)


def _build(instance: Instance, data: ModelData, arcs: Arcs) -> tuple[Any, list[Any]]:
    pol = instance.policy
    a_d, a_p = arcs.demand, arcs.provision
    a_z, a_k, a_t = data.d_zone[a_d], data.d_need[a_d], data.d_year[a_d]
    unit = (data.cost[a_p] + pol.transport_cost_per_km * data.km[a_z, a_p]
            + pol.journey_cost_per_min * data.minutes[a_z, a_p])
    prob = pulp.LpProblem("allocation", pulp.LpMinimize)
    x = [pulp.LpVariable(f"x{a}", lowBound=0) for a in range(len(arcs))]
    u = [pulp.LpVariable(f"u{d}", lowBound=0) for d in range(data.d_pupils.size)]
    costs = [*unit.tolist(), *([pol.unmet_penalty] * len(u))]
    prob += pulp.LpAffineExpression(list(zip(x + u, costs, strict=True)))

    independent = KINDS.index("independent")
    by_demand: list[list[Any]] = [[] for _ in u]
    by_place: dict[tuple[int, int], list[Any]] = defaultdict(list)
    by_need: dict[tuple[int, int, int], list[Any]] = defaultdict(list)
    by_year_ind: dict[int, list[Any]] = defaultdict(list)
    kind = data.kind.tolist()
    for a, (d, p, k, t) in enumerate(zip(a_d.tolist(), a_p.tolist(), a_k.tolist(), a_t.tolist(),
                                         strict=True)):
        by_demand[d].append(x[a])
        by_place[p, t].append(x[a])
        by_need[p, k, t].append(x[a])
        if kind[p] == independent:
            by_year_ind[t].append(x[a])
    pupils = data.d_pupils.tolist()
    for d, placed in enumerate(by_demand):  # (1) demand
        prob += pulp.lpSum(placed) + u[d] == pupils[d], f"demand_{d}"
    for (p, t), placed in sorted(by_place.items()):  # (2) shared capacity
        prob += pulp.lpSum(placed) <= float(data.cap_total[p, t]), f"capacity_{p}_{t}"
    for (p, k, t), placed in sorted(by_need.items()):  # (3) per-need capacity
        cap = float(data.cap_need[p, k, t])
        if not np.isnan(cap):
            prob += pulp.lpSum(placed) <= cap, f"need_capacity_{p}_{k}_{t}"
    cap_ind = _independent_cap(data, pol.max_independent_pupils, pol.max_independent_share)
    for t, cap in enumerate(cap_ind):  # (5) independent cap
        if np.isfinite(cap):
            prob += pulp.lpSum(by_year_ind.get(t, [])) <= float(cap), f"independent_cap_{t}"
    return prob, x + u


def _independent_cap(data: ModelData, pupils: float | None, share: float | None) -> list[float]:
    total = np.bincount(data.d_year, weights=data.d_pupils, minlength=len(data.years))
    cap = np.full(len(data.years), np.inf)
    if pupils is not None:
        cap = np.minimum(cap, pupils)
    if share is not None:
        cap = np.minimum(cap, share * total)
    return [float(c) for c in cap]


def pulp_size(prob: Any) -> tuple[int, int]:
    """Rows (constraints) and nonzeros of a PuLP problem."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # the constraints mapping, PuLP 3.3
        constraints = list(prob.constraints.values())
    return len(constraints), sum(len(c) for c in constraints)


def handoff_pulp(prob: Any, folder: Path) -> Path:
    """What ``PULP_CBC_CMD`` does before starting CBC: write the problem as MPS, renamed."""
    path = folder / "model.mps"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        prob.writeMPS(str(path), rename=1)
    return path


def solve_pulp_cbc(prob: Any) -> float:
    """Solve with PuLP's bundled CBC and return the objective (for the optimum check)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        prob.solve(pulp.PULP_CBC_CMD(msg=False))
        if pulp.LpStatus[prob.status] != "Optimal":
            raise RuntimeError(f"CBC status {pulp.LpStatus[prob.status]}")
        return float(pulp.value(prob.objective))
