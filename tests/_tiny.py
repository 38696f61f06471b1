"""Builders for tiny hand-checkable instances (one need, one phase unless told otherwise)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from placement_opt import Instance

ZONE_COORDS = {"A": (51.30, 0.50), "B": (51.20, 0.60), "C": (51.10, 0.70)}


def tiny(
    provisions: list[dict[str, Any]],
    demand: list[tuple[str, float]] | list[tuple[str, str, float]],
    journeys: dict[tuple[str, str], tuple[float, float]] | None = None,
    capacity: list[dict[str, Any]] | None = None,
    policy: dict[str, Any] | None = None,
    zones: list[str] | None = None,
    zone_share: dict[str, float] | None = None,
    year: int = 2026,
) -> Instance:
    """An instance with ASD primary demand in ``year``.

    ``provisions``: dicts with provision, kind, zone, capacity, cost_per_place and optional
    needs (default ``ASD``). ``demand``: (zone, pupils) or (zone, need, pupils).
    ``journeys``: (zone, provision) → (minutes, km); default 10 min and 0 km for every pair.
    """
    zone_ids = zones or sorted({p["zone"] for p in provisions} | {d[0] for d in demand})
    share = zone_share or {}
    zone_rows = [{"zone": z, "lat": ZONE_COORDS[z][0], "lon": ZONE_COORDS[z][1],
                  "min_local_share": share.get(z)} for z in zone_ids]
    prov_rows = [{"needs": "ASD", "phases": "primary", **p} for p in provisions]
    dem_rows = [
        {"zone": d[0], "need": d[1] if len(d) == 3 else "ASD", "phase": "primary",
         "year": year, "pupils": d[-1]}
        for d in demand
    ]
    jour = journeys or {}
    j_rows = [
        {"zone": z, "provision": p["provision"],
         "minutes": jour.get((z, p["provision"]), (10.0, 0.0))[0],
         "km": jour.get((z, p["provision"]), (10.0, 0.0))[1]}
        for z in zone_ids for p in provisions
    ]
    tables = {
        "needs": pd.DataFrame({"need": ["ASD", "SLD"]}),
        "phases": pd.DataFrame({"phase": ["primary"], "min_age": [4], "max_age": [11]}),
        "zones": pd.DataFrame(zone_rows),
        "provisions": pd.DataFrame(prov_rows),
        "demand": pd.DataFrame(dem_rows),
        "journeys": pd.DataFrame(j_rows),
    }
    if capacity:
        tables["capacity"] = pd.DataFrame(capacity)
    pol = {"max_journey_min": {"primary": 45.0}, "unmet_penalty": 100_000.0, **(policy or {})}
    return Instance.from_tables(tables, {"instance": {"name": "tiny"}, "policy": pol})
