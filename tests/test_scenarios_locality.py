"""The Locality-Model lever: a ramping share of special-school-level demand moved to a level
mainstream or SRPs serve, within district, need, phase and year."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from test_scenarios import base_instance

from placement_opt import Instance
from placement_opt.analysis.scenarios import ScenarioError, apply_scenario, scenario_from_text
from placement_opt.analysis.scenarios.locality import ramp

YEARS = (2026, 2027, 2028)
LEVELS = pd.DataFrame({"level": ["L1", "L2", "L3"], "order": [1, 2, 3],
                       "kinds": ["mainstream;srp", "srp;special;independent", "special;independent"]})


def levelled() -> Instance:
    """Zones A, B; ASD primary; L3: 10 pupils a year in A and B; L2: 4 in A; L1: 6 in A only."""
    rows = [(z, t, "L3", 10.0) for z in "AB" for t in YEARS] + [("A", t, "L2", 4.0) for t in YEARS] \
        + [("A", t, "L1", 6.0) for t in YEARS]
    demand = pd.DataFrame([(z, "ASD", "primary", t, lvl, p) for z, t, lvl, p in rows],
                          columns=["zone", "need", "phase", "year", "level", "pupils"])
    provisions = pd.DataFrame([
        {"provision": "SP", "kind": "special", "zone": "A", "phases": "primary", "needs": "ASD",
         "capacity": 40.0, "cost_per_place": 24_000.0},
        {"provision": "MS", "kind": "mainstream", "zone": "B", "phases": "primary", "needs": "ASD",
         "capacity": 40.0, "cost_per_place": 8_000.0},
    ])
    tables = {"needs": pd.DataFrame({"need": ["ASD"]}),
              "phases": pd.DataFrame({"phase": ["primary"], "min_age": [4], "max_age": [11]}),
              "levels": LEVELS,
              "zones": pd.DataFrame({"zone": ["A", "B"], "lat": [51.3, 51.2], "lon": [0.5, 0.6]}),
              "provisions": provisions, "demand": demand}
    return Instance.from_tables(tables, {"instance": {"name": "lev"}})


@pytest.fixture(scope="module")
def base_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("loc") / "base"
    levelled().to_path(folder)
    return folder


def apply(base_dir: Path, body: str) -> Instance:
    loaded = scenario_from_text(f'[scenario]\nname = "l"\nbase = "{base_dir}"\n{body}', "l.toml")
    return apply_scenario(loaded, Instance.from_path(base_dir))


def by_level(inst: Instance) -> pd.DataFrame:
    return inst.demand.pivot_table(index=["zone", "year"], columns="level", values="pupils",
                                   aggfunc="sum", fill_value=0.0)


def test_ramp() -> None:
    assert ramp({2027: 0.1, 2029: 0.3}, [2026, 2027, 2028, 2029, 2030]) == pytest.approx(
        {2026: 0.0, 2027: 0.1, 2028: 0.2, 2029: 0.3, 2030: 0.3})


def test_moves_the_share_to_the_mainstream_level(base_dir: Path) -> None:
    applied = apply(base_dir, "[locality]\nshare = { 2027 = 0.1, 2028 = 0.3 }")
    before, after = by_level(Instance.from_path(base_dir)), by_level(applied)
    assert after.loc[("A", 2026)].tolist() == [6.0, 4.0, 10.0]
    assert after.loc[("A", 2027)].tolist() == pytest.approx([7.0, 4.0, 9.0])
    assert after.loc[("A", 2028)].tolist() == pytest.approx([9.0, 4.0, 7.0])
    assert after.loc[("B", 2028)].tolist() == pytest.approx([3.0, 0.0, 7.0])  # a new L1 row in B
    assert (after.sum(axis=1) - before.sum(axis=1)).abs().max() < 1e-9  # conserved
    for name in ("provisions", "capacity", "zones", "levels", "existing"):
        assert getattr(applied, name).to_csv() == getattr(Instance.from_path(base_dir), name).to_csv()


def test_explicit_levels(base_dir: Path) -> None:
    applied = apply(base_dir, '[locality]\nshare = { 2026 = 0.5 }\nfrom_levels = ["L3", "L1"]\n'
                              'to_level = "L2"')
    after = by_level(applied)
    assert after.loc[("A", 2026)].tolist() == pytest.approx([3.0, 12.0, 5.0])


def test_fewer_special_placements_when_solved(base_dir: Path) -> None:
    from placement_opt import solve

    plain = solve(Instance.from_path(base_dir))
    shifted = solve(apply(base_dir, "[locality]\nshare = { 2026 = 0.5 }"))
    assert shifted.kpi("placed_special") == pytest.approx(plain.kpi("placed_special") - 30.0)
    assert shifted.kpi("placed_mainstream") == pytest.approx(plain.kpi("placed_mainstream") + 30.0)


@pytest.mark.parametrize(("body", "key", "fragment"), [
    ("[locality]\nshare = { 2027 = 1.5 }", "locality.share.2027", "outside 0..1"),
    ('[locality]\nshare = { 2027 = 0.1 }\nfrom_levels = ["L9"]', "locality.from_levels[1]",
     "unknown level"),
    ('[locality]\nshare = { 2027 = 0.1 }\nto_level = "L3"', "locality.to_level",
     "also moved from"),
    ('[locality]\nshare = { 2027 = 0.1 }\nto_level = "LX"', "locality.to_level", "unknown level"),
    ("[locality]\nshare = {}", "locality.share", "at least 1 item"),
])
def test_located_errors(base_dir: Path, body: str, key: str, fragment: str) -> None:
    with pytest.raises(ScenarioError) as err:
        apply(base_dir, body)
    assert any(f"column '{key}'" in str(i) and fragment in str(i) for i in err.value.issues), \
        [str(i) for i in err.value.issues]


def test_needs_levels(tmp_path: Path) -> None:
    base_instance().to_path(tmp_path / "plain")
    with pytest.raises(ScenarioError, match="no levels of need"):
        apply(tmp_path / "plain", "[locality]\nshare = { 2027 = 0.1 }")
