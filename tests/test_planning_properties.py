"""Property tests of transfers (models/transfers.md) and change options (models/changes.md)
on small random instances (hypothesis, derandomized). Every OPTIMAL result is checked
against the instance and the result tables, not the model: leavers conserved, flows within
the placements made, the local pathway share, capacity net of reductions, no admissions
after a closure, and needs gated by a redesignation."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from placement_opt import Instance, Result, solve
from placement_opt.model import build
from placement_opt.status import Status

TOL = 1e-6
ZONES = {"A": (51.30, 0.50), "B": (51.20, 0.70)}
NEEDS = ("ASD", "SEMH")
YEARS = (2026, 2027, 2028)
#: Two-year phases: half of a phase's pupils leave it each year.
LENGTH = 2.0


@st.composite
def planning_instances(draw: Any) -> Instance:
    """2 zones, 2 needs, primary (4-5) and secondary (6-7), 3 years, continuity and pathway
    flows on, 3-6 provisions, and random close / reduce / redesignate options."""
    n_p = draw(st.integers(3, 6))
    provs = []
    for i in range(n_p):
        provs.append({
            "provision": f"P{i}", "kind": draw(st.sampled_from(["special", "srp", "independent"])),
            "zone": draw(st.sampled_from(sorted(ZONES))),
            "phases": draw(st.sampled_from(["primary", "secondary", "primary;secondary"])),
            "needs": draw(st.sampled_from(["ASD", "SEMH", "ASD;SEMH"])),
            "capacity": float(draw(st.integers(0, 12))),
            "cost_per_place": float(draw(st.sampled_from([16_000, 24_000, 50_000]))),
        })
    demand = [{"zone": z, "need": k, "phase": h, "year": t,
               "pupils": float(draw(st.integers(0, 8)))}
              for z in ZONES for k in NEEDS for h in ("primary", "secondary") for t in YEARS]
    changes = []
    for p in provs:
        action = draw(st.sampled_from([None, "close", "reduce", "redesignate"]))
        if action is None:
            continue
        row: dict[str, Any] = {"provision": p["provision"], "action": action,
                               "one_off_cost": float(draw(st.sampled_from([0, 20_000]))),
                               "saving_per_year": float(draw(st.sampled_from([0, 5_000, 60_000]))),
                               "earliest_year": draw(st.sampled_from([None, 2027]))}
        if action == "reduce":
            row["places"] = float(draw(st.integers(1, 12)))
        if action == "redesignate":
            row["needs"] = draw(st.sampled_from(["ASD", "SEMH", "ASD;SEMH"]))
        changes.append(row)
    tables: dict[str, pd.DataFrame] = {
        "needs": pd.DataFrame({"need": list(NEEDS)}),
        "phases": pd.DataFrame({"phase": ["primary", "secondary"], "min_age": [4, 6],
                                "max_age": [6, 8]}),
        "zones": pd.DataFrame([{"zone": z, "lat": la, "lon": lo} for z, (la, lo) in ZONES.items()]),
        "provisions": pd.DataFrame(provs),
        "demand": pd.DataFrame(demand),
    }
    if changes:
        tables["changes"] = pd.DataFrame(changes)
    share = draw(st.sampled_from([0.0, 0.3, 0.8]))
    policy = {"continuity": True, "pathway_flows": True, "min_pathway_local_share": share,
              "transfer_cost_per_min": float(draw(st.sampled_from([0, 5]))),
              "pathway_break_penalty": 1000.0, "unmet_penalty": 1_000_000.0,
              "max_journey_min": {"primary": 60.0, "secondary": 60.0},
              "transport_cost_per_km": 100.0}
    return Instance.from_tables(tables, {"policy": policy})


def _leavers(r: Result) -> dict[tuple[str, str, str, int], float]:
    """Primary leavers by (zone, need, provision, year they move on): each year's new
    placements are spread over L year groups, so 1/L of them leave at the end of each of the L
    years they are in place (models/planning.md, continuity)."""
    a = r.allocations[r.allocations["phase"] == "primary"]
    new = a.groupby(["zone", "need", "provision", "year"])["new_pupils"].sum()
    out: dict[tuple[str, str, str, int], float] = {}
    for (z, k, p, t0), n in new.items():
        for lag in range(int(LENGTH)):
            y = int(t0) + lag + 1
            if y in YEARS and n > TOL:
                out[(z, k, p, y)] = out.get((z, k, p, y), 0.0) + n / LENGTH
    return out


def _check_transfers(inst: Instance, r: Result) -> None:
    t = r.transfers
    # Leavers conserved: everything out of a primary provision = its pupils / L, a year on.
    out = t.groupby(["zone", "need", "from_provision", "year"])["pupils"].sum()
    expected = _leavers(r)
    assert set(out.index) <= set(expected) | set(out[out < TOL].index)
    for key, v in expected.items():
        assert abs(out.get(key, 0.0) - v) < 1e-5, (key, out.get(key, 0.0), v)
    # Flows never exceed the placements made at the destination.
    moved = t[t["to_kind"] != "break"]
    into = moved.groupby(["zone", "need", "to_provision", "year"])["pupils"].sum()
    sec = r.allocations[r.allocations["phase"] == "secondary"]
    new = sec.groupby(["zone", "need", "provision", "year"])["new_pupils"].sum()
    for key, v in into.items():
        assert v <= new.get(key, 0.0) + 1e-5
    # Local share of all leavers (placed leavers plus unmet primary pupils / L).
    share = inst.policy.min_pathway_local_share
    if share > 0:
        unmet = r.unmet[r.unmet["phase"] == "primary"]
        by_zone: dict[tuple[str, int], float] = {}
        for (zone, _, _, year), v in expected.items():
            by_zone[(zone, year)] = by_zone.get((zone, year), 0.0) + v
        for (zone, year), v in by_zone.items():
            lost = unmet[(unmet["zone"] == zone) & (unmet["year"] == year - 1)]["unmet"].sum()
            local = moved[(moved["zone"] == zone) & (moved["year"] == year) & moved["local"]]
            assert local["pupils"].sum() >= share * (v + lost / LENGTH) - 1e-5


def _check_changes(inst: Instance, r: Result) -> None:
    util = r.utilisation
    assert (util["placed"] <= util["capacity"] + 1e-5).all()
    prov = inst.provisions.set_index("provision")
    taken = r.changes
    new = r.allocations[r.allocations["new_pupils"] > TOL]
    for row in inst.changes.itertuples(index=False):
        mine = taken[(taken["provision"] == row.provision) & (taken["action"] == row.action)]
        start = int(mine["year"].iloc[0]) if len(mine) else 10_000
        if row.earliest_year is not None and not pd.isna(row.earliest_year):
            assert start >= int(row.earliest_year)
        at = new[new["provision"] == row.provision]
        if row.action == "close":
            assert at[at["year"] >= start].empty
        if row.action == "reduce":
            cap = float(prov.loc[row.provision, "capacity"])
            u = util[util["provision"] == row.provision].set_index("year")["capacity"]
            removed = float(mine["places_removed"].sum())
            assert removed <= float(row.places) + TOL
            for year, c in u.items():
                assert abs(c - (cap - (removed if year >= start else 0.0))) < TOL
        if row.action == "redesignate":
            base = set(str(prov.loc[row.provision, "needs"]).split(";"))
            after = set(str(row.needs).split(";"))
            assert at[(at["year"] < start) & ~at["need"].isin(list(base))].empty
            assert at[(at["year"] >= start) & ~at["need"].isin(list(after))].empty


@settings(derandomize=True, max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(planning_instances())
def test_transfers_and_changes_hold_their_rules(inst: Instance) -> None:
    r = solve(inst)
    assert r.status in (Status.OPTIMAL, Status.INFEASIBLE)
    if r.status is not Status.OPTIMAL:
        return
    _check_transfers(inst, r)
    _check_changes(inst, r)
    obj = r.kpi("objective")
    assert np.isclose(obj, r.objective, rtol=1e-6, atol=1e-3)


@settings(derandomize=True, max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(planning_instances())
def test_cells_give_the_optimum_of_the_provision_flows(inst: Instance) -> None:
    """With no cost per transfer minute the cell formulation is used; it must reach the same
    optimum as one flow per (provision, arc) pair (models/transfers.md, "Cells")."""
    free = inst.replace(settings=inst.settings.model_copy(update={
        "policy": inst.policy.model_copy(update={"transfer_cost_per_min": 0.0})}))
    cells = solve(free)
    build.TRANSFER_CELLS = False
    try:
        flows = solve(free)
    finally:
        build.TRANSFER_CELLS = True
    assert cells.status == flows.status
    if cells.status is Status.OPTIMAL:
        assert cells.model_size["columns"] <= flows.model_size["columns"] + 3
        assert np.isclose(cells.objective, flows.objective, rtol=1e-7, atol=1e-4)
        _check_transfers(free, cells)
