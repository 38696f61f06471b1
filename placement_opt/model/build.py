"""Build the core allocation model as a MatrixModel (formulation: ``models/allocation.md``)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from placement_opt.instance import Instance
from placement_opt.model.arcs import Arcs, eligible_arcs
from placement_opt.model.changes import ChangePlan, add_change_rows, capacity_entries, plan_changes
from placement_opt.model.columns import ColumnBlock
from placement_opt.model.data import ModelData
from placement_opt.model.investment import add_investment_rows
from placement_opt.model.matrix import MatrixModel
from placement_opt.model.occupancy import Occupancy, existing_occupancy, occupancy
from placement_opt.model.rows import RowAccumulator, concat_float, group_keys
from placement_opt.model.transfer_cells import CellPlan, add_transfer_cells
from placement_opt.model.transfers import TransferPlan, add_transfers
from placement_opt.schema.settings import Policy
from placement_opt.schema.tables import KINDS

__all__ = ["FORMULATION", "ROLES", "build_allocation_model", "build_from_data"]

FORMULATION = ("models/allocation.md + models/openings.md + models/planning.md"
               " + models/changes.md + models/transfers.md + models/continuum.md")
#: Column roles: placements on arcs, one unmet-demand column per demand row, for candidate
#: sites one "open" column per year and one "size" column, for expansion options one "expand"
#: column per year (increments in use from that year), and one "overspend" column per year
#: with a revenue budget; then the surplus columns (continuity), closure/reduction/
#: redesignation option columns (models/changes.md) and transfer flows and pathway breaks
#: (models/transfers.md).
ROLES: tuple[str, ...] = ("arc", "unmet", "open", "size", "expand", "overspend", "surplus",
                          "change", "transfer", "break")

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
#: Use the cell formulation when transfers cost nothing per minute (tests switch it off to
#: check both give the same optimum).
TRANSFER_CELLS = True


def build_allocation_model(instance: Instance) -> MatrixModel:
    """The allocation LP/MIP of ``models/allocation.md`` for every year of ``instance``.

    Columns: one per eligible arc, then one unmet column per demand row with pupils > 0, then
    for candidate sites (``models/openings.md``) an open column per year and a size column.
    Row blocks, in order: ``demand`` (1), ``capacity`` (2), ``need_capacity`` (3),
    ``local_share`` (4), ``independent_cap`` (5), then the candidate blocks
    ``candidate_size``, ``arc_open``, ``size_max``, ``size_min``, ``opening_order`` and
    ``openings``.
    """
    data = ModelData.from_instance(instance)
    return build_from_data(data, eligible_arcs(data), instance)


def build_from_data(data: ModelData, arcs: Arcs, instance: Instance) -> MatrixModel:
    """Assemble the sparse model from coded data and an arc table (all vectorised)."""
    pol = instance.policy
    n_a, n_d = len(arcs), int(data.d_pupils.size)
    n_t, n_k = len(data.years), len(data.needs)
    a_d, a_p = arcs.demand, arcs.provision
    a_z, a_k, a_t = data.d_zone[a_d], data.d_need[a_d], data.d_year[a_d]
    arc_idx = np.arange(n_a, dtype=np.int64)
    minutes = data.minutes[a_z, a_p]
    km = data.km[a_z, a_p]

    # Occupancy: the years in which each arc's placements hold a place (models/planning.md,
    # continuity); without continuity, only the arc's own year, with weight 1.
    occ = occupancy(data, arcs, pol.continuity)
    o_arc, o_t, o_w = occ.arc, occ.year, occ.weight
    o_p, o_z, o_k = occ.per_entry(a_p), occ.per_entry(a_z), occ.per_entry(a_k)
    o_h = occ.per_entry(data.d_phase[a_d])
    o_l = occ.per_entry(data.d_level[a_d])
    e_row, e_t, e_n = existing_occupancy(data, pol.continuity)
    e_p, e_z, e_k, e_h = (data.e_prov[e_row], data.e_zone[e_row], data.e_need[e_row],
                          data.e_phase[e_row])
    e_l = data.e_level[e_row]
    # Place cost of each year held: the tariff line in effect then (models/continuum.md).
    o_place = data.place_cost(o_p, o_k, o_l, o_t)
    unit = pol.transport_cost_per_km * km + pol.journey_cost_per_min * minutes
    held = np.bincount(o_arc, weights=o_w, minlength=n_a)
    e_place = data.place_cost(e_p, e_k, e_l, e_t)
    e_unit = e_place + pol.transport_cost_per_km * data.km[e_z, e_p] \
        + pol.journey_cost_per_min * data.minutes[e_z, e_p]
    offset = float(np.sum(e_unit * e_n))
    cost = np.concatenate([unit * held + np.bincount(o_arc, weights=o_w * o_place, minlength=n_a),
                           np.full(n_d, pol.unmet_penalty)])
    rows = RowAccumulator()
    # (1) demand: pupils in place in the year (placed then or still there from earlier
    # years, and the existing cohort) + unmet (- surplus, with continuity) = D.
    n_z, n_h = len(data.zones), len(data.phases)
    d_idx = np.arange(n_d, dtype=np.int64)
    drow = np.full((n_z, n_k, n_h, len(data.levels), n_t), -1, dtype=np.int64)
    drow[data.d_zone, data.d_need, data.d_phase, data.d_level, data.d_year] = d_idx
    o_row = drow[o_z, o_k, o_h, o_l, o_t]
    on = np.flatnonzero(o_row >= 0)
    e_in = np.zeros(n_d)
    e_rows = drow[e_z, e_k, e_h, e_l, e_t]
    np.add.at(e_in, e_rows[e_rows >= 0], e_n[e_rows >= 0])
    rhs = data.d_pupils - e_in
    n_sur = n_d if pol.continuity else 0
    rows.add(
        "demand",
        {"zone": data.d_zone, "need": data.d_need, "phase": data.d_phase, "level": data.d_level,
         "year": data.d_year},
        np.concatenate([o_row[on], d_idx, d_idx[:n_sur]]),
        np.concatenate([o_arc[on], n_a + d_idx, -1 - d_idx[:n_sur]]),
        np.concatenate([o_w[on], np.ones(n_d), -np.ones(n_sur)]), rhs, rhs.copy(),
    )
    cand = np.flatnonzero(data.candidate)
    n_c = int(cand.size)
    off_y = n_a + n_d
    off_s = off_y + n_c * n_t
    slot = np.full(len(data.provisions), -1, dtype=np.int64)
    slot[cand] = np.arange(n_c)
    n_e = int(data.exp_prov.size)
    off_w = off_s + n_c
    budget_years = np.flatnonzero(~np.isnan(data.revenue_budget)).astype(np.int64)
    off_o = off_w + n_e * n_t
    off_u = off_o + budget_years.size
    changes = plan_changes(data, instance, off_u + n_sur)
    off_f = off_u + n_sur + (changes.columns.size if changes is not None else 0)
    # (2) shared capacity per provision-year that has arcs; a candidate's places exist only
    # in the years it is open: sum x - Cap * y <= 0; increments in use add places:
    # sum x - increment * sum_{t' <= t} w[t'] <= Cap (models/planning.md).
    keys, inv = group_keys(o_p * n_t + o_t)
    kp, kt = keys // n_t, keys % n_t
    e_at = np.zeros((len(data.provisions), n_t))
    np.add.at(e_at, (e_p, e_t), e_n)
    cap = data.cap_total[kp, kt] - e_at[kp, kt]
    is_c = np.flatnonzero(data.candidate[kp])
    option = np.full(len(data.provisions), -1, dtype=np.int64)
    option[data.exp_prov] = np.arange(n_e)
    with_opt = np.flatnonzero(option[kp] >= 0)
    counts = kt[with_opt] + 1
    exp_rows = np.repeat(with_opt, counts)
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    exp_t = np.arange(exp_rows.size, dtype=np.int64) - starts
    exp_e = option[kp[exp_rows]]
    red_r, red_c = _reduction_entries(changes, keys, n_t)
    rows.add(
        "capacity", {"provision": kp, "year": kt},
        np.concatenate([inv, is_c, exp_rows, red_r]),
        np.concatenate([o_arc, off_y + slot[kp[is_c]] * n_t + kt[is_c],
                        off_w + exp_e * n_t + exp_t, red_c]),
        np.concatenate([o_w, -cap[is_c], -data.exp_increment[exp_e], np.ones(red_r.size)]),
        np.full(keys.size, -np.inf), np.where(data.candidate[kp], 0.0, cap),
    )
    # (3) per-need capacity where the instance gives one.
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
    # (4) minimum local share per zone-year, for zones with a positive share.
    zones = np.flatnonzero(data.local_share > 0)
    if zones.size:
        zt_demand = np.zeros((len(data.zones), n_t))
        np.add.at(zt_demand, (data.d_zone, data.d_year), data.d_pupils)
        zz = np.repeat(zones, n_t).astype(np.int64)
        tt = np.tile(np.arange(n_t, dtype=np.int64), zones.size)
        row_of = np.full((len(data.zones), n_t), -1, dtype=np.int64)
        row_of[zz, tt] = np.arange(zz.size)
        local = np.flatnonzero((data.prov_zone[o_p] == o_z) & (row_of[o_z, o_t] >= 0))
        e_local = np.zeros((len(data.zones), n_t))
        mine = data.prov_zone[e_p] == e_z
        np.add.at(e_local, (e_z[mine], e_t[mine]), e_n[mine])
        rows.add(
            "local_share", {"zone": zz, "year": tt},
            row_of[o_z[local], o_t[local]], o_arc[local], o_w[local],
            data.local_share[zz] * zt_demand[zz, tt] - e_local[zz, tt], np.full(zz.size, np.inf),
        )
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

    if n_c:
        _add_candidate_rows(rows, data, pol, a_d, a_p, a_t, arc_idx, occ, cand, off_y, off_s)
    revenue_cost = o_place + pol.transport_cost_per_km * occ.per_entry(km)  # per occupancy entry
    e_revenue = np.bincount(e_t, weights=e_n * (e_place + pol.transport_cost_per_km
                                                * data.km[e_z, e_p]),
                            minlength=n_t).astype(np.float64)
    add_investment_rows(rows, data, pol, occ, revenue_cost, e_revenue, cand, off_y, off_s,
                        off_w, off_o, budget_years)
    if changes is not None:
        add_change_rows(rows, changes, data, arcs, e_at)
    transfers = _transfers(rows, data, arcs, occ, instance, off_f)
    extra = [b for b in (changes.columns if changes is not None else None,
                         transfers.flows if transfers is not None else None,
                         transfers.breaks if transfers is not None else None) if b is not None]
    n_cols = off_u + n_sur + sum(b.size for b in extra)
    matrix = rows.matrix(n_cols, negative_from=off_u)  # surplus columns, placed last
    integrality = np.zeros(n_cols, dtype=bool)
    integrality[:n_a] = pol.integer_pupils
    integrality[off_y:off_s] = True
    col_upper = np.full(n_cols, np.inf)
    y_prov = np.repeat(cand, n_t)
    y_year = np.tile(np.arange(n_t, dtype=np.int64), n_c)
    col_upper[off_y:off_s] = np.where(y_year < data.first_open[y_prov], 0.0, 1.0)
    y_cost = np.where(y_year == n_t - 1, data.opening_cost[y_prov], 0.0)
    w_opt = np.repeat(np.arange(n_e, dtype=np.int64), n_t)
    w_year = np.tile(np.arange(n_t, dtype=np.int64), n_e)
    integrality[off_w:off_o] = True
    col_upper[off_w:off_o] = np.where(w_year >= data.exp_first[w_opt], data.exp_max[w_opt], 0.0)
    w_prov = data.exp_prov[w_opt]
    n_o = budget_years.size
    cost = np.concatenate([cost, y_cost, data.capital_per_place[cand], data.exp_cost[w_opt],
                           np.full(n_o, pol.overspend_penalty), np.zeros(n_sur),
                           *(b.cost for b in extra)])
    for b in extra:
        col_upper[b.offset:b.stop] = b.upper
        integrality[b.offset:b.stop] = b.integer
    minus = np.full(n_d, -1, dtype=np.int64)
    no_y = np.full(n_c * n_t, -1, dtype=np.int64)
    no_s = np.full(n_c, -1, dtype=np.int64)
    no_w = np.full(n_e * n_t, -1, dtype=np.int64)
    no_o = np.full(n_o, -1, dtype=np.int64)
    sur = d_idx[:n_sur]
    no_u = np.full(n_sur, -1, dtype=np.int64)
    column_keys = {
        "role": np.concatenate([np.zeros(n_a, np.int64), np.ones(n_d, np.int64),
                                np.full(n_c * n_t, 2, np.int64), np.full(n_c, 3, np.int64),
                                np.full(n_e * n_t, 4, np.int64), np.full(n_o, 5, np.int64),
                                np.full(n_sur, 6, np.int64)]),
        "year": np.concatenate([a_t, data.d_year, y_year, no_s, w_year, budget_years,
                                data.d_year[sur]]),
        "zone": np.concatenate([a_z, data.d_zone, data.prov_zone[y_prov], data.prov_zone[cand],
                                data.prov_zone[w_prov], no_o, data.d_zone[sur]]),
        "need": np.concatenate([a_k, data.d_need, no_y, no_s, no_w, no_o, data.d_need[sur]]),
        "phase": np.concatenate([data.d_phase[a_d], data.d_phase, no_y, no_s, no_w, no_o,
                                 data.d_phase[sur]]),
        "provision": np.concatenate([a_p, minus, y_prov, cand, w_prov, no_o, no_u]),
        "demand_row": np.concatenate([a_d, d_idx, no_y, no_s, no_w, no_o, sur]),
    }
    column_keys = _with_extra_columns(column_keys, extra)
    labels: dict[str, tuple[object, ...]] = {
        "role": ROLES, "year": data.years, "zone": data.zones, "need": data.needs,
        "phase": data.phases, "provision": data.provisions, "level": data.levels,
    }
    return MatrixModel(
        formulation=FORMULATION, c=cost, A=matrix,
        row_lower=concat_float(rows.lo), row_upper=concat_float(rows.hi),
        col_lower=np.zeros(n_cols), col_upper=col_upper,
        integrality=integrality, blocks=tuple(rows.blocks), column_keys=column_keys,
        labels=labels, offset=offset,
        meta={"n_arcs": n_a, "n_demand_rows": n_d, "minutes": minutes, "km": km,
              "n_candidates": n_c, "open_offset": off_y, "size_offset": off_s,
              "n_expansions": n_e, "expand_offset": off_w, "overspend_offset": off_o,
              "budget_years": budget_years, "revenue_cost": revenue_cost,
              "occupancy": occ, "surplus_offset": off_u, "n_surplus": n_sur,
              "continuity": pol.continuity, "changes": changes, "transfers": transfers},
    )


def _add_candidate_rows(rows: RowAccumulator, data: ModelData, pol: Policy, arcs_demand: IntArray,
                        a_p: IntArray, a_t: IntArray, arc_idx: IntArray, occ: Occupancy,
                        cand: IntArray, off_y: int, off_s: int) -> None:
    """Rows of ``models/openings.md``: size links, size bounds, opening order and count."""
    n_t = len(data.years)
    n_c = int(cand.size)
    slot = np.full(len(data.provisions), -1, dtype=np.int64)
    slot[cand] = np.arange(n_c)
    last = off_y + np.arange(n_c) * n_t + (n_t - 1)
    size = off_s + np.arange(n_c)
    # sum of placements at p in t <= size of p.
    o_p = a_p[occ.arc]
    held = np.flatnonzero(data.candidate[o_p])
    keys, inv = group_keys(o_p[held] * n_t + occ.year[held])
    kp, kt = keys // n_t, keys % n_t
    rows.add(
        "candidate_size", {"provision": kp, "year": kt},
        np.concatenate([inv, np.arange(keys.size)]),
        np.concatenate([occ.arc[held], off_s + slot[kp]]),
        np.concatenate([occ.weight[held], -np.ones(keys.size)]),
        np.full(keys.size, -np.inf), np.zeros(keys.size),
    )
    on_c = np.flatnonzero(data.candidate[a_p])
    # Strong linking: a pupil goes to a candidate only in a year it is open,
    # x_a - D_a * y[p, t] <= 0 (redundant for integer y, but it makes the LP bound tight).
    d_of_arc = data.d_pupils[arcs_demand]
    r = np.arange(on_c.size, dtype=np.int64)
    rows.add(
        "arc_open", {"provision": a_p[on_c], "year": a_t[on_c]},
        np.concatenate([r, r]),
        np.concatenate([arc_idx[on_c], off_y + slot[a_p[on_c]] * n_t + a_t[on_c]]),
        np.concatenate([np.ones(on_c.size), -d_of_arc[on_c]]),
        np.full(on_c.size, -np.inf), np.zeros(on_c.size),
    )
    # min_places * open <= size <= most places * open (open = open in the last year).
    most = data.cap_total[cand].max(axis=1) if n_t else np.zeros(n_c)
    r = np.arange(n_c, dtype=np.int64)
    rows.add("size_max", {"provision": cand}, np.concatenate([r, r]),
             np.concatenate([size, last]), np.concatenate([np.ones(n_c), -most]),
             np.full(n_c, -np.inf), np.zeros(n_c))
    rows.add("size_min", {"provision": cand}, np.concatenate([r, r]),
             np.concatenate([size, last]), np.concatenate([np.ones(n_c), -data.min_places[cand]]),
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


def _reduction_entries(changes: ChangePlan | None, keys: IntArray, n_t: int
                       ) -> tuple[IntArray, IntArray]:
    """(capacity row, column) of reductions in effect, for provision-years with a row."""
    if changes is None or keys.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    prov, year, col = capacity_entries(changes, n_t)
    code = prov * n_t + year
    pos = np.searchsorted(keys, code)
    hit = (pos < keys.size) & (keys[np.minimum(pos, keys.size - 1)] == code)
    return pos[hit].astype(np.int64), col[hit]


def _with_extra_columns(keys: dict[str, IntArray], extra: list[ColumnBlock]) -> dict[str, IntArray]:
    """Column keys with the feature blocks' columns appended (role codes from ROLES)."""
    if not extra:
        return keys
    out = {"role": np.concatenate([keys["role"], *(np.full(b.size, ROLES.index(b.role),
                                                           dtype=np.int64) for b in extra)])}
    for name in keys:
        if name != "role":
            out[name] = np.concatenate([keys[name], *(b.key(name) for b in extra)])
    return out


def _transfers(rows: RowAccumulator, data: ModelData, arcs: Arcs, occ: Occupancy,
               instance: Instance, offset: int) -> TransferPlan | CellPlan | None:
    """Phase transfers (models/transfers.md): by cell when transfers cost nothing per minute
    (the same optimum with far fewer columns), else one flow per (provision, arc) pair."""
    pol = instance.policy
    if not pol.pathway_flows:
        return None
    if pol.transfer_cost_per_min == 0 and TRANSFER_CELLS:
        return add_transfer_cells(rows, data, arcs, occ, instance, offset)
    return add_transfers(rows, data, arcs, occ, instance, offset)
