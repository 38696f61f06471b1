"""What every section of the run page reads: the result, the instance, their coded arrays and
the sums the charts and tables share."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from placement_opt.instance import Instance
from placement_opt.model.data import ModelData
from placement_opt.results.model_cache import model_data_of
from placement_opt.results.result import Result
from placement_opt.results.rounding import whole_or_exact

__all__ = ["KIND_NAMES", "Context", "as_floats", "demand_by", "district_names", "placed_by",
           "places_by_need", "places_by_zone", "zone_names"]

#: How each provision kind is named on the page.
KIND_NAMES = {"special": "special", "srp": "SRP", "independent": "independent",
              "mainstream": "mainstream", "ap": "alternative provision"}


@dataclass(frozen=True)
class Context:
    """The result, the instance and the coded arrays every section reads."""

    result: Result
    instance: Instance
    data: ModelData
    solved: bool
    zone_names: dict[str, str]
    district_names: dict[str, str]

    @classmethod
    def build(cls, result: Result, instance: Instance) -> Context:
        """Code the instance once (capacities and coordinates by the model's own rules)."""
        solved = result.status.has_solution and not result.kpis.empty
        data = model_data_of(instance)
        return cls(result, instance, data, solved, zone_names(instance),
                   district_names(instance, data))

    @property
    def years(self) -> tuple[int, ...]:
        """Years with demand, in order."""
        return self.data.years

    @property
    def horizon(self) -> str:
        """``2026–2030`` (or the single year)."""
        if not self.years:
            return "no years"
        first, last = self.years[0], self.years[-1]
        return str(first) if first == last else f"{first}–{last}"

    def zone_label(self, zone: str) -> str:
        """The display name of a district, or of the district of a zone id (tables report by
        district: ``models/allocation.md``, *Met locally*)."""
        return self.district_names.get(zone, zone)

    def area_label(self, zone: str) -> str:
        """A zone's own display name (its id when it has none), for map points."""
        return self.zone_names.get(zone, zone)

    def kpi(self, name: str) -> float:
        """A horizon KPI, NaN when the result has none."""
        try:
            return self.result.kpi(name)
        except KeyError:
            return math.nan


def zone_names(instance: Instance) -> dict[str, str]:
    """Zone id → display name."""
    zones = instance.zones
    names = zones["name"].where(zones["name"].notna(), zones["zone"])
    return dict(zip(zones["zone"].astype(str), names.astype(str), strict=True))


def district_names(instance: Instance, data: ModelData) -> dict[str, str]:
    """Zone id or district → the district's display name: a district that is one zone of the
    same id shows that zone's name, any other its own."""
    zones = zone_names(instance)
    own = {d: zones.get(d, d) for d in data.districts}
    home = np.asarray(data.districts, dtype=object)[data.zone_district]
    return {**own, **{str(z): own[str(d)] for z, d in zip(data.zones, home, strict=True)}}


def demand_by(data: ModelData, axis: str, year_index: int) -> np.ndarray:
    """Demand per zone (``axis="zone"``), per district (``"district"``) or per need in one year."""
    codes, size = {"zone": (data.d_zone, len(data.zones)),
                   "district": (data.zone_district[data.d_zone], len(data.districts))}.get(
        axis, (data.d_need, len(data.needs)))
    sel = data.d_year == year_index
    return np.bincount(codes[sel], weights=data.d_pupils[sel], minlength=size)


def places_by_zone(data: ModelData, year_index: int, mask: np.ndarray) -> np.ndarray:
    """Places (total capacity) of the provisions in ``mask`` standing in each district."""
    return np.bincount(data.prov_district[mask], weights=data.cap_total[mask, year_index],
                       minlength=len(data.districts))


def places_by_need(data: ModelData, year_index: int, mask: np.ndarray) -> np.ndarray:
    """Places of the provisions in ``mask`` designated for each need (need caps applied)."""
    total = data.cap_total[mask, year_index][:, None]
    capped = np.fmin(np.broadcast_to(total, (int(mask.sum()), len(data.needs))),
                     data.cap_need[mask, :, year_index])
    return np.asarray((capped * data.designated[mask]).sum(axis=0), dtype=float)


def placed_by(result: Result, column: str, year: int, keys: Sequence[str],
              zone_district: dict[str, str] | None = None) -> np.ndarray:
    """Pupils placed in ``year`` (whole) grouped by ``column`` (zone, provision or need), aligned with
    ``keys``; with ``zone_district`` (zone → district), ``column="zone"`` groups by district."""
    alloc = result.allocations
    if alloc.empty:
        return np.zeros(len(keys))
    rows = alloc[alloc["year"] == year]
    by = rows[column].map(zone_district) if zone_district is not None else rows[column]
    sums = whole_or_exact(rows, "pupils").groupby(by).sum()  # whole pupils (results/rounding.py)
    return np.array([float(sums.get(k, 0.0)) for k in keys])




def as_floats(values: Iterable[float]) -> tuple[float, ...]:
    """Plain floats (numpy scalars print differently)."""
    return tuple(float(v) for v in values)
