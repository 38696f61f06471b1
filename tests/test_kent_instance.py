"""The bundled Kent instance: reproducible build, documented totals, a sensible baseline solve.

The instance is built by ``instances/kent/build.py`` from the public data pack
``shared/data/kent`` (see ``instances/kent/README.md``, the data card). Published Jan 2025
figures the checks below rest on (DfE SEN2 2025, pack ``ehcp_by_need.csv`` / ``kent_figures.csv``):
20,635 Kent EHC plans; 7,452 in mainstream and 8,050 in special schools (39.0%), of which
1,487 independent + 136 non-maintained = 1,623; 5,428 + 999 = 6,427 in state special schools;
1,075 in SEN units / resourced provision.

Demand sits in 181 small-area zones (MSOAs), each with its district; journeys come from a road-
time model fitted to Kent road minutes; the calibration against published figures (2025
baseline) is pinned row by row in ``tests/test_kent_calibration.py``.
"""

from __future__ import annotations

import filecmp
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from placement_opt import Instance, Result, Status, solve
from placement_opt.reports.pathways import pathway_gaps
from placement_opt.results.run import RunData

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
    return solve(inst, time_limit=120)


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


def _run_build(tmp_path: Path, data: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(KENT / "build.py"), "--out", str(tmp_path / "out"),
                           "--data", str(data)], capture_output=True, text=True, timeout=300)


def test_build_without_the_pack_says_so(tmp_path: Path) -> None:
    missing = tmp_path / "no-pack"
    done = _run_build(tmp_path, missing)
    assert done.returncode == 1
    assert done.stderr.strip() == f"data pack: {missing}: data pack folder not found (use --data)"


@NEEDS_PACK
@pytest.mark.parametrize("broken", ["raw/kent_medway_lsoa2011_centroids.csv", "districts.csv"])
def test_build_names_a_missing_pack_file(tmp_path: Path, broken: str) -> None:
    pack = tmp_path / "pack"
    shutil.copytree(DATA, pack)
    (pack / broken).chmod(0o644)
    (pack / broken).unlink()
    done = _run_build(tmp_path, pack)
    assert done.returncode == 1
    assert done.stderr.strip() == f"data pack: {pack / broken}: file not found (point --data at " \
                                  "the data pack folder, shared/data/kent)"


@NEEDS_PACK
def test_build_names_a_missing_pack_column(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    shutil.copytree(DATA, pack)
    target = pack / "districts.csv"
    target.chmod(0o644)
    frame = pd.read_csv(target).drop(columns="population_2020")
    frame.to_csv(target, index=False)
    done = _run_build(tmp_path, pack)
    assert done.returncode == 1
    line = done.stderr.strip()
    assert line.startswith(f"data pack: {target}: expected column(s) population_2020")
    assert "Traceback" not in done.stderr


def test_instance_loads_without_findings(inst: Instance) -> None:
    assert inst.name == "kent"
    assert list(inst.warnings) == []
    assert inst.years == list(range(2025, 2031))
    zones = inst.zones
    kent = zones[zones["area"] != "Out of county"]
    assert len(kent) == 181 and kent["district"].nunique() == 12
    away = zones[zones["area"] == "Out of county"]
    assert away["district"].str.endswith("(out of county)").all()
    assert not set(inst.demand["zone"]) & set(away["zone"])


def test_baseline_demand_is_the_in_scope_total(inst: Instance, summary: dict[str, object]) -> None:
    base = inst.demand[inst.demand["year"] == BASE_YEAR]
    assert base["pupils"].sum() == IN_SCOPE == summary["in_scope_total_2025"]
    assert (inst.demand["pupils"] == inst.demand["pupils"].round()).all()


def test_every_district_has_demand_every_year(inst: Instance) -> None:
    district = inst.zones.set_index("zone")["district"]
    by = inst.demand.assign(district=inst.demand["zone"].map(district)).groupby(
        ["district", "year"])["pupils"].sum()
    assert len(by) == 12 * 6 and (by > 0).all()


def test_demand_grows_at_the_fitted_rate_of_each_need_and_phase(inst: Instance) -> None:
    rates = pd.read_csv(KENT / "provenance" / "growth_rates.csv").set_index(["need", "phase"])
    cells = inst.demand.groupby(["need", "phase", "level", "year"])["pupils"].sum().unstack("year")
    assert rates["annual_rate"].nunique() > 10  # not one rate for everything
    for (need, phase, _level), row in cells.iterrows():
        rate = float(rates.loc[(need, phase), "annual_rate"])
        for year in inst.years:
            assert abs(row[year] - round(row[BASE_YEAR] * (1 + rate) ** (year - BASE_YEAR))) <= 0.5


def test_every_provision_has_a_designation(inst: Instance) -> None:
    needs = inst.provisions["needs"]
    assert needs.notna().all()
    assert (needs.str.len() > 0).all()


def test_unit_costs_are_the_published_figures(inst: Instance) -> None:
    prov = inst.provisions
    assert set(prov.loc[prov["kind"] == "special", "cost_per_place"]) == {COST_SPECIAL}
    assert set(prov.loc[prov["kind"] == "independent", "cost_per_place"]) == {COST_INDEPENDENT}
    published = pd.read_csv(DATA / "kent_figures.csv").set_index("metric")["value"] \
        if DATA.exists() else None
    if published is not None:
        assert published["hnb_cost_per_pupil_maintained_special"].tolist()[0] == COST_SPECIAL


def test_base_year_capacities_equal_observed_placements(inst: Instance) -> None:
    prov = inst.provisions.set_index("provision")
    cap = inst.capacity[inst.capacity["year"] == BASE_YEAR].set_index("provision")["places"]
    total = prov["capacity"].astype(float).copy()
    total.loc[cap.index] = cap
    by_kind = total.groupby(prov["kind"]).sum()
    assert by_kind["special"] == STATE_SPECIAL
    assert by_kind["srp"] == SRP
    assert by_kind["mainstream"] == MAINSTREAM_WITHOUT_SRP
    # independent: the Jan 2025 use plus one year's growth at the market's limit (data card)
    assert INDEPENDENT < by_kind["independent"] <= INDEPENDENT * 1.0957 + 11


def test_no_invented_aggregates(inst: Instance) -> None:
    prov = inst.provisions
    srp = prov[prov["kind"] == "srp"]
    all_needs = len(inst.needs)
    assert not (srp["needs"].str.count(";") + 1 == all_needs).any()
    assert not srp["phases"].fillna("").str.contains(";").any()
    assert not prov["name"].str.contains("other", case=False).any()
    indep = prov[prov["kind"] == "independent"]
    cap = inst.capacity.merge(indep[["provision"]], on="provision")
    assert set(cap["provision"]) == set(indep["provision"])  # every one has a yearly limit
    growth = cap.sort_values("year").groupby("provision")["places"].apply(
        lambda s: (s.to_numpy()[1:] / s.to_numpy()[:-1]).max())
    assert (growth <= 1.0957 + 1e-9).all()


def test_pathways_show_real_gaps(inst: Instance, result: Result) -> None:
    """With every SRP at its school (no all-needs aggregates) the SRP Review's question has real
    answers: some district-needs have a primary SRP and no secondary one in the district."""
    gaps = pathway_gaps(RunData.from_result(result, inst), kinds=("srp",))
    assert len(gaps) > 12
    assert 0 < int(gaps["gap_in_district"].sum()) < len(gaps)


def test_journeys_come_from_the_road_model(inst: Instance) -> None:
    trips = inst.journeys
    assert len(trips) > 10_000 and (trips["minutes"] <= 90).all()
    fit = pd.read_csv(KENT / "provenance" / "road_model.csv").set_index("statistic")["value"]
    assert float(fit["mae_min"]) < 8 < float(fit["old_model_mae_min"])


def test_solves_to_optimal(result: Result) -> None:
    assert result.status is Status.OPTIMAL
    assert result.kpi("unmet", BASE_YEAR) == pytest.approx(0, abs=1e-6)


def test_met_locally_has_one_definition(result: Result) -> None:
    alloc = result.allocations
    base = alloc[alloc["year"] == BASE_YEAR]
    share = float(base.loc[base["local"], "pupils"].sum()) / IN_SCOPE
    assert result.kpi("share_met_locally", BASE_YEAR) == pytest.approx(share)
    away = base["provision_zone"].str.startswith("OOC-")
    assert not base.loc[away, "local"].any()


def test_levelled_baseline(inst: Instance, result: Result) -> None:
    alloc = result.allocations
    assert not alloc[(alloc["level"] == "L1") & alloc["kind"].isin(["special", "independent"])].size
    assert not alloc[(alloc["level"] == "L3") & alloc["kind"].isin(["srp", "mainstream"])].size
    assert result.kpi("placed_mainstream", BASE_YEAR) == pytest.approx(MAINSTREAM_WITHOUT_SRP)


def test_mainstream_is_charged_the_top_up_only(inst: Instance) -> None:
    t = inst.tariffs
    main = t[t["kind"] == "mainstream"]
    assert set(main["place_funding"]) == {0} and set(main["top_up"]) == {6_000}
    special = t[t["kind"] == "special"]
    assert set(special["place_funding"] + special["top_up"]) == {COST_SPECIAL}


def test_every_provision_and_estimate_is_labelled(inst: Instance) -> None:
    prov = pd.read_csv(KENT / "provenance" / "provisions_provenance.csv")
    assert set(prov["estimated"].astype(str).str.lower()) <= {"true", "false"}
    covered = prov.groupby("provision")["field"].agg(set)
    assert set(covered.index) == set(inst.provisions["provision"])
    assert prov["method_or_source"].notna().all()
    est = prov[prov["estimated"].astype(str).str.lower() == "true"]
    assert est["method_or_source"].str.contains("ESTIMATE|ASSUMED|estimate", regex=True).all()
    demand = pd.read_csv(KENT / "provenance" / "demand_provenance.csv")
    cells = inst.demand.groupby(["need", "phase", "year"]).ngroups
    assert len(demand) == cells
    assert demand["estimated"].astype(str).str.lower().eq("true").all()
