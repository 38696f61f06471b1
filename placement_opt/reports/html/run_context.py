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

__all__ = ["KIND_NAMES", "Context", "as_floats", "demand_by", "placed_by", "places_by_need",
           "places_by_zone", "zone_names"]

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

    @classmethod
    def build(cls, result: Result, instance: Instance) -> Context:
        """Code the instance once (capacities and coordinates by the model's own rules)."""
        solved = result.status.has_solution and not result.kpis.empty
        return cls(result, instance, model_data_of(instance), solved, zone_names(instance))

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
        """A district's display name (its id when it has none)."""
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


def demand_by(data: ModelData, axis: str, year_index: int) -> np.ndarray:
    """Demand per zone (``axis="zone"``) or per need in one year."""
    codes, size = (data.d_zone, len(data.zones)) if axis == "zone" else (data.d_need, len(data.needs))
    sel = data.d_year == year_index
    return np.bincount(codes[sel], weights=data.d_pupils[sel], minlength=size)


def places_by_zone(data: ModelData, year_index: int, mask: np.ndarray) -> np.ndarray:
    """Places (total capacity) of the provisions in ``mask`` standing in each zone."""
    return np.bincount(data.prov_zone[mask], weights=data.cap_total[mask, year_index],
                       minlength=len(data.zones))


def places_by_need(data: ModelData, year_index: int, mask: np.ndarray) -> np.ndarray:
    """Places of the provisions in ``mask`` designated for each need (need caps applied)."""
    total = data.cap_total[mask, year_index][:, None]
    capped = np.fmin(np.broadcast_to(total, (int(mask.sum()), len(data.needs))),
                     data.cap_need[mask, :, year_index])
    return np.asarray((capped * data.designated[mask]).sum(axis=0), dtype=float)


def placed_by(result: Result, column: str, year: int, keys: Sequence[str]) -> np.ndarray:
    """Pupils placed in ``year`` grouped by ``column`` (zone or need), aligned with ``keys``."""
    alloc = result.allocations
    if alloc.empty:
        return np.zeros(len(keys))
    sums = alloc[alloc["year"] == year].groupby(column)["pupils"].sum()
    return np.array([float(sums.get(k, 0.0)) for k in keys])




def as_floats(values: Iterable[float]) -> tuple[float, ...]:
    """Plain floats (numpy scalars print differently)."""
    return tuple(float(v) for v in values)
