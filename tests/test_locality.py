"""Met locally by district (models/allocation.md, *Met locally*): the district rule, one
definition for the KPI and the sufficiency report, and the zones' district column."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from placement_opt import Instance, InstanceError, solve
from placement_opt.model.build import build_allocation_model
from placement_opt.model.data import ModelData
from placement_opt.model.locality import district_share, is_local
from placement_opt.reports.clusters import zone_clusters
from placement_opt.reports.pathways import pathway_gaps
from placement_opt.reports.sufficiency import sufficiency_report
from placement_opt.results.run import RunData

WORKED = Path(__file__).resolve().parent.parent / "models" / "examples" / "allocation_worked"
COORDS = {"A": (51.30, 0.50), "B": (51.25, 0.55), "C": (51.10, 0.70), "D": (51.05, 0.75),
          "OOC-Medway": (51.38, 0.52)}


def _instance(zones: list[dict[str, Any]], provisions: list[dict[str, Any]],
              demand: dict[str, float], far: set[tuple[str, str]] | None = None) -> Instance:
    """ASD primary pupils in 2026; every journey 10 min and 0 km except the pairs in ``far``
    (60 min: past the 45-minute limit)."""
    rows = [{"lat": COORDS[z["zone"]][0], "lon": COORDS[z["zone"]][1], **z} for z in zones]
    prov = [{"needs": "ASD", "phases": "primary", **p} for p in provisions]
    journeys = [{"zone": z["zone"], "provision": p["provision"],
                 "minutes": 60.0 if (z["zone"], p["provision"]) in (far or set()) else 10.0,
                 "km": 0.0} for z in zones for p in provisions]
    dem = [{"zone": z, "need": "ASD", "phase": "primary", "year": 2026, "pupils": n}
           for z, n in demand.items()]
    return Instance.from_tables(
        {"needs": pd.DataFrame({"need": ["ASD"]}),
         "phases": pd.DataFrame({"phase": ["primary"], "min_age": [4], "max_age": [11]}),
         "zones": pd.DataFrame(rows), "provisions": pd.DataFrame(prov),
         "demand": pd.DataFrame(dem), "journeys": pd.DataFrame(journeys)},
        {"instance": {"name": "locality"},
         "policy": {"max_journey_min": {"primary": 45.0}, "unmet_penalty": 100_000.0}})


_RULE_PROVISIONS = [
    {"provision": "PA", "kind": "special", "zone": "A", "capacity": 10, "cost_per_place": 40_000},
    {"provision": "PB", "kind": "special", "zone": "B", "capacity": 10, "cost_per_place": 30_000},
    {"provision": "PC", "kind": "special", "zone": "C", "capacity": 20, "cost_per_place": 10_000},
]


def _rule_instance(with_districts: bool) -> Instance:
    """District N = zones A, B with a 50% local share; district S = zones C, D (no rule)."""
    zones: list[dict[str, Any]] = [
        {"zone": "A", "min_local_share": 0.5}, {"zone": "B", "min_local_share": 0.5},
        {"zone": "C", "min_local_share": None}, {"zone": "D", "min_local_share": None}]
    if with_districts:
        for z, d in zip(zones, ["N", "N", "S", "S"], strict=True):
            z["district"] = d
    return _instance(zones, _RULE_PROVISIONS, {"A": 10, "B": 2, "C": 4})


def test_the_district_rule_has_a_different_optimum_from_the_zone_rule() -> None:
    """Zones A (10 pupils) and B (2) form district N with s = 0.5; C (4) and D (none) form S.
    PA in A: 10 places at 40,000; PB in B: 10 at 30,000; PC in C: 20 at 10,000; every journey
    10 min, 0 km, so cost is places only and nobody is unmet (penalty 100,000).

    District rule: pupils of N placed in N (PA or PB) >= 0.5 * 12 = 6. The cheapest local place
    is PB, so 6 at PB and the other 6 of N at PC; C's 4 at PC:
    6 * 30,000 + 10 * 10,000 = 280,000.

    Per-zone rule (no district column): A's pupils in A >= 5 (only PA), B's in B >= 1 (PB);
    the rest at PC: 5 * 40,000 + 1 * 30,000 + 10 * 10,000 = 330,000."""
    by_district = solve(_rule_instance(True))
    by_zone = solve(_rule_instance(False))
    assert by_district.objective == pytest.approx(280_000)
    assert by_zone.objective == pytest.approx(330_000)
    placed = by_district.allocations.groupby("provision")["pupils"].sum().to_dict()
    assert placed == pytest.approx({"PB": 6, "PC": 10})
    # One local-share row for N in 2026, needing 6; no zone key (N has two zones).
    rows = build_allocation_model(_rule_instance(True)).row_table()
    local = rows[rows["family"] == "local_share"]
    assert local["district"].tolist() == ["N"]
    assert local["zone"].isna().all()
    assert local["lower"].tolist() == pytest.approx([6.0])
    # Its dual: one more local pupil costs PB - PC = 20,000.
    dual = by_district.duals[by_district.duals["family"] == "local_share"]["dual"]
    assert dual.tolist() == pytest.approx([20_000])


def test_model_data_codes_districts() -> None:
    data = ModelData.from_instance(_rule_instance(True))
    assert data.districts == ("N", "S")
    assert data.zone_district.tolist() == [0, 0, 1, 1]
    assert data.prov_district.tolist() == [0, 0, 1]
    assert district_share(data).tolist() == pytest.approx([0.5, 0.0])
    # A pupil of A is local at PB (same district), not at PC.
    assert is_local(data, np.array([0, 0, 2]), np.array([1, 2, 2])).tolist() == [True, False, True]
    blank = ModelData.from_instance(_rule_instance(False))
    assert blank.districts == ("A", "B", "C", "D")


def _independent_run() -> RunData:
    """District N = zones A, B; S = C, D; the out-of-county zone OOC-Medway is a district of its
    own with no demand. A (10 pupils) reaches SA (special in A, 4 at 20,000), IB (independent
    in B, 3 at 50,000) and IO (independent out of county, 5 at 45,000); C (4) reaches SC
    (special in C, 2 at 20,000) and ID (independent in D, 3 at 55,000).

    Optimum: A: 4 SA, 5 IO, 1 IB; C: 2 SC, 2 ID; cost 80,000 + 225,000 + 50,000 + 40,000 +
    110,000 = 505,000. Met locally: SA 4 + IB 1 (independent, in N) + SC 2 + ID 2 (in S) = 9
    of 14; IO never counts. (Counting state-funded places only, or the zone, would give 6/14.)"""
    zones = [{"zone": "A", "district": "N"}, {"zone": "B", "district": "N"},
             {"zone": "C", "district": "S"}, {"zone": "D", "district": "S"},
             {"zone": "OOC-Medway", "district": "Medway (out of county)"}]
    provisions = [
        {"provision": "SA", "kind": "special", "zone": "A", "capacity": 4, "cost_per_place": 20_000},
        {"provision": "IB", "kind": "independent", "zone": "B", "capacity": 3,
         "cost_per_place": 50_000},
        {"provision": "IO", "kind": "independent", "zone": "OOC-Medway", "capacity": 5,
         "cost_per_place": 45_000},
        {"provision": "SC", "kind": "special", "zone": "C", "capacity": 2, "cost_per_place": 20_000},
        {"provision": "ID", "kind": "independent", "zone": "D", "capacity": 3,
         "cost_per_place": 55_000}]
    far = {("A", "SC"), ("A", "ID"), ("C", "SA"), ("C", "IB"), ("C", "IO")}
    inst = _instance(zones, provisions, {"A": 10, "C": 4}, far)
    return RunData.from_result(solve(inst), inst)


def test_kpi_share_met_locally_equals_the_sufficiency_county_share() -> None:
    run = _independent_run()
    assert run.summary["objective"] == pytest.approx(505_000)
    kpi = run.kpis.set_index(["kpi", "year"])["value"]
    assert kpi[("share_met_locally", "2026")] == pytest.approx(9 / 14)
    report = sufficiency_report(run)
    county = report["county"].set_index("year")
    assert county.loc[2026, "share_met_locally"] == pytest.approx(9 / 14)
    assert county.loc[2026, "placed_locally"] == pytest.approx(9)
    assert county.loc[2026, "placed_elsewhere"] == pytest.approx(5)
    assert county.loc[2026, "placed_independent"] == pytest.approx(8)
    # By district, zones grouped: no rows for the out-of-county district (no demand, no
    # state-funded places), hence no spurious deficit there.
    by_district = report["by_district"].set_index("district")
    assert sorted(by_district.index) == ["N", "S"]
    assert by_district.loc["N", "demand"] == 10
    assert by_district.loc["N", "share_met_locally"] == pytest.approx(0.5)
    assert by_district.loc["S", "share_met_locally"] == pytest.approx(1.0)
    alloc = run.allocations.set_index("provision")
    assert alloc["local"].to_dict() == {"SA": True, "IB": True, "IO": False, "SC": True,
                                        "ID": True}


def test_reports_group_zones_by_district() -> None:
    run = _independent_run()
    assert zone_clusters(run.instance).to_dict() == {
        "A": "N", "B": "N", "C": "S", "D": "S", "OOC-Medway": "Medway (out of county)"}
    assert pathway_gaps(run).empty  # one phase: nothing to continue to


def test_one_zone_districts_give_the_same_result() -> None:
    """The worked example with a district column naming each zone's own district solves as
    without it (models/allocation.md, worked example: 1,313,200, local-share dual 600)."""
    inst = Instance.from_path(WORKED)
    named = inst.replace(zones=inst.zones.assign(district=["Northdown", "Southfield"]))
    plain, with_d = solve(inst), solve(named)
    assert with_d.objective == pytest.approx(plain.objective) == pytest.approx(1_313_200)
    pd.testing.assert_frame_equal(with_d.allocations, plain.allocations)
    pd.testing.assert_frame_equal(with_d.unmet, plain.unmet)
    assert with_d.kpi("share_met_locally") == pytest.approx(plain.kpi("share_met_locally"))
    assert plain.kpi("share_met_locally") == pytest.approx(27 / 40)
    dual = with_d.duals[with_d.duals["family"] == "local_share"]
    assert dual["dual"].tolist() == pytest.approx([600])
    assert dual["district"].tolist() == ["Northdown"]
    assert dual["zone"].tolist() == ["A"]


def test_disagreeing_min_local_share_names_the_zone_row_and_value(tmp_path: Path) -> None:
    inst = _rule_instance(True)
    zones = inst.zones.copy()
    zones.loc[zones["zone"] == "B", "min_local_share"] = 0.6
    inst.replace(zones=inst.zones).to_path(tmp_path / "inst")
    zones.to_csv(tmp_path / "inst" / "zones.csv", index=False)
    with pytest.raises(InstanceError) as info:
        Instance.from_path(tmp_path / "inst")
    issue = next(i for i in info.value.issues if i.column == "min_local_share")
    assert issue.source.endswith("zones.csv")
    assert (issue.row, issue.value) == (3, "0.6")
    assert "district N" in issue.message
    assert issue.expected is not None and "0.5" in issue.expected and "zone A (row 2)" in issue.expected


@pytest.mark.parametrize("target", ["folder", "inst.xlsx", "inst.json"])
def test_the_district_column_round_trips(tmp_path: Path, target: str) -> None:
    inst = _rule_instance(True)
    back = Instance.from_path(inst.to_path(tmp_path / target))
    assert back.zones["district"].tolist() == ["N", "N", "S", "S"]
    assert back.fingerprint() == inst.fingerprint()


def test_a_written_run_keeps_the_one_definition(tmp_path: Path) -> None:
    """Read back from its folder (``local`` as text), the run's sufficiency share is the KPI."""
    from placement_opt.analysis.scenarios.run import write_run_folder
    from placement_opt.results.run import load_run

    run = _independent_run()
    result = solve(run.instance)
    write_run_folder(result, run.instance, tmp_path / "run")
    back = load_run(tmp_path / "run")
    county = sufficiency_report(back)["county"].set_index("year")
    assert county.loc[2026, "share_met_locally"] == pytest.approx(result.kpi("share_met_locally"))
    assert county.loc[2026, "share_met_locally"] == pytest.approx(9 / 14)


def _split_zones(inst: Instance) -> Instance:
    """Every zone split into two halves at the same centroid, both in the zone's district."""
    z, d, j = inst.zones, inst.demand, inst.journeys
    zones = pd.concat([z.assign(district=z["zone"]),
                       z.assign(zone=z["zone"] + "#2", district=z["zone"], name=None)],
                      ignore_index=True)
    demand = pd.concat([d.assign(pupils=d["pupils"] / 2),
                        d.assign(zone=d["zone"] + "#2", pupils=d["pupils"] / 2)], ignore_index=True)
    journeys = pd.concat([j, j.assign(zone=j["zone"] + "#2")], ignore_index=True)
    return inst.replace(zones=zones, demand=demand, journeys=journeys)


def test_splitting_zones_within_districts_changes_nothing() -> None:
    """The demo with a 50% local-share rule: halving every district into two zones (same
    centroid, same district) gives the same optimum, share met locally and district table."""
    kent = Instance.from_path("demo")
    settings = kent.settings.model_dump(exclude_unset=True)
    settings["policy"] = {**settings.get("policy", {}), "min_local_share": 0.5}
    base = Instance.from_tables(kent.tables(), settings)
    whole, halves = solve(base), solve(_split_zones(base))
    assert whole.objective is not None and halves.objective is not None
    assert build_allocation_model(base).block("local_share") is not None
    assert halves.objective == pytest.approx(whole.objective, rel=1e-9)
    assert halves.kpi("share_met_locally") == pytest.approx(whole.kpi("share_met_locally"))
    cols = ["district", "year", "demand", "placed_locally", "unmet"]
    a = sufficiency_report(RunData.from_result(whole, base))["by_district"][cols]
    b = sufficiency_report(RunData.from_result(halves, _split_zones(base)))["by_district"][cols]
    pd.testing.assert_frame_equal(a, b, atol=1e-6)
