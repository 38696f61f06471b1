"""Whole pupils that add up: a controlled rounding of the plan's pupil figures.

The LP places fractions of pupils (0.35 of a pupil at a school; with continuity, a share of a
cohort still in place). The exact figures stay in the tables (costs are computed from them and
add up to the objective); this module adds whole-number counterparts that still add up.

**The table rounded.** For each year, one two-way table: a row per demand group (zone × need ×
phase × level) and a column per provision, plus an ``unmet`` column and a ``surplus`` column
(pupils still in place beyond the group's demand, with continuity, entered negatively), so
that every row adds up to the group's demand: placed + unmet − surplus = demand.

**The rounding** (controlled rounding, Cox 1987; Bacharach 1966): every cell becomes the floor
or the ceiling of its exact value, every row total, column total and the year's total too,
and the whole cells add up to the whole totals. Each cell's fractional part is a flow of
0 or 1 from its row to its column; rows draw from, and columns return to, the year's total.
This is a circulation with whole bounds, so the LP over it (solved by the HiGHS dual simplex)
has a whole optimum at a vertex. Its cost, ``1 - 2 f`` for rounding up a cell of fractional
part ``f``, makes it the controlled rounding nearest the exact table (least total change).
A provision's whole total in a year is also kept at or below its capacity: with a whole
capacity this holds by itself (the exact total is within it, so its ceiling is too); a
fractional capacity caps the whole total at the capacity's floor. Values within ``1e-6`` of a
whole number count as that number.

So, in each year: every whole figure is the floor or ceiling of its exact value; a demand
row's whole placed + unmet − surplus is its demand; a provision's whole total is the floor or
ceiling of its exact total and at most its capacity; the county's totals add up to demand.
Demand is whole in the inputs; where it is not, the row totals (demand) are rounded in the
same step, each to its floor or ceiling, and a warning says so. When a provision's capacity is
fractional and no rounding keeps every total within it, the rounding is made without the
capacities, and a warning says so. The rounding is deterministic. Horizon totals are the
sums of the years' whole figures.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import linprog

from placement_opt.errors import Issue, Severity
from placement_opt.model.data import ModelData

__all__ = ["WHOLE_TOL", "WholePupils", "controlled_round", "demand_is_whole", "whole_or_exact",
           "whole_pupils", "with_whole_columns"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
#: Values closer than this to a whole number count as that number.
WHOLE_TOL = 1e-6


def _total(index: IntArray, weights: FloatArray, n: int) -> FloatArray:
    """Sums of ``weights`` by ``index`` (0 .. n - 1), as floats."""
    return np.asarray(np.bincount(index, weights=weights, minlength=n), dtype=np.float64)


def _snap(values: FloatArray) -> FloatArray:
    near = np.round(values)
    return np.where(np.abs(values - near) < WHOLE_TOL, near, values)


def controlled_round(values: FloatArray, row: IntArray, col: IntArray, row_table: IntArray,
                     n_cols: int, col_upper: FloatArray | None = None) -> FloatArray | None:
    """Whole values for the cells ``values`` of tables (see the module docstring).

    Cell i sits in row ``row[i]`` and column ``col[i]``; row r belongs to table
    ``row_table[r]`` (a column's cells all lie in one table). ``col_upper`` caps each
    column's whole total (``inf``: no cap; the exact total must be within it). Returns None
    when no controlled rounding keeps every column within ``col_upper``.
    """
    v = _snap(np.asarray(values, dtype=float))
    n_rows = int(row_table.size)
    n_tab = int(row_table.max()) + 1 if n_rows else 0
    low = np.floor(v)
    f = v - low
    cell = np.flatnonzero(f > 0)
    n_f = int(cell.size)
    upper = np.full(n_cols, np.inf) if col_upper is None else col_upper
    base_col = _total(col, low, n_cols)
    if n_f == 0:
        return low if bool(np.all(base_col <= upper)) else None
    f_row = _snap(_total(row[cell], f[cell], n_rows))
    f_col = _snap(_total(col[cell], f[cell], n_cols))
    f_tab = _snap(_total(row_table, f_row, n_tab))
    col_hi = np.minimum(np.ceil(f_col), np.floor(upper - base_col + WHOLE_TOL))
    if bool(np.any(col_hi < np.floor(f_col))):
        return None
    # Variables: cell flows d (n_f), row flows r (n_rows), column flows c (n_cols), table
    # flows g (n_tab). Conservation: r_i = sum d (row i); sum d = c_j (column j);
    # g_t = sum r (table t); the sink's equation follows from these.
    n_var = n_f + n_rows + n_cols + n_tab
    k = np.arange(n_f, dtype=np.int64)
    i_r, i_c = np.arange(n_rows, dtype=np.int64), np.arange(n_cols, dtype=np.int64)
    i_t = np.arange(n_tab, dtype=np.int64)
    eq_rows = np.concatenate([row[cell], n_rows + col[cell],  # cell flows
                              i_r, n_rows + n_cols + row_table,  # row flows
                              n_rows + i_c, n_rows + n_cols + i_t])  # column, table flows
    eq_cols = np.concatenate([k, k, n_f + i_r, n_f + i_r, n_f + n_rows + i_c,
                              n_f + n_rows + n_cols + i_t])
    eq_vals = np.concatenate([-np.ones(n_f), np.ones(n_f), np.ones(n_rows), -np.ones(n_rows),
                              -np.ones(n_cols), np.ones(n_tab)])
    a_eq = sp.csr_array((eq_vals, (eq_rows, eq_cols)), shape=(n_rows + n_cols + n_tab, n_var))
    lower = np.concatenate([np.zeros(n_f), np.floor(f_row), np.floor(f_col), np.floor(f_tab)])
    upper_v = np.concatenate([np.ones(n_f), np.ceil(f_row), col_hi, np.ceil(f_tab)])
    cost = np.concatenate([1.0 - 2.0 * f[cell], np.zeros(n_rows + n_cols + n_tab)])
    res = linprog(cost, A_eq=a_eq, b_eq=np.zeros(a_eq.shape[0]),
                  bounds=np.column_stack([lower, upper_v]), method="highs-ds")
    if res.status != 0:
        return None
    up = np.round(res.x[:n_f])
    whole = low.copy()
    whole[cell] += up
    return whole if _holds(v, whole, row, col, row_table, n_cols, upper) else None


def _holds(v: FloatArray, whole: FloatArray, row: IntArray, col: IntArray,
           row_table: IntArray, n_cols: int, upper: FloatArray) -> bool:
    """Every invariant of the module docstring, checked on the rounded cells."""
    def ok(exact: FloatArray, rounded: FloatArray) -> bool:
        exact = _snap(exact)
        return bool(np.all((rounded == np.floor(exact)) | (rounded == np.ceil(exact))))

    n_rows = int(row_table.size)
    n_tab = int(row_table.max()) + 1 if n_rows else 0
    r_ex = _total(row, v, n_rows)
    r_wh = _total(row, whole, n_rows)
    c_wh = _total(col, whole, n_cols)
    return (ok(v, whole) and ok(r_ex, r_wh)
            and ok(_total(col, v, n_cols), c_wh)
            and ok(_total(row_table, r_ex, n_tab), _total(row_table, r_wh, n_tab))
            and bool(np.all(c_wh <= upper)))


@dataclass(frozen=True)
class WholePupils:
    """Whole figures beside the exact ones: ``pupils`` per allocations row (in its order),
    ``placed`` per utilisation row, ``demand`` / ``unmet`` per unmet row, ``year_demand`` per
    model year (the whole demand), and the warnings."""

    pupils: FloatArray
    placed: FloatArray
    demand: FloatArray
    unmet: FloatArray
    year_demand: FloatArray
    warnings: tuple[Issue, ...]


def _codes(labels: tuple[object, ...], values: pd.Series) -> IntArray:
    return pd.Index(list(labels)).get_indexer(pd.Index(values.to_numpy(object))).astype(
        np.int64)


def whole_pupils(data: ModelData, alloc: pd.DataFrame, util: pd.DataFrame,
                 unmet: pd.DataFrame) -> WholePupils:
    """The controlled rounding of ``alloc.pupils`` (pupils in place), ``unmet.unmet`` and the
    surplus, year by year, against the demand rows of ``data`` and the capacities of
    ``util`` (tables as :func:`placement_opt.results.result.make_result` makes them)."""
    n_t, n_p = len(data.years), len(data.provisions)
    dims = (len(data.zones), len(data.needs), len(data.phases), len(data.levels))

    def group(t: IntArray, z: IntArray, k: IntArray, h: IntArray, lv: IntArray) -> IntArray:
        return (((t * dims[0] + z) * dims[1] + k) * dims[2] + h) * dims[3] + lv

    def keyed(frame: pd.DataFrame) -> tuple[IntArray, IntArray]:
        t = _codes(tuple(data.years), frame["year"].astype("int64"))
        code = group(t, _codes(data.zones, frame["zone"]), _codes(data.needs, frame["need"]),
                     _codes(data.phases, frame["phase"]), _codes(data.levels, frame["level"]))
        return code, t

    a_code, a_t = keyed(alloc)
    u_code, _ = keyed(unmet)
    d_code = group(data.d_year, data.d_zone, data.d_need, data.d_phase, data.d_level)
    groups, inv = np.unique(np.concatenate([a_code, u_code, d_code]), return_inverse=True)
    n_g = int(groups.size)
    a_row, u_row = inv[:a_code.size], inv[a_code.size:a_code.size + u_code.size]
    d_row = inv[a_code.size + u_code.size:]
    g_year = (groups // int(np.prod(dims))).astype(np.int64)
    demand = _total(d_row, data.d_pupils, n_g)
    stock = alloc["pupils"].to_numpy(float)
    u_val = unmet["unmet"].to_numpy(float)
    surplus = _snap(_total(a_row, stock, n_g)
                    + _total(u_row, u_val, n_g) - demand)
    s_row = np.flatnonzero(surplus != 0)
    width = n_p + 2  # provisions, unmet, surplus
    p_code = _codes(data.provisions, alloc["provision"])
    values = np.concatenate([stock, u_val, -surplus[s_row]])
    row = np.concatenate([a_row, u_row, s_row]).astype(np.int64)
    col = np.concatenate([a_t * width + p_code, g_year[u_row] * width + n_p,
                          g_year[s_row] * width + n_p + 1]).astype(np.int64)
    cap = np.full(n_t * width, np.inf)
    ut = _codes(tuple(data.years), util["year"].astype("int64"))
    cap[ut * width + _codes(data.provisions, util["provision"])] = util["capacity"].to_numpy(float)
    warnings: list[Issue] = []
    fractional = np.flatnonzero(np.abs(data.d_pupils - np.round(data.d_pupils)) >= WHOLE_TOL)
    if fractional.size:
        warnings.append(Issue("whole pupils", (
            f"demand is not a whole number in {fractional.size} row(s) (first: "
            f"{data.zones[data.d_zone[fractional[0]]]} {data.needs[data.d_need[fractional[0]]]} "
            f"{data.years[data.d_year[fractional[0]]]}, {data.d_pupils[fractional[0]]:g}): the "
            "whole figures round it too, each row to its floor or ceiling"),
            severity=Severity.WARNING))
    whole = controlled_round(values, row, col, g_year, n_t * width, cap)
    if whole is None:
        whole = controlled_round(values, row, col, g_year, n_t * width)
        warnings.append(Issue("whole pupils", (
            "no whole-number rounding keeps every provision within its fractional capacity: "
            "the whole figures are rounded without capacities"), severity=Severity.WARNING))
    if whole is None:  # cannot happen: the exact table is a feasible flow
        raise ValueError("controlled rounding failed on a consistent table")
    n_a, n_u = a_row.size, u_row.size
    w_stock, w_unmet = whole[:n_a], whole[n_a:n_a + n_u]
    g_total = _total(row, whole, n_g)
    placed = _total(col[:n_a], w_stock, n_t * width)
    return WholePupils(pupils=w_stock, placed=placed[ut * width + _codes(
        data.provisions, util["provision"])], demand=g_total[u_row], unmet=w_unmet,
        year_demand=_total(g_year, g_total, n_t),
        warnings=tuple(warnings))


def _after(frame: pd.DataFrame, column: str, new: dict[str, FloatArray]) -> pd.DataFrame:
    """``frame`` with the ``new`` columns placed right after ``column``."""
    cols = list(frame.columns)
    at = cols.index(column) + 1
    return frame.assign(**new)[[*cols[:at], *new, *cols[at:]]]


def with_whole_columns(alloc: pd.DataFrame, util: pd.DataFrame, unmet: pd.DataFrame,
                       whole: WholePupils) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """New tables with the whole columns of ``whole``: ``allocations.pupils_whole`` (after
    ``pupils``); ``utilisation.placed_whole`` and ``spare_whole`` (after ``spare``);
    ``unmet.demand_whole``, ``placed_whole`` and ``unmet_whole`` (at the end)."""
    spare = util["capacity"].to_numpy(float) - whole.placed
    return (_after(alloc, "pupils", {"pupils_whole": whole.pupils}),
            _after(util, "spare", {"placed_whole": whole.placed, "spare_whole": spare}),
            unmet.assign(demand_whole=whole.demand, placed_whole=whole.demand - whole.unmet,
                         unmet_whole=whole.unmet))


def whole_or_exact(frame: pd.DataFrame, column: str, exact: bool = False) -> pd.Series:
    """``frame[column + '_whole']`` when the table has it (results since whole pupils) and
    ``exact`` is not asked for, else the exact ``frame[column]`` (a run folder written
    before)."""
    name = f"{column}_whole"
    return frame[name] if name in frame.columns and not exact else frame[column]


def demand_is_whole(demand: pd.DataFrame) -> bool:
    """Whether every ``pupils`` figure of a demand table is a whole number: reports that set
    whole pupils against the instance's demand use the exact figures when it is not."""
    pupils = demand["pupils"].to_numpy(float)
    return bool(np.all(np.abs(pupils - np.round(pupils)) < WHOLE_TOL))
