"""Candidate sites (new SRPs): opened only when worth their fixed cost (models/openings.md)."""

from __future__ import annotations

from typing import Any

import pytest
from _tiny import tiny

from placement_opt import Instance, Status, solve
from placement_opt.reports.budget import budget_export
from placement_opt.results.run import RunData


def _instance(opening_cost: float, capital_per_place: float = 0.0, years: int = 1,
              earliest: int | None = None, min_places: float = 8, **policy: Any) -> Instance:
    """Zone A, 20 ASD primary pupils a year. Special school S: 10 places at £25,000;
    independent I: 100 places at £50,000; candidate SRP C: up to 15 places at £16,000."""
    inst = tiny(
        [{"provision": "S", "kind": "special", "zone": "A", "capacity": 10,
          "cost_per_place": 25_000},
         {"provision": "I", "kind": "independent", "zone": "A", "capacity": 100,
          "cost_per_place": 50_000},
         {"provision": "C", "kind": "srp", "zone": "A", "capacity": 15, "cost_per_place": 16_000,
          "candidate": True, "opening_cost": opening_cost, "capital_per_place": capital_per_place,
          "min_places": min_places, "earliest_year": earliest}],
        [("A", 20)], policy=policy)
    if years == 1:
        return inst
    more = inst.demand.assign(year=2027)
    return inst.replace(demand=inst.demand._append(more, ignore_index=True))


def test_opens_when_worth_its_fixed_cost() -> None:
    """Closed: 10 × 25,000 + 10 × 50,000 = 750,000. Open: C takes 15 (cheapest), S 5:
    15 × 16,000 + 5 × 25,000 + 200,000 = 565,000."""
    r = solve(_instance(200_000))
    assert r.status is Status.OPTIMAL
    assert r.objective == pytest.approx(565_000)
    row = r.openings.set_index("provision").loc["C"]
    assert bool(row["opened"]) and row["open_year"] == 2026
    assert row["places"] == pytest.approx(15)
    assert r.kpi("capital_cost") == pytest.approx(200_000)
    assert r.kpi("openings") == 1


def test_stays_closed_when_not_worth_it() -> None:
    """Opening at 400,000: 365,000 + 400,000 = 765,000 > 750,000, so stay closed."""
    r = solve(_instance(400_000))
    assert r.objective == pytest.approx(750_000)
    assert not r.openings["opened"].any()
    assert r.allocations.query("provision == 'C'").empty
    util = r.utilisation.set_index("provision")
    assert util.loc["C", "capacity"] == 0


def test_size_is_chosen_when_places_cost_capital() -> None:
    """£10,000 capital per place: a C place saves 25,000 - 16,000 = 9,000 against S, less than
    its capital, so C is built only for the 10 who would go independent:
    10 × 25,000 + 10 × 16,000 + 200,000 + 10 × 10,000 = 710,000."""
    r = solve(_instance(200_000, capital_per_place=10_000))
    assert r.objective == pytest.approx(710_000)
    assert r.openings.set_index("provision").loc["C", "places"] == pytest.approx(10)


def test_minimum_size_is_respected() -> None:
    """With at least 12 places and 10 needed, C is built at 12 (one-off 12 × 10,000)."""
    r = solve(_instance(200_000, capital_per_place=10_000, min_places=12))
    row = r.openings.set_index("provision").loc["C"]
    assert row["places"] == pytest.approx(12)
    # 12 in C (cheaper than S), 8 in S: 12 × 16,000 + 8 × 25,000 + 200,000 + 120,000.
    assert r.objective == pytest.approx(712_000)


def test_earliest_year_and_opening_order() -> None:
    """Two years; C may open from 2027: 750,000 in 2026, 365,000 in 2027, + 200,000."""
    r = solve(_instance(200_000, years=2, earliest=2027))
    assert r.objective == pytest.approx(1_315_000)
    assert r.openings.set_index("provision").loc["C", "open_year"] == 2027
    assert r.allocations.query("provision == 'C' and year == 2026").empty
    assert r.kpi("capital_cost", 2027) == pytest.approx(200_000)
    assert r.kpi("capital_cost", 2026) == 0


def test_max_openings_zero_keeps_everything_closed() -> None:
    r = solve(_instance(200_000, max_openings=0))
    assert r.objective == pytest.approx(750_000)


def test_min_openings_forces_an_opening() -> None:
    """Forced open at 400,000: 765,000."""
    r = solve(_instance(400_000, min_openings=1))
    assert r.objective == pytest.approx(765_000)


def test_marginal_values_after_fixing_openings() -> None:
    """With C open at 15 and S half empty, one more place at S is worth nothing; duals come
    from the LP with the opening fixed."""
    r = solve(_instance(200_000))
    util = r.utilisation.set_index("provision")
    assert util.loc["S", "shadow_price"] == pytest.approx(0.0)
    assert r.duals.size > 0


def test_capital_reaches_the_budget_export() -> None:
    inst = _instance(200_000, capital_per_place=10_000)
    r = solve(inst)
    export = budget_export(RunData.from_result(r, inst))
    capital = export[export["funding_line"] == "capital"]
    assert capital["amount_gbp"].sum() == pytest.approx(300_000)
    assert capital["pupils"].sum() == pytest.approx(10)
    assert export[export["in_objective"]]["amount_gbp"].sum() == pytest.approx(r.objective)


@pytest.mark.parametrize("backend", ["highs", "ortools", "pulp"])
def test_backends_agree_on_openings(backend: str) -> None:
    assert solve(_instance(200_000, capital_per_place=10_000),
                 backend=backend).objective == pytest.approx(710_000, rel=1e-9)


def test_size_is_a_whole_number_of_places() -> None:
    """20.5 pupils, step 4's costs: 10.5 would go to I, so the LP relaxation builds 10.5 places
    (723,000). Whole places: 11 (C 11, S 9.5: 176,000 + 237,500 + 200,000 + 110,000 =
    723,500) beats 10 (C 10, S 10, I 0.5: 735,000)."""
    inst = _instance(200_000, capital_per_place=10_000)
    inst = inst.replace(demand=inst.demand.assign(pupils=20.5))
    r = solve(inst)
    row = r.openings.set_index("provision").loc["C"]
    assert row["places"] == 11.0
    assert r.objective == pytest.approx(723_500)
    assert r.openings["places"].to_numpy().tolist() == [11.0]
    assert any("not a whole number" in w.message for w in r.warnings)  # rounded, and said
