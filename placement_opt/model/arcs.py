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
    """Arcs where the need is designated, the phase is served, the provision's kind may serve
    the level of need (``models/continuum.md``), the journey is within the phase's limit, the
    provision has places that year, and a provision of a kind that serves its own district only
    (``own_district_kinds``) stands in the pupil's district (see ``models/allocation.md``).

    Vectorised per (need, phase, level) group: one boolean matrix of demand rows × candidate
    provisions per group, no Python loop over arcs.
    """
    n_h, n_l = len(data.phases), len(data.levels)
    group = (data.d_need * n_h + data.d_phase) * n_l + data.d_level
    d_parts: list[IntArray] = []
    p_parts: list[IntArray] = []
    for g in np.unique(group):
        kh, lv = divmod(int(g), n_l)
        k, h = divmod(kh, n_h)
        cand = np.flatnonzero(data.designated[:, k] & data.phase_ok[:, h]
                              & data.level_kinds[lv, data.kind])
        if cand.size == 0:
            continue
        rows = np.flatnonzero(group == g)
        zone = data.d_zone[rows]
        year = data.d_year[rows]
        ok = data.minutes[zone[:, None], cand[None, :]] <= data.limit[h]
        ok &= data.cap_total[cand[None, :], year[:, None]] > 0
        need_cap = data.cap_need[cand[None, :], k, year[:, None]]
        ok &= ~(need_cap <= 0)
        own = data.own_district_kind[data.kind[cand]]
        if own.any():
            ok &= ~own[None, :] | (data.prov_district[cand][None, :]
                                    == data.zone_district[zone][:, None])
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

