"""Expansions in modular increments and budgets, on hand-solved examples (models/planning.md)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from _tiny import tiny

from placement_opt import Instance, Status, solve
from placement_opt.reports.budget import budget_export
from placement_opt.results.run import RunData


def _instance(expansion: dict[str, Any] | None = None, budgets: list[dict[str, Any]] | None = None,
              **policy: Any) -> Instance:
    """Zone A: 15 pupils in 2026, 20 in 2027. Special S: 10 places at £25,000. Independent I:
    100 places at £50,000. Option: S grows by 5 places per increment, £100,000 each, at most 2,
    one year from start to use."""
    inst = tiny(
        [{"provision": "S", "kind": "special", "zone": "A", "capacity": 10,
          "cost_per_place": 25_000},
         {"provision": "I", "kind": "independent", "zone": "A", "capacity": 100,
          "cost_per_place": 50_000}],
        [("A", 15)], policy={"unmet_penalty": 1_000_000, **policy})
    demand = pd.concat([inst.demand, inst.demand.assign(year=2027, pupils=20.0)],
                       ignore_index=True)
    tables: dict[str, pd.DataFrame] = {"demand": demand}
    if expansion is not None:
        option = {"provision": "S", "increment": 5, "capital_cost": 100_000, "max_increments": 2,
                  "lead_time": 1, **expansion}
        tables["expansions"] = pd.DataFrame([option])
    if budgets is not None:
        tables["budgets"] = pd.DataFrame(budgets)
    return inst.replace(**tables)


def test_no_option_baseline() -> None:
    """2026: 10 S + 5 I = 500,000; 2027: 10 S + 10 I = 750,000."""
    assert solve(_instance()).objective == pytest.approx(1_250_000)


def test_expansion_cheaper_than_independent() -> None:
    """Each increment (in use 2027) saves 5 × 25,000 = 125,000 > 100,000: build both.
    500,000 + 20 × 25,000 + 200,000 = 1,200,000."""
    r = solve(_instance({}))
    assert r.status is Status.OPTIMAL
    assert r.objective == pytest.approx(1_200_000)
    plan = r.expansions
    assert plan[["provision", "year_in_use", "start_year"]].values.tolist() == [["S", 2027, 2026]]
    assert plan["places_added"].tolist() == pytest.approx([10])
    util = r.utilisation.set_index(["provision", "year"])
    assert util.loc[("S", 2027), "capacity"] == pytest.approx(20)
    assert util.loc[("S", 2026), "capacity"] == pytest.approx(10)
    assert r.kpi("capital_cost", 2026) == pytest.approx(200_000)
    assert r.kpi("places_added") == pytest.approx(10)


def test_expansion_dearer_than_independent() -> None:
    """At £130,000 an increment saves 125,000: not worth it."""
    r = solve(_instance({"capital_cost": 130_000}))
    assert r.objective == pytest.approx(1_250_000)
    assert r.expansions.empty


def test_no_lead_time_builds_for_both_years() -> None:
    """In use from 2026: 15 × 25,000 + 20 × 25,000 + 200,000 = 1,075,000."""
    r = solve(_instance({"lead_time": 0}))
    assert r.objective == pytest.approx(1_075_000)
    assert r.expansions["places_added"].sum() == pytest.approx(10)


def test_capital_budget_per_year_limits_building() -> None:
    """£100,000 of capital in 2026 (the start year): one increment.
    500,000 + (15 × 25,000 + 5 × 50,000) + 100,000 = 1,225,000."""
    r = solve(_instance({}, budgets=[{"year": 2026, "capital": 100_000},
                                     {"year": 2027, "capital": 0}]))
    assert r.objective == pytest.approx(1_225_000)
    use = r.budget_use.set_index("year")
    assert use.loc[2026, "capital_spent"] == pytest.approx(100_000)


def test_capital_budget_total() -> None:
    r = solve(_instance({}, capital_budget_total=100_000))
    assert r.objective == pytest.approx(1_225_000)


def test_revenue_budget_is_soft_and_reports_overspend() -> None:
    """2027 budget £700,000, spend 750,000: overspend 50,000 × penalty 1 = 1,300,000."""
    r = solve(_instance(budgets=[{"year": 2027, "revenue": 700_000}]))
    assert r.objective == pytest.approx(1_300_000)
    use = r.budget_use.set_index("year")
    assert use.loc[2027, "overspend"] == pytest.approx(50_000)
    assert use.loc[2027, "revenue_spent"] == pytest.approx(750_000)
    assert r.kpi("overspend") == pytest.approx(50_000)


def test_dear_overspend_leaves_a_pupil_unmet() -> None:
    """Overspend penalty 100: one pupil unmet (1,000,000) beats 50,000 × 100 of overspend.
    500,000 + 700,000 + 1,000,000 = 2,200,000."""
    r = solve(_instance(budgets=[{"year": 2027, "revenue": 700_000}], overspend_penalty=100))
    assert r.objective == pytest.approx(2_200_000)
    assert r.kpi("unmet", 2027) == pytest.approx(1)
    assert r.kpi("overspend") == pytest.approx(0, abs=1e-6)


def test_infeasible_capital_rule_is_diagnosed() -> None:
    """A candidate that must open (min_openings = 1) with no capital: the diagnosis names the
    capital budget."""
    inst = _instance()
    provisions = pd.concat([inst.provisions, pd.DataFrame([{
        "provision": "C", "kind": "srp", "zone": "A", "phases": "primary", "needs": "ASD",
        "capacity": 10, "cost_per_place": 16_000, "candidate": True, "opening_cost": 50_000}])],
        ignore_index=True)
    strict = inst.replace(provisions=provisions,
                          settings=inst.settings.model_copy(update={"policy": inst.policy.model_copy(
                              update={"min_openings": 1, "capital_budget_total": 0.0})}))
    r = solve(strict)
    assert r.status is Status.INFEASIBLE
    # Either rule alone would do: both are offered, in their own units.
    by_option = r.diagnosis.set_index("option")["explanation"].to_dict()
    assert by_option["capital_total"] == "capital budget over the horizon would have to rise by £50,000"
    assert by_option["openings"] == ("the rule to open at least 1 candidate sites would have to "
                                     "drop by 1")


def test_expansion_capital_reaches_the_budget_export() -> None:
    inst = _instance({})
    r = solve(inst)
    export = budget_export(RunData.from_result(r, inst))
    capital = export[export["funding_line"] == "capital"]
    assert capital[["year", "amount_gbp"]].values.tolist() == [[2026, 200_000]]
    assert export[export["in_objective"]]["amount_gbp"].sum() == pytest.approx(r.objective)


@pytest.mark.parametrize("backend", ["ortools", "pulp"])
def test_backends_agree_on_planning(backend: str) -> None:
    inst = _instance({}, budgets=[{"year": 2026, "capital": 100_000}])
    assert solve(inst, backend=backend).objective == pytest.approx(1_225_000, rel=1e-9)
