"""The continuum of need (``models/continuum.md``): levels, eligibility by level x kind, the
default level split, and one test per error path of the levels table and level columns."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from placement_opt import Instance, solve
from placement_opt.errors import InstanceError, Issue, Severity
from placement_opt.model.arcs import eligible_arcs
from placement_opt.model.data import ModelData
from placement_opt.schema.continuum import apportion_rows, split_by_shares
from placement_opt.schema.tables import KINDS
from placement_opt.status import Status

ROOT = Path(__file__).resolve().parent.parent
WORKED = ROOT / "models" / "examples" / "continuum_worked"
EXPECTED = json.loads((WORKED / "expected.json").read_text())


@pytest.fixture(scope="module")
def worked() -> Instance:
    return Instance.from_path(WORKED)


# ============================================================================ worked example
def test_worked_example_optimum(worked: Instance) -> None:
    """models/continuum.md, worked example: 8 x 10,000 + 6 x 18,000 + 24,252 + 7 x 30,000
    + 2 x 49,259 = 520,770."""
    result = solve(worked)
    assert result.status is Status.OPTIMAL
    assert result.objective == pytest.approx(EXPECTED["objective"])
    got = result.allocations[["level", "provision", "pupils", "place_cost"]].sort_values(
        ["level", "provision"]).to_dict("records")
    assert got == EXPECTED["allocations"]  # whole numbers: exact


def test_worked_example_without_levels_and_tariffs(worked: Instance) -> None:
    """The same 24 pupils with no levels table and no tariff: everyone may go anywhere at the
    provisions' own cost, 10 x 12,000 + 6 x 16,000 + 8 x 24,252 = 410,016."""
    demand = worked.demand.groupby(["zone", "need", "phase", "year"], as_index=False)["pupils"].sum()
    plain = worked.replace(demand=demand, levels=worked.levels.iloc[0:0],
                           tariffs=worked.tariffs.iloc[0:0])
    result = solve(plain)
    assert result.objective == pytest.approx(EXPECTED["objective_without_levels_and_tariffs"])
    assert set(result.allocations["level"]) == {"all"}


def test_levels_follow_the_order_column(worked: Instance) -> None:
    shuffled = worked.replace(levels=worked.levels.iloc[::-1].reset_index(drop=True))
    assert ModelData.from_instance(shuffled).levels == ("L1", "L2", "L3")


def test_level_kinds_prune_arcs_before_solving(worked: Instance) -> None:
    """L1 may not use SP or IND, L3 may not use MS or SRP: 2 + 2 + 2 arcs of the 12 pairs."""
    data = ModelData.from_instance(worked)
    arcs = eligible_arcs(data)
    pairs = {(data.levels[data.d_level[d]], data.provisions[p])
             for d, p in zip(arcs.demand, arcs.provision, strict=True)}
    assert pairs == {("L1", "MS"), ("L1", "SRP"), ("L2", "SRP"), ("L2", "SP"), ("L3", "SP"),
                     ("L3", "IND")}


def test_unmet_and_demand_rows_carry_the_level(worked: Instance) -> None:
    """2 special places and no independent ones: the 7th L2 pupil takes one (saving 100,000 -
    24,252), an L3 pupil the other (saving 100,000 - 30,000); 8 L3 pupils are left unmet."""
    tight = worked.replace(provisions=worked.provisions.assign(
        capacity=[10.0, 6.0, 2.0, 0.0]))
    result = solve(tight)
    assert result.unmet[["level", "unmet"]].to_dict("records") == [{"level": "L3", "unmet": 8.0}]
    demand_rows = result.duals[result.duals["family"] == "demand"]
    assert set(demand_rows["level"].astype(str)) == {"L1", "L2", "L3"}


def test_alternative_provision_is_a_kind(worked: Instance) -> None:
    """An AP provision serves a level that lists ``ap``: the 7th L2 pupil goes there at its own
    20,000 rather than to a special place (24,252 + an L3 pupil pushed to independent)."""
    prov = pd.concat([worked.provisions, pd.DataFrame([{
        "provision": "AP", "kind": "ap", "zone": "A", "lat": 51.22, "lon": 0.51,
        "phases": "primary", "needs": "ASD", "capacity": 2.0, "cost_per_place": 20_000.0}])],
        ignore_index=True)
    levels = worked.levels.assign(kinds=["mainstream;srp", "srp;special;ap",
                                         "special;independent"])
    result = solve(worked.replace(provisions=prov, levels=levels))
    ap = result.allocations[result.allocations["kind"] == "ap"]
    assert ap[["level", "pupils"]].to_dict("records") == [{"level": "L2", "pupils": 1.0}]
    assert result.kpi("placed_ap") == pytest.approx(1.0)


# ============================================================================ default split
def test_apportion_rows_keeps_whole_rows_whole() -> None:
    parts = apportion_rows(np.array([10.0, 7.0, 2.5]), np.array([[1, 1, 1], [3, 0, 1], [1, 1, 2]]))
    assert parts[0].tolist() == [4.0, 3.0, 3.0]  # 3.33.. each; ties go to the earlier level
    assert parts[1].tolist() == [5.0, 0.0, 2.0]  # 5.25 / 0 / 1.75
    assert parts[2].tolist() == pytest.approx([0.625, 0.625, 1.25])
    assert parts.sum(axis=1).tolist() == [10.0, 7.0, 2.5]


def test_split_by_shares() -> None:
    demand = pd.DataFrame({"zone": ["A", "A"], "need": ["ASD", "SLD"], "phase": "primary",
                           "year": 2026, "pupils": [9.0, 4.0]})
    shares = pd.DataFrame({"need": ["ASD", "ASD", "SLD", "SLD"], "level": ["L1", "L3"] * 2,
                           "share": [2.0, 1.0, 0.0, 5.0]})
    out = split_by_shares(demand, shares)
    assert out[["need", "level", "pupils"]].to_dict("records") == [
        {"need": "ASD", "level": "L1", "pupils": 6.0}, {"need": "ASD", "level": "L3", "pupils": 3.0},
        {"need": "SLD", "level": "L3", "pupils": 4.0}]


def test_split_by_shares_needs_a_share_for_every_need() -> None:
    demand = pd.DataFrame({"zone": ["A"], "need": ["PD"], "phase": "primary", "year": 2026,
                           "pupils": [3.0]})
    with pytest.raises(ValueError, match="PD"):
        split_by_shares(demand, pd.DataFrame({"need": ["ASD"], "level": ["L1"], "share": [1.0]}))


# ============================================================================ property test
@st.composite
def levelled_instances(draw: Callable[[st.SearchStrategy[Any]], Any]) -> Instance:
    """Two zones, two needs, one phase, one or two years; three levels whose kinds are drawn;
    provisions of every kind with drawn needs, places and costs; demand at every level."""
    kinds = [draw(st.lists(st.sampled_from(KINDS), min_size=1, max_size=3, unique=True))
             for _ in range(3)]
    levels = pd.DataFrame({"level": ["L1", "L2", "L3"], "order": [1, 2, 3],
                           "kinds": [";".join(k) for k in kinds]})
    n_prov = draw(st.integers(2, 6))
    provisions = pd.DataFrame([{
        "provision": f"P{i}", "kind": draw(st.sampled_from(KINDS)),
        "zone": draw(st.sampled_from(["A", "B"])), "phases": "primary",
        "needs": draw(st.sampled_from(["ASD", "SLD", "ASD;SLD"])),
        "capacity": float(draw(st.integers(0, 8))),
        "cost_per_place": float(draw(st.sampled_from([12_000, 16_000, 24_252, 49_259]))),
    } for i in range(n_prov)])
    years = [2026, 2027][: draw(st.integers(1, 2))]
    demand = pd.DataFrame([{"zone": z, "need": k, "phase": "primary", "year": t, "level": lv,
                            "pupils": float(draw(st.integers(0, 6)))}
                           for z in ("A", "B") for k in ("ASD", "SLD") for t in years
                           for lv in ("L1", "L2", "L3")])
    demand.loc[0, "pupils"] = 1.0
    tariffs = pd.DataFrame([{"level": draw(st.sampled_from([None, "L1", "L2", "L3"])),
                             "kind": draw(st.sampled_from(["special", "srp", "mainstream"])),
                             "place_funding": 10_000.0,
                             "top_up": float(draw(st.integers(0, 30_000)))}]).drop_duplicates(
        subset=["level", "kind"])
    zones = pd.DataFrame({"zone": ["A", "B"], "lat": [51.3, 51.2], "lon": [0.5, 0.6]})
    return Instance.from_tables(
        {"needs": pd.DataFrame({"need": ["ASD", "SLD"]}),
         "phases": pd.DataFrame({"phase": ["primary"], "min_age": [4], "max_age": [11]}),
         "zones": zones, "provisions": provisions, "demand": demand, "levels": levels,
         "tariffs": tariffs},
        {"policy": {"max_journey_min": {"primary": 60.0}, "transport_cost_per_km": 100.0,
                    "continuity": draw(st.booleans())}})


@settings(derandomize=True, max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(levelled_instances())
def test_eligibility_by_level_is_respected(inst: Instance) -> None:
    """Checked against the tables, not the model: every placement's kind is one its level lists
    and its need is designated; placed + unmet = demand for every zone x need x level x year."""
    result = solve(inst)
    assert result.status is Status.OPTIMAL
    allowed = {row.level: set(str(row.kinds).split(";")) for row in inst.levels.itertuples()}
    designated = dict(zip(inst.provisions["provision"], inst.provisions["needs"], strict=True))
    alloc = result.allocations
    for row in alloc.itertuples():
        assert row.kind in allowed[row.level]
        assert row.need in str(designated[row.provision]).split(";")
    keys = ["zone", "need", "level", "year"]
    demand = inst.demand.groupby(keys)["pupils"].sum()
    placed = alloc.groupby(keys)["pupils"].sum().reindex(demand.index, fill_value=0.0)
    unmet = result.unmet.groupby(keys)["unmet"].sum().reindex(demand.index, fill_value=0.0)
    if not inst.policy.continuity:  # with continuity, earlier placements may exceed demand
        assert np.allclose(placed + unmet, demand, atol=1e-6)
    else:
        assert (placed + unmet >= demand - 1e-6).all()


# ============================================================================ error paths
def _write(tmp_path: Path, **tables: str) -> Path:
    folder = tmp_path / "inst"
    shutil.copytree(WORKED, folder)
    for name, text in tables.items():
        (folder / f"{name}.csv").write_text(text)
    return folder


def _issues(folder: Path) -> list[Issue]:
    with pytest.raises(InstanceError) as info:
        Instance.from_path(folder)
    return list(info.value.issues)


def _one(issues: list[Issue], column: str) -> Issue:
    found = [i for i in issues if i.severity is Severity.ERROR and i.column == column]
    assert len(found) == 1, issues
    return found[0]


def test_unknown_kind_in_levels(tmp_path: Path) -> None:
    folder = _write(tmp_path, levels="level,order,kinds\nL1,1,mainstream;srp\nL2,2,srp;hospital\n"
                                     "L3,3,special;independent\n")
    issue = _one(_issues(folder), "kinds")
    assert (issue.row, issue.value, issue.message) == (3, "hospital", "unknown provision kind")
    assert issue.source.endswith("levels.csv")


def test_duplicate_level_order(tmp_path: Path) -> None:
    folder = _write(tmp_path, levels="level,order,kinds\nL1,1,mainstream\nL2,1,srp\nL3,3,special\n")
    issue = _one(_issues(folder), "order")
    assert (issue.row, issue.value) == (3, "1")


def test_unknown_level_in_demand(tmp_path: Path) -> None:
    folder = _write(tmp_path, demand="zone,need,phase,year,level,pupils\nA,ASD,primary,2026,L9,8\n")
    issue = _one(_issues(folder), "level")
    assert (issue.row, issue.value, issue.message) == (2, "L9", "unknown level")


def test_blank_level_with_a_levels_table(tmp_path: Path) -> None:
    folder = _write(tmp_path, demand="zone,need,phase,year,level,pupils\nA,ASD,primary,2026,L1,8\n"
                                     "A,ASD,primary,2026,,3\n")
    issue = _one(_issues(folder), "level")
    assert issue.row == 3
    assert "levels table" in issue.message


def test_blank_existing_level_with_a_levels_table(tmp_path: Path) -> None:
    folder = _write(tmp_path, existing="provision,zone,need,phase,pupils\nSP,A,ASD,primary,2\n")
    issue = _one(_issues(folder), "level")
    assert issue.source.endswith("existing.csv") and issue.row == 2


def test_level_without_a_levels_table(tmp_path: Path) -> None:
    folder = _write(tmp_path, tariffs="level,kind,place_funding,top_up\n")
    (folder / "levels.csv").unlink()
    issues = [i for i in _issues(folder) if i.severity is Severity.ERROR]
    assert {(i.row, i.value) for i in issues} == {(2, "L1"), (3, "L2"), (4, "L3")}
    assert all(i.expected == "an id from the levels table" for i in issues)


def test_tariff_line_for_unknown_level(tmp_path: Path) -> None:
    folder = _write(tmp_path, tariffs="level,kind,place_funding,top_up\nL7,special,10000,5\n")
    issue = _one(_issues(folder), "level")
    assert (issue.row, issue.value) == (2, "L7")
    assert issue.source.endswith("tariffs.csv")


def test_tariff_line_for_independent(tmp_path: Path) -> None:
    folder = _write(tmp_path, tariffs="level,kind,place_funding,top_up\nL3,independent,0,49259\n")
    issue = _one(_issues(folder), "kind")
    assert "own cost_per_place" in issue.message


def test_tariff_line_for_unknown_kind(tmp_path: Path) -> None:
    folder = _write(tmp_path, tariffs="level,kind,place_funding,top_up\nL3,hospital,0,1\n")
    issue = _one(_issues(folder), "kind")
    assert (issue.row, issue.value, issue.message) == (2, "hospital", "value not allowed")


def test_tariff_line_a_level_never_uses_is_a_warning(tmp_path: Path) -> None:
    folder = _write(tmp_path, tariffs="level,kind,place_funding,top_up\nL1,special,10000,1\n")
    inst = Instance.from_path(folder)
    [warning] = [w for w in inst.warnings if w.column == "kind"]
    assert warning.severity is Severity.WARNING and "never used" in warning.message
