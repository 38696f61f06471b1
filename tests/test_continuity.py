"""Continuity: placements hold their place until the pupil leaves the phase; the existing
cohort is never moved (models/planning.md). Hand-solved with a 2-year phase, so a year's
placements are all in place that year and half of them the next."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from _tiny import tiny

from placement_opt import Instance, Status, solve


def _instance(demand: dict[int, float], continuity: bool = True,
              existing: list[dict[str, Any]] | None = None) -> Instance:
    """Zone A; special S: 10 places at £20,000; independent I: 100 at £50,000; a primary
    phase of two years (ages 4-5)."""
    inst = tiny([{"provision": "S", "kind": "special", "zone": "A", "capacity": 10,
                  "cost_per_place": 20_000},
                 {"provision": "I", "kind": "independent", "zone": "A", "capacity": 100,
                  "cost_per_place": 50_000}],
                [("A", 1)], policy={"continuity": continuity, "unmet_penalty": 1_000_000})
    rows = pd.DataFrame([{"zone": "A", "need": "ASD", "phase": "primary", "year": y,
                          "pupils": float(n)} for y, n in demand.items()])
    tables: dict[str, pd.DataFrame] = {
        "demand": rows,
        "phases": pd.DataFrame({"phase": ["primary"], "min_age": [4], "max_age": [6]}),
    }
    if existing is not None:
        tables["existing"] = pd.DataFrame(existing)
    return inst.replace(**tables)


def test_independent_placements_persist() -> None:
    """2026: 14 pupils, S takes 10, I 4. 2027: 10 pupils; half of each cohort is still there
    (S 5, I 2, never moved), so 3 are placed, at S. 400,000 + 8 × 20,000 + 2 × 50,000 =
    660,000, against 600,000 when every year starts afresh."""
    assert solve(_instance({2026: 14, 2027: 10}, continuity=False)).objective == pytest.approx(
        600_000)
    r = solve(_instance({2026: 14, 2027: 10}))
    assert r.status is Status.OPTIMAL
    assert r.objective == pytest.approx(660_000)
    y27 = r.allocations[r.allocations["year"] == 2027].set_index("provision")
    assert y27.loc["I", "pupils"] == pytest.approx(2)
    assert y27.loc["I", "new_pupils"] == pytest.approx(0)
    assert y27.loc["S", "pupils"] == pytest.approx(8)
    assert y27.loc["S", "new_pupils"] == pytest.approx(3)


def test_existing_cohort_is_never_moved() -> None:
    """6 pupils already at I in 2026 (3 still there in 2027). 2026: 8 more, at S; 2027: S has
    4 still there, 3 more placed. 6 × 50,000 + 8 × 20,000 + 3 × 50,000 + 7 × 20,000 = 750,000."""
    existing = [{"provision": "I", "zone": "A", "need": "ASD", "phase": "primary", "pupils": 6}]
    r = solve(_instance({2026: 14, 2027: 10}, existing=existing))
    assert r.objective == pytest.approx(750_000)
    alloc = r.allocations.set_index(["year", "provision"])
    assert alloc.loc[(2026, "I"), "pupils"] == pytest.approx(6)
    assert alloc.loc[(2026, "I"), "new_pupils"] == pytest.approx(0)
    assert alloc.loc[(2027, "I"), "pupils"] == pytest.approx(3)
    assert alloc.loc[(2026, "S"), "pupils"] == pytest.approx(8)


def test_falling_demand_leaves_a_surplus_not_an_error() -> None:
    """2026: 10 at S; 2027: only 2 need a place but 5 are still there: nothing new, 300,000."""
    r = solve(_instance({2026: 10, 2027: 2}))
    assert r.status is Status.OPTIMAL
    assert r.objective == pytest.approx(300_000)
    assert r.kpi("unmet") == 0


def test_places_held_by_earlier_cohorts_count_against_capacity() -> None:
    """2026: 10 at S; 2027: 16 pupils: S holds 5 from 2026, so only 5 more fit; 6 go to I."""
    r = solve(_instance({2026: 10, 2027: 16}))
    util = r.utilisation.set_index(["provision", "year"])
    assert util.loc[("S", 2027), "placed"] == pytest.approx(10)
    assert util.loc[("I", 2027), "placed"] == pytest.approx(6)
    assert (util["placed"] <= util["capacity"] + 1e-6).all()
    # 200,000 + (10 × 20,000 + 6 × 50,000).
    assert r.objective == pytest.approx(700_000)


@pytest.mark.parametrize("backend", ["ortools", "pulp"])
def test_backends_agree_with_continuity(backend: str) -> None:
    existing = [{"provision": "I", "zone": "A", "need": "ASD", "phase": "primary", "pupils": 6}]
    inst = _instance({2026: 14, 2027: 10}, existing=existing)
    assert solve(inst, backend=backend).objective == pytest.approx(750_000, rel=1e-9)
