"""Zone → provision journeys (the instance's ``journeys.csv``) from the fitted road-time model.

Straight km from the zone centroid to the provision, floored at the zone's **disc radius mean**
(below); minutes = :meth:`RoadModel.minutes` of that straight km; km = straight km × circuity
(an ASSUMPTION, :data:`kentbuild.roads.CIRCUITY`). Minutes are rounded to 0.1 and km to 0.01 so
the file is stable.

Floor. Treat a zone as a disc of its area, radius R = sqrt(area/π), with pupils spread evenly
over it. The mean distance from such a pupil to the centre is (2/3)·R, and to any other point s
it is at least max(|s|, (2/3)·R): at least |s| because distance is convex and the pupils' mean
position is the centre (Jensen), at least (2/3)·R because the centre is the disc's geometric
median. So max(centroid km, (2/3)·R) is a lower bound on the mean straight journey for every
pair; it matters for a school in (or next to) the pupil's own zone, where the centroid km is
near 0.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .roads import CIRCUITY, RoadModel
from .zones import haversine_km

__all__ = ["MAX_MINUTES", "disc_mean_km", "journeys_table", "local_journeys"]

#: Pairs longer than this are left out of the file: above the longest phase limit (75 min). The
#: package computes an absent pair from coordinates with its own rule (straight km ×
#: road_factor at speed_kmh); with the Kent settings (1.3, 30 km/h) a pair the road model puts
#: over 90 min (about 90 km straight) comes out near 235 min, so it is never a feasible arc.
MAX_MINUTES = 90.0


def disc_mean_km(area_km2: np.ndarray) -> np.ndarray:
    """Mean distance from a uniform random point of a disc of ``area_km2`` to its centre:
    (2/3)·sqrt(area/π)."""
    return (2.0 / 3.0) * np.sqrt(np.asarray(area_km2, dtype=float) / np.pi)


def _provision_coordinates(zones: pd.DataFrame, provisions: pd.DataFrame) -> pd.DataFrame:
    """provisions' lat/lon, a blank one taken from its ``zone``'s centroid (as the package does)."""
    out = provisions[["provision"]].copy()
    lat = provisions["lat"].astype(float)
    lon = provisions["lon"].astype(float)
    blank = lat.isna() | lon.isna()
    if blank.any():
        if "zone" not in provisions.columns:
            raise ValueError("provisions without lat/lon need a zone column: "
                             + ", ".join(provisions.loc[blank, "provision"].astype(str)))
        where = zones.set_index("zone")
        unknown = sorted(set(provisions.loc[blank, "zone"]) - set(where.index))
        if unknown:
            raise ValueError(f"provisions sited in unknown zone(s): {', '.join(map(str, unknown))}")
        lat = lat.where(~blank, provisions["zone"].map(where["lat"]))
        lon = lon.where(~blank, provisions["zone"].map(where["lon"]))
    out["lat"], out["lon"] = lat.to_numpy(), lon.to_numpy()
    return out


def journeys_table(zones: pd.DataFrame, provisions: pd.DataFrame, road: RoadModel,
                   circuity: float = CIRCUITY, max_minutes: float = MAX_MINUTES) -> pd.DataFrame:
    """Every zone × provision journey of at most ``max_minutes``: zone, provision, minutes, km.

    ``zones`` needs zone, lat, lon, area_km2 (:func:`kentbuild.zones.msoa_zones`); ``provisions``
    needs provision, lat, lon (and zone, for any provision without coordinates). Sorted by zone,
    then provision.
    """
    if provisions["provision"].duplicated().any():
        raise ValueError("provisions: duplicate provision ids")
    where = _provision_coordinates(zones, provisions)
    straight = haversine_km(zones["lat"].to_numpy(float)[:, None],
                            zones["lon"].to_numpy(float)[:, None],
                            where["lat"].to_numpy(float)[None, :],
                            where["lon"].to_numpy(float)[None, :])
    straight = np.maximum(straight, disc_mean_km(zones["area_km2"].to_numpy(float))[:, None])
    minutes = np.round(road.minutes(straight), 1)
    km = np.round(straight * circuity, 2)
    zi, pi = np.nonzero(minutes <= max_minutes)
    table = pd.DataFrame({
        "zone": zones["zone"].to_numpy()[zi],
        "provision": where["provision"].to_numpy()[pi],
        "minutes": minutes[zi, pi],
        "km": km[zi, pi],
    })
    return table.sort_values(["zone", "provision"], kind="stable").reset_index(drop=True)


def local_journeys(zones: pd.DataFrame, road: RoadModel,
                   circuity: float = CIRCUITY) -> pd.DataFrame:
    """The within-zone journey to a local school (mainstream support): zone, minutes, km.

    Straight km = :func:`disc_mean_km` of the zone's area, i.e. the mean journey if the zone's
    one school stood at its centre. A zone has several mainstream schools, so the nearest is
    usually closer (about (2/3)·R/sqrt(n) for n schools spread evenly): an upper-end ESTIMATE.
    """
    straight = disc_mean_km(zones["area_km2"].to_numpy(float))
    return pd.DataFrame({
        "zone": zones["zone"].to_numpy(),
        "minutes": np.round(road.minutes(straight), 1),
        "km": np.round(straight * circuity, 2),
    })


def with_sites(kent_dir: Path, road: RoadModel, sites: pd.DataFrame,
               circuity: float = CIRCUITY) -> pd.DataFrame:
    """A built Kent instance's journeys.csv plus road-model journeys from its small-area zones
    to new ``sites`` (provision, lat, lon), e.g. candidate units."""
    zones = pd.read_csv(kent_dir / "zones.csv")
    derivation = pd.read_csv(kent_dir / "provenance" / "zones_derivation.csv")
    kent_zones = zones.loc[zones["area"] != "Out of county", ["zone"]].merge(derivation, on="zone")
    located = sites[["provision", "lat", "lon"]].astype({"lat": float, "lon": float})
    added = journeys_table(kent_zones, located, road, circuity)
    known = pd.read_csv(kent_dir / "journeys.csv")
    return pd.concat([known, added], ignore_index=True).sort_values(
        ["zone", "provision"]).reset_index(drop=True)
