"""The eligible-arc table: one row per (demand row, provision) pair a pupil may be placed on."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from placement_opt.model.data import ModelData

__all__ = ["Arcs", "eligible_arcs"]

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Arcs:
    """Arc ``a`` links demand row ``demand[a]`` to provision ``provision[a]``.

    The other keys (zone, need, phase, year) are those of the demand row. Sorted by
    (demand row, provision), so the order is deterministic.
    """

    demand: IntArray
    provision: IntArray

    def __len__(self) -> int:
        return int(self.demand.size)


def eligible_arcs(data: ModelData) -> Arcs:
    """Arcs where the need is designated, the phase is served, the journey is within the
    phase's limit and the provision has places that year (see ``models/allocation.md``).

    Vectorised per (need, phase) group: one boolean matrix of demand rows × candidate
    provisions per group, no Python loop over arcs.
    """
    n_h = len(data.phases)
    group = data.d_need * n_h + data.d_phase
    d_parts: list[IntArray] = []
    p_parts: list[IntArray] = []
    for g in np.unique(group):
        k, h = divmod(int(g), n_h)
        cand = np.flatnonzero(data.designated[:, k] & data.phase_ok[:, h])
        if cand.size == 0:
            continue
        rows = np.flatnonzero(group == g)
        zone = data.d_zone[rows]
        year = data.d_year[rows]
        ok = data.minutes[zone[:, None], cand[None, :]] <= data.limit[h]
        ok &= data.cap_total[cand[None, :], year[:, None]] > 0
        need_cap = data.cap_need[cand[None, :], k, year[:, None]]
        ok &= ~(need_cap <= 0)
        r, c = np.nonzero(ok)
        d_parts.append(rows[r])
        p_parts.append(cand[c])
    if not d_parts:
        empty = np.zeros(0, dtype=np.int64)
        return Arcs(empty, empty.copy())
    d = np.concatenate(d_parts)
    p = np.concatenate(p_parts)
    order = np.lexsort((p, d))
    return Arcs(d[order].astype(np.int64), p[order].astype(np.int64))
