"""HiGHS given a MIP start: the objective and gap reported are those of the plan returned.

HiGHS 1.16 reports a start's objective "in the reduced space" after presolve, which on
kent_growth is GBP 1m below the cost of the plan it then returns (the start itself)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import DEMO_PATH

from placement_opt.instance import Instance
from placement_opt.options import SolveOptions
from placement_opt.solve import build_checked
from placement_opt.solvers.highs import solve_highs
from placement_opt.status import Status

pytestmark = pytest.mark.slow


def test_objective_is_the_cost_of_the_plan_returned_after_a_start() -> None:
    _, model, _ = build_checked(Instance.from_path(DEMO_PATH.parent / "kent_growth"))
    first = solve_highs(model, SolveOptions(gap=1e-3))
    assert first.x is not None
    again = solve_highs(model, SolveOptions(gap=1e-3, dive=False, time_limit=120),
                        incumbent=first.x)
    assert again.x is not None and again.objective is not None and again.bound is not None
    cost = float(model.c @ again.x) + model.offset
    assert again.objective == pytest.approx(cost, rel=1e-12)
    assert again.gap == pytest.approx((cost - again.bound) / cost, rel=1e-9)
    assert again.status in (Status.OPTIMAL, Status.FEASIBLE_AT_LIMIT)
    if again.status is Status.OPTIMAL:
        assert again.gap <= 1e-3
    assert np.all(np.abs(np.round(again.x[model.integrality]) - again.x[model.integrality]) < 1e-6)
