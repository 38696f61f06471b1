"""The core rows of the allocation model (formulation: ``models/allocation.md``, with the
continuity of ``models/planning.md`` and the candidates of ``models/openings.md``): demand,
capacity, per-need capacity, local share, independent cap and the candidate rows."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from placement_opt.model.arcs import Arcs
from placement_opt.model.changes import ChangePlan, capacity_entries
from placement_opt.model.columns import ColumnLayout, Role
from placement_opt.model.data import ModelData
from placement_opt.model.locality import district_demand, district_keys, district_share, is_local
from placement_opt.model.occupancy import Occupancy, existing_occupancy
from placement_opt.model.rows import RowAccumulator, group_keys
from placement_opt.schema.settings import Policy
from placement_opt.schema.tables import KINDS

__all__ = ["Held", "add_candidate_rows", "add_core_rows", "held_places"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
#: A bound within this of a whole number is that number (size bounds, models/openings.md).
_WHOLE = 1e-9


@dataclass(frozen=True)
class Held:
    """Who holds a place when: the keys of each arc (``a_*``), of each occupancy entry
    (``o_*``) and of each year of the existing cohort (``e_*``, with ``e_n`` pupils still in
    place)."""

    occ: Occupancy
    a_t: IntArray
    a_z: IntArray
    a_k: IntArray
    a_h: IntArray
    o_p: IntArray
    o_z: IntArray
    o_k: IntArray
    o_h: IntArray
    o_l: IntArray
    e_p: IntArray
    e_z: IntArray
    e_k: IntArray
    e_h: IntArray
    e_l: IntArray
    e_t: IntArray
    e_n: FloatArray

    def existing_at(self, data: ModelData) -> FloatArray:
        """P × T places the existing cohort holds."""
        out = np.zeros((len(data.provisions), len(data.years)))
        np.add.at(out, (self.e_p, self.e_t), self.e_n)
        return out


def held_places(data: ModelData, arcs: Arcs, occ: Occupancy, continuity: bool) -> Held:
    """The :class:`Held` of ``occ`` and of the existing cohort."""
    a_d = arcs.demand
    a_z, a_k, a_h = data.d_zone[a_d], data.d_need[a_d], data.d_phase[a_d]
    e_row, e_t, e_n = existing_occupancy(data, continuity)
    return Held(occ, data.d_year[a_d], a_z, a_k, a_h, occ.per_entry(arcs.provision),
                occ.per_entry(a_z), occ.per_entry(a_k), occ.per_entry(a_h),
                occ.per_entry(data.d_level[a_d]), data.e_prov[e_row], data.e_zone[e_row],
                data.e_need[e_row], data.e_phase[e_row], data.e_level[e_row], e_t, e_n)


def add_core_rows(rows: RowAccumulator, data: ModelData, pol: Policy, held: Held,
                  columns: ColumnLayout, changes: ChangePlan | None) -> None:
    """Row blocks (1) ``demand``, (2) ``capacity``, (3) ``need_capacity``, (4) ``local_share``
    and (5) ``independent_cap`` (arc columns are the first ones, numbered by occupancy)."""
    occ = held.occ
    o_arc, o_t, o_w = occ.arc, occ.year, occ.weight
    n_d, n_t, n_k = int(data.d_pupils.size), len(data.years), len(data.needs)
    # (1) demand: pupils in place in the year (placed then or still there from earlier
    # years, and the existing cohort) + unmet (- surplus, with continuity) = D.
    d_idx = np.arange(n_d, dtype=np.int64)
    drow = np.full((len(data.zones), n_k, len(data.phases), len(data.levels), n_t), -1,
                   dtype=np.int64)
    drow[data.d_zone, data.d_need, data.d_phase, data.d_level, data.d_year] = d_idx
    o_row = drow[held.o_z, held.o_k, held.o_h, held.o_l, o_t]
    on = np.flatnonzero(o_row >= 0)
    e_in = np.zeros(n_d)
    e_rows = drow[held.e_z, held.e_k, held.e_h, held.e_l, held.e_t]
    np.add.at(e_in, e_rows[e_rows >= 0], held.e_n[e_rows >= 0])
    rhs = data.d_pupils - e_in
    n_sur = columns.size(Role.SURPLUS)
    rows.add(
        "demand",
        {"zone": data.d_zone, "need": data.d_need, "phase": data.d_phase, "level": data.d_level,
         "year": data.d_year},
        np.concatenate([o_row[on], d_idx, d_idx[:n_sur]]),
        np.concatenate([o_arc[on], columns.index(Role.UNMET), columns.index(Role.SURPLUS)]),
        np.concatenate([o_w[on], np.ones(n_d), -np.ones(n_sur)]), rhs, rhs.copy(),
    )
    _add_capacity_rows(rows, data, held, columns, changes)
    # (3) per-need capacity where the instance gives one.
    o_p, o_k = held.o_p, held.o_k
    e_p, e_k, e_t, e_n = held.e_p, held.e_k, held.e_t, held.e_n
    capped = ~np.isnan(data.cap_need[o_p, o_k, o_t])
    sel = np.flatnonzero(capped)
    keys, inv = group_keys((o_p[sel] * n_k + o_k[sel]) * n_t + o_t[sel])
    p3, rest = np.divmod(keys, n_k * n_t)
    k3, t3 = np.divmod(rest, n_t)
    e_need_at = np.zeros((len(data.provisions), n_k, n_t))
    np.add.at(e_need_at, (e_p, e_k, e_t), e_n)
    rows.add(
        "need_capacity", {"provision": p3, "need": k3, "year": t3},
        inv, o_arc[sel], o_w[sel], np.full(keys.size, -np.inf),
        data.cap_need[p3, k3, t3] - e_need_at[p3, k3, t3],
    )
    # (4) minimum local share per district-year (models/allocation.md, *Met locally*).
    _add_local_share_rows(rows, data, held)
    # (5) cap on independent placements per year.
    cap_ind = _independent_cap(data, pol.max_independent_pupils, pol.max_independent_share)
    if cap_ind is not None:
        ind = np.flatnonzero(data.kind[o_p] == KINDS.index("independent"))
        e_ind = np.bincount(e_t[data.kind[e_p] == KINDS.index("independent")],
                            weights=e_n[data.kind[e_p] == KINDS.index("independent")],
                            minlength=n_t)
        rows.add(
            "independent_cap", {"year": np.arange(n_t, dtype=np.int64)},
            o_t[ind], o_arc[ind], o_w[ind], np.full(n_t, -np.inf), cap_ind - e_ind,
        )


def _add_local_share_rows(rows: RowAccumulator, data: ModelData, held: Held) -> None:
    """(4) for districts with a positive share s_g, per year: pupils of the district's zones
    in place in it >= s_g * the district's demand (existing pupils in it on the right)."""
    share = district_share(data)
    districts = np.flatnonzero(share > 0)
    if districts.size == 0:
        return
    n_g, n_t = len(data.districts), len(data.years)
    gg = np.repeat(districts, n_t).astype(np.int64)
    tt = np.tile(np.arange(n_t, dtype=np.int64), districts.size)
    row_of = np.full((n_g, n_t), -1, dtype=np.int64)
    row_of[gg, tt] = np.arange(gg.size)
    o_g, o_t = data.zone_district[held.o_z], held.occ.year
    local = np.flatnonzero(is_local(data, held.o_z, held.o_p) & (row_of[o_g, o_t] >= 0))
    e_local = np.zeros((n_g, n_t))
    mine = is_local(data, held.e_z, held.e_p)
    np.add.at(e_local, (data.zone_district[held.e_z[mine]], held.e_t[mine]), held.e_n[mine])
    rows.add(
        "local_share", district_keys(data, gg, tt),
        row_of[o_g[local], o_t[local]], held.occ.arc[local], held.occ.weight[local],
        share[gg] * district_demand(data)[gg, tt] - e_local[gg, tt], np.full(gg.size, np.inf),
    )


def _add_capacity_rows(rows: RowAccumulator, data: ModelData, held: Held, columns: ColumnLayout,
                       changes: ChangePlan | None) -> None:
    """(2) shared capacity per provision-year that has arcs; a candidate's places exist only
    in the years it is open: sum x - Cap * y <= 0; increments in use add places:
    sum x - increment * sum_{t' <= t} w[t'] <= Cap (models/planning.md); reductions in effect
    take places off (models/changes.md)."""
    occ, n_t = held.occ, len(data.years)
    n_p = len(data.provisions)
    keys, inv = group_keys(held.o_p * n_t + occ.year)
    kp, kt = keys // n_t, keys % n_t
    cap = data.cap_total[kp, kt] - held.existing_at(data)[kp, kt]
    cand = np.flatnonzero(data.candidate)
    slot = np.full(n_p, -1, dtype=np.int64)
    slot[cand] = np.arange(cand.size)
    is_c = np.flatnonzero(data.candidate[kp])
    option = np.full(n_p, -1, dtype=np.int64)
    option[data.exp_prov] = np.arange(data.exp_prov.size)
    with_opt = np.flatnonzero(option[kp] >= 0)
    counts = kt[with_opt] + 1
    exp_rows = np.repeat(with_opt, counts)
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    exp_t = np.arange(exp_rows.size, dtype=np.int64) - starts
    exp_e = option[kp[exp_rows]]
    red_r, red_c = _reduction_entries(changes, keys, n_t, columns.start(Role.CHANGE))
    rows.add(
        "capacity", {"provision": kp, "year": kt},
        np.concatenate([inv, is_c, exp_rows, red_r]),
        np.concatenate([occ.arc, columns.start(Role.OPEN) + slot[kp[is_c]] * n_t + kt[is_c],
                        columns.start(Role.EXPAND) + exp_e * n_t + exp_t, red_c]),
        np.concatenate([occ.weight, -cap[is_c], -data.exp_increment[exp_e],
                        np.ones(red_r.size)]),
        np.full(keys.size, -np.inf), np.where(data.candidate[kp], 0.0, cap),
    )


def add_candidate_rows(rows: RowAccumulator, data: ModelData, pol: Policy, arcs: Arcs,
                       held: Held, columns: ColumnLayout) -> None:
    """Rows of ``models/openings.md``: size links, size bounds, opening order and count."""
    cand = np.flatnonzero(data.candidate)
    n_t, n_c = len(data.years), int(cand.size)
    if n_c == 0:
        return
    a_p, a_t, occ = arcs.provision, held.a_t, held.occ
    off_y = columns.start(Role.OPEN)
    slot = np.full(len(data.provisions), -1, dtype=np.int64)
    slot[cand] = np.arange(n_c)
    last = off_y + np.arange(n_c) * n_t + (n_t - 1)
    size = columns.index(Role.SIZE)
    # sum of placements at p in t <= size of p.
    o_p = held.o_p
    at_c = np.flatnonzero(data.candidate[o_p])
    keys, inv = group_keys(o_p[at_c] * n_t + occ.year[at_c])
    kp, kt = keys // n_t, keys % n_t
    rows.add(
        "candidate_size", {"provision": kp, "year": kt},
        np.concatenate([inv, np.arange(keys.size)]),
        np.concatenate([occ.arc[at_c], size[slot[kp]]]),
        np.concatenate([occ.weight[at_c], -np.ones(keys.size)]),
        np.full(keys.size, -np.inf), np.zeros(keys.size),
    )
    on_c = np.flatnonzero(data.candidate[a_p])
    # Strong linking: a pupil goes to a candidate only in a year it is open,
    # x_a - D_a * y[p, t] <= 0 (redundant for integer y, but it makes the LP bound tight).
    d_of_arc = data.d_pupils[arcs.demand]
    r = np.arange(on_c.size, dtype=np.int64)
    rows.add(
        "arc_open", {"provision": a_p[on_c], "year": a_t[on_c]},
        np.concatenate([r, r]),
        np.concatenate([on_c.astype(np.int64), off_y + slot[a_p[on_c]] * n_t + a_t[on_c]]),
        np.concatenate([np.ones(on_c.size), -d_of_arc[on_c]]),
        np.full(on_c.size, -np.inf), np.zeros(on_c.size),
    )
    # min_places * open <= size <= most places * open (open = open in the last year); the
    # size is whole, so the bounds are the whole numbers inside them (a tighter relaxation).
    most = np.floor(data.cap_total[cand].max(axis=1) + _WHOLE) if n_t else np.zeros(n_c)
    fewest = np.ceil(data.min_places[cand] - _WHOLE)
    r = np.arange(n_c, dtype=np.int64)
    rows.add("size_max", {"provision": cand}, np.concatenate([r, r]),
             np.concatenate([size, last]), np.concatenate([np.ones(n_c), -most]),
             np.full(n_c, -np.inf), np.zeros(n_c))
    rows.add("size_min", {"provision": cand}, np.concatenate([r, r]),
             np.concatenate([size, last]), np.concatenate([np.ones(n_c), -fewest]),
             np.zeros(n_c), np.full(n_c, np.inf))
    # Once open, open in every later year: y[t] - y[t+1] <= 0.
    if n_t > 1:
        c_idx = np.repeat(np.arange(n_c), n_t - 1)
        t_idx = np.tile(np.arange(n_t - 1), n_c)
        r = np.arange(c_idx.size, dtype=np.int64)
        first = off_y + c_idx * n_t + t_idx
        rows.add("opening_order", {"provision": cand[c_idx], "year": t_idx},
                 np.concatenate([r, r]), np.concatenate([first, first + 1]),
                 np.concatenate([np.ones(r.size), -np.ones(r.size)]),
                 np.full(r.size, -np.inf), np.zeros(r.size))
    if pol.min_openings is not None or pol.max_openings is not None:
        lo = float(pol.min_openings or 0)
        hi = float(pol.max_openings) if pol.max_openings is not None else np.inf
        rows.add("openings", {"year": np.array([n_t - 1], dtype=np.int64)},
                 np.zeros(n_c, dtype=np.int64), last, np.ones(n_c), np.array([lo]), np.array([hi]))


def _independent_cap(data: ModelData, pupils: float | None, share: float | None) -> FloatArray | None:
    if pupils is None and share is None:
        return None
    n_t = len(data.years)
    cap = np.full(n_t, np.inf)
    if pupils is not None:
        cap = np.minimum(cap, pupils)
    if share is not None:
        total = np.bincount(data.d_year, weights=data.d_pupils, minlength=n_t)
        cap = np.minimum(cap, share * total)
    return cap


def _reduction_entries(changes: ChangePlan | None, keys: IntArray, n_t: int, start: int
                       ) -> tuple[IntArray, IntArray]:
    """(capacity row, column) of reductions in effect, for provision-years with a row."""
    if changes is None or keys.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    prov, year, col = capacity_entries(changes, n_t, start)
    code = prov * n_t + year
    pos = np.searchsorted(keys, code)
    hit = (pos < keys.size) & (keys[np.minimum(pos, keys.size - 1)] == code)
    return pos[hit].astype(np.int64), col[hit]
