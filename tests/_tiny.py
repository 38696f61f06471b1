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


def facility_instance(n_zones: int = 60, n_sites: int = 25, seed: int = 3) -> Instance:
    """A seeded capacitated facility-location MIP (every site a candidate SRP) that the
    solvers do not close at their first incumbent."""
    import numpy as np

    rng = np.random.default_rng(seed)
    zones = pd.DataFrame({"zone": [f"Z{i}" for i in range(n_zones)],
                          "lat": 51.0 + rng.random(n_zones) * 0.5,
                          "lon": 0.2 + rng.random(n_zones) * 1.2})
    provisions = pd.DataFrame({
        "provision": [f"P{j}" for j in range(n_sites)], "kind": "srp",
        "zone": [f"Z{j}" for j in range(n_sites)],
        "lat": 51.0 + rng.random(n_sites) * 0.5, "lon": 0.2 + rng.random(n_sites) * 1.2,
        "phases": "primary", "needs": "ASD",
        "capacity": rng.integers(20, 60, n_sites).astype(float), "cost_per_place": 16_000.0,
        "candidate": True, "opening_cost": rng.integers(100_000, 400_000, n_sites).astype(float),
    })
    demand = pd.DataFrame({"zone": zones["zone"], "need": "ASD", "phase": "primary",
                           "year": 2026, "pupils": rng.integers(5, 25, n_zones).astype(float)})
    return Instance.from_tables(
        {"zones": zones, "provisions": provisions, "demand": demand},
        {"policy": {"transport_cost_per_km": 2000.0, "max_journey_min": {"primary": 240.0},
                    "unmet_penalty": 1e7}})


def pathway_instance(capacity_b: float = 20.0, share_b: float | None = None) -> Instance:
    """A has a primary and a secondary ASD SRP (PA, SA); B has a
    primary ASD SRP (PB, nearest secondary SA at 50 min: a gap in the district, in reach) and a
    primary SEMH SRP (QB, no secondary SEMH provision anywhere). 14 ASD and 7 SEMH primary
    pupils in B, 7 ASD in A."""
    zones = pd.DataFrame({"zone": ["A", "B"], "name": ["Ashby", "Bexley & <Co>"],
                          "lat": [51.3, 51.1], "lon": [0.5, 0.9], "min_local_share": [None, share_b]})
    provisions = pd.DataFrame([
        {"provision": "PA", "kind": "srp", "zone": "A", "phases": "primary", "needs": "ASD"},
        {"provision": "SA", "kind": "srp", "zone": "A", "phases": "secondary", "needs": "ASD",
         "name": "Secondary Academy"},
        {"provision": "PB", "kind": "srp", "zone": "B", "phases": "primary", "needs": "ASD"},
        {"provision": "QB", "kind": "srp", "zone": "B", "phases": "primary", "needs": "SEMH"},
    ]).assign(capacity=[20.0, 20.0, capacity_b, 20.0], cost_per_place=16_000.0)
    journeys = pd.DataFrame([(z, p, m, float(m)) for z in ("A", "B") for p, m in
                             zip(("PA", "SA", "PB", "QB"),
                                 (5, 10, 40, 40) if z == "A" else (40, 50, 5, 5), strict=True)],
                            columns=["zone", "provision", "minutes", "km"])
    demand = pd.DataFrame([("B", "ASD", "primary", 2026, 14.0), ("B", "SEMH", "primary", 2026, 7.0),
                           ("A", "ASD", "primary", 2026, 7.0)],
                          columns=["zone", "need", "phase", "year", "pupils"])
    return Instance.from_tables({"zones": zones, "provisions": provisions, "journeys": journeys,
                                 "demand": demand},
                                {"instance": {"name": "paths"},
                                 "policy": {"transport_cost_per_km": 100.0}})
