"""Seeded generator of realistic, Kent-like planning instances for benchmarks and tests.

``make_instance(n_zones, n_provisions, years, seed)`` builds an :class:`placement_opt.Instance`
through the public ``Instance.from_tables`` API. Everything is drawn from one
``numpy.random.Generator`` seeded with ``seed``, so the same arguments always give the same
instance (same :meth:`~placement_opt.Instance.fingerprint`).

What "Kent-like" means here (illustrative figures, not a real data set):

* zones are points inside Kent's bounding box (lat 51.0–51.5, lon 0.10–1.45), each with a
  population weight;
* demand follows Kent's mix of primary needs on EHC plans (ASD ~46%, SEMH ~19%, SLCN ~17%,
  MLD 5%, SLD 4%, PD 3%, the remaining DfE codes ~6%), split primary 40% / secondary 40% /
  post-16 20%, growing ~6% a year, scaled so that demand is slightly above the places;
* provisions are special schools (£24,252 a place a year), SRPs (~£16,000), independent
  schools (~£49,259) and mainstream support (~£12,000), each designated for a typical group
  of needs, with phases given either as a phase list or as an age range;
* the capacity table holds a few year-by-year expansions and per-need caps.

Journey limits are generous (90/120/120 minutes) so that the number of eligible arcs grows
roughly with zones × provisions × years; :func:`sizes_for_arcs` picks sizes for a target
number of eligible arcs (e.g. 10k, 100k, 1M).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from placement_opt import Instance
from placement_opt.defaults import default_needs, default_phases
from placement_opt.model.arcs import eligible_arcs
from placement_opt.model.data import ModelData

__all__ = [
    "FIRST_YEAR",
    "KENT_BOX",
    "NEED_MIX",
    "Sizes",
    "count_arcs",
    "make_instance",
    "sizes_for_arcs",
]

#: Kent's bounding box: (lat_min, lat_max, lon_min, lon_max).
KENT_BOX: tuple[float, float, float, float] = (51.0, 51.5, 0.10, 1.45)
#: First planning year (academic year starting September 2026).
FIRST_YEAR = 2026
#: Share of EHC plans by primary need (Kent-like; sums to 1).
NEED_MIX: dict[str, float] = {
    "ASD": 0.46, "SEMH": 0.19, "SLCN": 0.17, "MLD": 0.05, "SLD": 0.04, "PD": 0.03,
    "PMLD": 0.015, "SpLD": 0.015, "HI": 0.012, "OTH": 0.012, "VI": 0.005, "MSI": 0.001,
}
#: Share of demand by phase.
PHASE_MIX: dict[str, float] = {"primary": 0.40, "secondary": 0.40, "post16": 0.20}
#: Yearly demand growth.
GROWTH = 0.06
#: Demand over places in the first year (slightly above 1: some pupils stay unmet).
PRESSURE = 1.05

#: Provision kinds: share of provisions, base cost per place-year, capacity range (places).
KIND_SHARE: dict[str, float] = {"special": 0.25, "srp": 0.35, "independent": 0.25,
                                "mainstream": 0.15}
KIND_COST: dict[str, float] = {"special": 24_252.0, "srp": 16_000.0, "independent": 49_259.0,
                               "mainstream": 12_000.0}
KIND_PLACES: dict[str, tuple[int, int]] = {"special": (120, 260), "srp": (12, 30),
                                           "independent": (30, 110), "mainstream": (20, 60)}
#: Typical designations by kind (one is drawn per provision).
DESIGNATIONS: dict[str, tuple[str, ...]] = {
    "special": ("ASD;SLD;PMLD;SLCN", "ASD;SLCN", "SEMH", "MLD;SpLD;ASD;SLCN", "PD;PMLD;SLD",
                "HI;VI;MSI;SLCN", "ASD;SEMH;SLCN;MLD"),
    "srp": ("ASD;SLCN", "ASD", "SLCN", "HI", "VI", "PD", "SpLD;MLD", "SEMH"),
    "independent": ("ASD;SEMH;SLCN", "SEMH", "ASD", "ASD;SLD;PMLD", "SpLD;MLD;SLCN"),
    "mainstream": ("ASD;SLCN;SEMH;MLD;SpLD", "ASD;SLCN;SEMH;MLD;OTH"),
}
#: Phase offer by kind: either a ``phases`` cell or an age range (min_age, max_age).
PHASE_OFFERS: dict[str, tuple[str | tuple[int, int], ...]] = {
    "special": ((4, 19), (4, 19), (4, 11), (11, 19), "primary;secondary;post16"),
    "srp": ("primary", "secondary"),
    "independent": ((7, 19), (11, 19), "secondary;post16", (5, 16)),
    "mainstream": ("primary;secondary", "primary", "secondary"),
}
#: Generous journey limits (minutes) and door-to-door speed, so arcs are plentiful.
POLICY: dict[str, object] = {
    "max_journey_min": {"primary": 90.0, "secondary": 120.0, "post16": 120.0},
    "transport_cost_per_km": 570.0,
    "journey_cost_per_min": 1.0,
    "unmet_penalty": 200_000.0,
    "max_independent_share": 0.25,
    "road_factor": 1.3,
    "speed_kmh": 30.0,
}


@dataclass(frozen=True)
class Sizes:
    """Arguments of :func:`make_instance` and the eligible arcs they give."""

    n_zones: int
    n_provisions: int
    years: int
    seed: int
    arcs: int


def make_instance(n_zones: int, n_provisions: int, years: int, seed: int) -> Instance:
    """A Kent-like instance with ``n_zones`` zones, ``n_provisions`` provisions and demand for
    ``years`` consecutive years from :data:`FIRST_YEAR`. Deterministic in ``seed``."""
    if n_zones < 1 or n_provisions < 1 or years < 1:
        raise ValueError("n_zones, n_provisions and years must be >= 1")
    rng = np.random.default_rng(seed)
    zones = _zones(rng, n_zones)
    provisions = _provisions(rng, zones, n_provisions)
    year_list = [FIRST_YEAR + i for i in range(years)]
    capacity = _capacity(rng, provisions, year_list)
    demand = _demand(rng, zones, _places(provisions), year_list)
    tables = {
        "needs": default_needs(), "phases": default_phases(), "zones": zones,
        "provisions": provisions, "capacity": capacity, "demand": demand,
    }
    settings = {
        "instance": {"name": f"kent-like-z{n_zones}-p{n_provisions}-y{years}-s{seed}",
                     "description": "Synthetic Kent-like instance (benchmarks/generate.py)."},
        "policy": POLICY,
    }
    return Instance.from_tables(tables, settings, source=f"generate.py seed {seed}")


def _zones(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """Zone centroids uniform in Kent's box (population weights are drawn in :func:`_demand`)."""
    lat0, lat1, lon0, lon1 = KENT_BOX
    ids = [f"Z{i:04d}" for i in range(n)]
    return pd.DataFrame({
        "zone": ids,
        "name": [f"Zone {i}" for i in range(n)],
        "lat": np.round(rng.uniform(lat0, lat1, n), 6),
        "lon": np.round(rng.uniform(lon0, lon1, n), 6),
        "cluster": [f"C{i % 12:02d}" for i in range(n)],
        "area": np.where(rng.uniform(0, 1, n) < 0.5, "East Kent", "West Kent"),
        "min_local_share": np.full(n, np.nan),
    })


def _provisions(rng: np.random.Generator, zones: pd.DataFrame, n: int) -> pd.DataFrame:
    """Provisions near a random zone's centroid, with kind, designation, phases and cost."""
    kinds = list(KIND_SHARE)
    kind = rng.choice(kinds, size=n, p=list(KIND_SHARE.values()))
    home = rng.integers(0, len(zones), n)
    lat0, lat1, lon0, lon1 = KENT_BOX
    lat = np.clip(zones["lat"].to_numpy()[home] + rng.normal(0, 0.01, n), lat0, lat1)
    lon = np.clip(zones["lon"].to_numpy()[home] + rng.normal(0, 0.015, n), lon0, lon1)
    rows = []
    for i in range(n):
        k = str(kind[i])
        offer = PHASE_OFFERS[k][rng.integers(len(PHASE_OFFERS[k]))]
        lo, hi = KIND_PLACES[k]
        rows.append({
            "provision": f"P{i:04d}",
            "name": f"{k.title()} provision {i}",
            "kind": k,
            "zone": zones["zone"].iloc[home[i]],
            "lat": round(float(lat[i]), 6),
            "lon": round(float(lon[i]), 6),
            "phases": offer if isinstance(offer, str) else None,
            "min_age": None if isinstance(offer, str) else offer[0],
            "max_age": None if isinstance(offer, str) else offer[1],
            "needs": DESIGNATIONS[k][rng.integers(len(DESIGNATIONS[k]))],
            "capacity": float(rng.integers(lo, hi + 1)),
            "cost_per_place": _cost(rng, k),
        })
    return pd.DataFrame(rows)


def _cost(rng: np.random.Generator, kind: str) -> float:
    """Kent-like cost per place: exact for special schools, ±10% for the other kinds."""
    base = KIND_COST[kind]
    if kind == "special":
        return base
    return float(round(base * rng.uniform(0.9, 1.1)))


def _capacity(rng: np.random.Generator, provisions: pd.DataFrame,
              years: list[int]) -> pd.DataFrame:
    """Year-by-year expansions for ~10% of provisions and per-need caps for ~15%."""
    rows: list[dict[str, object]] = []
    n = len(provisions)
    grow = rng.uniform(0, 1, n) < 0.10
    cap_need = rng.uniform(0, 1, n) < 0.15
    for i, pid in enumerate(provisions["provision"]):
        base = float(provisions["capacity"].iloc[i])
        if grow[i]:
            step = float(rng.integers(4, 17))
            rows += [{"provision": pid, "year": y, "need": None, "places": base + step * j}
                     for j, y in enumerate(years) if j > 0]
        if cap_need[i]:
            need = str(provisions["needs"].iloc[i]).split(";")[0]
            share = rng.uniform(0.3, 0.7)
            rows += [{"provision": pid, "year": y, "need": need,
                      "places": float(math.floor(base * share))} for y in years]
    return pd.DataFrame(rows, columns=["provision", "year", "need", "places"])


def _places(provisions: pd.DataFrame) -> float:
    """Total places in the first year (the demand is scaled against it)."""
    return float(provisions["capacity"].sum())


def _demand(rng: np.random.Generator, zones: pd.DataFrame, places: float,
            years: list[int]) -> pd.DataFrame:
    """Poisson demand per zone × need × phase × year, with Kent's need and phase mix."""
    n_z = len(zones)
    weight = rng.lognormal(0.0, 0.5, n_z)
    weight /= weight.sum()
    need_share = np.array(list(NEED_MIX.values()))
    phase_share = np.array(list(PHASE_MIX.values()))
    growth = (1 + GROWTH) ** np.arange(len(years))
    mean = (PRESSURE * places * weight[:, None, None, None] * need_share[None, :, None, None]
            * phase_share[None, None, :, None] * growth[None, None, None, :])
    pupils = rng.poisson(mean).astype(float)
    zz, kk, hh, tt = np.meshgrid(np.arange(n_z), np.arange(need_share.size),
                                 np.arange(phase_share.size), np.arange(len(years)),
                                 indexing="ij")
    return pd.DataFrame({
        "zone": zones["zone"].to_numpy()[zz.ravel()],
        "need": np.array(list(NEED_MIX))[kk.ravel()],
        "phase": np.array(list(PHASE_MIX))[hh.ravel()],
        "year": np.array(years)[tt.ravel()],
        "pupils": pupils.ravel(),
    })


def count_arcs(instance: Instance) -> int:
    """Number of eligible arcs of ``instance`` (the model's arc columns)."""
    return len(eligible_arcs(ModelData.from_instance(instance)))


#: Provisions per zone in the sized instances (Kent: ~300 wards, ~150 specialist settings).
PROVISIONS_PER_ZONE = 0.5


def sizes_for_arcs(target: int, years: int = 5, seed: int = 0, tolerance: float = 0.05,
                   max_rounds: int = 6) -> Sizes:
    """Zones and provisions (ratio :data:`PROVISIONS_PER_ZONE`) whose instance has about
    ``target`` eligible arcs (within ``tolerance``, or the closest found in ``max_rounds``).

    Arcs grow about like zones × provisions, so each round rescales both by
    ``sqrt(target / arcs)``. Deterministic in its arguments.
    """
    n_z = max(2, round(math.sqrt(target / (years * PROVISIONS_PER_ZONE * 4.0))))
    best: Sizes | None = None
    tried: set[int] = set()
    for _ in range(max_rounds):
        n_p = max(1, round(n_z * PROVISIONS_PER_ZONE))
        arcs = count_arcs(make_instance(n_z, n_p, years, seed))
        found = Sizes(n_z, n_p, years, seed, arcs)
        tried.add(n_z)
        if best is None or abs(arcs - target) < abs(best.arcs - target):
            best = found
        if abs(arcs - target) <= tolerance * target:
            break
        n_z = max(2, round(n_z * math.sqrt(target / max(arcs, 1))))
        if n_z in tried:
            break
    assert best is not None
    return best
