"""Phase-transfer pathway flows (models/transfers.md), hand-solved.

Zone A (and B). Phases of two years each: primary (ages 4-5) and secondary (ages 6-7), so half
a phase's pupils leave it each year. PA: primary SRP in A; SA: secondary SRP in A, 30 min from
A; SB: secondary SRP in B, 10 min from A. All places £20,000, km 0. Continuity on.
2026: 4 primary pupils in A (all at PA); 2027: the 2 still there, and 2 secondary pupils in A
who are PA's 2 leavers. Base cost: PA 4 × 20,000 × (1 + 0.5) = 120,000, secondary 2 × 20,000
= 40,000: 160,000.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from placement_opt import Instance, Result, Status, solve
from placement_opt.errors import InstanceError
from placement_opt.reports.pathways import pathway_gaps, pathway_graph
from placement_opt.results.run import RunData, load_run


def _instance(policy: dict[str, Any] | None = None, sa_places: float = 10.0,
              secondary: float = 2.0, existing: bool = False) -> Instance:
    zones = pd.DataFrame({"zone": ["A", "B"], "lat": [51.3, 51.2], "lon": [0.5, 0.6]})
    provisions = pd.DataFrame([
        {"provision": "PA", "kind": "srp", "zone": "A", "phases": "primary", "capacity": 10.0},
        {"provision": "SA", "kind": "srp", "zone": "A", "phases": "secondary",
         "capacity": sa_places},
        {"provision": "SB", "kind": "srp", "zone": "B", "phases": "secondary", "capacity": 10.0},
    ]).assign(needs="ASD", cost_per_place=20_000.0)
    minutes = {"PA": 5.0, "SA": 30.0, "SB": 10.0}
    journeys = pd.DataFrame([(z, p, m, 0.0) for z in ("A", "B") for p, m in minutes.items()],
                            columns=["zone", "provision", "minutes", "km"])
    first = [] if existing else [("A", "ASD", "primary", 2026, 4.0)]
    demand = pd.DataFrame([*first, ("A", "ASD", "primary", 2027, 2.0),
                           ("A", "ASD", "secondary", 2027, secondary)],
                          columns=["zone", "need", "phase", "year", "pupils"])
    if existing:  # the 2026 pupils are the existing cohort; a tiny 2026 row gives the year
        demand = pd.concat([demand, pd.DataFrame([("B", "ASD", "secondary", 2026, 0.0)],
                                                 columns=demand.columns)], ignore_index=True)
    tables = {
        "zones": zones, "provisions": provisions, "journeys": journeys, "demand": demand,
        "phases": pd.DataFrame({"phase": ["primary", "secondary"], "min_age": [4, 6],
                                "max_age": [6, 8]}),
    }
    if existing:
        tables["existing"] = pd.DataFrame([{"provision": "PA", "zone": "A", "need": "ASD",
                                            "phase": "primary", "pupils": 4.0}])
    pol = {"continuity": True, "pathway_flows": True, "transfer_cost_per_min": 10.0,
           "pathway_break_penalty": 1000.0, "max_journey_min": {"primary": 45, "secondary": 45},
           **(policy or {})}
    return Instance.from_tables(tables, {"policy": pol})


def _flows(inst: Instance) -> tuple[float, dict[str, float]]:
    r = solve(inst)
    assert r.status is Status.OPTIMAL
    t = r.transfers
    assert set(t["year"]) <= {2027}
    return float(r.objective or 0.0), t.groupby("to_provision")["pupils"].sum().to_dict()


def test_leavers_follow_the_cheapest_transfer() -> None:
    """PA's 2 leavers go to SB (10 min × £10 a minute each): 160,000 + 200."""
    obj, flows = _flows(_instance())
    assert obj == pytest.approx(160_200)
    assert flows == pytest.approx({"SB": 2.0})


def test_without_pathway_flows_the_plan_is_the_base() -> None:
    obj, _ = _flows(_instance({"pathway_flows": False, "transfer_cost_per_min": 0.0}))
    assert obj == pytest.approx(160_000)


def test_local_share_keeps_transfers_in_the_district() -> None:
    """All of A's leavers must stay in A: both to SA at 30 min: 160,000 + 600."""
    obj, flows = _flows(_instance({"min_pathway_local_share": 1.0}))
    assert obj == pytest.approx(160_600)
    assert flows == pytest.approx({"SA": 2.0})


def test_local_share_with_a_full_local_school() -> None:
    """SA has 1 place: half the leavers stay (1 to SA, 1 to SB): 160,000 + 300 + 100."""
    obj, flows = _flows(_instance({"min_pathway_local_share": 0.5}, sa_places=1.0))
    assert obj == pytest.approx(160_400)
    assert flows == pytest.approx({"SA": 1.0, "SB": 1.0})


def test_leavers_with_no_continuation_are_breaks() -> None:
    """Only 1 secondary pupil in 2027: 1 leaver continues (to SB), 1 is a pathway break:
    120,000 + 20,000 + 100 + 1,000."""
    r = solve(_instance(secondary=1.0))
    assert r.objective == pytest.approx(141_100)
    brk = r.transfers[r.transfers["to_kind"] == "break"]
    assert brk["pupils"].sum() == pytest.approx(1.0)
    assert brk["to_phase"].tolist() == ["secondary"]
    assert r.kpi("pathway_breaks", 2027) == pytest.approx(1.0)


def test_existing_cohort_leavers_transfer_too() -> None:
    """The 4 pupils are the existing cohort at PA: their 2 leavers still move on, to SB."""
    r = solve(_instance(existing=True))
    assert r.status is Status.OPTIMAL
    t = r.transfers
    assert t.loc[t["to_provision"] == "SB", "pupils"].sum() == pytest.approx(2.0)
    assert t["from_provision"].unique().tolist() == ["PA"]


def test_flows_never_exceed_the_placements_made() -> None:
    r = solve(_instance({"min_pathway_local_share": 0.5}, sa_places=1.0))
    new = r.allocations[r.allocations["phase"] == "secondary"].groupby("provision")["new_pupils"].sum()
    into = r.transfers[r.transfers["to_kind"] != "break"].groupby("to_provision")["pupils"].sum()
    for prov, pupils in into.items():
        assert pupils <= new[prov] + 1e-9


def test_local_share_needs_pathway_flows() -> None:
    with pytest.raises(InstanceError, match="pathway_flows"):
        _instance({"pathway_flows": False, "min_pathway_local_share": 0.5})


def test_pathway_network_carries_the_solved_flows(tmp_path: Path) -> None:
    """PA's 2 leavers go to SB, outside district A: the gap table says so, the graph has the
    edge with its solved pupils, and both survive a round trip through the run folder."""
    inst = _instance()
    r = solve(inst)
    for run in (RunData.from_result(r, inst), _written(r, inst, tmp_path)):
        gaps = pathway_gaps(run).set_index("district")
        assert gaps.loc["A", "solved_transfers"] == pytest.approx(2.0)
        assert gaps.loc["A", "solved_not_in_district"] == pytest.approx(2.0)
        assert gaps.loc["A", "solved_breaks"] == pytest.approx(0.0)
        graph = pathway_graph(run)
        assert graph.edges["PA", "SB"]["solved_pupils"] == pytest.approx(2.0)
        assert graph.edges["PA", "SB"]["type"] == "transfer_route"
        assert "solved_pupils" not in graph.edges["PA", "SA"]


def _written(r: Result, inst: Instance, folder: Path) -> RunData:
    from placement_opt.results.run import write_result

    write_result(r, folder / "run", instance=inst)
    return load_run(folder / "run")


def test_unknown_transfer_phase_is_located() -> None:
    with pytest.raises(InstanceError) as info:
        _instance({"transfer_from_phases": "primary;infant"})
    issue = next(i for i in info.value.issues if i.column == "policy.transfer_from_phases")
    assert issue.value == "infant"



def test_an_impossible_local_pathway_share_is_diagnosed() -> None:
    """All of A's 2 leavers must stay in A but SA has 1 place: infeasible, and the diagnosis
    says the rule would have to let 1 leaver go outside the district."""
    r = solve(_instance({"min_pathway_local_share": 1.0}, sa_places=1.0))
    assert r.status is Status.INFEASIBLE
    row = r.diagnosis[r.diagnosis["family"] == "pathway_local"].iloc[0]
    assert row["zone"] == "A"
    assert row["year"] == 2027
    assert row["shortfall"] == pytest.approx(1.0)
    assert "1.0 more of the district's leavers" in row["explanation"]


@pytest.mark.parametrize("backend", ["ortools", "pulp"])
def test_backends_agree_on_transfers(backend: str) -> None:
    inst = _instance({"min_pathway_local_share": 0.5}, sa_places=1.0)
    assert solve(inst, backend=backend).objective == pytest.approx(160_400, rel=1e-9)


@pytest.mark.parametrize(("backend", "reason"), [("flow", "not a network"),
                                                 ("cpsat", "fractional")])
def test_backends_that_cannot_take_transfers_say_why(backend: str, reason: str) -> None:
    from placement_opt.errors import PlacementOptError

    inst = _instance({"integer_pupils": True})
    with pytest.raises(PlacementOptError, match=reason):
        solve(inst, backend=backend)


def test_html_report_shows_the_transfers() -> None:
    from placement_opt.reports.html.run_page import render_html_report

    inst = _instance()
    page = render_html_report(solve(inst), inst)
    assert "Phase transfers (leavers moving on)" in page
    row = page[page.index("Phase transfers"):]
    assert "<td>A</td><td>2027</td><td class=\"num\">0</td><td class=\"num\">2</td>" in row


def test_flows_dearer_than_a_break_are_left_out() -> None:
    """Break penalty 50 below the cheapest transfer (SB, 100): every flow is dominated by a
    break and left out of the model; both leavers are breaks: 160,000 + 2 × 50."""
    from placement_opt import build_allocation_model
    from placement_opt.model.columns import Role

    inst = _instance({"pathway_break_penalty": 50.0})
    model = build_allocation_model(inst)
    assert not (model.column_keys["role"] == Role.TRANSFER.value).any()
    r = solve(inst)
    assert r.objective == pytest.approx(160_100)
    assert r.transfers["to_kind"].tolist() == ["break"]


def test_local_flows_stay_when_a_local_share_needs_them() -> None:
    """Break penalty 250 and a local share of 1: SB (100) is cheaper than a break but outside
    A, SA (300) dearer but local: both are kept, and both leavers go to SA as before."""
    obj, flows = _flows(_instance({"pathway_break_penalty": 250.0,
                                   "min_pathway_local_share": 1.0}))
    assert obj == pytest.approx(160_600)
    assert flows == pytest.approx({"SA": 2.0})


@pytest.mark.parametrize("policy", [{"pathway_break_penalty": 50.0},
                                    {"pathway_break_penalty": 250.0},
                                    {"pathway_break_penalty": 50.0, "min_pathway_local_share": 0.5}])
def test_leaving_out_dominated_flows_keeps_the_optimum(policy: dict[str, Any]) -> None:
    from placement_opt.model import transfers

    inst = _instance(policy, sa_places=1.0)
    reduced = solve(inst)
    transfers.DROP_DOMINATED = False
    try:
        full = solve(inst)
    finally:
        transfers.DROP_DOMINATED = True
    assert reduced.model_size["columns"] < full.model_size["columns"]
    assert reduced.objective == pytest.approx(full.objective, rel=1e-12)
