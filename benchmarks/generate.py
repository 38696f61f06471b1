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
from placement_opt.model.arcs import eligible_arcs
from placement_opt.model.data import ModelData
from placement_opt.schema.defaults import default_needs, default_phases

__all__ = [
    "FIRST_YEAR",
    "KENT_BOX",
    "NEED_MIX",
    "Sizes",
    "count_arcs",
    "make_instance",
    "make_tables",
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


def make_instance(n_zones: int, n_provisions: int, years: int, seed: int, *,
                  pure: bool = False) -> Instance:
    """A Kent-like instance with ``n_zones`` zones, ``n_provisions`` provisions and demand for
    ``years`` consecutive years from :data:`FIRST_YEAR`. Deterministic in ``seed``.

    Zone ``i`` and provision ``i`` are drawn from their own streams (``seed``, table, ``i``),
    so adding zones or provisions appends to the instance instead of reshuffling it.
    ``pure=True`` drops the per-need caps and the independent-sector cap, leaving a pure
    transportation problem with whole-number data (what the ``flow`` backend solves).
    """
    tables = make_tables(n_zones, n_provisions, years, seed, KENT_BOX)
    policy = dict(POLICY)
    if pure:
        capacity = tables["capacity"]
        tables["capacity"] = capacity[capacity["need"].isna()].reset_index(drop=True)
        del policy["max_independent_share"]
    kind = "pure" if pure else "kent-like"
    settings = {
        "instance": {"name": f"{kind}-z{n_zones}-p{n_provisions}-y{years}-s{seed}",
                     "description": "Synthetic Kent-like instance (benchmarks/generate.py)."},
        "policy": policy,
    }
    return Instance.from_tables(tables, settings, source=f"generate.py seed {seed}")


def make_tables(n_zones: int, n_provisions: int, years: int, seed: int,
                box: tuple[float, float, float, float],
                expected: bool = False) -> dict[str, pd.DataFrame]:
    """The tables of :func:`make_instance` (zones and provisions inside ``box``), unvalidated.

    ``expected=True`` gives each demand row its expected value (3 decimals, as a projection by
    small area would) instead of a Poisson draw.
    """
    if n_zones < 1 or n_provisions < 1 or years < 1:
        raise ValueError("n_zones, n_provisions and years must be >= 1")
    zones = pd.DataFrame([_zone(_stream(seed, 0, i), i, box) for i in range(n_zones)])
    drawn = [_provision(_stream(seed, 1, i), i, zones, box) for i in range(n_provisions)]
    provisions = pd.DataFrame([row for row, _ in drawn])
    year_list = [FIRST_YEAR + i for i in range(years)]
    capacity = pd.DataFrame(
        [cap for _, plan in drawn for cap in plan.rows(year_list)],
        columns=["provision", "year", "need", "places"],
    )
    demand = _demand(_stream(seed, 2, 0), zones, float(provisions["capacity"].sum()), year_list,
                     expected)
    return {
        "needs": default_needs(), "phases": default_phases(), "zones": zones,
        "provisions": provisions, "capacity": capacity, "demand": demand,
    }


def _stream(seed: int, table: int, index: int) -> np.random.Generator:
    """An independent random stream for row ``index`` of table number ``table``."""
    return np.random.default_rng([seed, table, index])


def _zone(rng: np.random.Generator, i: int,
          box: tuple[float, float, float, float]) -> dict[str, object]:
    """One zone: a centroid uniform in ``box`` (its population weight is drawn with the
    demand)."""
    lat0, lat1, lon0, lon1 = box
    return {
        "zone": f"Z{i:04d}",
        "name": f"Zone {i}",
        "lat": round(float(rng.uniform(lat0, lat1)), 6),
        "lon": round(float(rng.uniform(lon0, lon1)), 6),
        "cluster": f"C{i % 12:02d}",
        "area": "East Kent" if rng.uniform() < 0.5 else "West Kent",
        "min_local_share": None,
    }


@dataclass(frozen=True)
class _CapacityPlan:
    """Capacity-table rows of one provision: yearly growth and an optional per-need cap."""

    provision: str
    base: float
    step: float
    need: str | None
    need_places: float

    def rows(self, years: list[int]) -> list[dict[str, object]]:
        """Total places from the second year on (if growing) and the per-need cap rows."""
        out: list[dict[str, object]] = []
        if self.step > 0:
            out += [{"provision": self.provision, "year": y, "need": None,
                     "places": self.base + self.step * j}
                    for j, y in enumerate(years) if j > 0]
        if self.need is not None:
            out += [{"provision": self.provision, "year": y, "need": self.need,
                     "places": self.need_places} for y in years]
        return out


def _provision(rng: np.random.Generator, i: int, zones: pd.DataFrame,
               box: tuple[float, float, float, float]) -> tuple[dict[str, object], _CapacityPlan]:
    """One provision near a random zone's centroid, and its capacity-table plan: ~10% grow
    each year, ~15% cap their first designated need."""
    kind = str(rng.choice(list(KIND_SHARE), p=list(KIND_SHARE.values())))
    home = int(rng.integers(len(zones)))
    lat0, lat1, lon0, lon1 = box
    offer = PHASE_OFFERS[kind][int(rng.integers(len(PHASE_OFFERS[kind])))]
    needs = DESIGNATIONS[kind][int(rng.integers(len(DESIGNATIONS[kind])))]
    lo, hi = KIND_PLACES[kind]
    places = float(rng.integers(lo, hi + 1))
    row: dict[str, object] = {
        "provision": f"P{i:04d}",
        "name": f"{kind.title()} provision {i}",
        "kind": kind,
        "zone": zones["zone"].iloc[home],
        "lat": round(float(np.clip(zones["lat"].iloc[home] + rng.normal(0, 0.01), lat0, lat1)), 6),
        "lon": round(float(np.clip(zones["lon"].iloc[home] + rng.normal(0, 0.015), lon0, lon1)),
                     6),
        "phases": offer if isinstance(offer, str) else None,
        "min_age": None if isinstance(offer, str) else offer[0],
        "max_age": None if isinstance(offer, str) else offer[1],
        "needs": needs,
        "capacity": places,
        "cost_per_place": _cost(rng, kind),
    }
    step = float(rng.integers(4, 17)) if rng.uniform() < 0.10 else 0.0
    capped = rng.uniform() < 0.15
    share = rng.uniform(0.3, 0.7)
    plan = _CapacityPlan(str(row["provision"]), places, step,
                         needs.split(";")[0] if capped else None, float(math.floor(places * share)))
    return row, plan


def _cost(rng: np.random.Generator, kind: str) -> float:
    """Kent-like cost per place: exact for special schools, ±10% for the other kinds."""
    jitter = rng.uniform(0.9, 1.1)
    base = KIND_COST[kind]
    return base if kind == "special" else float(round(base * jitter))


def _demand(rng: np.random.Generator, zones: pd.DataFrame, places: float,
            years: list[int], expected: bool = False) -> pd.DataFrame:
    """Poisson demand (or, with ``expected``, its mean to 3 decimals) per zone × need × phase ×
    year, with Kent's need and phase mix, a log-normal population weight per zone and
    :data:`GROWTH` a year."""
    n_z = len(zones)
    weight = rng.lognormal(0.0, 0.5, n_z)
    weight /= weight.sum()
    need_share = np.array(list(NEED_MIX.values()))
    phase_share = np.array(list(PHASE_MIX.values()))
    growth = (1 + GROWTH) ** np.arange(len(years))
    mean = (PRESSURE * places * weight[:, None, None, None] * need_share[None, :, None, None]
            * phase_share[None, None, :, None] * growth[None, None, None, :])
    pupils = np.round(mean, 3) if expected else rng.poisson(mean).astype(float)
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


def sizes_for_arcs(target: int, years: int = 5, seed: int = 0, tolerance: float = 0.03,
                   max_rounds: int = 8) -> Sizes:
    """Zones and provisions whose instance has about ``target`` eligible arcs (within
    ``tolerance``, else the closest found in ``max_rounds`` instances). Deterministic.

    Arcs grow about like zones × provisions. The first rounds rescale both by
    ``sqrt(target / arcs)`` (keeping :data:`PROVISIONS_PER_ZONE`); then the zones are fixed
    and only provisions are rescaled by ``target / arcs`` (provisions are appended, so this
    converges smoothly).
    """
    n_z = max(2, round(math.sqrt(target / (years * PROVISIONS_PER_ZONE * 4.0))))
    n_p = max(1, round(n_z * PROVISIONS_PER_ZONE))
    best: Sizes | None = None
    seen: set[tuple[int, int]] = set()
    for round_ in range(max_rounds):
        if (n_z, n_p) in seen:
            break
        seen.add((n_z, n_p))
        found = Sizes(n_z, n_p, years, seed, count_arcs(make_instance(n_z, n_p, years, seed)))
        if best is None or abs(found.arcs - target) < abs(best.arcs - target):
            best = found
        if abs(found.arcs - target) <= tolerance * target:
            break
        ratio = target / max(found.arcs, 1)
        if round_ < 2:
            n_z = max(2, round(n_z * math.sqrt(ratio)))
            n_p = max(1, round(n_z * PROVISIONS_PER_ZONE))
        else:
            n_p = max(1, round(n_p * ratio))
    assert best is not None
    return best
