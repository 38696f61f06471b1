"""Continuity (``models/planning.md``): how long a placement occupies its place.

With continuity off, a placement occupies its place in its own year only, and each year is
solved on its own. With continuity on, a pupil placed in year t is still there in year t + r
with weight ``max(0, 1 - r / L_h)``, ``L_h`` the number of years in the phase: year groups are
taken as equally filled, so one ``L_h``-th of a phase's pupils leave it each year. The pupils
of the ``existing`` table follow the same profile from the first year and are never moved.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from placement_opt.model.arcs import Arcs
from placement_opt.model.data import ModelData

__all__ = ["Occupancy", "existing_occupancy", "occupancy", "survival"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


def survival(data: ModelData, continuity: bool) -> FloatArray:
    """H × T: share of a year's placements still in place r years later."""
    n_t = len(data.years)
    r = np.arange(n_t, dtype=float)[None, :]
    if not continuity:
        return np.repeat((r == 0).astype(float), len(data.phases), axis=0)
    years = np.maximum(data.phase_years, 1.0)[:, None]
    return np.clip(1.0 - r / years, 0.0, 1.0)


@dataclass(frozen=True)
class Occupancy:
    """Entry i: column ``arc[i]`` occupies a place in year ``year[i]`` with ``weight[i]``."""

    arc: IntArray
    year: IntArray
    weight: FloatArray
    #: True when entry i is arc i in its own year (no continuity): ``per_entry`` then returns
    #: arc-indexed arrays as they are instead of copying them.
    identity: bool = False

    def per_entry(self, values: npt.NDArray[Any]) -> npt.NDArray[Any]:
        """``values`` (one per arc) for each entry: ``values[arc]``, without a copy when the
        entries are the arcs themselves."""
        return values if self.identity else values[self.arc]


def occupancy(data: ModelData, arcs: Arcs, continuity: bool) -> Occupancy:
    """Every (arc, later year) pair in which the arc's placements are still in place."""
    a_t = data.d_year[arcs.demand]
    a_h = data.d_phase[arcs.demand]
    n_t = len(data.years)
    n = len(arcs)
    if not continuity:
        return Occupancy(np.arange(n, dtype=np.int64), a_t.astype(np.int64), np.ones(n),
                         identity=True)
    counts = n_t - a_t
    arc = np.repeat(np.arange(n, dtype=np.int64), counts)
    lag = np.arange(arc.size, dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
    weight = survival(data, True)[a_h[arc], lag]
    keep = weight > 0
    return Occupancy(arc[keep], (a_t[arc] + lag)[keep].astype(np.int64), weight[keep])


def existing_occupancy(data: ModelData, continuity: bool) -> tuple[IntArray, IntArray, FloatArray]:
    """(existing row, year, pupils still in place) for every year of the horizon."""
    n_t, n_e = len(data.years), int(data.e_pupils.size)
    row = np.repeat(np.arange(n_e, dtype=np.int64), n_t)
    year = np.tile(np.arange(n_t, dtype=np.int64), n_e)
    pupils = data.e_pupils[row] * survival(data, continuity)[data.e_phase[row], year]
    keep = pupils > 0
    return row[keep], year[keep], pupils[keep]
