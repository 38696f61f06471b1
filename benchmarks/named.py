"""Named benchmark sizes (``kent``, ``region``, ``national``, ``fine_kent``): seeded multi-year
planning instances built on :mod:`generate`.

``make_named(name, seed)`` draws the zones, provisions, capacity and demand of
:func:`generate.make_tables` inside the size's box, then adds what a multi-year plan has:
continuity (placed pupils keep their place until they leave the phase), an existing cohort,
candidate SRP sites, modular expansions of special schools and a capital budget per year. The
result is a MIP (openings and increments are whole numbers). Same name and seed, same
:meth:`~placement_opt.Instance.fingerprint`.

What is real and what is illustrative:

* the mix of needs and phases, the costs per place by kind and the journey-time limits (45 min
  primary, 75 min secondary and post-16) follow :mod:`generate` and ``shared/DESIGN.md``;
* ``national`` scales Kent's provisions by 31, the ratio of EHC plans in England to Kent in
  January 2025 (638,745 / 20,635, DfE SEN2 2025 via ``shared/data/kent/ehcp_by_need.csv`` and
  ``kent_figures.csv``), over 300 zones of about district size. Zones are uniform in a box
  around England (lat 50.0–55.8, lon −5.7–1.75), so some fall in Wales or the sea: the
  geography is **illustrative**, not England's;
* ``region`` is ten times ``kent`` (zones, provisions, candidates, capital) in a box over South
  East England, about 9× the area of Kent's box (illustrative);
* ``fine_kent`` keeps Kent's provisions and splits the county into small-area zones, enough
  for about a million eligible arcs;
* candidate SRPs (14–30 places, £150,000 to open, £40,000 capital a place), expansions (8
  places an increment at £60,000 a place, at most 2, one year to build), the existing cohort
  (40% of each provision's places) and the capital budget (Kent: £5m a year, about KCC's
  £20m SRP capital allocation of December 2025 spread over four years, ``kent_figures.csv``;
  scaled with the provisions elsewhere) are **illustrative assumptions**, not sourced costs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from generate import DESIGNATIONS, FIRST_YEAR, KENT_BOX, KIND_COST, POLICY, make_tables

from placement_opt import Instance

__all__ = ["ENGLAND_BOX", "NAMED", "NAMED_POLICY", "SOUTH_EAST_BOX", "Scale", "make_named"]

#: South East England (illustrative, about 9× Kent's box): (lat_min, lat_max, lon_min, lon_max).
SOUTH_EAST_BOX: tuple[float, float, float, float] = (50.7, 52.3, -1.9, 1.8)
#: A box around England (it also holds Wales and some sea).
ENGLAND_BOX: tuple[float, float, float, float] = (50.0, 55.8, -5.7, 1.75)
#: England's EHC plans over Kent's, January 2025 (638,745 / 20,635 = 31.0).
ENGLAND_OVER_KENT = 31

#: Policy of the named sizes: guidance journey limits, continuity on.
NAMED_POLICY: dict[str, object] = {
    **POLICY,
    "max_journey_min": {"primary": 45.0, "secondary": 75.0, "post16": 75.0},
    "continuity": True,
}

#: Illustrative planning parameters (see the module docstring).
SRP_MIN_PLACES, SRP_MAX_PLACES = 14.0, 30.0
SRP_OPENING_COST = 150_000.0
SRP_CAPITAL_PER_PLACE = 40_000.0
EXPANSION_SHARE = 0.4
EXPANSION_INCREMENT = 8.0
EXPANSION_COST_PER_PLACE = 60_000.0
EXISTING_SHARE = 0.4


@dataclass(frozen=True)
class Scale:
    """One named size."""

    name: str
    what: str
    n_zones: int
    n_provisions: int
    years: int
    box: tuple[float, float, float, float]
    n_candidates: int
    capital_per_year: float
    expected_demand: bool = False


KENT_PROVISIONS = 96
KENT_CAPITAL = 5_000_000.0

NAMED: dict[str, Scale] = {
    "kent": Scale("kent", "Kent-like county, 12 district zones", 12, KENT_PROVISIONS, 6,
                  KENT_BOX, 6, KENT_CAPITAL),
    "region": Scale("region", "10× Kent: 120 zones over South East England (illustrative)", 120,
                    10 * KENT_PROVISIONS, 6, SOUTH_EAST_BOX, 60, 10 * KENT_CAPITAL),
    "national": Scale("national", "England-scale: 300 district-size zones, 31× Kent's provisions "
                      "(illustrative geography)", 300, ENGLAND_OVER_KENT * KENT_PROVISIONS, 6,
                      ENGLAND_BOX, ENGLAND_OVER_KENT * 6, ENGLAND_OVER_KENT * KENT_CAPITAL),
    "fine_kent": Scale("fine_kent", "Kent in 1,250 small-area zones (~1M eligible arcs)", 1250,
                       KENT_PROVISIONS, 6, KENT_BOX, 6, KENT_CAPITAL, expected_demand=True),
}


def make_named(name: str, seed: int = 0) -> Instance:
    """The named size ``name`` (a key of :data:`NAMED`), deterministic in ``seed``."""
    if name not in NAMED:
        raise ValueError(f"unknown size {name!r}; choose one of: {', '.join(NAMED)}")
    scale = NAMED[name]
    tables = make_tables(scale.n_zones, scale.n_provisions, scale.years, seed, scale.box,
                         scale.expected_demand)
    years = [FIRST_YEAR + i for i in range(scale.years)]
    existing = _existing(tables["provisions"], tables["capacity"])
    expansions = _expansions(np.random.default_rng([seed, 4, 0]), tables["provisions"])
    candidates = pd.DataFrame([_candidate(np.random.default_rng([seed, 3, i]), i, tables["zones"],
                                          scale.box) for i in range(scale.n_candidates)])
    provisions = pd.concat([tables["provisions"].assign(candidate=False), candidates],
                           ignore_index=True)
    tables.update(
        provisions=provisions, existing=existing, expansions=expansions,
        budgets=pd.DataFrame({"year": years, "capital": scale.capital_per_year}),
    )
    settings = {
        "instance": {"name": f"{name}-s{seed}",
                     "description": f"{scale.what} (benchmarks/named.py, seed {seed})."},
        "policy": NAMED_POLICY,
    }
    return Instance.from_tables(tables, settings, source=f"named.py {name} seed {seed}")


def _candidate(rng: np.random.Generator, i: int, zones: pd.DataFrame,
               box: tuple[float, float, float, float]) -> dict[str, object]:
    """A candidate SRP site near a random zone: one phase, a typical SRP designation."""
    home = int(rng.integers(len(zones)))
    lat0, lat1, lon0, lon1 = box
    srp = DESIGNATIONS["srp"]
    return {
        "provision": f"C{i:04d}", "name": f"Candidate SRP {i}", "kind": "srp",
        "zone": zones["zone"].iloc[home],
        "lat": round(float(np.clip(zones["lat"].iloc[home] + rng.normal(0, 0.01), lat0, lat1)), 6),
        "lon": round(float(np.clip(zones["lon"].iloc[home] + rng.normal(0, 0.015), lon0, lon1)), 6),
        "phases": "primary" if rng.uniform() < 0.5 else "secondary",
        "needs": srp[int(rng.integers(len(srp)))],
        "capacity": SRP_MAX_PLACES, "cost_per_place": float(round(KIND_COST["srp"]
                                                                  * rng.uniform(0.9, 1.1))),
        "candidate": True, "opening_cost": SRP_OPENING_COST,
        "capital_per_place": SRP_CAPITAL_PER_PLACE, "min_places": SRP_MIN_PLACES,
        "earliest_year": FIRST_YEAR + 1,
    }


def _expansions(rng: np.random.Generator, provisions: pd.DataFrame) -> pd.DataFrame:
    """An expansion option for :data:`EXPANSION_SHARE` of the special schools."""
    special = provisions.loc[provisions["kind"] == "special", "provision"].to_numpy()
    chosen = special[rng.uniform(size=special.size) < EXPANSION_SHARE]
    return pd.DataFrame({
        "provision": chosen, "increment": EXPANSION_INCREMENT,
        "capital_cost": EXPANSION_INCREMENT * EXPANSION_COST_PER_PLACE, "max_increments": 2,
        "earliest_year": FIRST_YEAR, "lead_time": 1,
    })


def _first_phase(row: pd.Series) -> str:
    """The youngest phase a provision serves (from its phase list or its age range)."""
    if isinstance(row["phases"], str):
        return row["phases"].split(";")[0]
    return "primary" if row["min_age"] < 11 else ("secondary" if row["min_age"] < 16 else "post16")


def _existing(provisions: pd.DataFrame, capacity: pd.DataFrame) -> pd.DataFrame:
    """An existing cohort: :data:`EXISTING_SHARE` of each provision's first-year places (of its
    per-need cap where it has one), in its first designated need and youngest phase, living in
    its zone."""
    first_year = capacity[capacity["year"] == FIRST_YEAR]
    caps = first_year.dropna(subset=["need"]).set_index("provision")["places"]
    places = provisions.set_index("provision")["capacity"].astype(float)
    limit = np.minimum(places, caps.reindex(places.index).fillna(np.inf))
    pupils = [float(math.floor(EXISTING_SHARE * v)) for v in limit]
    return pd.DataFrame({
        "provision": provisions["provision"], "zone": provisions["zone"],
        "need": provisions["needs"].str.split(";").str[0],
        "phase": provisions.apply(_first_phase, axis=1), "pupils": pupils,
    })
