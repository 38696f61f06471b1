"""The cost of reversing each decision: the worked example of models/decisions.md."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from _tiny import facility_instance, tiny

from placement_opt import Instance, SolveOptions
from placement_opt.analysis.firmness.costs import plan_of
from placement_opt.analysis.firmness.reversal import (
    ReversalInputs,
    forget_sessions,
    reversal_tasks,
    reverse_decisions,
)
from placement_opt.analysis.firmness.run import decision_costs
from placement_opt.budget import Deadline
from placement_opt.errors import PlacementOptError
from placement_opt.model.decisions import decision_set, forced
from placement_opt.solve import build_checked, solve_built_raw


def _two_candidates(**policy: Any) -> Instance:
    """models/decisions.md: S 10 at 25,000; I 100 at 50,000; C1 and C2 up to 15 at 16,000,
    opening at 200,000 and 250,000."""
    site = {"kind": "srp", "zone": "A", "capacity": 15, "cost_per_place": 16_000,
            "candidate": True, "min_places": 8}
    return tiny(
        [{"provision": "S", "kind": "special", "zone": "A", "capacity": 10,
          "cost_per_place": 25_000},
         {"provision": "I", "kind": "independent", "zone": "A", "capacity": 100,
          "cost_per_place": 50_000},
         {"provision": "C1", "opening_cost": 200_000, **site},
         {"provision": "C2", "opening_cost": 250_000, **site}],
        [("A", 20)], policy=policy)


def _expansion(capital: float) -> Instance:
    """models/planning.md: 15 then 20 pupils; S 10 places, I 100; S grows 5 places an
    increment (at most 2, one year's lead)."""
    inst = tiny(
        [{"provision": "S", "kind": "special", "zone": "A", "capacity": 10,
          "cost_per_place": 25_000},
         {"provision": "I", "kind": "independent", "zone": "A", "capacity": 100,
          "cost_per_place": 50_000}],
        [("A", 15)], policy={"unmet_penalty": 1_000_000})
    demand = pd.concat([inst.demand, inst.demand.assign(year=2027, pupils=20.0)],
                       ignore_index=True)
    option = {"provision": "S", "increment": 5, "capital_cost": capital, "max_increments": 2,
              "lead_time": 1}
    return inst.replace(demand=demand, expansions=pd.DataFrame([option]))


@pytest.mark.parametrize("workers", [1, 2])
def test_worked_example(workers: int) -> None:
    """z0 = 565,000 (C1 open). Reversing C1: held 750,000 (+185,000), re-optimised C2
    instead, 615,000 (+50,000). Reversing C2: held 770,000 (+205,000), re-optimised
    615,000 (+50,000)."""
    result, costs = decision_costs(_two_candidates(), workers=workers)
    assert result.objective == pytest.approx(565_000)
    t = costs.decisions.set_index("decision")
    assert t.loc["open C1", "in_plan"] and not t.loc["open C2", "in_plan"]
    assert t.loc["open C1", "reversal"] == "do not open"
    assert t.loc["open C2", "reversal"] == "open"
    assert t.loc["open C1", "cost_held"] == pytest.approx(185_000)
    assert t.loc["open C1", "cost_to_reverse"] == pytest.approx(50_000)
    assert t.loc["open C1", "also_changes"] == "open C2"
    assert t.loc["open C1", "pupils_moved"] == pytest.approx(15)
    assert t.loc["open C2", "cost_held"] == pytest.approx(205_000)
    assert t.loc["open C2", "cost_to_reverse"] == pytest.approx(50_000)
    assert t.loc["open C2", "also_changes"] == "not open C1"
    assert t.loc["open C1", "share_of_objective"] == pytest.approx(50_000 / 565_000)
    # The relaxation's bound never exceeds the plan found.
    assert (t["cost_lower_bound"] <= t["cost_to_reverse"] + 1e-6).all()
    by_year = costs.by_year.set_index(["decision", "year"])["cost_to_reverse"]
    assert by_year.loc[("open C1", 2026)] == pytest.approx(50_000)


def test_expansion_reversed_both_ways() -> None:
    """At 100,000 an increment both are built (1,200,000); without: 1,250,000 (+50,000). At
    130,000 none is (1,250,000); one increment in 2027 saves 125,000 for 130,000: +5,000."""
    _, built = decision_costs(_expansion(100_000))
    row = built.decisions.iloc[0]
    assert row["decision"] == "expand S" and row["in_plan"] and row["amount"] == 2
    assert row["reversal"] == "do not expand"
    assert row["cost_held"] == pytest.approx(50_000)
    assert row["cost_to_reverse"] == pytest.approx(50_000)
    _, not_built = decision_costs(_expansion(130_000))
    row = not_built.decisions.iloc[0]
    assert not row["in_plan"] and row["reversal"] == "expand"
    assert row["cost_held"] == pytest.approx(5_000)
    assert row["cost_to_reverse"] == pytest.approx(5_000)


def test_held_only_skips_the_dives() -> None:
    """``reoptimise="held"``: the held cost only, no bound."""
    _, costs = decision_costs(_two_candidates(), reoptimise="held")
    t = costs.decisions.set_index("decision")
    assert t.loc["open C1", "cost_to_reverse"] == pytest.approx(185_000)
    assert t["cost_lower_bound"].isna().all()


def test_forced_model_reverses_the_decision() -> None:
    """Forcing keeps the columns and changes only the decision's bounds or adds one row."""
    inst = _two_candidates()
    data, model, _ = build_checked(inst)
    ds = decision_set(data, model, inst)
    assert ds.table["decision"].tolist() == ["open C1", "open C2"]
    closed = forced(model, ds, 0, take=False)
    assert closed.n_cols == model.n_cols and closed.n_rows == model.n_rows
    assert np.all(closed.col_upper[ds.columns[0]] == 0)
    opened = forced(model, ds, 1, take=True)
    assert opened.n_rows == model.n_rows + 1
    assert opened.block("forced_decision") is not None
    assert model.col_upper[ds.columns[0][:-1]].max() == 1  # the model given is as it was


def test_no_plan_is_a_clear_error() -> None:
    """An infeasible instance (three openings asked of two sites) has no plan to test."""
    inst = _two_candidates(min_openings=3)
    with pytest.raises(PlacementOptError, match="no plan to test"):
        decision_costs(inst)


def test_same_answers_whatever_the_workers_and_the_order() -> None:
    """Every reversal starts from the same bases, so the table is the same for 1 worker, 2
    workers and the serial executor, and one session reversing the decisions forwards or
    backwards finds the same plans, to the bit."""
    inst = facility_instance(n_zones=30, n_sites=12, seed=5)
    _, one = decision_costs(inst, workers=1)
    _, two = decision_costs(inst, workers=2)
    _, serial = decision_costs(inst, workers=2, executor="serial")
    for other in (two, serial):
        pd.testing.assert_frame_equal(one.decisions, other.decisions)
        pd.testing.assert_frame_equal(one.by_year, other.by_year)
    data, model, _ = build_checked(inst)
    result, raw = solve_built_raw(inst, data, model, SolveOptions(), Deadline.after(None), [])
    ds = decision_set(data, model, inst)
    inputs = ReversalInputs(model, ds, plan_of(inst, result, raw), "local", SolveOptions())
    order = np.arange(ds.size)
    forwards, backwards = (reverse_decisions(t) for t in reversal_tasks(inputs, [order,
                                                                                 order[::-1]]))
    forget_sessions()
    backwards = backwards[::-1]
    assert [r.decision for r in forwards] == [r.decision for r in backwards]
    for a, b in zip(forwards, backwards, strict=True):
        assert (a.held_objective, a.best_objective, a.bound) == (
            b.held_objective, b.best_objective, b.bound)
        assert (a.best_x is None) == (b.best_x is None)
        assert a.best_x is None or b.best_x is None or np.array_equal(a.best_x, b.best_x)
