"""Closure, reduction and redesignation options (models/changes.md), hand-solved.

Zone A, years 2026-2027, no continuity (each year placed afresh), journeys free (km 0)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from _tiny import tiny

from placement_opt import Instance, Status, solve
from placement_opt.errors import InstanceError


def _instance(provisions: list[dict[str, Any]], demand: dict[str, float],
              changes: list[dict[str, Any]], policy: dict[str, Any] | None = None) -> Instance:
    inst = tiny(provisions, [("A", 1.0)], policy=policy)
    rows = pd.DataFrame([{"zone": "A", "need": need, "phase": "primary", "year": y,
                          "pupils": n} for need, n in demand.items() for y in (2026, 2027)])
    return inst.replace(demand=rows, changes=pd.DataFrame(changes))


UNIT = {"provision": "U", "kind": "srp", "zone": "A", "capacity": 6, "cost_per_place": 18_000}
SPECIAL = {"provision": "S", "kind": "special", "zone": "A", "capacity": 20,
           "cost_per_place": 24_000}


def _close(saving: float, earliest: int | None = None) -> Instance:
    return _instance([UNIT, SPECIAL], {"ASD": 5}, [
        {"provision": "U", "action": "close", "one_off_cost": 10_000,
         "saving_per_year": saving, "earliest_year": earliest}])


def test_closing_a_small_unit_pays_when_its_running_cost_is_high() -> None:
    """Keep U: 2 × 5 × 18,000 = 180,000. Close U from 2026: 2 × 5 × 24,000 + 10,000 -
    2 × 50,000 = 150,000: closing is better."""
    r = solve(_close(50_000))
    assert r.status is Status.OPTIMAL
    assert r.objective == pytest.approx(150_000)
    assert r.changes[["provision", "action", "year"]].values.tolist() == [["U", "close", 2026]]
    assert r.changes["saving_over_horizon"].sum() == pytest.approx(100_000)
    assert r.kpi("objective") == pytest.approx(150_000)
    assert r.allocations.groupby("provision")["pupils"].sum().to_dict() == {"S": 10.0}


def test_closing_does_not_pay_when_the_saving_is_small() -> None:
    """Saving 20,000 a year: closing costs 240,000 + 10,000 - 40,000 = 210,000 > 180,000."""
    r = solve(_close(20_000))
    assert r.objective == pytest.approx(180_000)
    assert r.changes.empty


def test_closure_waits_for_its_earliest_year() -> None:
    """Earliest 2027: 5 × 18,000 + 5 × 24,000 + 10,000 - 50,000 = 170,000."""
    r = solve(_close(50_000, earliest=2027))
    assert r.objective == pytest.approx(170_000)
    assert r.changes["year"].tolist() == [2027]


def test_closure_is_phased_with_continuity() -> None:
    """With continuity (primary of two years), a closure stops new admissions only: the 2026
    pupils at U stay, half of them still there in 2027."""
    inst = _close(50_000, earliest=2027)
    inst = inst.replace(settings=inst.settings.model_copy(update={
        "policy": inst.policy.model_copy(update={"continuity": True})}),
        phases=pd.DataFrame({"phase": ["primary"], "min_age": [4], "max_age": [6]}))
    r = solve(inst)
    y27 = r.allocations[r.allocations["year"] == 2027].set_index("provision")
    assert r.changes["year"].tolist() == [2027]
    assert y27.loc["U", "pupils"] == pytest.approx(2.5)
    assert y27.loc["U", "new_pupils"] == pytest.approx(0.0)


def test_reducing_spare_places_saves_their_funding() -> None:
    """S has 20 places for 5 pupils; up to 10 can go at 10,000 a place a year:
    2 × 5 × 24,000 - 10 × 10,000 × 2 = 40,000; capacity is 10 in both years."""
    r = solve(_instance([SPECIAL], {"ASD": 5}, [
        {"provision": "S", "action": "reduce", "places": 10, "saving_per_year": 10_000}]))
    assert r.objective == pytest.approx(40_000)
    assert r.changes["places_removed"].tolist() == [10.0]
    util = r.utilisation.set_index("year")
    assert util["capacity"].tolist() == [10.0, 10.0]


def test_reduction_never_removes_places_pupils_need() -> None:
    """Up to 18 could go, but 5 pupils need places: 15 go. 240,000 - 15 × 20,000 = -60,000
    (savings are counted against today's running costs)."""
    r = solve(_instance([SPECIAL], {"ASD": 5}, [
        {"provision": "S", "action": "reduce", "places": 18, "saving_per_year": 10_000}]))
    assert r.objective == pytest.approx(-60_000)
    assert r.changes["places_removed"].tolist() == [15.0]
    assert (r.utilisation["placed"] <= r.utilisation["capacity"] + 1e-9).all()


RESOURCE = {"provision": "R", "kind": "srp", "zone": "A", "capacity": 10,
            "cost_per_place": 20_000, "needs": "ASD"}
INDEPENDENT = {"provision": "I", "kind": "independent", "zone": "A", "capacity": 50,
               "cost_per_place": 50_000, "needs": "ASD;SLD"}
REDESIGNATE = {"provision": "R", "action": "redesignate", "needs": "SLD",
               "one_off_cost": 30_000}


def test_redesignation_serves_the_need_in_demand() -> None:
    """5 SLD pupils a year, none ASD: redesignate R to SLD (30,000) and place them there:
    2 × 5 × 20,000 + 30,000 = 230,000 (against 500,000 at I)."""
    r = solve(_instance([RESOURCE, INDEPENDENT], {"SLD": 5}, [REDESIGNATE]))
    assert r.objective == pytest.approx(230_000)
    assert r.changes["new_needs"].tolist() == ["SLD"]
    assert set(r.allocations["provision"]) == {"R"}


def test_redesignation_is_declined_when_the_old_need_loses_more() -> None:
    """5 ASD and 5 SLD pupils: keeping R for ASD (SLD at I) costs 700,000; redesignating to SLD
    sends ASD to I: 730,000. No change; no SLD pupil at R."""
    r = solve(_instance([RESOURCE, INDEPENDENT], {"ASD": 5, "SLD": 5}, [REDESIGNATE]))
    assert r.objective == pytest.approx(700_000)
    assert r.changes.empty
    at_r = r.allocations[r.allocations["provision"] == "R"]
    assert set(at_r["need"]) == {"ASD"}


@pytest.mark.parametrize("backend", ["ortools", "pulp", "cpsat"])
def test_backends_agree_on_changes(backend: str) -> None:
    """Whole pupils, so CP-SAT can take it too."""
    inst = _instance([RESOURCE, INDEPENDENT], {"SLD": 5}, [REDESIGNATE],
                     policy={"integer_pupils": True})
    assert solve(inst, backend=backend).objective == pytest.approx(230_000, rel=1e-9)


@pytest.mark.parametrize(("row", "column", "message"), [
    ({"provision": "S", "action": "reduce"}, "places", "reduce needs"),
    ({"provision": "S", "action": "redesignate"}, "needs", "redesignate needs"),
    ({"provision": "S", "action": "shrink"}, "action", "one of"),
    ({"provision": "X", "action": "close"}, "provision", ""),
])
def test_bad_change_rows_are_located(row: dict[str, Any], column: str, message: str) -> None:
    with pytest.raises(InstanceError) as info:
        _instance([SPECIAL], {"ASD": 5}, [row])
    issues = [i for i in info.value.issues if i.column == column]
    assert issues, info.value.issues
    assert issues[0].row == 2
    assert "changes" in issues[0].source
    assert message in (issues[0].message + " " + (issues[0].expected or ""))


def test_a_candidate_cannot_be_closed() -> None:
    cand = {**UNIT, "candidate": True}
    with pytest.raises(InstanceError, match="candidate site cannot"):
        _instance([cand, SPECIAL], {"ASD": 5}, [{"provision": "U", "action": "close"}])


def test_budget_export_carries_change_costs_and_savings() -> None:
    """Close U from 2027 (earliest): the export has the 10,000 one-off in 2027 and -50,000 of
    savings in 2027; every year's in-objective lines add up to that year's objective KPI and
    the horizon's to the objective (170,000)."""
    from placement_opt.reports.budget import budget_export
    from placement_opt.results.run import RunData

    inst = _close(50_000, earliest=2027)
    r = solve(inst)
    export = budget_export(RunData.from_result(r, inst))
    lines = export.groupby(["year", "funding_line"])["amount_gbp"].sum()
    assert lines[(2027, "change_one_off")] == pytest.approx(10_000)
    assert lines[(2027, "change_savings")] == pytest.approx(-50_000)
    assert (2026, "change_savings") not in lines.index
    by_year = export[export["in_objective"]].groupby("year")["amount_gbp"].sum()
    for year, amount in by_year.items():
        assert amount == pytest.approx(r.kpi("objective", int(year)), abs=0.01)
    assert by_year.sum() == pytest.approx(r.objective, abs=0.01)


def test_html_report_lists_the_changes_taken() -> None:
    from placement_opt.reports.html.run_page import render_html_report

    inst = _close(50_000, earliest=2027)
    page = render_html_report(solve(inst), inst)
    section = page[page.index("Closures, reductions and redesignations"):]
    assert "<td>close</td><td>2027</td>" in section
    declined = _close(20_000)
    assert "None taken (1 option offered" in render_html_report(solve(declined), declined)
