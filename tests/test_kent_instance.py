"""The bundled Kent instance: reproducible build, documented totals, a sensible baseline solve.

The instance is built by ``instances/kent/build.py`` from the public data pack
``shared/data/kent`` (see ``instances/kent/README.md``, the data card). Published Jan 2025
figures the checks below rest on (DfE SEN2 2025, pack ``ehcp_by_need.csv`` / ``kent_figures.csv``):
20,635 Kent EHC plans; 7,452 in mainstream and 8,050 in special schools (39.0%), of which
1,487 independent + 136 non-maintained = 1,623; 5,428 + 999 = 6,427 in state special schools;
1,075 in SEN units / resourced provision.

The instance splits demand into three levels of need (``levels.csv``, rules L1/L2 of the data
card, an ESTIMATE). The calibration checks (capacities reproduce the January 2025 placements by
kind) run on the instance with the levels summed away, which is exactly the instance as it was
before levels; the levelled baseline has its own checks and documented figures.
"""

from __future__ import annotations

import filecmp
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from placement_opt import Instance, Result, Status, solve

ROOT = Path(__file__).resolve().parent.parent
KENT = ROOT / "instances" / "kent"
DATA = ROOT.parent / "shared" / "data" / "kent"
#: Tests that read the data pack skip on a clone without ``../shared`` beside it.
NEEDS_PACK = pytest.mark.skipif(not DATA.exists(), reason=f"data pack not found at {DATA}")
#: Files the build writes (everything in the folder except the script, the data card and the
#: hand-written example scenarios under scenarios/).
HAND_WRITTEN = {"build.py", "README.md"}
HAND_WRITTEN_DIRS = {"__pycache__", "scenarios", "kentbuild"}

ALL_PLANS = 20_635
IN_SCOPE = 7_452 + 8_050
SPECIAL_TOTAL = 8_050
INDEPENDENT = 1_487 + 136
STATE_SPECIAL = 5_428 + 999
SRP = 1_075
MAINSTREAM_WITHOUT_SRP = 7_452 - SRP
COST_SPECIAL = 24_252
COST_INDEPENDENT = 49_259
BASE_YEAR = 2025


@pytest.fixture(scope="module")
def inst() -> Instance:
    """The committed instance, loaded."""
    return Instance.from_path(KENT)


@pytest.fixture(scope="module")
def result(inst: Instance) -> Result:
    """The committed instance, solved with the default HiGHS backend."""
    return solve(inst, time_limit=60)


@pytest.fixture(scope="module")
def unlevelled(inst: Instance) -> Result:
    """The instance with demand summed over levels and no levels or tariffs, solved."""
    demand = inst.demand.groupby(["zone", "need", "phase", "year"], as_index=False)["pupils"].sum()
    plain = inst.replace(demand=demand, levels=inst.levels.iloc[0:0], tariffs=inst.tariffs.iloc[0:0])
    return solve(plain, time_limit=60)


@pytest.fixture(scope="module")
def summary() -> dict[str, object]:
    """Headline figures the build records."""
    return dict(json.loads((KENT / "provenance" / "summary.json").read_text()))


def _generated_files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")
            if p.is_file() and p.name not in HAND_WRITTEN
            and not HAND_WRITTEN_DIRS.intersection(p.relative_to(folder).parts)}


@NEEDS_PACK
def test_build_is_reproducible(tmp_path: Path) -> None:
    out = tmp_path / "kent"
    subprocess.run([sys.executable, str(KENT / "build.py"), "--out", str(out), "--data", str(DATA)],
                   check=True, capture_output=True, text=True, timeout=120)
    committed, rebuilt = _generated_files(KENT), _generated_files(out)
    assert committed == rebuilt
    _, mismatch, errors = filecmp.cmpfiles(KENT, out, sorted(committed), shallow=False)
    assert not mismatch and not errors, f"differ from a fresh build: {mismatch + errors}"


def test_build_without_the_pack_says_so(tmp_path: Path) -> None:
    missing = tmp_path / "no-pack"
    done = subprocess.run([sys.executable, str(KENT / "build.py"), "--out", str(tmp_path / "out"),
                           "--data", str(missing)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert f"data pack not found in {missing}" in done.stderr
    assert "Traceback" not in done.stderr


def test_instance_loads_without_findings(inst: Instance) -> None:
    assert inst.name == "kent"
    assert list(inst.warnings) == []
    assert inst.years == list(range(2025, 2031))
    assert sorted(inst.needs["need"]) == sorted(
        ["ASD", "SEMH", "SLCN", "MLD", "SLD", "PMLD", "SpLD", "HI", "VI", "MSI", "PD", "OTH"])
    assert len(inst.zones) == 12


def test_baseline_demand_is_the_in_scope_total(inst: Instance, summary: dict[str, object]) -> None:
    base = inst.demand[inst.demand["year"] == BASE_YEAR]
    assert base["pupils"].sum() == IN_SCOPE == summary["in_scope_total_2025"]
    assert summary["all_plans_2025"] == ALL_PLANS
    assert IN_SCOPE + summary["out_of_scope_2025"] == ALL_PLANS  # type: ignore[operator]


def test_every_district_has_demand_every_year(inst: Instance) -> None:
    by_zone_year = inst.demand.groupby(["zone", "year"])["pupils"].sum()
    assert len(by_zone_year) == 12 * 6
    assert (by_zone_year > 0).all()


def test_demand_grows_at_the_documented_rate(inst: Instance, summary: dict[str, object]) -> None:
    # In-scope placements (mainstream + special school plans), Jan 2022-2025 (pack
    # ehcp_trend_kent.csv); the growth rate is the log-linear least-squares fit through them.
    years = np.array([2022, 2023, 2024, 2025])
    placements = np.array([5_947 + 7_041, 6_439 + 7_577, 6_754 + 7_869, 7_452 + 8_050])
    fitted = float(np.expm1(np.polyfit(years, np.log(placements), 1)[0]))
    rate = float(summary["growth_rate"])  # type: ignore[arg-type]
    assert rate == pytest.approx(fitted, abs=1e-6)
    totals = inst.demand.groupby("year")["pupils"].sum()
    for year, total in totals.items():
        assert abs(total - IN_SCOPE * (1 + rate) ** (int(year) - BASE_YEAR)) <= 1


def test_every_provision_has_a_designation(inst: Instance) -> None:
    needs = inst.provisions["needs"]
    assert needs.notna().all()
    assert (needs.str.len() > 0).all()


def test_unit_costs_are_the_published_figures(inst: Instance) -> None:
    prov = inst.provisions
    assert set(prov.loc[prov["kind"] == "special", "cost_per_place"]) == {COST_SPECIAL}
    assert set(prov.loc[prov["kind"] == "independent", "cost_per_place"]) == {COST_INDEPENDENT}


@NEEDS_PACK
def test_unit_costs_are_the_pack_figures() -> None:
    figures = pd.read_csv(DATA / "kent_figures.csv")
    published = figures[figures["period"] == "2024-25"].set_index("metric")["value"]
    assert published["hnb_cost_per_pupil_maintained_special"] == COST_SPECIAL
    assert published["hnb_cost_per_pupil_independent_special"] == COST_INDEPENDENT


def test_base_year_capacities_equal_observed_placements(inst: Instance) -> None:
    prov = inst.provisions.set_index("provision")
    cap = inst.capacity[(inst.capacity["year"] == BASE_YEAR) & inst.capacity["need"].isna()]
    places = prov["capacity"].copy()
    places.loc[cap["provision"]] = cap["places"].to_numpy()
    by_kind = places.groupby(prov["kind"]).sum()
    assert by_kind["special"] == STATE_SPECIAL
    assert by_kind["srp"] == SRP
    assert by_kind["mainstream"] == MAINSTREAM_WITHOUT_SRP


def test_solves_to_optimal_quickly(result: Result) -> None:
    assert result.status is Status.OPTIMAL
    assert result.solve_seconds < 10
    assert result.kpi("unmet") == pytest.approx(0, abs=1e-6)


def _narrow_srp_places(inst: Instance) -> float:
    """Places at SRPs designated only for low-incidence needs (HI, VI, PD).

    These are the only non-special places the baseline may leave empty: mainstream provisions
    take every need at the district centroid and are the cheapest, the other SRPs serve needs
    with hundreds of pupils in reach. Each empty SRP place sends one more pupil to the
    independent sector, so special + independent exceeds 8,050 by at most this many places.
    """
    prov = inst.provisions
    narrow = prov["needs"].map(lambda s: set(str(s).split(";")) <= {"HI", "VI", "PD"})
    return float(prov.loc[(prov["kind"] == "srp") & narrow, "capacity"].sum())


def test_baseline_reproduces_the_special_school_share(inst: Instance, unlevelled: Result) -> None:
    special = unlevelled.kpi("placed_special", BASE_YEAR)
    independent = unlevelled.kpi("placed_independent", BASE_YEAR)
    tolerance = _narrow_srp_places(inst)
    assert tolerance < 0.01 * SPECIAL_TOTAL
    assert SPECIAL_TOTAL - 1e-6 <= special + independent <= SPECIAL_TOTAL + tolerance
    share = (special + independent) / ALL_PLANS
    assert share == pytest.approx(SPECIAL_TOTAL / ALL_PLANS, abs=tolerance / ALL_PLANS)
    assert round(SPECIAL_TOTAL / ALL_PLANS, 3) == 0.390


def test_baseline_independent_placements(unlevelled: Result) -> None:
    # Independent = 1,623 plus the special / SRP places that designation and journey limits
    # leave empty (narrow PD and HI places); allow 1% of 1,623.
    independent = unlevelled.kpi("placed_independent", BASE_YEAR)
    assert independent == pytest.approx(INDEPENDENT, rel=0.01)
    assert unlevelled.kpi("placed_mainstream", BASE_YEAR) == pytest.approx(MAINSTREAM_WITHOUT_SRP)
    assert unlevelled.kpi("placed_special", BASE_YEAR) <= STATE_SPECIAL + 1e-6


def test_levels_split_every_demand_cell_by_setting_shares(inst: Instance,
                                                          summary: dict[str, object]) -> None:
    """Rule L1: each need's share at a level is its Jan 2025 plans in that setting (mainstream
    without SRP / SRP and units / special incl. independent); rule L2: post-16 has no SRP level.
    Splitting keeps every cell's total, so 2025 is still 15,502 pupils."""
    shares = pd.read_csv(KENT / "provenance" / "level_shares.csv")
    by_need = shares.groupby(["phases", "need"])["share"].sum()
    assert np.allclose(by_need[by_need > 0], 1.0, atol=1e-5)
    asd = shares[(shares["phases"] == "primary;secondary") & (shares["need"] == "ASD")]
    assert asd.set_index("level")["plans_2025"].to_dict() == {"L1": 2_379, "L2": 594, "L3": 4_411}
    post16_l2 = shares[(shares["phases"] == "post16") & (shares["level"] == "L2")]
    assert len(post16_l2) == 12 and (post16_l2["share"] == 0).all()
    levels = summary["demand_by_level_2025"]
    assert isinstance(levels, dict)
    assert sum(levels.values()) == IN_SCOPE
    assert set(inst.demand["level"]) == {"L1", "L2", "L3"}


def test_tariff_reproduces_the_unit_costs(inst: Instance) -> None:
    """The tariff lines add up to the provisions' cost per place, kind by kind (Kent's banded
    rates are not in the pack), so prices are the published/assumed unit costs."""
    t = inst.tariffs.assign(total=inst.tariffs["place_funding"] + inst.tariffs["top_up"])
    cost = inst.provisions.groupby("kind")["cost_per_place"].agg(set)
    for kind, total in t.groupby("kind")["total"]:
        assert set(total) == cost[kind]
    special = t[t["kind"] == "special"]
    assert set(special["place_funding"]) == {10_000}
    assert set(special["top_up"]) == {COST_SPECIAL - 10_000}
    assert "independent" not in set(t["kind"])


def test_levelled_baseline(inst: Instance, result: Result) -> None:
    """The baseline with levels (data card, "Baseline check"): no L1 pupil in a special or
    independent school, no L3 pupil in an SRP or mainstream; mainstream still full. Independent
    placements rise from the unlevelled 1,633 to 1,769 in 2025: L2 pupils who can reach no SRP
    place for their need take special places, pushing L3 pupils to the independent sector, while
    SRP places out of their reach stay empty (997 of 1,075 used)."""
    alloc = result.allocations
    assert not alloc[(alloc["level"] == "L1") & alloc["kind"].isin(["special", "independent"])].size
    assert not alloc[(alloc["level"] == "L3") & alloc["kind"].isin(["srp", "mainstream"])].size
    assert result.kpi("placed_mainstream", BASE_YEAR) == pytest.approx(MAINSTREAM_WITHOUT_SRP)
    assert result.kpi("placed_independent", BASE_YEAR) == pytest.approx(1_769, abs=1)
    assert result.kpi("placed_srp", BASE_YEAR) == pytest.approx(997, abs=1)
    assert result.kpi("placed_special", BASE_YEAR) == pytest.approx(6_359, abs=1)


def test_every_provision_and_estimate_is_labelled(inst: Instance) -> None:
    prov = pd.read_csv(KENT / "provenance" / "provisions_provenance.csv")
    fields = {"name", "kind", "zone", "lat;lon", "phases_or_ages", "needs", "capacity",
              "cost_per_place"}
    assert set(prov["estimated"].astype(str).str.lower()) <= {"true", "false"}
    covered = prov.groupby("provision")["field"].agg(set)
    assert set(covered.index) == set(inst.provisions["provision"])
    assert all(fields <= f for f in covered)
    assert prov["method_or_source"].notna().all()
    est = prov[prov["estimated"].astype(str).str.lower() == "true"]
    assert est["method_or_source"].str.contains("ESTIMATE").all()
    demand = pd.read_csv(KENT / "provenance" / "demand_provenance.csv")
    assert len(demand) == len(inst.demand)
    assert demand["estimated"].astype(str).str.lower().eq("true").all()
