"""The Safety Valve target as a model row (``models/high_needs.md``): the worked example by
hand on every backend that takes it, hard and soft, the hard target's diagnosis, the model's
DSG spend against the high-needs account, and the located errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from _tiny import tiny

from placement_opt import Instance, PlacementOptError, Status, build_allocation_model, solve
from placement_opt.errors import InstanceError
from placement_opt.model.columns import Role
from placement_opt.model.matrix import MatrixModel
from placement_opt.options import SolveOptions
from placement_opt.reports.high_needs import run_account
from placement_opt.results.run import RunData
from placement_opt.solvers import available_backends
from placement_opt.solvers.highs import solve_highs

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "instances" / "demo"
DOC = ROOT / "models" / "high_needs.md"
INSTALLED = [b.name for b in available_backends()]
#: Backends that decline the target row: flow (a side constraint), CP-SAT (coefficients in
#: twelfths of a pound are not integral at 10**6).
DECLINE = {"flow", "cpsat"}


def _finance(inst: Instance, **finance: Any) -> Instance:
    fin = inst.settings.finance.model_copy(update=finance)
    return inst.replace(settings=inst.settings.model_copy(update={"finance": fin}))


def _worked(**finance: Any) -> Instance:
    """models/high_needs.md: 2 pupils a year in 2026 and 2027 in zone A; special school S, 2
    places at £36,000 and 16 km away (£16,000 transport); independent I at £50,000, 0 km."""
    inst = tiny([{"provision": "S", "kind": "special", "zone": "A", "capacity": 2,
                  "cost_per_place": 36_000},
                 {"provision": "I", "kind": "independent", "zone": "A", "capacity": 10,
                  "cost_per_place": 50_000}],
                [("A", 2.0)], journeys={("A", "S"): (30, 16), ("A", "I"): (10, 0)},
                policy={"transport_cost_per_km": 1_000})
    demand = pd.concat([inst.demand, inst.demand.assign(year=2027)], ignore_index=True)
    lines = pd.DataFrame({"financial_year": [2026, 2026, 2027, 2027],
                          "line": ["hnb", "post16", "hnb", "post16"],
                          "kind": ["income", "spend", "income", "spend"],
                          "amount_gbp": [120_000.0, 20_000.0, 120_000.0, 20_000.0]})
    base = inst.replace(demand=demand, high_needs=lines)
    return _finance(base, **({"opening_balance": -42_000.0} | finance))


def _at(r: Any, year: int) -> float:
    a = r.allocations
    return float(a[(a["year"] == year) & (a["provision"] == "S")]["pupils"].sum())


def _balance(inst: Instance, r: Any, year: int = 2027) -> float:
    s = run_account(RunData.from_result(r, inst)).summary.set_index("financial_year")
    return float(s.loc[year, "cumulative_balance_gbp"])


def test_the_worked_example_without_a_target() -> None:
    """I is £2,000 cheaper a pupil (50,000 vs 36,000 + 16,000): 4 x 50,000 = 200,000;
    DSG 120,000 a year; the balance at the end of 2027-28 is -82,000."""
    inst = _worked()
    r = solve(inst)
    assert r.objective == pytest.approx(200_000, rel=1e-9)
    assert _at(r, 2026) == _at(r, 2027) == 0
    assert _balance(inst, r) == pytest.approx(-82_000, rel=1e-9)


@pytest.mark.parametrize("backend", INSTALLED)
@pytest.mark.parametrize("mode", ["hard", "soft"])
def test_the_worked_example_meets_the_target(backend: str, mode: str) -> None:
    """Target 0 by 2027-28: 2 pupils to S in 2026 (34,000 of balance each for 2,000), 1 in
    2027 (14,000): 200,000 + 3 x 2,000 = 206,000, balance 0, no shortfall."""
    inst = _worked(balance_target=0.0, target_year=2027, target_mode=mode)
    if backend in DECLINE:
        with pytest.raises(PlacementOptError, match="cannot solve this model"):
            solve(inst, backend=backend)
        return
    r = solve(inst, backend=backend)
    assert r.status is Status.OPTIMAL
    assert r.objective == pytest.approx(206_000, rel=1e-9)
    assert (_at(r, 2026), _at(r, 2027)) == pytest.approx((2.0, 1.0), abs=1e-6)
    assert _balance(inst, r) == pytest.approx(0.0, abs=1e-3)
    assert r.kpi("safety_valve_shortfall") == pytest.approx(0.0, abs=1e-6)
    if mode == "hard":
        assert build_allocation_model(inst).layout.columns.size(Role.SHORTFALL) == 0  # type: ignore[union-attr]


@pytest.mark.parametrize("backend", [b for b in INSTALLED if b not in DECLINE])
def test_a_small_penalty_moves_only_the_early_pupils(backend: str) -> None:
    """Penalty 0.1: a 2026 move saves 0.1 x 34,000 = 3,400 > 2,000, a 2027 move 1,400 <
    2,000. So 2 pupils move in 2026, shortfall 14,000: 200,000 + 4,000 + 1,400 = 205,400."""
    inst = _worked(balance_target=0.0, target_year=2027, shortfall_penalty=0.1)
    r = solve(inst, backend=backend)
    assert r.objective == pytest.approx(205_400, rel=1e-9)
    assert (_at(r, 2026), _at(r, 2027)) == pytest.approx((2.0, 0.0), abs=1e-6)
    assert r.kpi("safety_valve_shortfall") == pytest.approx(14_000, rel=1e-6)
    assert r.kpi("safety_valve_penalty", 2027) == pytest.approx(1_400, rel=1e-6)
    assert r.kpi("objective") == pytest.approx(r.objective, rel=1e-9)
    assert _balance(inst, r) == pytest.approx(-14_000, rel=1e-6)


def test_the_target_year_weights_the_academic_years() -> None:
    """Target 2026-27: only academic year 2026 counts (its April-August estimated at its own
    figures): -42,000 + 100,000 - 120,000 + 24,000 x S pupils >= -14,000 needs 2 in 2026."""
    inst = _worked(balance_target=-14_000.0, target_year=2026, target_mode="hard")
    r = solve(inst)
    assert r.objective == pytest.approx(204_000, rel=1e-9)
    assert (_at(r, 2026), _at(r, 2027)) == pytest.approx((2.0, 0.0), abs=1e-6)
    sv = build_allocation_model(inst).layout.safety_valve  # type: ignore[union-attr]
    assert sv is not None and sv.weight.tolist() == [1.0, 0.0]


def test_the_row_is_the_hand_row() -> None:
    """Row: 34,000 x (I 2026) + 14,000 x (I 2027) ... in GBP, written as the arc coefficients
    (place cost - place funding at S, x omega) and a right-hand side of 42,000 - 240,000 + ..."""
    model = build_allocation_model(_worked(balance_target=0.0, target_year=2027))
    blk = model.block("safety_valve")
    assert blk is not None and blk.size == 1
    row = model.A[blk.start].toarray().ravel()
    cols = model.column_table()
    arcs = cols[cols["role"] == "arc"]
    coef = {(str(p), int(y)): row[i] for i, p, y in zip(arcs.index, arcs["provision"],
                                                       arcs["year"], strict=True)}
    assert coef[("S", 2026)] == pytest.approx(26_000 * 17 / 12)
    assert coef[("S", 2027)] == pytest.approx(26_000 * 7 / 12)
    assert coef[("I", 2026)] == pytest.approx(50_000 * 17 / 12)
    assert coef[("I", 2027)] == pytest.approx(50_000 * 7 / 12)
    assert row[model.layout.columns.start(Role.SHORTFALL)] == -1  # type: ignore[union-attr]
    # opening -42,000 + income 240,000 - post-16 40,000 - S's 2 funded places x 10,000 x 2.
    assert model.row_upper[blk.start] == pytest.approx(-42_000 + 240_000 - 40_000 - 40_000)


def test_soft_shortfall_is_the_gap_when_the_penalty_is_small_or_large() -> None:
    """Penalty 0: nothing moves and the shortfall is the whole gap, max(0, 0 - (-82,000));
    a target already met leaves no shortfall."""
    r = solve(_worked(balance_target=0.0, target_year=2027, shortfall_penalty=0.0))
    assert r.kpi("safety_valve_shortfall") == pytest.approx(82_000, rel=1e-9)
    met = solve(_worked(balance_target=-90_000.0, target_year=2027, shortfall_penalty=1e3))
    assert met.kpi("safety_valve_shortfall") == pytest.approx(0.0, abs=1e-6)
    assert met.objective == pytest.approx(200_000, rel=1e-9)


def test_a_hard_target_out_of_reach_is_diagnosed_in_planner_terms() -> None:
    """Best balance: no pupil placed, DSG only S's 2 empty places, 2 x 20,000:
    -42,000 + 200,000 - 40,000 = 118,000; a 200,000 target is 82,000 short."""
    inst = _worked(balance_target=200_000.0, target_year=2027, target_mode="hard")
    r = solve(inst)
    assert r.status is Status.INFEASIBLE
    d = r.diagnosis
    row = d[d["family"] == "safety_valve"].iloc[0]
    assert row["shortfall"] == pytest.approx(82_000, rel=1e-6)
    assert row["explanation"] == (
        "The Safety Valve target (balance \u2265 £200,000 by the end of 2027-28) cannot be met: "
        "the highest cumulative balance reachable, even leaving pupils without a place, is "
        "£118,000 (short by £82,000)")
    assert any("Safety Valve" in w.message for w in r.warnings)


def test_the_soft_penalty_finds_the_same_best_balance_as_the_diagnosis() -> None:
    """With a huge penalty the soft target's shortfall is the hard target's 82,000."""
    r = solve(_worked(balance_target=200_000.0, target_year=2027, shortfall_penalty=1e3))
    assert r.kpi("safety_valve_shortfall") == pytest.approx(82_000, rel=1e-6)


def test_millions_in_the_diagnosis() -> None:
    from placement_opt.solvers.diagnose import _gbp

    assert _gbp(-12_345_678) == "\u2212£12.3m"
    assert _gbp(0.0) == "£0"


def test_no_target_leaves_the_model_as_it_was() -> None:
    inst = _worked()
    plain = build_allocation_model(inst.replace(high_needs=inst.high_needs.iloc[:0]))
    model = build_allocation_model(inst)
    assert (model.n_rows, model.n_cols, model.A.nnz) == (plain.n_rows, plain.n_cols,
                                                         plain.A.nnz)
    assert model.block("safety_valve") is None
    assert model.layout is not None and model.layout.safety_valve is None
    assert "safety_valve_shortfall" not in set(solve(inst).kpis["kpi"])


def _unchecked(inst: Instance, **updates: Any) -> Instance:
    """``inst`` changed without validating it again (as code building one in memory might):
    the solve and the builder check the target themselves."""
    if "finance" in updates:
        fin = inst.settings.finance.model_copy(update=updates.pop("finance"))
        updates["settings"] = inst.settings.model_copy(update={"finance": fin})
    return inst.model_copy(update=updates)


def test_a_target_year_outside_the_horizon_is_a_located_error() -> None:
    with pytest.raises(InstanceError, match="target_year") as err:
        _worked(balance_target=0.0, target_year=2030)  # when the instance is made
    assert "2030" in str(err.value) and "2026 to 2027" in str(err.value)
    inst = _unchecked(_worked(), finance={"balance_target": 0.0, "target_year": 2030})
    with pytest.raises(InstanceError, match="target_year") as err:
        solve(inst)
    assert "2030" in str(err.value) and "2026 to 2027" in str(err.value)
    with pytest.raises(InstanceError, match="target_year"):
        build_allocation_model(inst)


def test_a_bad_high_needs_line_is_a_located_error_with_a_target() -> None:
    inst = _worked(balance_target=0.0, target_year=2027)
    lines = inst.high_needs.assign(financial_year=[2026, 2026, 2027, 2031])
    bad = inst.replace(high_needs=lines)  # a warning when the instance is made, located
    [note] = [w for w in bad.warnings if w.column == "financial_year"]
    assert note.row == 5 and note.value == "2031"
    with pytest.raises(InstanceError, match="financial_year") as err:
        solve(bad)
    assert "row 5" in str(err.value) and "2031" in str(err.value)
    plain = _unchecked(bad, finance={"balance_target": None, "target_year": None})
    assert solve(plain).status is Status.OPTIMAL  # no target: the model does not read them


def _model_spend(model: MatrixModel, x: np.ndarray) -> float:
    """The columns' DSG spend to the target year plus the fixed spend (row activity with the
    shortfall taken out)."""
    layout = model.layout
    assert layout is not None and layout.safety_valve is not None
    blk = model.block("safety_valve")
    assert blk is not None
    activity = float((model.A[blk.start] @ x)[0])
    return activity + float(layout.values(x, Role.SHORTFALL).sum()) + layout.safety_valve.fixed_spend


def _account_spend(inst: Instance, r: Any, year: int) -> float:
    s = run_account(RunData.from_result(r, inst)).summary
    hn = inst.high_needs
    outside = hn[(hn["kind"] == "spend") & (hn["financial_year"] <= year)]["amount_gbp"].sum()
    return float(s[s["financial_year"] <= year]["spend_gbp"].sum() - outside)


def test_the_model_spends_what_the_account_counts_on_the_demo() -> None:
    demo = Instance.from_path(DEMO)
    lines = pd.DataFrame({"financial_year": [2026, 2027], "line": ["hnb", "post16"],
                          "kind": ["income", "spend"], "amount_gbp": [5e6, 1e6]})
    inst = _finance(demo.replace(high_needs=lines), opening_balance=-2e6, balance_target=0.0,
                    target_year=2027, shortfall_penalty=0.5)
    model = build_allocation_model(inst)
    raw = solve_highs(model, SolveOptions())
    assert raw.x is not None
    r = solve(inst)
    assert r.objective == pytest.approx(raw.objective, rel=1e-9)
    assert _model_spend(model, raw.x) == pytest.approx(_account_spend(inst, r, 2027), rel=1e-6)
    assert r.kpi("objective") > solve(demo).objective  # the target costs something


def _rich(**finance: Any) -> Instance:
    """Three years with continuity, an existing cohort, a funded candidate, an expansion and a
    reduction: every kind of column that carries DSG spend."""
    provs = [{"provision": "S", "kind": "special", "zone": "A", "capacity": 6,
              "cost_per_place": 30_000},
             {"provision": "U", "kind": "srp", "zone": "A", "capacity": 8,
              "cost_per_place": 18_000},
             {"provision": "C", "kind": "special", "zone": "B", "capacity": 10,
              "cost_per_place": 26_000, "candidate": True, "opening_cost": 50_000,
              "capital_per_place": 1_000, "min_places": 4},
             {"provision": "I", "kind": "independent", "zone": "B", "capacity": 50,
              "cost_per_place": 55_000}]
    inst = tiny(provs, [("A", 1.0)], journeys={("A", "I"): (20, 5), ("B", "I"): (5, 1),
                                               ("A", "C"): (25, 12), ("B", "C"): (5, 1)},
                policy={"transport_cost_per_km": 900, "continuity": True,
                        "unmet_penalty": 200_000})
    demand = pd.DataFrame([{"zone": z, "need": "ASD", "phase": "primary", "year": y, "pupils": n}
                           for y, (a, b) in zip((2026, 2027, 2028), ((6, 4), (9, 6), (11, 8)),
                                                strict=True)
                           for z, n in (("A", a), ("B", b))])
    lines = pd.DataFrame({"financial_year": [2026, 2027, 2028], "line": "hnb",
                          "kind": "income", "amount_gbp": [4e5, 4e5, 4e5]})
    base = inst.replace(
        demand=demand, high_needs=lines,
        existing=pd.DataFrame([{"provision": "S", "zone": "A", "need": "ASD",
                                "phase": "primary", "pupils": 3.0}]),
        expansions=pd.DataFrame([{"provision": "S", "increment": 2, "capital_cost": 40_000,
                                  "max_increments": 2, "lead_time": 0}]),
        changes=pd.DataFrame([{"provision": "U", "action": "reduce", "places": 4,
                               "one_off_cost": 5_000, "saving_per_year": 12_000}]))
    return _finance(base, **finance)


@pytest.mark.parametrize("penalty", [0.0, 0.3, 5.0])
def test_the_model_spends_what_the_account_counts_with_every_feature(penalty: float) -> None:
    inst = _rich(opening_balance=-3e5, balance_target=0.0, target_year=2027,
                 shortfall_penalty=penalty)
    model = build_allocation_model(inst)
    assert model.layout is not None and model.layout.columns.size(Role.COMMISSIONED) == 3
    raw = solve_highs(model, SolveOptions())
    assert raw.status is Status.OPTIMAL and raw.x is not None
    r = solve(inst)
    assert r.objective == pytest.approx(raw.objective, rel=1e-9)
    assert _model_spend(model, raw.x) == pytest.approx(_account_spend(inst, r, 2027), rel=1e-6)
    balance = _balance(inst, r)
    assert r.kpi("safety_valve_shortfall") == pytest.approx(max(0.0, -balance), rel=1e-6,
                                                              abs=1e-3)


def test_the_rich_plan_changes_with_the_target() -> None:
    """A binding target costs more and raises the balance at the end of 2027-28 (-164,917
    to -12,167): the reduction takes a 4th place, S expands, C opens smaller."""
    free = _rich(opening_balance=-3e5)
    bound = _rich(opening_balance=-3e5, balance_target=0.0, target_year=2027,
                  shortfall_penalty=5.0)
    r0, r1 = solve(free), solve(bound)
    assert _balance(free, r0) == pytest.approx(-164_916.67, abs=0.01)
    assert _balance(bound, r1) == pytest.approx(-12_166.67, abs=0.01)
    assert r1.kpi("safety_valve_shortfall") == pytest.approx(12_166.67, abs=0.01)
    assert r1.objective - r1.kpi("safety_valve_penalty") > r0.objective + 1.0
    assert r0.changes["places_removed"].tolist() == [3.0]
    assert r1.changes["places_removed"].tolist() == [4.0]
    assert r1.expansions["places_added"].sum() == pytest.approx(4.0)
    assert r1.openings["places"].tolist() == pytest.approx([5.0])


def test_the_formulation_file_states_the_worked_numbers() -> None:
    text = DOC.read_text(encoding="utf-8")
    for figure in ("200,000", "206,000", "205,400", "-82,000", "118,000", "14,000", "34,000",
                   "17/12", "7/12"):
        assert figure in text, figure
    assert "models/high_needs.md" in build_allocation_model(_worked()).formulation


def test_an_unmet_pupil_costs_the_account_what_finance_says_so_the_target_cannot_drop_pupils(
        ) -> None:
    """With unmet pupils free to the account, a steep target (penalty 50) is met by leaving
    0.43 pupil-years unplaced; at GBP 60,000 an unmet pupil-year (more than any place here)
    nobody is left out and 12,166.67 of the target stays short. Either way the model's DSG spend
    is the account's (the unmet_demand line included)."""
    out = {}
    for cost in (0.0, 60_000.0):
        inst = _rich(opening_balance=-3e5, balance_target=0.0, target_year=2027,
                     shortfall_penalty=50.0, unmet_cost_per_pupil=cost)
        model = build_allocation_model(inst)
        raw = solve_highs(model, SolveOptions())
        assert raw.x is not None
        r = solve(inst)
        assert _model_spend(model, raw.x) == pytest.approx(_account_spend(inst, r, 2027),
                                                           rel=1e-6)
        out[cost] = (r.kpi("unmet"), r.kpi("safety_valve_shortfall"))
    assert out[0.0][0] == pytest.approx(0.4294, abs=1e-3) and out[0.0][1] == pytest.approx(0.0)
    assert out[60_000.0][0] == pytest.approx(0.0, abs=1e-9)
    assert out[60_000.0][1] == pytest.approx(12_166.67, abs=0.01)
