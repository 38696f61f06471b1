"""Demand growth levers: rates compounding yearly from the base year (``[demand]``)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from placement_opt.analysis.scenarios.schema import Demand

__all__ = ["grow_demand", "growth_factors", "scale_demand"]


def growth_factors(demand: pd.DataFrame, lever: Demand, base_year: int,
                   district_of: Mapping[str, str] | None = None) -> np.ndarray:
    """Per demand row, the product over the years s in (base_year, year] of
    (1 + growth)(1 + by need)(1 + by district)(1 + by phase)(1 + by year[s]); 1 up to the base
    year. ``growth_by_district`` is keyed by district (``district_of``: zone -> district) or by
    zone id; a zone's own entry wins."""
    years = demand["year"].astype("int64").to_numpy()
    steps = np.maximum(years - base_year, 0).astype(float)
    per_year = np.full(len(demand), 1.0 + lever.growth)
    per_year = per_year * (1.0 + demand["need"].map(lever.growth_by_need).fillna(0.0).to_numpy(float))
    by_zone = demand["zone"].map(lever.growth_by_district)
    if district_of:
        by_zone = by_zone.fillna(demand["zone"].map(district_of).map(lever.growth_by_district))
    per_year = per_year * (1.0 + by_zone.fillna(0.0).to_numpy(float))
    per_year = per_year * (1.0 + demand["phase"].map(lever.growth_by_phase).fillna(0.0)
                           .to_numpy(float))
    factor = np.power(per_year, steps)
    if lever.growth_by_year:
        top = int(max(years.max(initial=base_year), base_year))
        step = np.array([1.0 + lever.growth_by_year.get(y, 0.0) for y in range(base_year + 1, top + 1)])
        cum = np.concatenate([[1.0], np.cumprod(step)])
        factor = factor * cum[np.clip(years - base_year, 0, None)]
    return np.asarray(factor, dtype=np.float64)


def grow_demand(demand: pd.DataFrame, lever: Demand, base_year: int,
                district_of: Mapping[str, str] | None = None) -> pd.DataFrame:
    """A new demand table with the growth applied (``mode`` extra or replace)."""
    out = demand.copy()
    if out.empty:
        return out
    factor = growth_factors(out, lever, base_year, district_of)
    pupils = out["pupils"].to_numpy(float)
    if lever.mode == "replace":
        keys = [c for c in out.columns if c not in ("year", "pupils")]
        key = out[keys].astype(str).agg("\x1f".join, axis=1)
        at_base = out["year"].astype("int64").to_numpy() == base_year
        base_pupils = pd.Series(pupils[at_base], index=key[at_base].to_numpy())
        pupils = key.map(base_pupils).fillna(0.0).to_numpy(float)
    out["pupils"] = pupils * factor
    return out


def scale_demand(demand: pd.DataFrame, factors: dict[str, dict[int, float]]) -> pd.DataFrame:
    """A new demand table: each row's pupils times ``factors[need][year]`` (1 where absent)."""
    out = demand.copy()
    by_key = {(need, int(year)): f for need, years in factors.items() for year, f in years.items()}
    keys = zip(out["need"], out["year"].astype("int64"), strict=True)
    factor = np.array([by_key.get((k, int(t)), 1.0) for k, t in keys], dtype=float)
    out["pupils"] = out["pupils"].to_numpy(float) * factor
    return out
