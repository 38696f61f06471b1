"""Always a plan at a time limit (``placement_opt/solvers/fallback.py``): when the solver has no
incumbent, the trivial plan — nothing opened or changed, every pupil not already placed unmet —
checked feasible row by row, with its gap against the solver's bound."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from placement_opt import Instance, Status, solve
from placement_opt.model.build import build_allocation_model
from placement_opt.options import SolveOptions
from placement_opt.solvers.base import RawSolution
from placement_opt.solvers.fallback import trivial_plan, with_trivial_incumbent

ROOT = Path(__file__).resolve().parent.parent


def _stopped(bound: float | None) -> RawSolution:
    return RawSolution(Status.NO_SOLUTION_AT_LIMIT, None, None, bound, None, None, 1.0, "highs",
                       "time limit")


def test_the_trivial_plan_on_the_demo_leaves_every_pupil_unmet() -> None:
    demo = Instance.from_path(ROOT / "instances" / "demo")
    model = build_allocation_model(demo)
    x = trivial_plan(model)
    assert x is not None
    out = with_trivial_incumbent(model, _stopped(1e6))
    assert out.status is Status.FEASIBLE_AT_LIMIT and out.x is not None
    pupils = float(demo.demand["pupils"].sum())
    assert out.objective == pytest.approx(pupils * demo.policy.unmet_penalty)
    assert out.gap == pytest.approx((out.objective - 1e6) / out.objective)
    assert "trivial plan" in out.message


def test_a_solution_or_a_hard_rule_the_empty_plan_breaks_is_left_alone() -> None:
    demo = Instance.from_path(ROOT / "instances" / "demo")
    model = build_allocation_model(demo)
    solved = replace(_stopped(None), status=Status.OPTIMAL)
    assert with_trivial_incumbent(model, solved) is solved
    # a row the empty plan breaks (its lower bound raised above what it holds)
    strict = replace(model, row_lower=np.where(np.arange(model.n_rows) == model.n_rows - 1,
                                               model.row_upper[-1] + 1.0, model.row_lower))
    assert trivial_plan(strict) is None
    stopped = _stopped(None)
    assert with_trivial_incumbent(strict, stopped) is stopped


def test_kent_growth_at_a_one_second_limit_gives_a_plan() -> None:
    """Once `--time-limit 1` on kent_growth returned no_solution_at_limit."""
    inst = Instance.from_path(ROOT / "instances" / "kent_growth")
    r = solve(inst, time_limit=1)
    assert r.status is Status.FEASIBLE_AT_LIMIT
    assert r.objective is not None and r.kpi("unmet") > 0
    assert "trivial plan" in r.message
    assert r.gap is None or r.gap > 0


def test_a_failed_branch_and_cut_keeps_the_dive_s_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    """HiGHS's branch and cut once ended in "Solve error" on kent_growth with a Safety Valve
    row after the dive had found a plan: that plan is returned, with its proven gap."""
    import sys

    sys.path.insert(0, str(ROOT / "tests"))
    from test_openings import _instance

    import placement_opt.solvers.highs as highs_mod
    from placement_opt.solvers.dive import DiveResult

    inst = _instance(opening_cost=1_000.0)
    model = build_allocation_model(inst)
    plan = trivial_plan(model)
    assert plan is not None
    first = DiveResult(plan, float(model.c @ plan), float(model.c @ plan) * 0.5, 3, 0.1,
                       np.zeros(model.n_rows))
    monkeypatch.setattr(highs_mod, "dive", lambda *a: first)
    failed = RawSolution(Status.ERROR, None, None, None, None, None, 1.0, "highs", "Solve error")
    monkeypatch.setattr(highs_mod, "collect", lambda *a: failed)
    out = highs_mod.solve_highs(model, SolveOptions(gap=1e-4))
    assert out.status is Status.FEASIBLE_AT_LIMIT and out.x is plan
    assert out.gap == pytest.approx(0.5) and "Solve error" in out.message


def test_a_soft_target_s_shortfall_takes_up_what_the_trivial_plan_spends() -> None:
    """Every pupil unmet at GBP 60,000 a pupil-year leaves the soft target short; the shortfall
    column takes it up, so the trivial plan stays feasible (a hard target would not be)."""
    demo = Instance.from_path(ROOT / "instances" / "demo")
    fin = demo.settings.finance.model_copy(update={
        "balance_target": 0.0, "target_year": 2027, "unmet_cost_per_pupil": 60_000.0})
    soft = demo.replace(settings=demo.settings.model_copy(update={"finance": fin}))
    model = build_allocation_model(soft)
    x = trivial_plan(model)
    assert x is not None
    layout = model.layout
    assert layout is not None and layout.safety_valve is not None
    from placement_opt.model.columns import Role

    shortfall = float(x[layout.columns.index(Role.SHORTFALL)][0])
    assert shortfall > 0
    row = model.block("safety_valve")
    assert row is not None
    assert float((model.A[row.start] @ x)[0]) == pytest.approx(model.row_upper[row.start])
    hard = soft.replace(settings=soft.settings.model_copy(update={
        "finance": fin.model_copy(update={"target_mode": "hard"})}))
    assert trivial_plan(build_allocation_model(hard)) is None
