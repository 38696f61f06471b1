"""The one definition of *met locally* (``models/allocation.md``, *Met locally*).

A pupil is met locally when the provision stands in the pupil's own district (the district of
the pupil's home zone), whatever its kind: an independent school in the pupil's district
counts, one in another district or out of county never does. Every rule and report that says
"local" asks this module.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from placement_opt.model.data import ModelData

__all__ = ["district_demand", "district_keys", "district_share", "is_local", "zone_to_district"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def is_local(data: ModelData, zone_idx: IntArray, prov_idx: IntArray) -> BoolArray:
    """Element-wise: does provision ``prov_idx`` stand in the district of home zone ``zone_idx``?"""
    return np.asarray(data.prov_district[prov_idx] == data.zone_district[zone_idx],
                      dtype=np.bool_)


def district_share(data: ModelData) -> FloatArray:
    """G: each district's minimum local share (its zones share one; validation checks it)."""
    out = np.zeros(len(data.districts))
    codes, first = np.unique(data.zone_district, return_index=True)
    out[codes] = data.local_share[first]
    return out


def district_demand(data: ModelData) -> FloatArray:
    """G × T pupils of the demand table living in each district."""
    out = np.zeros((len(data.districts), len(data.years)))
    np.add.at(out, (data.zone_district[data.d_zone], data.d_year), data.d_pupils)
    return out


def district_keys(data: ModelData, g: IntArray, t: IntArray) -> dict[str, IntArray]:
    """Row keys of a per district-year rule: district, year and, where the district is a
    single zone, that zone (-1 otherwise), so a zone-level instance reads as before."""
    n_zones = np.bincount(data.zone_district, minlength=len(data.districts))
    only = np.full(len(data.districts), -1, dtype=np.int64)
    single = n_zones[data.zone_district] == 1
    only[data.zone_district[single]] = np.flatnonzero(single)
    return {"district": np.asarray(g, dtype=np.int64), "zone": only[g],
            "year": np.asarray(t, dtype=np.int64)}


def zone_to_district(data: ModelData) -> dict[str, str]:
    """Zone id → district name, for grouping tables keyed by zone."""
    names = np.asarray(data.districts, dtype=object)[data.zone_district]
    return dict(zip(data.zones, names.tolist(), strict=True))
