"""The same allocation model as ``pulp_model.py``, written as bare numpy → CSR → highspy: the
floor that ``run.py`` compares the package's build and hand-off against (issue 7).

No index tables, no row blocks, no generality: the COO triplets of rows (1) demand, (2) shared
capacity, (3) per-need capacity and (5) the independent cap, one ``scipy.sparse.csr_matrix``,
and one array call of ``Highs.passModel`` with the row-wise matrix.
"""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from pulp_model import supported

from placement_opt import Instance
from placement_opt.model.arcs import Arcs
from placement_opt.model.data import ModelData
from placement_opt.schema.tables import KINDS

__all__ = ["RawModel", "build_raw", "handoff_raw"]

FloatArray = npt.NDArray[np.float64]
_INF = highspy.kHighsInf


@dataclass(frozen=True)
class RawModel:
    """minimise ``c @ x`` s.t. ``lo <= A @ x <= hi``, ``x >= 0``."""

    c: FloatArray
    A: sp.csr_matrix
    lo: FloatArray
    hi: FloatArray


def build_raw(instance: Instance, data: ModelData, arcs: Arcs) -> RawModel:
    """Rows (1), (2), (3) and (5) straight from the coded arrays."""
    reason = supported(instance, data)
    if reason is not None:
        raise ValueError(reason)
    pol = instance.policy
    n_a, n_d, n_t, n_k = len(arcs), data.d_pupils.size, len(data.years), len(data.needs)
    a_d, a_p = arcs.demand, arcs.provision
    a_z, a_k, a_t = data.d_zone[a_d], data.d_need[a_d], data.d_year[a_d]
    c = np.concatenate([data.cost[a_p] + pol.transport_cost_per_km * data.km[a_z, a_p]
                        + pol.journey_cost_per_min * data.minutes[a_z, a_p],
                        np.full(n_d, pol.unmet_penalty)])
    arc = np.arange(n_a)
    # (1) demand: row d holds its arcs and its unmet column n_a + d.
    rows, cols, los, his = [a_d, np.arange(n_d)], [arc, n_a + np.arange(n_d)], \
        [data.d_pupils], [data.d_pupils]
    n = n_d
    # (2) capacity per provision-year with arcs.
    keys, inv = np.unique(a_p * n_t + a_t, return_inverse=True)
    rows.append(n + inv)
    cols.append(arc)
    los.append(np.full(keys.size, -np.inf))
    his.append(data.cap_total[keys // n_t, keys % n_t])
    n += keys.size
    # (3) per-need capacity where one is given.
    sel = np.flatnonzero(~np.isnan(data.cap_need[a_p, a_k, a_t]))
    keys, inv = np.unique((a_p[sel] * n_k + a_k[sel]) * n_t + a_t[sel], return_inverse=True)
    p3, rest = np.divmod(keys, n_k * n_t)
    rows.append(n + inv)
    cols.append(sel)
    los.append(np.full(keys.size, -np.inf))
    his.append(data.cap_need[p3, rest // n_t, rest % n_t])
    n += keys.size
    # (5) independent cap per year.
    share, pupils = pol.max_independent_share, pol.max_independent_pupils
    if share is not None or pupils is not None:
        total = np.bincount(data.d_year, weights=data.d_pupils, minlength=n_t)
        cap = np.minimum(np.inf if share is None else share * total,
                         np.inf if pupils is None else pupils)
        ind = np.flatnonzero(data.kind[a_p] == KINDS.index("independent"))
        rows.append(n + a_t[ind])
        cols.append(ind)
        los.append(np.full(n_t, -np.inf))
        his.append(np.broadcast_to(cap, (n_t,)).astype(np.float64))
        n += n_t
    r, col = np.concatenate(rows), np.concatenate(cols)
    matrix = sp.csr_matrix((np.ones(r.size), (r, col)), shape=(n, n_a + n_d))
    return RawModel(c, matrix, np.concatenate(los), np.concatenate(his))


def handoff_raw(h: highspy.Highs, model: RawModel) -> None:
    """One array call of ``passModel`` with the row-wise matrix."""
    n_rows, n_cols = model.A.shape
    h.passModel(
        n_cols, n_rows, int(model.A.nnz), int(highspy.MatrixFormat.kRowwise),
        int(highspy.ObjSense.kMinimize), 0.0, model.c, np.zeros(n_cols), np.full(n_cols, _INF),
        np.where(np.isinf(model.lo), -_INF, model.lo), np.where(np.isinf(model.hi), _INF, model.hi),
        model.A.indptr.astype(np.int32), model.A.indices.astype(np.int32), model.A.data,
        np.zeros(n_cols, dtype=np.int32),
    )
