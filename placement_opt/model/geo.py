"""Journeys from coordinates: great-circle distance times a road factor, at an average speed."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["EARTH_RADIUS_KM", "haversine_km", "journey_from_coordinates"]

FloatArray = npt.NDArray[np.float64]

#: Mean Earth radius (IUGG), km.
EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1: FloatArray, lon1: FloatArray, lat2: FloatArray, lon2: FloatArray) -> FloatArray:
    """Great-circle distance in km between points given in degrees (numpy broadcasting)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(lon2) - np.radians(lon1)
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))))


def journey_from_coordinates(
    zone_lat: FloatArray, zone_lon: FloatArray, prov_lat: FloatArray, prov_lon: FloatArray,
    road_factor: float, speed_kmh: float,
) -> tuple[FloatArray, FloatArray]:
    """Zone × provision matrices of (minutes, km): road km = straight km × road_factor."""
    km = haversine_km(zone_lat[:, None], zone_lon[:, None], prov_lat[None, :], prov_lon[None, :])
    km = km * road_factor
    return km / speed_kmh * 60.0, km
