"""Phase-transfer pathway flows (formulation: ``models/transfers.md``).

Leavers of a phase listed in ``transfer_from_phases`` (default: primary) move on to the next
phase (the one whose youngest age is this phase's first age past it) for the same need, the
next year; one ``L_h``-th of the pupils in place leave each year (equal year groups).
Group ``g`` = (zone of residence, need, phase, level of need, provision, year t) has leavers
``sum (1/L_h) * x`` over the occupancy entries of its arcs in year t, plus the existing
cohort's. Flow ``f[g, b]`` sends them to destination arc ``b`` (same zone, need and level,
next phase, year t+1); ``brk[g]`` counts those with no continuation (a pathway break).

Rows: ``transfer_out`` (sum_b f + brk - leavers = existing leavers), ``transfer_in``
(sum_g f[g, b] - x_b <= 0: transfers are part of the placements made at b) and, with
``min_pathway_local_share`` s > 0, ``pathway_local`` per district and destination year
(local flows - s * (leavers + unmet of the leaving phase / L_h) >= s * existing leavers; a flow
is local when its destination is in the leavers' own district: ``models/allocation.md``,
*Met locally*).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from placement_opt.instance import Instance
from placement_opt.model.arcs import Arcs
from placement_opt.model.columns import ColumnBlock, ColumnLayout, Role, block
from placement_opt.model.data import ModelData
from placement_opt.model.locality import district_keys, is_local
from placement_opt.model.occupancy import Occupancy, existing_occupancy
from placement_opt.model.rows import RowAccumulator, group_keys

__all__ = ["DROP_DOMINATED", "TRANSFER_COLUMNS", "Leavers", "TransferPlan", "add_local_rows",
           "add_transfer_rows", "leaver_groups", "moves_and_breaks", "next_phase", "plan_transfers",
           "transfer_frame", "undominated"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

#: Leave out the flows a pathway break dominates (exact: ``models/transfers.md``, *Dominated
#: flows*); tests switch it off to check that the optimum is the same.
DROP_DOMINATED = True

#: Columns of :attr:`placement_opt.Result.transfers`.
TRANSFER_COLUMNS = [
    "year", "zone", "need", "from_phase", "from_provision", "to_phase", "to_provision",
    "to_kind", "pupils", "minutes", "local",
]


def next_phase(instance: Instance, phases: tuple[str, ...]) -> IntArray:
    """H: index of the phase each phase's leavers move on to (-1 where none)."""
    table = instance.phases.set_index("phase").loc[list(phases)]
    lo = table["min_age"].astype(int).to_numpy()
    hi = table["max_age"].astype(int).to_numpy()
    out = np.full(len(phases), -1, dtype=np.int64)
    for h in range(len(phases)):
        match = np.flatnonzero(lo == hi[h])
        if match.size:
            out[h] = int(match[0])
    return out


@dataclass(frozen=True)
class Leavers:
    """Leaver groups (zone, need, phase, level, provision, year) and how their leavers are
    made: ``sum_i lam[i] * x[x_col[i]]`` over entries with ``x_group[i] = g``, plus the
    constant ``existing[g]``; ``dest_row[g]`` is the demand row they move on to (-1: none)."""

    zone: IntArray
    need: IntArray
    phase: IntArray
    level: IntArray
    provision: IntArray
    year: IntArray
    next_phase: IntArray
    x_group: IntArray
    x_col: IntArray
    lam: FloatArray
    existing: FloatArray
    dest_row: IntArray
    unmet_row: IntArray  # demand rows of leaving phases (their unmet pupils leave too)
    unmet_lam: FloatArray

    @property
    def size(self) -> int:
        """Number of groups."""
        return int(self.zone.size)

    def values(self, x: FloatArray) -> FloatArray:
        """Each group's leavers in a solution ``x``."""
        return np.bincount(self.x_group, weights=self.lam * x[self.x_col],
                           minlength=self.size) + self.existing


def leaver_groups(data: ModelData, arcs: Arcs, occ: Occupancy, instance: Instance) -> Leavers | None:
    """The leaver groups of ``models/transfers.md`` (``None``: nobody leaves within the horizon)."""
    pol = instance.policy
    succ = next_phase(instance, data.phases)
    n_t = len(data.years)
    a_d, a_p = arcs.demand, arcs.provision
    length = np.maximum(data.phase_years, 1.0)
    # Sources: occupancy entries of arcs in a phase with a successor, before the last year.
    o_d = a_d[occ.arc]
    o_h = data.d_phase[o_d]
    succ = np.where(np.isin(np.asarray(data.phases), pol.transfer_phases()), succ, -1)
    src = np.flatnonzero((succ[o_h] >= 0) & (occ.year < n_t - 1))
    e_row, e_t, _ = existing_occupancy(data, bool(pol.continuity))
    e_src = np.flatnonzero((succ[data.e_phase[e_row]] >= 0) & (e_t < n_t - 1))
    if src.size + e_src.size == 0:
        return None
    dims = (len(data.zones), len(data.needs), len(data.phases), len(data.levels),
            len(data.provisions), n_t)
    code_x = np.ravel_multi_index((data.d_zone[o_d[src]], data.d_need[o_d[src]], o_h[src],
                                   data.d_level[o_d[src]], a_p[occ.arc[src]], occ.year[src]), dims)
    er = e_row[e_src]
    code_e = np.ravel_multi_index((data.e_zone[er], data.e_need[er], data.e_phase[er],
                                   data.e_level[er], data.e_prov[er], e_t[e_src]), dims)
    groups, inv = group_keys(np.concatenate([code_x, code_e]).astype(np.int64))
    gz, gk, gh, gl, gp, gt = (np.asarray(v, dtype=np.int64)
                              for v in np.unravel_index(groups, dims))
    n_g = int(groups.size)
    inv_x, inv_e = inv[:src.size], inv[src.size:]
    e_leave = np.bincount(inv_e, weights=data.e_pupils[er] / length[data.e_phase[er]],
                          minlength=n_g).astype(np.float64)
    # Destinations: the demand row (zone, need, next phase, level, t + 1).
    drow = np.full((*dims[:4], n_t), -1, dtype=np.int64)
    drow[data.d_zone, data.d_need, data.d_phase, data.d_level, data.d_year] = np.arange(
        data.d_pupils.size)
    d_src = np.flatnonzero((succ[data.d_phase] >= 0) & (data.d_year < n_t - 1)).astype(np.int64)
    return Leavers(gz, gk, gh, gl, gp, gt, succ[gh], inv_x.astype(np.int64),
                   occ.arc[src].astype(np.int64), 1.0 / length[o_h[src]], e_leave,
                   drow[gz, gk, succ[gh], gl, gt + 1],
                   d_src, 1.0 / length[data.d_phase[d_src]])


def undominated(data: ModelData, cost: FloatArray, penalty: float, share: float,
                 zone: IntArray, to_p: IntArray) -> npt.NDArray[np.bool_]:
    """Flows a pathway break does not dominate (``models/transfers.md``, *Dominated flows*):
    those costing less than the break penalty, and with a pathway local share every local one
    (it counts towards the share, a break does not)."""
    keep = np.asarray(cost < penalty, dtype=np.bool_)
    if share > 0:
        keep |= is_local(data, zone, to_p)
    return keep


@dataclass(frozen=True)
class TransferPlan:
    """Decoding aid kept in ``ModelLayout.transfers``: the flow and break columns."""

    flows: ColumnBlock
    breaks: ColumnBlock
    flow_group: IntArray  # leaver group of each flow column
    flow_arc: IntArray  # destination arc of each flow column
    leavers: Leavers

    def table(self, data: ModelData, x: FloatArray, columns: ColumnLayout,
              kinds: tuple[str, ...]) -> pd.DataFrame:
        """Solved flows and breaks (pupils > 0) as :data:`TRANSFER_COLUMNS`."""
        return moves_and_breaks(data, kinds, self.leavers, self.flow_group,
                                self.flows.key("provision"), x[columns.span(Role.TRANSFER)],
                                x[columns.span(Role.BREAK)])


def plan_transfers(data: ModelData, arcs: Arcs, occ: Occupancy,
                   instance: Instance) -> TransferPlan | None:
    """The flow and break columns (``None``: nobody leaves within the horizon)."""
    pol = instance.policy
    leavers = leaver_groups(data, arcs, occ, instance)
    if leavers is None:
        return None
    a_d, a_p = arcs.demand, arcs.provision
    gz, gk, gp, gt = leavers.zone, leavers.need, leavers.provision, leavers.year
    dest_row = leavers.dest_row
    first = np.searchsorted(a_d, np.arange(data.d_pupils.size + 1))
    count = np.where(dest_row >= 0, first[dest_row + 1] - first[np.maximum(dest_row, 0)], 0)
    f_group = np.repeat(np.arange(leavers.size, dtype=np.int64), count)
    start = np.repeat(first[np.maximum(dest_row, 0)] - (np.cumsum(count) - count), count)
    f_arc = (np.arange(f_group.size, dtype=np.int64) + start).astype(np.int64)
    f_minutes = np.where(a_p[f_arc] == gp[f_group], 0.0,
                         data.minutes[data.prov_zone[gp[f_group]], a_p[f_arc]])
    if DROP_DOMINATED:
        keep = np.flatnonzero(undominated(data, pol.transfer_cost_per_min * f_minutes,
                                          pol.pathway_break_penalty,
                                          pol.min_pathway_local_share, gz[f_group], a_p[f_arc]))
        f_group, f_arc, f_minutes = f_group[keep], f_arc[keep], f_minutes[keep]
    flows = block(Role.TRANSFER, pol.transfer_cost_per_min * f_minutes,
                  year=data.d_year[a_d[f_arc]], zone=gz[f_group], need=gk[f_group],
                  phase=data.d_phase[a_d[f_arc]], level=data.d_level[a_d[f_arc]],
                  provision=a_p[f_arc], demand_row=a_d[f_arc])
    breaks = block(Role.BREAK, np.full(leavers.size, pol.pathway_break_penalty), year=gt,
                   zone=gz, need=gk, phase=leavers.phase, level=leavers.level, provision=gp)
    return TransferPlan(flows, breaks, f_group, f_arc, leavers)


def add_transfer_rows(rows: RowAccumulator, plan: TransferPlan, data: ModelData, arcs: Arcs,
                      instance: Instance, columns: ColumnLayout) -> None:
    """``transfer_out``, ``transfer_in`` and (with a pathway local share) ``pathway_local``."""
    leavers, f_group, f_arc = plan.leavers, plan.flow_group, plan.flow_arc
    a_d, a_p = arcs.demand, arcs.provision
    n_g, n_f = leavers.size, int(f_arc.size)
    f_col, b_col = columns.index(Role.TRANSFER), columns.index(Role.BREAK)
    # transfer_out: sum_b f + brk - sum (1/L) x = existing leavers.
    rows.add("transfer_out", {"zone": leavers.zone, "need": leavers.need,
                              "phase": leavers.phase, "level": leavers.level,
                              "provision": leavers.provision, "year": leavers.year},
             np.concatenate([f_group, np.arange(n_g, dtype=np.int64), leavers.x_group]),
             np.concatenate([f_col, b_col, leavers.x_col]),
             np.concatenate([np.ones(n_f), np.ones(n_g), -leavers.lam]), leavers.existing,
             leavers.existing.copy())
    # transfer_in: flows into arc b are placements made at b.
    dest, d_inv = group_keys(f_arc)
    rows.add("transfer_in", {"zone": data.d_zone[a_d[dest]], "need": data.d_need[a_d[dest]],
                             "phase": data.d_phase[a_d[dest]], "level": data.d_level[a_d[dest]],
                             "provision": a_p[dest],
                             "year": data.d_year[a_d[dest]]},
             np.concatenate([d_inv, np.arange(dest.size, dtype=np.int64)]),
             np.concatenate([f_col, dest]),
             np.concatenate([np.ones(n_f), -np.ones(dest.size)]),
             np.full(dest.size, -np.inf), np.zeros(dest.size))
    share = float(instance.policy.min_pathway_local_share)
    if share > 0:
        add_local_rows(rows, data, share, leavers, columns.start(Role.UNMET), f_group, f_col,
                       is_local(data, leavers.zone[f_group], a_p[f_arc]))


def add_local_rows(rows: RowAccumulator, data: ModelData, share: float, leavers: Leavers,
                   unmet_start: int, f_group: IntArray, f_col: IntArray,
                   local: npt.NDArray[np.bool_]) -> None:
    """``pathway_local``: flows staying in the district >= share * leavers (placed, unmet and
    existing), per district and year. Unmet pupils of a leaving phase count as leavers too, so
    leaving pupils unplaced cannot ease the rule (column ``unmet_start + d`` is row d's
    unmet)."""
    n_t = len(data.years)
    zd = data.zone_district
    g_key = zd[leavers.zone] * n_t + leavers.year
    d_src = leavers.unmet_row
    x_col = np.concatenate([leavers.x_col, unmet_start + d_src])
    x_key = np.concatenate([g_key[leavers.x_group], zd[data.d_zone[d_src]] * n_t + data.d_year[d_src]])
    x_lam = np.concatenate([leavers.lam, leavers.unmet_lam])
    e_leave = leavers.existing
    keys, g_row = group_keys(g_key)
    lz, lt = keys // n_t, keys % n_t
    rhs = share * np.bincount(g_row, weights=e_leave, minlength=keys.size).astype(np.float64)
    pos = np.searchsorted(keys, x_key)
    hit = np.flatnonzero((pos < keys.size) & (keys[np.minimum(pos, keys.size - 1)] == x_key))
    on = np.flatnonzero(local)
    rows.add("pathway_local", district_keys(data, lz, lt + 1),
             np.concatenate([g_row[f_group[on]], pos[hit]]),
             np.concatenate([f_col[on], x_col[hit]]),
             np.concatenate([np.ones(on.size), -share * x_lam[hit]]),
             rhs, np.full(keys.size, np.inf))


def moves_and_breaks(data: ModelData, kinds: tuple[str, ...], leavers: Leavers, group: IntArray,
                     to_p: IntArray, pupils: FloatArray, breaks: FloatArray) -> pd.DataFrame:
    """:func:`transfer_frame` of the moves (leaver group, destination provision, pupils) and the
    breaks (pupils of each leaver group), each kept where it has pupils."""
    keep = np.flatnonzero(pupils > 1e-9)
    broken = np.flatnonzero(breaks > 1e-9)
    return transfer_frame(data, kinds, leavers, np.concatenate([group[keep], broken]),
                          np.concatenate([to_p[keep], np.full(broken.size, -1, dtype=np.int64)]),
                          np.concatenate([pupils[keep], breaks[broken]]))


def transfer_frame(data: ModelData, kinds: tuple[str, ...], leavers: Leavers, group: IntArray,
                   to_p: IntArray, pupils: FloatArray) -> pd.DataFrame:
    """Rows (leaver group, destination provision or -1 for a break, pupils) as
    :data:`TRANSFER_COLUMNS`, sorted."""
    g = group
    years = np.asarray(data.years, dtype=np.int64)
    prov = np.asarray((*data.provisions, ""), dtype=object)
    kind = np.asarray((*kinds, "break"), dtype=object)
    from_p = leavers.provision[g]
    to = np.maximum(to_p, 0)
    minutes = np.where(to_p < 0, np.nan, np.where(
        to_p == from_p, 0.0, data.minutes[data.prov_zone[from_p], to]))
    phases = np.asarray((*data.phases, ""), dtype=object)
    frame = pd.DataFrame({
        "year": years[leavers.year[g] + 1],
        "zone": np.asarray(data.zones, dtype=object)[leavers.zone[g]],
        "need": np.asarray(data.needs, dtype=object)[leavers.need[g]],
        "from_phase": phases[leavers.phase[g]],
        "from_provision": prov[from_p],
        "to_phase": phases[leavers.next_phase[g]],
        "to_provision": prov[to_p],
        "to_kind": kind[np.where(to_p < 0, len(kinds), data.kind[to])],
        "pupils": pupils,
        "minutes": minutes,
        "local": (to_p >= 0) & is_local(data, leavers.zone[g], to),
    }, columns=TRANSFER_COLUMNS)
    return frame.sort_values(["year", "zone", "need", "from_provision", "to_provision"],
                             kind="stable").reset_index(drop=True)
