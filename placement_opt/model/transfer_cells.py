"""Phase transfers by cell (formulation: ``models/transfers.md``, "Cells: the same optimum
with far fewer columns").

When transfers cost nothing per minute (``transfer_cost_per_min = 0``) it does not matter
which leaver goes to which arc of the same cell (zone, need, level, leaving phase, year): every
leaver of the cell may go to every one of the cell's destination arcs, so the flows form a
complete bipartite transportation problem whose only effect is how many leavers continue in
the district, elsewhere, or not at all. Per cell c there are then three columns: ``loc_c``,
``far_c`` (continuing in / outside the zone) and ``brk_c``, with

- ``transfer_out``: loc + far + brk - sum (1/L) x = existing leavers of the cell;
- ``transfer_in`` (one row per cell and class): loc - sum_{b local} x_b <= 0 and
  far - sum_{b elsewhere} x_b <= 0;
- ``pathway_local`` as for the flows, with loc as the local flow.

Any (loc, far) meeting these splits over the cell's (provision, arc) pairs within every
arc's placements, so the optimum equals that of the per-provision flows. The per-provision
flows reported are one such split: each class's flow over its arcs in proportion to their
placements, and over the leaver groups in proportion to their leavers.
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
from placement_opt.model.locality import is_local
from placement_opt.model.occupancy import Occupancy
from placement_opt.model.rows import RowAccumulator, group_keys
from placement_opt.model.transfers import Leavers, add_local_rows, leaver_groups, moves_and_breaks

__all__ = ["CellPlan", "add_transfer_cell_rows", "plan_transfer_cells"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class CellPlan:
    """Decoding aid kept in ``ModelLayout.transfers``: flow columns ``2c`` (local) and
    ``2c + 1`` (elsewhere) of cell c, and its break column ``c``, within their blocks."""

    flows: ColumnBlock
    breaks: ColumnBlock
    leavers: Leavers
    group_cell: IntArray  # cell of each leaver group
    cell_group: IntArray  # a leaver group of each cell (its first)
    dest_arc: IntArray  # destination arcs, by cell
    dest_cell: IntArray
    dest_local: BoolArray
    dest_provision: IntArray

    def table(self, data: ModelData, x: FloatArray, columns: ColumnLayout,
              kinds: tuple[str, ...]) -> pd.DataFrame:
        """One split of the solved cell flows into per-provision flows and breaks."""
        n_c = self.breaks.size
        flow = x[columns.span(Role.TRANSFER)].reshape(n_c, 2)
        brk = x[columns.span(Role.BREAK)]
        left = np.maximum(self.leavers.values(x), 0.0)
        cell_total = np.bincount(self.group_cell, weights=left, minlength=n_c)
        share = np.divide(left, cell_total[self.group_cell], out=np.zeros_like(left),
                          where=cell_total[self.group_cell] > 0)
        cls = np.where(self.dest_local, 0, 1)
        placed = np.maximum(x[self.dest_arc], 0.0)
        room = np.zeros((n_c, 2))
        np.add.at(room, (self.dest_cell, cls), placed)
        into = flow[self.dest_cell, cls] * np.divide(
            placed, room[self.dest_cell, cls], out=np.zeros_like(placed),
            where=room[self.dest_cell, cls] > 0)
        # Pairs (group, destination arc) of the same cell.
        order = np.argsort(self.dest_cell, kind="stable")
        first = np.searchsorted(self.dest_cell[order], np.arange(n_c + 1))
        count = (first[1:] - first[:-1])[self.group_cell]
        g = np.repeat(np.arange(self.group_cell.size, dtype=np.int64), count)
        start = np.repeat(first[self.group_cell] - (np.cumsum(count) - count), count)
        d = order[np.arange(g.size, dtype=np.int64) + start]
        return moves_and_breaks(data, kinds, self.leavers, g, self.dest_provision[d],
                                share[g] * into[d], share * brk[self.group_cell])


def plan_transfer_cells(data: ModelData, arcs: Arcs, occ: Occupancy,
                        instance: Instance) -> CellPlan | None:
    """The cell columns (``None``: nobody leaves within the horizon)."""
    leavers = leaver_groups(data, arcs, occ, instance)
    if leavers is None:
        return None
    n_t = len(data.years)
    dims = (len(data.zones), len(data.needs), len(data.phases), len(data.levels), n_t)
    cells, group_cell = group_keys(np.ravel_multi_index(
        (leavers.zone, leavers.need, leavers.phase, leavers.level, leavers.year), dims)
        .astype(np.int64))
    cz, ck, ch, cl, ct = (np.asarray(v, dtype=np.int64) for v in np.unravel_index(cells, dims))
    n_c = int(cells.size)
    rep = np.zeros(n_c, dtype=np.int64)
    rep[group_cell[::-1]] = np.arange(group_cell.size, dtype=np.int64)[::-1]
    dest_row = leavers.dest_row[rep]
    a_d, a_p = arcs.demand, arcs.provision
    first = np.searchsorted(a_d, np.arange(data.d_pupils.size + 1))
    count = np.where(dest_row >= 0, first[dest_row + 1] - first[np.maximum(dest_row, 0)], 0)
    dest_cell = np.repeat(np.arange(n_c, dtype=np.int64), count)
    start = np.repeat(first[np.maximum(dest_row, 0)] - (np.cumsum(count) - count), count)
    dest_arc = (np.arange(dest_cell.size, dtype=np.int64) + start).astype(np.int64)
    dest_local = is_local(data, cz[dest_cell], a_p[dest_arc])
    no_dest = np.repeat(dest_row < 0, 2)
    flows = block(Role.TRANSFER, np.zeros(2 * n_c), np.where(no_dest, 0.0, np.inf),
                  year=np.repeat(ct + 1, 2), zone=np.repeat(cz, 2), need=np.repeat(ck, 2),
                  phase=np.repeat(leavers.next_phase[rep], 2), level=np.repeat(cl, 2),
                  provision=np.full(2 * n_c, -1, dtype=np.int64))
    breaks = block(Role.BREAK, np.full(n_c, instance.policy.pathway_break_penalty),
                   zone=cz, need=ck, phase=ch, level=cl, year=ct)
    return CellPlan(flows, breaks, leavers, group_cell, rep, dest_arc, dest_cell, dest_local,
                    a_p[dest_arc].astype(np.int64))


def add_transfer_cell_rows(rows: RowAccumulator, plan: CellPlan, data: ModelData,
                           instance: Instance, columns: ColumnLayout) -> None:
    """``transfer_out``, ``transfer_in`` (per cell and class) and ``pathway_local``."""
    leavers, keys = plan.leavers, plan.breaks.keys
    cz, ck, cl, ct = keys["zone"], keys["need"], keys["level"], keys["year"]
    n_c = plan.breaks.size
    c_idx = np.arange(n_c, dtype=np.int64)
    t_col = columns.index(Role.TRANSFER)
    loc_col, far_col = t_col[0::2], t_col[1::2]
    brk_col = columns.index(Role.BREAK)
    existing = np.bincount(plan.group_cell, weights=leavers.existing,
                           minlength=n_c).astype(np.float64)
    rows.add("transfer_out", {"zone": cz, "need": ck, "phase": keys["phase"], "level": cl,
                              "year": ct},
             np.concatenate([c_idx, c_idx, c_idx, plan.group_cell[leavers.x_group]]),
             np.concatenate([loc_col, far_col, brk_col, leavers.x_col]),
             np.concatenate([np.ones(3 * n_c), -leavers.lam]), existing, existing.copy())
    cls = np.where(plan.dest_local, 0, 1)
    rows.add("transfer_in", {"zone": np.repeat(cz, 2), "need": np.repeat(ck, 2),
                             "phase": np.repeat(leavers.next_phase[plan.cell_group], 2),
                             "level": np.repeat(cl, 2), "year": np.repeat(ct + 1, 2),
                             "local": np.tile(np.array([1, 0], dtype=np.int64), n_c)},
             np.concatenate([2 * c_idx, 2 * c_idx + 1, 2 * plan.dest_cell + cls]),
             np.concatenate([loc_col, far_col, plan.dest_arc]),
             np.concatenate([np.ones(2 * n_c), -np.ones(plan.dest_arc.size)]),
             np.full(2 * n_c, -np.inf), np.zeros(2 * n_c))
    share = float(instance.policy.min_pathway_local_share)
    if share > 0:
        add_local_rows(rows, data, share, leavers, columns.start(Role.UNMET), plan.cell_group,
                       loc_col, np.ones(n_c, dtype=bool))
