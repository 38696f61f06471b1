"""Tiny instances whose optimum was computed by hand (the working is in each docstring)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from _tiny import tiny

from placement_opt import Instance, Status, solve

ROOT = Path(__file__).resolve().parent.parent
WORKED = ROOT / "models" / "examples" / "allocation_worked"


def _placed(result: object, provision: str) -> float:
    alloc = result.allocations  # type: ignore[attr-defined]
    return float(alloc.loc[alloc["provision"] == provision, "pupils"].sum())


def test_single_provision() -> None:
    """8 pupils, one school at £20,000 + £100/km × 5 km: 8 × 20,500 = 164,000."""
    inst = tiny([{"provision": "P", "kind": "special", "zone": "A", "capacity": 10,
                  "cost_per_place": 20_000}], [("A", 8)],
                journeys={("A", "P"): (10, 5)}, policy={"transport_cost_per_km": 100})
    r = solve(inst)
    assert r.status is Status.OPTIMAL
    assert r.objective == pytest.approx(164_000)
    assert r.unmet.empty
    assert r.kpi("transport_cost") == pytest.approx(8 * 500)


def test_unmet_is_optimal_when_penalty_is_cheaper() -> None:
    """Penalty £15,000 < £20,500 a place: leaving all 8 unmet costs 120,000."""
    inst = tiny([{"provision": "P", "kind": "special", "zone": "A", "capacity": 10,
                  "cost_per_place": 20_000}], [("A", 8)],
                journeys={("A", "P"): (10, 5)},
                policy={"transport_cost_per_km": 100, "unmet_penalty": 15_000})
    r = solve(inst)
    assert r.objective == pytest.approx(120_000)
    assert r.allocations.empty
    assert r.unmet["unmet"].tolist() == [8]


def test_journey_limit_excludes_cheap_far_school() -> None:
    """P1 (£10,000) is 50 min away, over the 45-min primary limit; P2 (£30,000 + 10 km × £100)
    has 5 places: 5 × 31,000 + 3 unmet × 100,000 = 455,000."""
    inst = tiny(
        [{"provision": "P1", "kind": "special", "zone": "A", "capacity": 20, "cost_per_place": 10_000},
         {"provision": "P2", "kind": "special", "zone": "A", "capacity": 5, "cost_per_place": 30_000}],
        [("A", 8)], journeys={("A", "P1"): (50, 20), ("A", "P2"): (20, 10)},
        policy={"transport_cost_per_km": 100})
    r = solve(inst)
    assert r.objective == pytest.approx(455_000)
    assert _placed(r, "P1") == 0
    assert _placed(r, "P2") == pytest.approx(5)
    assert r.kpi("unmet") == pytest.approx(3)


def test_independent_cap_changes_the_answer() -> None:
    """Special £24,000 × 4 places, independent £49,000. Uncapped: 96,000 + 6 × 49,000 = 390,000.
    At most 3 independent: 96,000 + 3 × 49,000 + 3 × 100,000 = 543,000."""
    provs = [
        {"provision": "S", "kind": "special", "zone": "A", "capacity": 4, "cost_per_place": 24_000},
        {"provision": "I", "kind": "independent", "zone": "A", "capacity": 10,
         "cost_per_place": 49_000},
    ]
    assert solve(tiny(provs, [("A", 10)])).objective == pytest.approx(390_000)
    capped = solve(tiny(provs, [("A", 10)], policy={"max_independent_pupils": 3}))
    assert capped.objective == pytest.approx(543_000)
    assert _placed(capped, "I") == pytest.approx(3)
    share = solve(tiny(provs, [("A", 10)], policy={"max_independent_share": 0.3}))
    assert share.objective == pytest.approx(543_000)


def test_per_need_cap() -> None:
    """P1 (£20,000, 10 places, at most 2 SLD) and P2 (£30,000, SLD only). 5 ASD + 5 SLD:
    ASD 5 → P1, SLD 2 → P1 and 3 → P2: 7 × 20,000 + 3 × 30,000 = 230,000."""
    inst = tiny(
        [{"provision": "P1", "kind": "special", "zone": "A", "capacity": 10,
          "cost_per_place": 20_000, "needs": "ASD;SLD"},
         {"provision": "P2", "kind": "special", "zone": "A", "capacity": 10,
          "cost_per_place": 30_000, "needs": "SLD"}],
        [("A", "ASD", 5), ("A", "SLD", 5)],
        capacity=[{"provision": "P1", "year": 2026, "need": "SLD", "places": 2}])
    r = solve(inst)
    assert r.objective == pytest.approx(230_000)
    sld = r.allocations[r.allocations["need"] == "SLD"].set_index("provision")["pupils"]
    assert sld.to_dict() == pytest.approx({"P1": 2, "P2": 3})


def test_worked_example_matches_models_md() -> None:
    """The example of models/allocation.md, solved by hand there: 1,313,200."""
    expected = json.loads((WORKED / "expected.json").read_text())
    r = solve(Instance.from_path(WORKED))
    assert r.status is Status.OPTIMAL
    assert r.objective == pytest.approx(expected["objective"], rel=1e-9)
    got = r.allocations[["year", "zone", "need", "phase", "provision", "pupils"]]
    want = pd.DataFrame(expected["allocations"])
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want, check_dtype=False)
    got_unmet = r.unmet[["zone", "need", "phase", "year", "unmet"]].reset_index(drop=True)
    pd.testing.assert_frame_equal(got_unmet, pd.DataFrame(expected["unmet"]), check_dtype=False)


def test_local_share_changes_the_answer() -> None:
    """Without Northdown's 80% local-share rule the worked example costs 1,312,000 and all five
    unmet pupils are Northdown's; with it, 1,313,200 (models/allocation.md)."""
    inst = Instance.from_path(WORKED)
    zones = inst.zones.assign(min_local_share=float("nan"))
    free = solve(inst.replace(zones=zones))
    assert free.objective == pytest.approx(1_312_000)
    assert free.unmet.set_index("zone")["unmet"].to_dict() == pytest.approx({"A": 5})
    ruled = solve(inst)
    a_local = ruled.allocations.query("zone == 'A' and local")["pupils"].sum()
    assert a_local == pytest.approx(0.8 * 15)


def test_shadow_price_matches_finite_difference() -> None:
    """One more place at P1 lowers the objective by exactly the reported dual."""
    inst = Instance.from_path(WORKED)
    base = solve(inst)
    util = base.utilisation.set_index("provision")
    dual = float(util.loc["P1", "shadow_price"])
    assert dual < 0
    provisions = inst.provisions.copy()
    provisions.loc[provisions["provision"] == "P1", "capacity"] += 1
    bumped = solve(inst.replace(provisions=provisions))
    assert bumped.objective - base.objective == pytest.approx(dual, rel=1e-9)  # type: ignore[operator]


def test_integer_pupils_rounds_the_local_share() -> None:
    """Zone A: 3 pupils, 50% local. Local school £30,000; school in B £10,000 (reachable).
    LP: 1.5 local + 1.5 away = 60,000. Whole pupils: 2 local + 1 away = 70,000."""
    provs = [
        {"provision": "L", "kind": "special", "zone": "A", "capacity": 5, "cost_per_place": 30_000},
        {"provision": "R", "kind": "special", "zone": "B", "capacity": 5, "cost_per_place": 10_000},
    ]
    lp = solve(tiny(provs, [("A", 3)], zone_share={"A": 0.5}))
    assert lp.objective == pytest.approx(60_000)
    mip = solve(tiny(provs, [("A", 3)], zone_share={"A": 0.5}, policy={"integer_pupils": True}))
    assert mip.status is Status.OPTIMAL
    assert mip.objective == pytest.approx(70_000)
    # Duals come from the LP with the integer decisions fixed (models/openings.md).
    assert mip.utilisation["shadow_price"].notna().all()
    assert not solve(tiny(provs, [("A", 3)], zone_share={"A": 0.5},
                          policy={"integer_pupils": True}), mip_duals=False).duals.size


def test_impossible_local_share_is_infeasible_and_warned() -> None:
    """10 pupils in A, 100% local, 5 local places: infeasible, and the pre-solve check says so."""
    provs = [{"provision": "L", "kind": "special", "zone": "A", "capacity": 5,
              "cost_per_place": 30_000},
             {"provision": "R", "kind": "special", "zone": "B", "capacity": 50,
              "cost_per_place": 30_000}]
    r = solve(tiny(provs, [("A", 10)], zone_share={"A": 1.0}))
    assert r.status is Status.INFEASIBLE
    assert r.objective is None
    assert any("local share rule for A 2026 needs 10" in w.message for w in r.warnings)
    # The diagnosis names the rule, the district, the year and by how much it must give.
    diag = r.diagnosis
    assert diag[["family", "zone", "year"]].values.tolist() == [["local_share", "A", 2026]]
    assert diag["shortfall"].tolist() == pytest.approx([5.0])
    assert diag["required"].tolist() == pytest.approx([10.0])
    assert any(w.source == "infeasibility diagnosis" for w in r.warnings)


def test_diagnosis_finds_the_least_relaxation_over_several_rules() -> None:
    """A needs 10 local (5 places), B needs 2 of 4 local (50 places): only A's rule gives.
    Without diagnosis the table is empty."""
    provs = [{"provision": "L", "kind": "special", "zone": "A", "capacity": 5,
              "cost_per_place": 1},
             {"provision": "R", "kind": "special", "zone": "B", "capacity": 50,
              "cost_per_place": 1}]
    inst = tiny(provs, [("A", 10), ("B", 4)], zone_share={"A": 1.0, "B": 0.5})
    r = solve(inst)
    assert r.diagnosis["zone"].tolist() == ["A"]
    assert solve(inst, diagnose=False).diagnosis.empty


def test_local_share_dual_is_the_cost_of_one_more_local_pupil() -> None:
    """models/allocation.md: the local-share dual in the worked example is 600 per pupil."""
    r = solve(Instance.from_path(WORKED))
    local = r.duals[r.duals["family"] == "local_share"]
    assert local["dual"].tolist() == pytest.approx([600])
