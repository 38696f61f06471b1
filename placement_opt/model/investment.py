"""Expansion and budget rows of ``models/planning.md``: how many increments each expansion
option may take, and the revenue and capital budgets."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from placement_opt.model.columns import ColumnLayout, Role
from placement_opt.model.data import ModelData
from placement_opt.model.occupancy import Occupancy
from placement_opt.model.rows import RowAccumulator
from placement_opt.schema.settings import Policy

__all__ = ["add_investment_rows"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


def add_investment_rows(rows: RowAccumulator, data: ModelData, pol: Policy, occ: Occupancy,
                        revenue_cost: FloatArray, existing_revenue: FloatArray, cand: IntArray,
                        columns: ColumnLayout, budget_years: IntArray) -> None:
    """Blocks ``expansion_max``, ``revenue_budget``, ``capital_budget`` and ``capital_total``.

    ``revenue_cost`` is the place and transport cost per pupil of each occupancy entry of
    ``occ`` (the tariff may change from year to year, ``models/continuum.md``).

    The ``expand`` column ``e * T + t`` holds the increments of option ``e`` first in use in
    year ``t`` (building started ``lead`` years before, when the capital is spent); the
    ``overspend`` column ``i`` the overspend in the i-th budget year.
    """
    off_y, off_s = columns.start(Role.OPEN), columns.start(Role.SIZE)
    n_t = len(data.years)
    n_e = int(data.exp_prov.size)
    n_c = int(cand.size)
    w = columns.index(Role.EXPAND)
    w_opt = np.repeat(np.arange(n_e, dtype=np.int64), n_t)
    w_year = np.tile(np.arange(n_t, dtype=np.int64), n_e)
    w_start = w_year - data.exp_lead[w_opt]
    w_capital = data.exp_cost[w_opt]
    if n_e:
        rows.add("expansion_max", {"provision": data.exp_prov}, w_opt, w, np.ones(w.size),
                 np.full(n_e, -np.inf), data.exp_max.copy())
    # Revenue: placement and transport cost of the pupils in place that year (the existing
    # cohort's is fixed and comes off the budget), less the overspend.
    if budget_years.size:
        slot = np.full(n_t, -1, dtype=np.int64)
        slot[budget_years] = np.arange(budget_years.size)
        on = np.flatnonzero(slot[occ.year] >= 0)
        r = np.arange(budget_years.size, dtype=np.int64)
        rows.add("revenue_budget", {"year": budget_years},
                 np.concatenate([slot[occ.year[on]], r]),
                 np.concatenate([occ.arc[on], columns.start(Role.OVERSPEND) + r]),
                 np.concatenate([revenue_cost[on] * occ.weight[on], -np.ones(r.size)]),
                 np.full(r.size, -np.inf),
                 data.revenue_budget[budget_years] - existing_revenue[budget_years])
    # Capital spent in a year: increments started then, sites opened then (F * (y_t - y_t-1)).
    y_col = off_y + np.arange(n_c * n_t, dtype=np.int64)
    y_cand = np.repeat(np.arange(n_c), n_t)
    y_year = np.tile(np.arange(n_t, dtype=np.int64), n_c)
    fixed = data.opening_cost[cand][y_cand]
    cap_years = np.flatnonzero(~np.isnan(data.capital_budget)).astype(np.int64)
    if cap_years.size:
        slot = np.full(n_t, -1, dtype=np.int64)
        slot[cap_years] = np.arange(cap_years.size)
        w_in = np.flatnonzero((w_start >= 0) & (slot[np.clip(w_start, 0, None)] >= 0))
        y_in = np.flatnonzero(slot[y_year] >= 0)
        prev = y_in[y_year[y_in] > 0]
        rows.add("capital_budget", {"year": cap_years},
                 np.concatenate([slot[w_start[w_in]], slot[y_year[y_in]], slot[y_year[prev]]]),
                 np.concatenate([w[w_in], y_col[y_in], y_col[prev] - 1]),
                 np.concatenate([w_capital[w_in], fixed[y_in], -fixed[prev]]),
                 np.full(cap_years.size, -np.inf), data.capital_budget[cap_years])
    if pol.capital_budget_total is not None:
        last = off_y + np.arange(n_c, dtype=np.int64) * n_t + (n_t - 1)
        size = off_s + np.arange(n_c, dtype=np.int64)
        cols = np.concatenate([w, last, size])
        vals = np.concatenate([w_capital, data.opening_cost[cand], data.capital_per_place[cand]])
        rows.add("capital_total", {"year": np.array([n_t - 1], dtype=np.int64)},
                 np.zeros(cols.size, dtype=np.int64), cols, vals,
                 np.array([-np.inf]), np.array([float(pol.capital_budget_total)]))
