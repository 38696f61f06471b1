"""``own_district_kinds``: provisions of those kinds serve only pupils of their own district
(models/allocation.md, *Eligible arcs*)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from placement_opt import Instance, InstanceError, solve


def _instance(own: list[str]) -> Instance:
    """Zone A (district N) has 10 ASD primary pupils; mainstream MN in N (cost 9,000) and MS in
    district S (cost 6,000), both 10 minutes away. By hand: without the rule all 10 go to MS
    (60,000); with mainstream own-district only, all go to MN (90,000)."""
    zones = pd.DataFrame({"zone": ["A", "B"], "lat": [51.3, 51.2], "lon": [0.5, 0.6],
                          "district": ["N", "S"]})
    prov = pd.DataFrame({"provision": ["MN", "MS"], "kind": "mainstream", "zone": ["A", "B"],
                         "needs": "ASD", "phases": "primary", "capacity": 20,
                         "cost_per_place": [9_000, 6_000]})
    journeys = pd.DataFrame({"zone": "A", "provision": ["MN", "MS"], "minutes": 10.0, "km": 0.0})
    demand = pd.DataFrame({"zone": ["A"], "need": ["ASD"], "phase": ["primary"], "year": [2026],
                           "pupils": [10.0]})
    return Instance.from_tables(
        {"needs": pd.DataFrame({"need": ["ASD"]}),
         "phases": pd.DataFrame({"phase": ["primary"], "min_age": [4], "max_age": [11]}),
         "zones": zones, "provisions": prov, "demand": demand, "journeys": journeys},
        {"instance": {"name": "own"}, "policy": {"own_district_kinds": own}})


@pytest.mark.parametrize(("own", "objective", "used"), [([], 60_000.0, "MS"),
                                                         (["mainstream"], 90_000.0, "MN")])
def test_own_district_kinds_keep_placements_in_the_district(own: list[str], objective: float,
                                                            used: str) -> None:
    result = solve(_instance(own))
    assert result.objective == pytest.approx(objective)
    placed = result.allocations.groupby("provision")["pupils"].sum()
    assert placed.to_dict() == {used: pytest.approx(10.0)}


def test_unknown_kind_is_named() -> None:
    with pytest.raises(InstanceError, match="own_district_kinds"):
        _instance(["bus"])


@pytest.mark.parametrize("suffix", ["", ".xlsx", ".json"])
def test_own_district_kinds_round_trip(tmp_path: Path, suffix: str) -> None:
    inst = _instance(["mainstream"])
    back = Instance.from_path(inst.to_path(tmp_path / f"own{suffix}"))
    assert back.policy.own_district_kinds == ["mainstream"]
    assert solve(back).objective == pytest.approx(90_000.0)
