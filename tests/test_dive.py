"""HiGHS's dive on the LP relaxation of a MIP (placement_opt/solvers/dive.py): a feasible
solution, a proven gap over the relaxation's bound, the fixed LP's duals."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from _tiny import facility_instance

from placement_opt import Status, build_allocation_model, solve
from placement_opt.options import SolveOptions
from placement_opt.solve import fixed_decision_model
from placement_opt.solvers.dive import dive, relaxed
from placement_opt.solvers.highs import new_highs, pass_model, solve_highs


@pytest.fixture(scope="module")
def model():  # type: ignore[no-untyped-def]
    return build_allocation_model(facility_instance(30, 10))


def _dived(model):  # type: ignore[no-untyped-def]
    h = new_highs(SolveOptions())
    pass_model(h, relaxed(model))
    return dive(h, model, deadline=None)


def test_the_dive_is_a_feasible_mip_solution_above_the_bound(model) -> None:  # type: ignore[no-untyped-def]
    found = _dived(model)
    assert found is not None
    ints = np.flatnonzero(model.integrality)
    assert np.allclose(found.x[ints], np.round(found.x[ints]))
    activity = model.A @ found.x
    assert (activity >= model.row_lower - 1e-6).all() and (activity <= model.row_upper + 1e-6).all()
    assert (found.x >= model.col_lower - 1e-9).all() and (found.x <= model.col_upper + 1e-9).all()
    assert float(model.c @ found.x + model.offset) == pytest.approx(found.objective, rel=1e-9)
    full = solve_highs(model, SolveOptions(dive=False, gap=0.0))
    assert found.bound <= full.objective + 1e-6 <= found.objective + 2e-6
    assert found.gap() >= 0


def test_the_dive_carries_the_fixed_lps_duals(model) -> None:  # type: ignore[no-untyped-def]
    found = _dived(model)
    assert found is not None
    fixed = solve_highs(fixed_decision_model(model, found.x), SolveOptions())
    assert fixed.objective == pytest.approx(found.objective, rel=1e-9)
    # optimal duals of the fixed LP: dual feasible and with the primal objective (degenerate
    # LPs have more than one, so they need not equal the duals stage's)
    lp = fixed_decision_model(model, found.x)
    y = found.row_dual
    d = lp.c - lp.A.T @ y
    row_side = np.where(y > 0, lp.row_lower, lp.row_upper)
    col_side = np.where(d > 0, lp.col_lower, lp.col_upper)
    assert np.isfinite(row_side[np.abs(y) > 1e-9]).all()
    assert np.isfinite(col_side[np.abs(d) > 1e-7]).all()
    dual_objective = (float(np.dot(y[np.abs(y) > 1e-9], row_side[np.abs(y) > 1e-9]))
                      + float(np.dot(d[np.abs(d) > 1e-7], col_side[np.abs(d) > 1e-7])) + lp.offset)
    assert dual_objective == pytest.approx(found.objective, rel=1e-7)


@pytest.mark.parametrize("gap", [1e-1, 1e-9])
def test_solve_stops_at_the_dive_only_within_the_gap(gap: float) -> None:
    inst = facility_instance(30, 10)
    with_dive, without = solve(inst, gap=gap), solve(inst, gap=gap, dive=False)
    assert with_dive.status is Status.OPTIMAL and without.status is Status.OPTIMAL
    assert with_dive.gap is not None and with_dive.gap <= gap + 1e-12
    best = min(with_dive.objective, without.objective)  # type: ignore[type-var]
    assert with_dive.objective <= best * (1 + gap) + 1e-6  # type: ignore[operator]
    assert not with_dive.duals.empty


def test_infeasible_relaxation_gives_no_dive(model) -> None:  # type: ignore[no-untyped-def]
    lower = model.row_lower.copy()
    upper = model.row_upper.copy()
    lower[0], upper[0] = 1.0, 0.0  # an impossible row
    bad = replace(model, row_lower=lower, row_upper=upper)
    h = new_highs(SolveOptions())
    pass_model(h, relaxed(bad))
    assert dive(h, bad, deadline=None) is None


def test_the_dive_rounds_a_size_to_whole_places() -> None:
    """models/openings.md, step 8: 20.5 pupils, the relaxation builds 10.5 places; the dive
    ends with the site open at 11 whole places (723,500), the optimum."""
    from test_openings import _instance

    from placement_opt.model.columns import Role

    inst = _instance(200_000, capital_per_place=10_000)
    model = build_allocation_model(inst.replace(demand=inst.demand.assign(pupils=20.5)))
    found = _dived(model)
    assert found is not None
    assert model.layout is not None
    assert model.layout.values(found.x, Role.SIZE).tolist() == [11.0]
    assert found.objective == pytest.approx(723_500)
