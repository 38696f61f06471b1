"""The core column blocks of the allocation model (formulations: ``models/allocation.md``,
``models/openings.md``, ``models/planning.md``): unmet demand, surplus, candidate openings and
sizes, expansion increments and revenue overspend (the arc block is made by the builder, from
its costs)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from placement_opt.model.columns import ColumnBlock, Role, block
from placement_opt.model.data import ModelData
from placement_opt.schema.settings import Policy

__all__ = ["demand_row_columns", "investment_columns"]

IntArray = npt.NDArray[np.int64]


def demand_row_columns(data: ModelData, role: Role, cost: float) -> ColumnBlock:
    """One column of ``role`` (``unmet`` or ``surplus``) per demand row, keyed by the row."""
    n_d = int(data.d_pupils.size)
    return block(role, np.full(n_d, cost), year=data.d_year, zone=data.d_zone,
                 need=data.d_need, phase=data.d_phase,
                 demand_row=np.arange(n_d, dtype=np.int64))


def investment_columns(data: ModelData, pol: Policy, cand: IntArray,
                       budget_years: IntArray) -> list[ColumnBlock]:
    """``open`` (candidate by year; cost F on the last year, 0 before the earliest year),
    ``size`` (per candidate, whole places), ``expand`` (option by year, at most n_e from its first year) and
    ``overspend`` (per budget year) columns."""
    n_t, n_c, n_e = len(data.years), int(cand.size), int(data.exp_prov.size)
    y_prov = np.repeat(cand, n_t)
    y_year = np.tile(np.arange(n_t, dtype=np.int64), n_c)
    opened = block(Role.OPEN, np.where(y_year == n_t - 1, data.opening_cost[y_prov], 0.0),
                   np.where(y_year < data.first_open[y_prov], 0.0, 1.0), True,
                   year=y_year, zone=data.prov_zone[y_prov], provision=y_prov)
    size = block(Role.SIZE, data.capital_per_place[cand], integer=True,
                 zone=data.prov_zone[cand], provision=cand)
    w_opt = np.repeat(np.arange(n_e, dtype=np.int64), n_t)
    w_year = np.tile(np.arange(n_t, dtype=np.int64), n_e)
    w_prov = data.exp_prov[w_opt]
    expand = block(Role.EXPAND, data.exp_cost[w_opt],
                   np.where(w_year >= data.exp_first[w_opt], data.exp_max[w_opt], 0.0), True,
                   year=w_year, zone=data.prov_zone[w_prov], provision=w_prov)
    over = block(Role.OVERSPEND, np.full(budget_years.size, pol.overspend_penalty),
                 year=budget_years)
    return [opened, size, expand, over]
