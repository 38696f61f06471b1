"""Kent small-area zones: the 2011 MSOAs of the 12 Kent districts, built from LSOA centroids (R1).

Source: pack ``raw/kent_medway_lsoa2011_centroids.csv`` (R1 of ``raw/SOURCES.md``): one row per
2011 LSOA with its ONS boundary-file centroid (**not** population-weighted), clipped area, 2011
MSOA name and current district. Medway (LA 887) rows are kept only to tell Kent points from
Medway ones.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from .packfiles import read_pack_csv

__all__ = ["KENT_LA", "LSOA_FILE", "MEDWAY_LA", "OUTSIDE_KM", "ZONES_RATIONALE", "central_zone",
           "haversine_km", "kent_lsoas", "lsoa_centroids", "msoa_zones", "zone_of_point"]

LSOA_FILE = "raw/kent_medway_lsoa2011_centroids.csv"
KENT_LA = "Kent (886)"
MEDWAY_LA = "Medway (887)"
#: A point farther than this from every Kent LSOA centroid is taken to be outside Kent. The
#: largest Kent LSOA (68.9 km², R1 ``area_m2``) has an equal-area radius of 4.7 km; 8 km leaves
#: room for an irregular rural shape. A design choice, not a measured boundary.
OUTSIDE_KM = 8.0
EARTH_RADIUS_KM = 6371.0088  # IUGG mean Earth radius

_LSOA_COLUMNS = ("lsoa11cd", "lsoa11nm", "msoa11_name", "lad_name_current", "la", "lat", "lon",
                 "area_m2")

ZONES_RATIONALE = """\
**Why MSOAs, not LSOAs.** Kent has 902 LSOAs (2011) in 181 MSOAs (pack R1). The zone count
drives model size: every zone multiplies the demand rows (× needs × phases × levels × years) and
the journey arcs (× provisions), and the Kent instance must still solve to a 0.1% gap in 10 s or
less; 902 zones would make it about five times larger than 181 for no gain in what the model can
tell a planner. An MSOA (about 5,000–10,000 residents; a Kent MSOA holds 3–9 LSOAs, 5 in 87 of
the 181) is about the catchment of a few primary schools, which is the scale at which a new SRP
or satellite is sited. Below that, demand is not observed: the pack gives EHC plans for Kent as
a whole, the build spreads them over districts by population share and over a district's zones
by LSOA share. The 15,502 in-scope pupils of 2025 are about 17 per LSOA, under one per need and
phase on average, so LSOA cells would only split an estimate ever finer: noise, not
information. MSOA centroids are the mean of their LSOAs' boundary centroids (not
population-weighted: R1 has no population-weighted centroids)."""


def haversine_km(lat1: npt.ArrayLike, lon1: npt.ArrayLike, lat2: npt.ArrayLike,
                 lon2: npt.ArrayLike) -> np.ndarray:
    """Great-circle km between points (degrees, WGS84; arrays broadcast)."""
    p1, l1, p2, l2 = (np.radians(np.asarray(v, dtype=float)) for v in (lat1, lon1, lat2, lon2))
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin((l2 - l1) / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0))))


def lsoa_centroids(data: Path) -> pd.DataFrame:
    """Every R1 row, Kent and Medway (1,065), sorted by LSOA name."""
    frame = read_pack_csv(Path(data), LSOA_FILE, _LSOA_COLUMNS)
    frame = frame.loc[frame["la"].isin([KENT_LA, MEDWAY_LA]), list(_LSOA_COLUMNS)]
    return frame.sort_values("lsoa11nm", kind="stable").reset_index(drop=True)


def kent_lsoas(data: Path) -> pd.DataFrame:
    """The 902 Kent LSOAs of R1 (``la == "Kent (886)"``), sorted by LSOA name."""
    frame = lsoa_centroids(data)
    return frame.loc[frame["la"] == KENT_LA].reset_index(drop=True)


def msoa_zones(data: Path) -> pd.DataFrame:
    """Kent MSOA zones, sorted by zone id.

    Columns: ``zone`` (= 2011 MSOA name, e.g. "Shepway 001"), ``name`` (the same), ``lat``/``lon``
    (mean of the MSOA's LSOA boundary centroids — not population-weighted), ``district`` (current
    name: Shepway → Folkestone and Hythe), ``n_lsoa``, ``area_km2`` (sum of the LSOAs' clipped
    areas) and ``weight`` = n_lsoa / the district's n_lsoa — an ESTIMATE of the zone's share of
    its district's residents, resting on ONS drawing LSOAs to hold roughly equal populations
    (about 1,000–3,000 residents each).
    """
    lsoas = kent_lsoas(data)
    grouped = lsoas.groupby("msoa11_name", sort=True)
    zones = pd.DataFrame({
        "lat": grouped["lat"].mean().round(6),
        "lon": grouped["lon"].mean().round(6),
        "district": grouped["lad_name_current"].first(),
        "n_lsoa": grouped.size(),
        "area_km2": (grouped["area_m2"].sum() / 1e6).round(3),
    })
    if (grouped["lad_name_current"].nunique() > 1).any():
        raise ValueError(f"{LSOA_FILE}: an MSOA spans two districts")
    zones.index.name = "zone"
    zones = zones.reset_index()
    zones.insert(1, "name", zones["zone"])
    zones["weight"] = zones["n_lsoa"] / zones.groupby("district")["n_lsoa"].transform("sum")
    return zones


def zone_of_point(lsoas: pd.DataFrame, lat: npt.ArrayLike, lon: npt.ArrayLike) -> pd.DataFrame:
    """The Kent zone of each point: the MSOA of its nearest Kent LSOA centroid.

    ``lsoas`` must hold Kent **and** Medway rows (:func:`lsoa_centroids`). Returns one row per
    point: ``lsoa`` and ``zone`` (nearest Kent LSOA and its MSOA), ``district``, ``km`` (to that
    centroid) and ``in_kent`` — False when a Medway LSOA centroid is nearer than every Kent one,
    or the point is more than :data:`OUTSIDE_KM` from every Kent centroid. Nearest centroid
    stands in for point-in-polygon (the pack has no LSOA polygons), so points near a zone edge
    may be given the neighbouring zone.
    """
    la = lsoas["la"].to_numpy()
    kent, medway = lsoas.loc[la == KENT_LA], lsoas.loc[la == MEDWAY_LA]
    if kent.empty or medway.empty:
        raise ValueError("zone_of_point needs Kent and Medway LSOA rows: pass lsoa_centroids(data)")
    plat = np.atleast_1d(np.asarray(lat, dtype=float))[:, None]
    plon = np.atleast_1d(np.asarray(lon, dtype=float))[:, None]
    d_kent = haversine_km(plat, plon, kent["lat"].to_numpy()[None, :],
                          kent["lon"].to_numpy()[None, :])
    d_medway = haversine_km(plat, plon, medway["lat"].to_numpy()[None, :],
                            medway["lon"].to_numpy()[None, :]).min(axis=1)
    nearest = d_kent.argmin(axis=1)
    km = d_kent[np.arange(len(nearest)), nearest]
    return pd.DataFrame({
        "lsoa": kent["lsoa11nm"].to_numpy()[nearest],
        "zone": kent["msoa11_name"].to_numpy()[nearest],
        "district": kent["lad_name_current"].to_numpy()[nearest],
        "km": km.round(3),
        "in_kent": (km <= d_medway) & (km <= OUTSIDE_KM),
    })


def central_zone(zones: pd.DataFrame, district: str) -> str:
    """The zone nearest the district's weighted centroid (weights = ``weight``; used to site
    units whose location is estimated). Ties go to the first zone in ``zones`` order."""
    own = zones.loc[zones["district"] == district]
    if own.empty:
        raise KeyError(f"no zones in district {district!r}")
    w = own["weight"].to_numpy() / own["weight"].sum()
    lat, lon = float(w @ own["lat"].to_numpy()), float(w @ own["lon"].to_numpy())
    d = haversine_km(lat, lon, own["lat"].to_numpy(), own["lon"].to_numpy())
    return str(own["zone"].to_numpy()[int(np.argmin(d))])
