"""Column pricing (placement_opt/solvers/pricing.py): the same optimum as the full LP, with a
dual-feasible certificate (every reduced cost >= -tol at the final duals)."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from _tiny import tiny

from placement_opt import Instance, Status, build_allocation_model, solve
from placement_opt.model.columns import Role
from placement_opt.model.matrix import MatrixModel
from placement_opt.options import SolveOptions
from placement_opt.solvers import pricing
from placement_opt.solvers.base import RawSolution
from placement_opt.solvers.highs import solve_highs
from placement_opt.solvers.pricing import (
    PRICING_ARCS,
    pricing_applies,
    pricing_groups,
    reduced_costs,
    solve_by_pricing,
)

ROOT = Path(__file__).resolve().parents[1]
WORKED = ROOT / "models" / "examples" / "allocation_worked"
DEMO = ROOT / "instances" / "demo"
ON = SolveOptions(pricing="on")
OFF = SolveOptions(pricing="off")


def _generate() -> ModuleType:
    spec = importlib.util.spec_from_file_location("benchmarks_generate",
                                                  ROOT / "benchmarks" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def medium() -> MatrixModel:
    """A generated instance with about 20,000 arcs (sizes_for_arcs(20_000))."""
    return build_allocation_model(_generate().make_instance(58, 27, 5, 0))


def _certified(model: MatrixModel, raw: RawSolution) -> None:
    """Primal feasible, dual feasible and complementary (rc >= -tol unless at the upper bound,
    rc <= tol unless at the lower bound, as in a relaxed change decision at 1): optimal."""
    assert raw.status is Status.OPTIMAL and raw.x is not None and raw.row_dual is not None
    x, y = raw.x, raw.row_dual
    scale = np.maximum(1.0, np.abs(model.c))
    rc = reduced_costs(model, y)
    at_upper, at_lower = x >= model.col_upper - 1e-7, x <= model.col_lower + 1e-7
    assert np.all((rc >= -1e-7 * scale) | at_upper)
    assert np.all((rc <= 1e-7 * scale) | at_lower)
    activity = model.A @ x
    assert np.all(activity >= model.row_lower - 1e-6)
    assert np.all(activity <= model.row_upper + 1e-6)
    assert np.all(x >= model.col_lower - 1e-9) and np.all(x <= model.col_upper + 1e-9)
    assert raw.objective == pytest.approx(float(model.c @ x) + model.offset, rel=1e-9)


@pytest.mark.parametrize("path", [DEMO, WORKED], ids=["demo", "worked"])
def test_same_optimum_as_the_full_lp(path: Path) -> None:
    model = build_allocation_model(Instance.from_path(path))
    full, priced = solve_highs(model, OFF), solve_highs(model, ON)
    assert "column pricing" in priced.message and "column pricing" not in full.message
    assert priced.objective == pytest.approx(full.objective, rel=1e-9)
    _certified(model, priced)


def test_generated_medium_instance(medium: MatrixModel) -> None:
    full, priced = solve_highs(medium, OFF), solve_highs(medium, ON)
    assert priced.objective == pytest.approx(full.objective, rel=1e-9)
    _certified(medium, priced)
    assert "rounds" in priced.message
    # The restricted LP leaves most arcs out, yet the certificate covers all of them.
    assert int(np.count_nonzero(priced.x)) < medium.layout.n_arcs // 2  # type: ignore[union-attr]


def test_deterministic(medium: MatrixModel) -> None:
    a, b = solve_by_pricing(medium, OFF), solve_by_pricing(medium, OFF)
    assert a.x is not None and b.x is not None and a.row_dual is not None
    assert np.array_equal(a.x, b.x) and np.array_equal(a.row_dual, b.row_dual)
    assert a.message == b.message


def test_worked_example_duals_and_shadow_price_by_re_solve() -> None:
    """The P1 dual of models/allocation.md (-78,800), and one more place at P1 lowers the
    objective by exactly it, all solved by pricing."""
    inst = Instance.from_path(WORKED)
    base = solve(inst, pricing="on")
    assert "column pricing" in base.message
    dual = float(base.utilisation.set_index("provision").loc["P1", "shadow_price"])
    assert dual == pytest.approx(-78_800, abs=1e-6)
    provisions = inst.provisions.copy()
    provisions.loc[provisions["provision"] == "P1", "capacity"] += 1
    bumped = solve(inst.replace(provisions=provisions), pricing="on")
    assert bumped.objective - base.objective == pytest.approx(dual, rel=1e-9)  # type: ignore[operator]


def test_unique_duals_agree_with_the_full_solve(medium: MatrixModel) -> None:
    """Capacity rows that are slack in both solves have dual 0; the objective's dual bound
    (b'y for the row bounds that bind) is the same in both."""
    full, priced = solve_highs(medium, OFF), solve_highs(medium, ON)
    assert full.row_dual is not None and priced.row_dual is not None
    block = medium.block("capacity")
    assert block is not None
    cap = slice(block.start, block.stop)
    assert full.x is not None and priced.x is not None
    slack = ((medium.A @ full.x)[cap] < medium.row_upper[cap] - 1e-6) & \
        ((medium.A @ priced.x)[cap] < medium.row_upper[cap] - 1e-6)
    assert slack.any()
    assert np.allclose(priced.row_dual[cap][slack], 0.0, atol=1e-6)
    assert np.allclose(full.row_dual[cap][slack], 0.0, atol=1e-6)


def test_infeasible_restricted_lp_falls_back_to_the_full_solve() -> None:
    """Zone A must be served locally (share 1.0), but its cheapest arc is away: the first
    restricted LP (one arc per demand row) is infeasible; the full solve places all 4 at L."""
    inst = tiny([{"provision": "L", "kind": "special", "zone": "A", "capacity": 10,
                  "cost_per_place": 30_000},
                 {"provision": "R", "kind": "special", "zone": "B", "capacity": 10,
                  "cost_per_place": 10_000}], [("A", 4)], zone_share={"A": 1.0})
    model = build_allocation_model(inst)
    raw = solve_by_pricing(model, OFF, initial=1)
    assert raw.status is Status.OPTIMAL and "column pricing" not in raw.message
    assert raw.objective == pytest.approx(solve_highs(model, OFF).objective, rel=1e-9)
    assert raw.objective == pytest.approx(120_000)


def test_time_limit_returns_the_last_restricted_optimum(medium: MatrixModel,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The clock passes the limit after round 1: the round-1 solution comes back as feasible
    (not proven optimal, no duals), and feasible for the full LP."""
    calls = iter(range(10**6))
    monkeypatch.setattr(pricing, "_clock", lambda: 0.0 if next(calls) < 2 else 1e9)
    raw = solve_by_pricing(medium, SolveOptions(time_limit=100.0))
    optimum = solve_highs(medium, OFF).objective
    assert raw.status is Status.FEASIBLE_AT_LIMIT and raw.row_dual is None
    assert raw.x is not None and raw.objective is not None and optimum is not None
    assert raw.objective >= optimum * (1 - 1e-9)
    activity = medium.A @ raw.x
    assert np.all(activity >= medium.row_lower - 1e-6)
    assert np.all(activity <= medium.row_upper + 1e-6)
    assert "not proven optimal" in raw.message


def test_time_limit_before_any_solution(medium: MatrixModel,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    calls = iter(range(10**6))
    monkeypatch.setattr(pricing, "_clock", lambda: 0.0 if next(calls) < 1 else 1e9)
    raw = solve_by_pricing(medium, SolveOptions(time_limit=1.0))
    assert raw.status is Status.NO_SOLUTION_AT_LIMIT and raw.x is None


def test_a_real_time_limit_under_the_watchdog(medium: MatrixModel) -> None:
    """With the watchdog on, pricing runs in the child (the groups travel with the runner)."""
    raw = solve_highs(medium, SolveOptions(pricing="on", watchdog="on", time_limit=60.0))
    assert raw.status is Status.OPTIMAL and "column pricing" in raw.message
    assert raw.objective == pytest.approx(solve_highs(medium, OFF).objective, rel=1e-9)


def test_auto_threshold(medium: MatrixModel, monkeypatch: pytest.MonkeyPatch) -> None:
    """auto prices LPs from PRICING_ARCS arcs up, with the simplex method; never a MIP."""
    assert medium.layout is not None and medium.layout.n_arcs < PRICING_ARCS
    assert not pricing_applies(medium, SolveOptions())
    assert pricing_applies(medium, ON) and not pricing_applies(medium, OFF)
    monkeypatch.setattr(pricing, "PRICING_ARCS", medium.layout.n_arcs)
    assert pricing_applies(medium, SolveOptions())
    assert not pricing_applies(medium, SolveOptions(lp_method="ipm"))
    mip = build_allocation_model(tiny([{"provision": "P", "kind": "special", "zone": "A",
                                        "capacity": 5, "cost_per_place": 1}], [("A", 3)],
                                      policy={"integer_pupils": True}))
    assert not pricing_applies(mip, ON)


def test_phase_transfer_flows_are_priced_too() -> None:
    """Kent's 2025-2026 demand in three East Kent districts with pathway flows: the flows are
    priced by their demand row (not all kept), and the optimum is the full LP's."""
    kent = Instance.from_path("kent")
    district = kent.zones.set_index("zone")["district"]
    east = kent.demand["zone"].map(district).isin(["Canterbury", "Thanet", "Swale"])
    years = kent.demand["year"].isin(kent.years[:2])
    policy = kent.policy.model_copy(update={"pathway_flows": True, "transfer_cost_per_min": 1.0})
    inst = kent.replace(demand=kent.demand[east & years],
                        settings=kent.settings.model_copy(update={"policy": policy}))
    model = build_allocation_model(inst)
    codes = pricing_groups(model)
    assert codes is not None
    groups, companions = pricing.split_groups(codes)
    flows = model.column_keys["role"] == Role.TRANSFER.value
    assert flows.any() and (groups[flows] >= model.layout.n_demand_rows).all()  # type: ignore[union-attr]
    assert companions[flows].all() and not companions[:model.layout.n_arcs].any()  # type: ignore[union-attr]
    full, priced = solve_highs(model, OFF), solve_highs(model, ON)
    assert priced.objective == pytest.approx(full.objective, rel=1e-9)
    _certified(model, priced)
    # Rows with no nonzero in the restricted LP are left out (their duals are 0).
    live = re.search(r"([\d,]+) of ([\d,]+) rows", priced.message)
    assert live is not None
    assert int(live[1].replace(",", "")) < int(live[2].replace(",", "")) == model.n_rows


def test_companions_join_with_their_rows() -> None:
    """Breaks and flows start out of the restricted LP unless their rows are in it: a break
    comes with the transfer row of a placement that is in; pricing still ends optimal."""
    from test_transfers import _instance

    model = build_allocation_model(_instance())
    codes = pricing_groups(model)
    assert codes is not None
    groups, companions = pricing.split_groups(codes)
    role = model.column_keys["role"]
    assert companions.tolist() == np.isin(role, [Role.TRANSFER.value, Role.BREAK.value]).tolist()
    breaks = groups[role == Role.BREAK.value]
    assert np.unique(breaks).size == breaks.size  # a group each: never held back by a cap
    priced = solve_by_pricing(model, ON)
    assert priced.objective == pytest.approx(160_200)
    _certified(model, priced)
