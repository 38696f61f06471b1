"""Kent small-area geography (instances/kent/kentbuild: zones, roads, journeys) on the data pack.

Figures checked (pack ``raw/SOURCES.md`` R1–R3): 902 Kent LSOAs (1,065 with Medway) in 181
MSOAs across the 12 districts; 4 Kent LSOAs (Shepway 014E–H) absent from the road matrix;
11,193 Kent LSOA → stroke-unit pairs within 60 km straight. Fit bounds are a little above the
figures the fit gives (held-out MAE 6.8 min, median 10.7%, 0–5 km band 1.0 min).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from placement_opt.schema.tables import TABLES

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "instances" / "kent"))

from kentbuild import journeys, roads, zones  # noqa: E402
from kentbuild.packfiles import PackError  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "kent"
pytestmark = pytest.mark.skipif(not (DATA / "raw").exists(),
                                reason=f"data pack not found at {DATA / 'raw'}")

N_MSOA = 181
#: Bounds on the held-out fit (see the module docstring for the values they guard).
MAX_MAE_MIN = 8.0
MAX_MEDIAN_APE_PCT = 13.0
MAX_SHORT_BAND_MAE_MIN = 2.5


@pytest.fixture(scope="module")
def zone_table() -> pd.DataFrame:
    return zones.msoa_zones(DATA)


@pytest.fixture(scope="module")
def road() -> roads.RoadModel:
    return roads.fit_road_model(DATA)


@pytest.fixture(scope="module")
def pack_provisions() -> pd.DataFrame:
    frame = pd.read_csv(DATA / "provisions.csv", dtype={"urn": str})
    return frame.loc[frame["lat"].notna()].rename(columns={"urn": "provision"})


def test_lsoas_and_zones(zone_table: pd.DataFrame) -> None:
    lsoas = zones.kent_lsoas(DATA)
    assert len(lsoas) == 902 and lsoas["lsoa11nm"].is_unique
    assert len(zones.lsoa_centroids(DATA)) == 1065
    assert lsoas["lad_name_current"].nunique() == 12
    assert len(zone_table) == N_MSOA and zone_table["zone"].is_unique
    assert zone_table["zone"].tolist() == sorted(zone_table["zone"])
    assert zone_table["district"].nunique() == 12
    assert zone_table["n_lsoa"].sum() == 902
    assert set(zone_table.loc[zone_table["zone"].str.startswith("Shepway"), "district"]) == {
        "Folkestone and Hythe"}
    sums = zone_table.groupby("district")["weight"].sum()
    assert np.allclose(sums.to_numpy(), 1.0, atol=1e-12)
    assert zone_table["area_km2"].sum() == pytest.approx(3544.8, abs=0.1)
    mean = lsoas.groupby("msoa11_name")["lat"].mean()
    assert np.allclose(zone_table.set_index("zone")["lat"], mean, atol=1e-6)


def test_zone_of_point() -> None:
    lsoas = zones.lsoa_centroids(DATA)
    kent = lsoas.loc[lsoas["la"] == zones.KENT_LA].iloc[[0, 400, 901]]
    medway = lsoas.loc[lsoas["la"] == zones.MEDWAY_LA].iloc[[0, 100]]
    lat = [*kent["lat"], *medway["lat"], 51.5074]  # last: central London
    lon = [*kent["lon"], *medway["lon"], -0.1278]
    got = zones.zone_of_point(lsoas, lat, lon)
    assert got["zone"].iloc[:3].tolist() == kent["msoa11_name"].tolist()
    assert (got["km"].iloc[:3] == 0).all()
    assert got["in_kent"].tolist() == [True, True, True, False, False, False]
    assert got["km"].iloc[-1] > zones.OUTSIDE_KM
    with pytest.raises(ValueError, match="Medway"):
        zones.zone_of_point(zones.kent_lsoas(DATA), lat, lon)


def test_pack_provisions_fall_in_their_district(pack_provisions: pd.DataFrame) -> None:
    got = zones.zone_of_point(zones.lsoa_centroids(DATA), pack_provisions["lat"],
                              pack_provisions["lon"])
    assert got["in_kent"].all()
    known = pack_provisions["district"].notna().to_numpy()
    assert (got["district"].to_numpy()[known] == pack_provisions["district"].to_numpy()[known]).all()


def test_central_zone(zone_table: pd.DataFrame) -> None:
    for district in sorted(zone_table["district"].unique()):
        zone = zones.central_zone(zone_table, district)
        assert zone_table.set_index("zone").loc[zone, "district"] == district
    assert zones.central_zone(zone_table, "Folkestone and Hythe").startswith("Shepway")
    with pytest.raises(KeyError):
        zones.central_zone(zone_table, "Medway")
    assert "902 LSOAs" in zones.ZONES_RATIONALE and "181 MSOAs" in zones.ZONES_RATIONALE


def test_road_fit(road: roads.RoadModel) -> None:
    stats = road.fit_table().set_index("statistic")["value"]
    assert list(road.fit_table().columns) == ["statistic", "value", "note"]
    assert stats["pairs_kent"] == 898 * 125
    assert stats["pairs_used"] == 11_193
    assert stats["lsoas_missing"] == 4
    assert road.missing_lsoas == ("Shepway 014E", "Shepway 014F", "Shepway 014G", "Shepway 014H")
    assert stats["pairs_train"] + stats["pairs_test"] == stats["pairs_used"]
    assert stats["mae_min"] < MAX_MAE_MIN
    assert stats["median_ape_pct"] < MAX_MEDIAN_APE_PCT
    assert stats["band_0-5km_mae_min"] < MAX_SHORT_BAND_MAE_MIN
    assert stats["r2"] > 0.6
    assert stats["mae_min"] < stats["old_model_mae_min"] / 5
    km = np.linspace(0, 60, 121)
    assert (np.diff(road.minutes(km)) > 0).all() and road.minutes(0.0) > 0
    text = road.markdown()
    assert road.formula() in text and "ASSUMPTION" in text and "Shepway 014E" in text


def test_determinism(road: roads.RoadModel, zone_table: pd.DataFrame,
                     pack_provisions: pd.DataFrame) -> None:
    again = roads.fit_road_model(DATA)
    assert again == road
    pd.testing.assert_frame_equal(zones.msoa_zones(DATA), zone_table)
    one = journeys.journeys_table(zone_table, pack_provisions, road)
    two = journeys.journeys_table(zone_table, pack_provisions.iloc[::-1], again)
    pd.testing.assert_frame_equal(one, two)


def test_journeys(road: roads.RoadModel, zone_table: pd.DataFrame,
                  pack_provisions: pd.DataFrame) -> None:
    table = journeys.journeys_table(zone_table, pack_provisions, road)
    assert list(table.columns) == TABLES["journeys"].names
    assert not table.duplicated(["zone", "provision"]).any()
    assert len(table) == 10_289  # of 181 × 57 = 10,317 located pack provisions
    assert table["minutes"].max() <= journeys.MAX_MINUTES
    assert (table["minutes"] == table["minutes"].round(1)).all()
    floor = pd.Series(journeys.disc_mean_km(zone_table["area_km2"]), index=zone_table["zone"])
    floor_km = np.round(floor[table["zone"]].to_numpy() * roads.CIRCUITY, 2)
    assert (table["km"].to_numpy() >= floor_km - 1e-9).all()
    local = journeys.local_journeys(zone_table, road)
    assert len(local) == N_MSOA and (local["minutes"] > road.minutes(0.0) - 0.05).all()
    # a provision without coordinates stands at its zone's centroid: the local journey
    sited = pd.DataFrame({"provision": ["X"], "lat": [np.nan], "lon": [np.nan],
                          "zone": ["Thanet 001"]})
    row = journeys.journeys_table(zone_table, sited, road).set_index("zone").loc["Thanet 001"]
    assert row["km"] == local.set_index("zone").loc["Thanet 001", "km"]
    with pytest.raises(ValueError, match="zone"):
        journeys.journeys_table(zone_table, sited.drop(columns="zone"), road)


def _copy_pack(tmp_path: Path) -> Path:
    (tmp_path / "raw").mkdir()
    for name in (zones.LSOA_FILE, roads.ROAD_FILE, roads.UNIT_FILE):
        shutil.copy(DATA / name, tmp_path / name)
    return tmp_path


def test_missing_file_stops_with_one_line(tmp_path: Path) -> None:
    pack = _copy_pack(tmp_path)
    (pack / roads.UNIT_FILE).unlink()
    with pytest.raises(PackError) as info:
        roads.fit_road_model(pack)
    message = str(info.value)
    assert isinstance(info.value, SystemExit) and "\n" not in message
    assert roads.UNIT_FILE in message and "file not found" in message


def test_missing_column_stops_with_one_line(tmp_path: Path) -> None:
    pack = _copy_pack(tmp_path)
    path = pack / zones.LSOA_FILE
    pd.read_csv(path).drop(columns="msoa11_name").to_csv(path, index=False)
    with pytest.raises(PackError) as info:
        zones.msoa_zones(pack)
    message = str(info.value)
    assert "\n" not in message and zones.LSOA_FILE in message
    assert "expected column(s) msoa11_name" in message


def test_fit_is_stable_across_splits() -> None:
    table = roads.seed_sensitivity(DATA, [1, 2])
    assert table["seed"].tolist() == [1, 2]
    assert (table["mae_min"] < MAX_MAE_MIN).all()
    assert (table["band_0_5km_mae_min"] < MAX_SHORT_BAND_MAE_MIN).all()
