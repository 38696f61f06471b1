"""The instance as integer-coded numpy arrays: the one place where ids become indices."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from placement_opt.instance import Instance
from placement_opt.model.geo import journey_from_coordinates
from placement_opt.model.tariff_grid import TariffGrid
from placement_opt.schema.continuum import Continuum
from placement_opt.schema.tables import KINDS, LIST_SEPARATOR
from placement_opt.schema.validation_zones import zone_districts

__all__ = ["ModelData"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class ModelData:
    """Dense, coded arrays derived from an Instance (read-only by convention).

    Axes: Z zones, G districts, K needs, H phases, P provisions, T years. Demand rows with
    pupils > 0 only. A zone's district (``models/allocation.md``, *Met locally*) is the zones
    table's ``district`` (blank: the zone itself); districts are numbered in order of first
    appearance.
    """

    zones: tuple[str, ...]
    needs: tuple[str, ...]
    phases: tuple[str, ...]
    provisions: tuple[str, ...]
    years: tuple[int, ...]
    kind: IntArray  # P, index into KINDS
    prov_zone: IntArray  # P
    cost: FloatArray  # P
    designated: BoolArray  # P × K
    phase_ok: BoolArray  # P × H
    minutes: FloatArray  # Z × P
    km: FloatArray  # Z × P
    cap_total: FloatArray  # P × T
    cap_need: FloatArray  # P × K × T, NaN where no per-need cap
    limit: FloatArray  # H, max journey minutes
    local_share: FloatArray  # Z (one value per district: schema/validation_zones.py)
    candidate: BoolArray  # P, sites the model may open
    opening_cost: FloatArray  # P
    capital_per_place: FloatArray  # P
    min_places: FloatArray  # P
    first_open: IntArray  # P, index of the first year a candidate may open
    exp_prov: IntArray  # E expansion options: provision
    exp_increment: FloatArray  # E, places per increment
    exp_cost: FloatArray  # E, capital per increment
    exp_max: FloatArray  # E, most increments
    exp_lead: IntArray  # E, years from start to use
    exp_first: IntArray  # E, index of the first year its places can be in use
    phase_years: FloatArray  # H, years in each phase (max_age - min_age)
    e_prov: IntArray  # existing cohort rows: provision, zone, need, phase, pupils
    e_zone: IntArray
    e_need: IntArray
    e_phase: IntArray
    e_pupils: FloatArray
    revenue_budget: FloatArray  # T, NaN where none
    capital_budget: FloatArray  # T, NaN where none
    d_zone: IntArray
    d_need: IntArray
    d_phase: IntArray
    d_year: IntArray
    d_pupils: FloatArray
    levels: tuple[str, ...]  # L levels of need in continuum order (models/continuum.md)
    level_kinds: BoolArray  # L × len(KINDS): may the kind serve the level
    d_level: IntArray
    e_level: IntArray
    tariff: TariffGrid  # tariff line by level × kind × need × year
    own_district_kind: BoolArray  # len(KINDS): kinds that serve their own district only
    districts: tuple[str, ...]  # G
    zone_district: IntArray  # Z, index into districts
    prov_district: IntArray  # P, the district of the provision's zone

    def place_cost(self, p: IntArray, k: IntArray, lv: IntArray, t: IntArray) -> FloatArray:
        """GBP per pupil-year placing need ``k`` at level ``lv`` in provision ``p`` in year
        ``t`` (element-wise): the tariff line in effect, else the provision's cost_per_place."""
        return self.tariff.price(self.tariff.lines(lv, self.kind[p], k, t), self.cost[p])

    @classmethod
    def from_instance(cls, inst: Instance) -> ModelData:
        """Code every id and lay the instance out as arrays."""
        zones = tuple(inst.zones["zone"])
        needs = tuple(inst.needs["need"])
        phases = tuple(inst.phases["phase"])
        prov = inst.provisions
        provisions = tuple(prov["provision"])
        years = tuple(inst.years)
        zi = {z: i for i, z in enumerate(zones)}
        ki = {k: i for i, k in enumerate(needs)}
        hi = {h: i for i, h in enumerate(phases)}
        pi = {p: i for i, p in enumerate(provisions)}
        ti = {t: i for i, t in enumerate(years)}
        n_p, n_k, n_t = len(provisions), len(needs), len(years)

        designated = np.zeros((n_p, n_k), dtype=bool)
        for p, cell in enumerate(prov["needs"]):
            designated[p, [ki[k] for k in str(cell).split(LIST_SEPARATOR)]] = True
        # A redesignation option may bring in needs: their arcs exist, and are allowed only
        # once it takes effect (models/changes.md).
        redesign = inst.changes[inst.changes["action"] == "redesignate"]
        for pid, cell in zip(redesign["provision"], redesign["needs"], strict=True):
            designated[pi[pid], [ki[k] for k in str(cell).split(LIST_SEPARATOR)]] = True
        phase_ok = _phase_compatibility(prov, inst.phases, hi)

        zone_lat = inst.zones["lat"].to_numpy(float)
        zone_lon = inst.zones["lon"].to_numpy(float)
        prov_zone = _codes(prov["zone"], zi)
        lat = np.where(prov["lat"].isna(), zone_lat[prov_zone], prov["lat"].to_numpy(float))
        lon = np.where(prov["lon"].isna(), zone_lon[prov_zone], prov["lon"].to_numpy(float))
        pol = inst.policy
        minutes, km = journey_from_coordinates(zone_lat, zone_lon, lat, lon, pol.road_factor,
                                               pol.speed_kmh)
        if len(inst.journeys):
            jz = inst.journeys["zone"].map(zi).to_numpy(np.int64)
            jp = inst.journeys["provision"].map(pi).to_numpy(np.int64)
            minutes[jz, jp] = inst.journeys["minutes"].to_numpy(float)
            km[jz, jp] = inst.journeys["km"].to_numpy(float)

        default = prov["capacity"].to_numpy(float)
        cap_total = np.repeat(default[:, None], n_t, axis=1)
        cap_need = np.full((n_p, n_k, n_t), np.nan)
        cap = inst.capacity[inst.capacity["year"].isin(years)]
        cp = cap["provision"].map(pi).to_numpy(np.int64)
        ct = cap["year"].map(ti).to_numpy(np.int64)
        is_total = cap["need"].isna().to_numpy()
        cap_total[cp[is_total], ct[is_total]] = cap["places"].to_numpy(float)[is_total]
        ck = cap["need"][~is_total].map(ki).to_numpy(np.int64)
        cap_need[cp[~is_total], ck, ct[~is_total]] = cap["places"].to_numpy(float)[~is_total]

        share = inst.zones["min_local_share"].to_numpy(float)
        local_share = np.where(np.isnan(share), pol.min_local_share, share)
        limit = np.array([pol.journey_limit(h) for h in phases], dtype=float)

        dem = inst.demand[inst.demand["pupils"] > 0]
        earliest = prov["earliest_year"].astype("float").to_numpy()
        first_open = np.searchsorted(np.asarray(years, dtype=float),
                                     np.where(np.isnan(earliest), -np.inf, earliest))
        exp = inst.expansions
        exp_lead = exp["lead_time"].fillna(0).astype("int64").to_numpy()
        exp_start = np.searchsorted(np.asarray(years, dtype=float), np.where(
            exp["earliest_year"].isna(), -np.inf, exp["earliest_year"].astype("float")))
        revenue = np.full(n_t, np.nan)
        capital = np.full(n_t, np.nan)
        for year, rev, cap_ in zip(inst.budgets["year"], inst.budgets["revenue"].astype(float),
                                   inst.budgets["capital"].astype(float), strict=True):
            if int(year) in ti:
                revenue[ti[int(year)]] = rev
                capital[ti[int(year)]] = cap_
        ex = inst.existing
        district_of = zone_districts(inst.zones)
        districts = tuple(str(d) for d in pd.unique(district_of))
        zone_district = _codes(district_of, {d: i for i, d in enumerate(districts)})
        continuum = Continuum.from_table(inst.levels)
        return cls(
            levels=continuum.levels, level_kinds=continuum.kinds_ok,
            d_level=continuum.codes(dem["level"]), e_level=continuum.codes(ex["level"]),
            tariff=TariffGrid.from_table(inst.tariffs, continuum, needs, years),
            own_district_kind=np.isin(np.asarray(KINDS), list(pol.own_district_kinds)),
            phase_years=np.asarray(inst.phases["max_age"].astype(float)
                                   - inst.phases["min_age"].astype(float), dtype=np.float64),
            e_prov=_codes(ex["provision"], pi), e_zone=_codes(ex["zone"], zi),
            e_need=_codes(ex["need"], ki), e_phase=_codes(ex["phase"], hi),
            e_pupils=ex["pupils"].to_numpy(np.float64),
            exp_prov=_codes(exp["provision"], pi),
            exp_increment=exp["increment"].to_numpy(float),
            exp_cost=exp["capital_cost"].to_numpy(float),
            exp_max=np.asarray(exp["max_increments"].fillna(1).astype("float"), dtype=np.float64),
            exp_lead=np.asarray(exp_lead, dtype=np.int64),
            exp_first=np.asarray(exp_start + exp_lead, dtype=np.int64),
            revenue_budget=revenue, capital_budget=capital,
            districts=districts, zone_district=zone_district,
            prov_district=np.asarray(zone_district[prov_zone], dtype=np.int64),
            zones=zones, needs=needs, phases=phases, provisions=provisions, years=years,
            kind=_codes(prov["kind"], {k: i for i, k in enumerate(KINDS)}),
            prov_zone=prov_zone, cost=prov["cost_per_place"].to_numpy(float),
            designated=designated, phase_ok=phase_ok, minutes=minutes, km=km,
            cap_total=cap_total, cap_need=cap_need, limit=limit, local_share=local_share,
            candidate=prov["candidate"].fillna(False).to_numpy(dtype=bool),
            opening_cost=prov["opening_cost"].fillna(0.0).to_numpy(float),
            capital_per_place=prov["capital_per_place"].fillna(0.0).to_numpy(float),
            min_places=prov["min_places"].fillna(0.0).to_numpy(float),
            first_open=np.asarray(first_open, dtype=np.int64),
            d_zone=_codes(dem["zone"], zi),
            d_need=_codes(dem["need"], ki),
            d_phase=_codes(dem["phase"], hi),
            d_year=_codes(dem["year"], ti),
            d_pupils=dem["pupils"].to_numpy(float),
        )


def _codes(values: pd.Series, index: Mapping[Any, int]) -> IntArray:
    """Integer codes of ``values`` under ``index``."""
    return np.asarray(values.map(index).to_numpy(), dtype=np.int64)


def _phase_compatibility(prov: pd.DataFrame, phases: pd.DataFrame,
                         hi: dict[str, int]) -> BoolArray:
    """P × H: listed phases, or an age range [min_age, max_age) overlapping the phase's range."""
    out = np.zeros((len(prov), len(phases)), dtype=bool)
    lo = phases["min_age"].to_numpy(float)
    hi_age = phases["max_age"].to_numpy(float)
    for p, (cell, a, b) in enumerate(zip(prov["phases"], prov["min_age"], prov["max_age"],
                                         strict=True)):
        if isinstance(cell, str):
            out[p, [hi[h] for h in cell.split(LIST_SEPARATOR)]] = True
        else:
            out[p] = (float(a) < hi_age) & (lo < float(b))
    return out
