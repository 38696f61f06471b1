"""Build the core allocation model as a MatrixModel (formulation: ``models/allocation.md``)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from placement_opt.instance import Instance
from placement_opt.model.arcs import Arcs, eligible_arcs
from placement_opt.model.data import ModelData
from placement_opt.model.matrix import MatrixModel, RowBlock
from placement_opt.tables import KINDS

__all__ = ["FORMULATION", "ROLES", "build_allocation_model", "build_from_data"]

FORMULATION = "models/allocation.md"
#: Column roles: placements on arcs, then one unmet-demand column per demand row.
ROLES: tuple[str, ...] = ("arc", "unmet")

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


def build_allocation_model(instance: Instance) -> MatrixModel:
    """The allocation LP/MIP of ``models/allocation.md`` for every year of ``instance``.

    Columns: one per eligible arc, then one unmet column per demand row with pupils > 0.
    Row blocks, in order: ``demand`` (1), ``capacity`` (2), ``need_capacity`` (3),
    ``local_share`` (4), ``independent_cap`` (5).
    """
    data = ModelData.from_instance(instance)
    return build_from_data(data, eligible_arcs(data), instance)


class _Rows:
    """Accumulates COO triplets and row bounds block by block."""

    def __init__(self) -> None:
        self.r: list[IntArray] = []
        self.c: list[IntArray] = []
        self.v: list[FloatArray] = []
        self.lo: list[FloatArray] = []
        self.hi: list[FloatArray] = []
        self.blocks: list[RowBlock] = []
        self.n = 0

    def add(self, family: str, keys: dict[str, IntArray], row: IntArray, col: IntArray,
            val: FloatArray, lo: FloatArray, hi: FloatArray) -> None:
        """Rows numbered ``0..len(lo)-1`` within the block; entries (row, col, val)."""
        if lo.size == 0:
            return
        self.blocks.append(RowBlock(family, self.n, keys))
        self.r.append(row + self.n)
        self.c.append(col)
        self.v.append(val)
        self.lo.append(lo)
        self.hi.append(hi)
        self.n += int(lo.size)


def _group(key: IntArray) -> tuple[IntArray, IntArray]:
    """Unique keys (sorted) and, for each element, the index of its key."""
    uniq, inverse = np.unique(key, return_inverse=True)
    return uniq.astype(np.int64), inverse.astype(np.int64)


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

    cost = np.concatenate([
        data.cost[a_p] + pol.transport_cost_per_km * km + pol.journey_cost_per_min * minutes,
        np.full(n_d, pol.unmet_penalty),
    ])
    rows = _Rows()
    # (1) demand conservation: sum of arcs + unmet = D.
    d_idx = np.arange(n_d, dtype=np.int64)
    rows.add(
        "demand",
        {"zone": data.d_zone, "need": data.d_need, "phase": data.d_phase, "year": data.d_year},
        np.concatenate([a_d, d_idx]), np.concatenate([arc_idx, n_a + d_idx]),
        np.ones(n_a + n_d), data.d_pupils, data.d_pupils.copy(),
    )
    # (2) shared capacity per provision-year that has arcs.
    keys, inv = _group(a_p * n_t + a_t)
    rows.add(
        "capacity", {"provision": keys // n_t, "year": keys % n_t},
        inv, arc_idx, np.ones(n_a), np.full(keys.size, -np.inf),
        data.cap_total[keys // n_t, keys % n_t],
    )
    # (3) per-need capacity where the instance gives one.
    capped = ~np.isnan(data.cap_need[a_p, a_k, a_t])
    sel = np.flatnonzero(capped)
    keys, inv = _group((a_p[sel] * n_k + a_k[sel]) * n_t + a_t[sel])
    p3, rest = np.divmod(keys, n_k * n_t)
    k3, t3 = np.divmod(rest, n_t)
    rows.add(
        "need_capacity", {"provision": p3, "need": k3, "year": t3},
        inv, sel, np.ones(sel.size), np.full(keys.size, -np.inf), data.cap_need[p3, k3, t3],
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
        local = np.flatnonzero((data.prov_zone[a_p] == a_z) & (row_of[a_z, a_t] >= 0))
        rows.add(
            "local_share", {"zone": zz, "year": tt},
            row_of[a_z[local], a_t[local]], local, np.ones(local.size),
            data.local_share[zz] * zt_demand[zz, tt], np.full(zz.size, np.inf),
        )
    # (5) cap on independent placements per year.
    cap_ind = _independent_cap(data, pol.max_independent_pupils, pol.max_independent_share)
    if cap_ind is not None:
        ind = np.flatnonzero(data.kind[a_p] == KINDS.index("independent"))
        rows.add(
            "independent_cap", {"year": np.arange(n_t, dtype=np.int64)},
            a_t[ind], ind, np.ones(ind.size), np.full(n_t, -np.inf), cap_ind,
        )

    n_cols = n_a + n_d
    matrix = sp.csr_matrix(
        (np.concatenate(rows.v), (np.concatenate(rows.r), np.concatenate(rows.c))),
        shape=(rows.n, n_cols),
    )
    integrality = np.zeros(n_cols, dtype=bool)
    integrality[:n_a] = pol.integer_pupils
    minus = np.full(n_d, -1, dtype=np.int64)
    column_keys = {
        "role": np.concatenate([np.zeros(n_a, np.int64), np.ones(n_d, np.int64)]),
        "year": np.concatenate([a_t, data.d_year]),
        "zone": np.concatenate([a_z, data.d_zone]),
        "need": np.concatenate([a_k, data.d_need]),
        "phase": np.concatenate([data.d_phase[a_d], data.d_phase]),
        "provision": np.concatenate([a_p, minus]),
        "demand_row": np.concatenate([a_d, d_idx]),
    }
    labels: dict[str, tuple[object, ...]] = {
        "role": ROLES, "year": data.years, "zone": data.zones, "need": data.needs,
        "phase": data.phases, "provision": data.provisions,
    }
    return MatrixModel(
        formulation=FORMULATION, c=cost, A=matrix,
        row_lower=np.concatenate(rows.lo), row_upper=np.concatenate(rows.hi),
        col_lower=np.zeros(n_cols), col_upper=np.full(n_cols, np.inf),
        integrality=integrality, blocks=tuple(rows.blocks), column_keys=column_keys,
        labels=labels,
        meta={"n_arcs": n_a, "n_demand_rows": n_d, "minutes": minutes, "km": km},
    )


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
