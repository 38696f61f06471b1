"""Kent SRP and independent rows built from the data pack (instances/kent/kentbuild/{srps,
independents}.py): they reconcile to the published counts, carry no invented all-needs
aggregate, label every estimate, and stop with one line on a broken pack."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
KENT = ROOT / "instances" / "kent"
DATA = ROOT.parent / "shared" / "data" / "kent"
if str(KENT) not in sys.path:
    sys.path.insert(0, str(KENT))

from kentbuild import independents, srps  # noqa: E402
from kentbuild.packfiles import PackError  # noqa: E402

pytestmark = pytest.mark.skipif(not DATA.exists(), reason=f"data pack not found at {DATA}")
YEARS = range(2025, 2031)


@pytest.fixture(scope="module")
def dmap() -> pd.DataFrame:
    return pd.read_csv(KENT / "designation_map.csv")


@pytest.fixture(scope="module")
def srp(dmap: pd.DataFrame) -> pd.DataFrame:
    return srps.srp_rows(DATA, dmap)


@pytest.fixture(scope="module")
def ind() -> pd.DataFrame:
    return independents.independent_rows(DATA)


def test_srp_places_reconcile(srp: pd.DataFrame) -> None:
    table = srps.reconciliation_table(DATA, srp).set_index("figure")["value"]
    assert int(srp["capacity"].sum()) == 1_075 == table["unit_rp_plans"]
    assert table["sen_unit_plans"] == 1_015 and table["rp_plans"] == 60
    assert table["academy_places_6k"] == 694 and table["academy_places_10k"] == 98
    assert table["academy_places"] == 792
    assert table["academy_unit_rp_plans"] + table["maintained_unit_rp_plans"] == 1_075
    assert table["listed_places"] + table["estimated_unit_places"] == table["modelled_places"] == 1_075
    assert table["listed_places"] == int(srp.loc[srp["located"], "capacity"].sum())


def test_every_listed_srp_kept_at_its_school(srp: pd.DataFrame) -> None:
    pack = pd.read_csv(DATA / "provisions.csv", dtype={"urn": str})
    urns = set("SRP-" + pack.loc[pack["provision_kind"] == "srp", "urn"])
    listed = srp[srp["located"]]
    assert set(listed["provision"]) == urns
    assert listed[["lat", "lon"]].notna().all().all()
    assert srp.loc[~srp["located"], ["lat", "lon"]].isna().all().all()


def test_no_all_needs_all_phase_aggregate(srp: pd.DataFrame) -> None:
    all_needs = ";".join(srps.NEED_CODES)
    assert not (srp["needs"] == all_needs).any()
    assert srp["phases"].isin(["primary", "secondary"]).all()  # one phase each, no post-16
    assert not srp["name"].str.contains("Other SRPs").any()
    est = srp[srp["estimated"] & ~srp["located"]]
    combos = est.groupby(["district", "needs", "phases"]).ngroups
    possible = 12 * est["needs"].nunique() * est["phases"].nunique()
    assert 0 < combos < possible  # not every district gets every need and phase
    assert "SEMH" not in ";".join(est["needs"])  # KCC policy: no SEMH SRP places


def test_estimated_units_whole_and_sized(srp: pd.DataFrame) -> None:
    est = srp[~srp["located"]]
    assert est["estimated"].all()
    assert est["capacity"].between(srps.UNIT_MIN, srps.UNIT_MAX).all()
    districts = set(pd.read_csv(DATA / "districts.csv")["district"])
    assert set(srp["district"]) <= districts


@pytest.mark.parametrize("which", ["srp", "ind"])
def test_every_estimate_labelled(which: str, srp: pd.DataFrame, ind: pd.DataFrame) -> None:
    rows = srp if which == "srp" else ind
    assert rows["method"].str.len().gt(0).all() and rows["source"].str.len().gt(0).all()
    assert rows.loc[rows["estimated"], "method"].str.contains("ESTIMATE").all()
    assert list(rows.columns) == srps.COLUMNS
    assert rows["provision"].is_unique


def test_independent_places_reconcile(ind: pd.DataFrame) -> None:
    assert int(ind["capacity"].sum()) == 1_623 == 1_487 + 136
    ooc = ind[ind["provision"].str.startswith("OOC-")].set_index("provision")["capacity"]
    assert int(ooc.sum()) == 1_199
    assert (ooc["OOC-MEDWAY"], ooc["OOC-EAST-SUSSEX"], ooc["OOC-BROMLEY-AND-BEXLEY"]) == (598, 145, 183)
    named = ind[ind["provision"].str.startswith("IND-")]
    assert len(named) == 7 and named["district"].isna().all()
    assert ind.loc[ind["provision"].str.startswith("OOC-"), "district"].str.endswith(
        "(out of county)").all()
    assert (ind["cost_per_place"] == 49_259).all() and (ind["kind"] == "independent").all()
    assert ind[["lat", "lon"]].notna().all().all()


def test_independent_growth_capped(ind: pd.DataFrame) -> None:
    limit = independents.growth_limit(DATA)
    assert limit == pytest.approx(independents.GROWTH_LIMIT) == pytest.approx(0.0957, abs=1e-4)
    cap = independents.independent_capacity(ind, YEARS)
    wide = cap.pivot(index="provision", columns="year", values="places")
    # 2025/26 is a year after the Jan 2025 census: one year's growth on the 1,623 used then
    first = np.floor(ind.set_index("provision")["capacity"] * (1 + limit) + 1e-9)
    assert (wide[2025] == first.reindex(wide.index)).all()
    assert 1_623 < int(wide[2025].sum()) <= 1_623 * (1 + limit)
    ratio = wide.loc[:, 2026:].to_numpy() / wide.loc[:, :2029].to_numpy()
    assert (ratio <= 1 + limit + 1e-12).all()
    assert int(wide[2030].sum()) < 1_623 * (1 + limit) ** 6 + 1e-9
    assert "ASSUMPTION" in independents.growth_limit_note


def test_deterministic(dmap: pd.DataFrame, srp: pd.DataFrame, ind: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(srps.srp_rows(DATA, dmap), srp)
    pd.testing.assert_frame_equal(independents.independent_rows(DATA), ind)


def test_published_targets() -> None:
    t = srps.published_targets(DATA).set_index(["indicator", "period"])["published"]
    assert t["ehcp_in_mainstream_sen_unit_or_resourced_provision", "Jan 2025"] == 1_075
    assert t["hnb_pupils_independent_sector", "2024-25"] == 1_623
    assert t["pupils_placed_out_of_county", "c.2021"] == 1_199


@pytest.fixture
def pack_copy(tmp_path: Path) -> Path:
    """A copy of the pack's CSV files (small) to break."""
    out = tmp_path / "kent"
    shutil.copytree(DATA, out, ignore=shutil.ignore_patterns("*.geojson", "*road_minutes*"))
    return out


def test_pack_error_missing_file(pack_copy: Path, dmap: pd.DataFrame) -> None:
    (pack_copy / "raw" / "stroke_unit_locations.csv").unlink()
    with pytest.raises(PackError, match=r"stroke_unit_locations\.csv: file not found"):
        independents.independent_rows(pack_copy)
    (pack_copy / "provisions.csv").unlink()
    with pytest.raises(PackError, match=r"provisions\.csv: file not found"):
        srps.srp_rows(pack_copy, dmap)


def test_pack_error_missing_column(pack_copy: Path, dmap: pd.DataFrame) -> None:
    path = pack_copy / "provisions.csv"
    pd.read_csv(path).drop(columns="designated_places").to_csv(path, index=False)
    with pytest.raises(PackError, match=r"expected column.*designated_places"):
        srps.srp_rows(pack_copy, dmap)
    path = pack_copy / "kent_figures.csv"
    pd.read_csv(path).drop(columns="note").to_csv(path, index=False)
    with pytest.raises(PackError, match=r"kent_figures\.csv: expected column.*note"):
        independents.independent_rows(pack_copy)
