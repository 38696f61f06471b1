"""Column pricing for large allocation LPs with HiGHS (``models/allocation.md``, solving).

Most of a big LP's columns are arcs that no optimum uses. Pricing solves a *restricted* LP
holding every non-arc column and each demand row's ``initial`` cheapest arcs, reads the row
duals ``y``, computes every column's reduced cost ``rc = c - Aᵀy``, adds for each demand row
its ``per_round`` most negative omitted arcs (and every omitted non-arc column with a negative
reduced cost), and re-solves warm from the last basis, until no omitted column prices out.
Columns get their implied upper bounds in the restricted LPs (``pricing_boxes.py``): a column
that enters dual infeasible is then flipped to its bound instead of sending HiGHS's dual
simplex through a phase 1, and the duals are shifted back to those of the LP without them.

It is exact: omitted columns sit at 0, their lower bound, so the restricted optimum is
feasible for the full LP; and with every omitted column's reduced cost ``>= -tol`` the final
``y`` is dual feasible for the full LP, so the two LPs share the optimum. ``tol`` is HiGHS's
``dual_feasibility_tolerance`` (1e-7 by default) times ``max(1, |c_j|)``: the scale at which
HiGHS itself calls a reduced cost zero.
"""

from __future__ import annotations

import sys
import time

import highspy
import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from placement_opt.model.columns import Role
from placement_opt.model.matrix import MatrixModel
from placement_opt.options import SolveOptions
from placement_opt.solvers.base import RawSolution
from placement_opt.solvers.highs_core import match_scheduler, new_highs, secondary_pass, solve_plain
from placement_opt.solvers.pricing_boxes import implied_boxes, shift_duals
from placement_opt.status import Status

__all__ = [
    "INITIAL_ARCS",
    "PER_ROUND",
    "PRICING_ARCS",
    "pricing_applies",
    "pricing_groups",
    "reduced_costs",
    "solve_by_pricing",
    "split_groups",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: ``pricing="auto"`` prices LPs with at least this many arc columns (benchmarks/README.md).
PRICING_ARCS = 50_000
#: Cheapest arcs per demand row in the first restricted LP.
INITIAL_ARCS = 2
#: Most negative omitted arcs added per demand row and round.
PER_ROUND = 2

#: The warm-up (deferred rows left out) ends when fewer columns than this share of those in
#: would enter: the last rounds add a few columns each, and the full rows will move them again.
WARM_UP_END = 1e-3

_INF = highspy.kHighsInf
_MS = highspy.HighsModelStatus
#: The clock of the time limit (a name of its own, so that tests can move it on).
_clock = time.perf_counter
_LIMITS = {_MS.kTimeLimit, _MS.kIterationLimit, _MS.kInterrupt, _MS.kMemoryLimit}


def pricing_groups(model: MatrixModel) -> IntArray | None:
    """The pricing code of each column: an arc's demand row; -1 for a column always kept; for
    a *companion*, a column that joins the restricted LP with its rows (as soon as all its rows
    are in it) as well as by price, ``-2 - group``. The companions are the phase-transfer flows
    (``models/transfers.md``; group: the demand row of the arc they feed, offset past the
    arcs' groups) and breaks (a group each), whose rows only matter once a placement they
    follow or feed is in. None for a model without an arc layout (a derived or slimmed
    model). The codes travel with the model to the watchdog's child, which has no keys."""
    rows = model.column_keys.get("demand_row")
    if model.layout is None or rows is None or rows.size != model.n_cols \
            or model.layout.n_arcs == 0:
        return None
    groups = np.full(model.n_cols, -1, dtype=np.int64)
    n_arcs = model.layout.n_arcs
    groups[:n_arcs] = rows[:n_arcs]
    role = model.column_keys.get("role")
    if role is not None:
        n_d = model.layout.n_demand_rows
        flows = np.flatnonzero((role == Role.TRANSFER.value) & (rows >= 0))
        groups[flows] = -2 - (rows[flows] + n_d)
        breaks = np.flatnonzero(role == Role.BREAK.value)
        groups[breaks] = -2 - (2 * n_d + np.arange(breaks.size))
    return groups


def split_groups(codes: IntArray) -> tuple[IntArray, BoolArray]:
    """The pricing group of each column (-1: none) and whether it is a companion, from the
    codes of :func:`pricing_groups`."""
    companions = codes <= -2
    return np.where(companions, -2 - codes, codes), companions


def pricing_applies(model: MatrixModel, options: SolveOptions) -> bool:
    """Whether ``options.pricing`` asks for pricing on ``model`` (LPs with an arc layout only;
    ``auto`` from :data:`PRICING_ARCS` arcs up, with the simplex method)."""
    if options.pricing == "off" or model.is_mip or model.layout is None:
        return False
    if options.pricing == "on":
        return pricing_groups(model) is not None
    return model.layout.n_arcs >= PRICING_ARCS and options.lp_method in ("auto", "simplex")


def reduced_costs(model: MatrixModel, row_dual: FloatArray) -> FloatArray:
    """``c - Aᵀy`` for every column (HiGHS's sign convention: >= 0 at a column's lower bound
    in a minimisation's optimum)."""
    return np.asarray(model.c - model.A.T @ row_dual, dtype=np.float64)


def _ranks(groups: IntArray, key: FloatArray, cols: IntArray) -> IntArray:
    """Rank of each of ``cols`` within its group by ``key`` (ties by column index)."""
    g = groups[cols]
    order = np.lexsort((cols, key[cols], g))
    sorted_g = g[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_g)) + 1]
    within = np.arange(cols.size) - np.repeat(starts, np.diff(np.r_[starts, cols.size]))
    ranks = np.empty(cols.size, dtype=np.int64)
    ranks[order] = within
    return ranks


def _initial_columns(model: MatrixModel, groups: IntArray, initial: int,
                     companions: BoolArray) -> IntArray:
    """Every non-arc column but the companions, every column whose lower bound is not 0 (it
    could not be left out at 0, at its lower bound), and each group's ``initial`` cheapest
    arcs (companions aside: they come with their rows)."""
    use = ((groups < 0) & ~companions) | (model.col_lower != 0)
    arcs = np.flatnonzero((groups >= 0) & ~companions)
    use[arcs[_ranks(groups, model.c, arcs) < initial]] = True
    return np.flatnonzero(use)


def _finite(upper: FloatArray) -> FloatArray:
    return np.where(np.isinf(upper), _INF, upper).astype(np.float64)


class _Restricted:
    """The restricted LP handed to HiGHS: the columns ``cols`` and the *live* rows, those with
    a nonzero in some column of ``cols`` or that 0 does not satisfy (in HiGHS's order: row
    ``r`` of the model is HiGHS row ``row_at[r]``, -1 when not live). A row that is not live
    has activity 0 within its bounds whatever the restricted solution: leaving it out changes
    nothing, and its dual is 0. A companion column joins as soon as all its rows are live.

    While ``deferring`` (the warm-up), the rows of the companions are *deferred*: left out
    with the companions, so the LP is a relaxation, not a restriction, and its duals certify
    nothing; :meth:`undefer` adds them, with the entries of the columns already in."""

    def __init__(self, model: MatrixModel, companions: BoolArray) -> None:
        self.model = model
        self.csc = sp.csc_matrix(model.A)
        self.csc.sort_indices()
        self.boxes = implied_boxes(model, self.csc)
        self.used = np.zeros(model.n_cols, dtype=bool)
        self.cols = np.zeros(0, dtype=np.int64)
        self.row_at = np.full(model.n_rows, -1, dtype=np.int64)
        self.n_live = 0
        ptr = self.csc.indptr
        entry_col = np.repeat(np.arange(model.n_cols, dtype=np.int64), np.diff(ptr))
        on = companions[entry_col]
        self.companions = companions
        self._c_col, self._c_row = entry_col[on], self.csc.indices[on].astype(np.int64)
        self.deferred = np.zeros(model.n_rows, dtype=bool)
        self.deferred[self._c_row] = True
        self.deferring = bool(self.deferred.any())

    def _touched(self, cols: IntArray) -> IntArray:
        """Rows with a nonzero in ``cols`` that are not live yet (sorted)."""
        rows = np.unique(np.asarray(self.csc[:, cols].indices, dtype=np.int64))
        return rows[(self.row_at[rows] < 0) & ~(self.deferring & self.deferred[rows])]

    def _with_companions(self, cols: IntArray, rows: IntArray) -> IntArray:
        """``cols`` and every unused companion whose rows are all live once ``rows`` are
        (none while deferring)."""
        if self.deferring:
            return cols
        live = self.row_at >= 0
        live[rows] = True
        dead = np.bincount(self._c_col, weights=(~live[self._c_row]).astype(np.float64),
                           minlength=self.model.n_cols)
        ready = np.flatnonzero(self.companions & ~self.used & (dead == 0))
        return np.union1d(cols, ready)

    def _live(self, rows: IntArray) -> None:
        self.row_at[rows] = self.n_live + np.arange(rows.size)
        self.n_live += int(rows.size)

    def _block(self, cols: IntArray) -> sp.csc_matrix:
        """Columns ``cols`` over the live rows, in HiGHS's row order (entries in deferred rows
        left out)."""
        sub = self.csc[:, cols]
        at = self.row_at[sub.indices]
        keep = at >= 0
        col = np.repeat(np.arange(cols.size, dtype=np.int64), np.diff(sub.indptr))
        out = sp.csc_matrix((sub.data[keep], (at[keep], col[keep])),
                            shape=(self.n_live, int(cols.size)))
        out.sort_indices()
        return out

    def _take(self, cols: IntArray) -> None:
        self.used[cols] = True
        self.cols = np.r_[self.cols, cols]

    def start(self, h: highspy.Highs, first: IntArray) -> None:
        """Pass the first restricted LP: ``first``, their rows, the rows 0 does not satisfy,
        and the companions those rows bring."""
        m = self.model
        unmet = np.flatnonzero(((m.row_lower > 0) | (m.row_upper < 0))
                               & ~(self.deferring & self.deferred))
        rows = np.union1d(self._touched(first), unmet)
        cols = self._with_companions(first, rows)
        rows = np.union1d(rows, self._touched(cols))
        self._live(rows)
        self._take(cols)
        sub = self._block(cols)
        h.passModel(
            int(cols.size), int(rows.size), int(sub.nnz), int(highspy.MatrixFormat.kColwise),
            int(highspy.ObjSense.kMinimize), float(m.offset),
            np.ascontiguousarray(m.c[cols], dtype=np.float64),
            np.ascontiguousarray(m.col_lower[cols], dtype=np.float64),
            _finite(self.boxes.restricted_upper(m, cols)),
            np.where(np.isinf(m.row_lower[rows]), -_INF, m.row_lower[rows]).astype(np.float64),
            _finite(m.row_upper[rows]),
            sub.indptr.astype(np.int32), sub.indices.astype(np.int32),
            sub.data.astype(np.float64), np.zeros(cols.size, dtype=np.int32),
        )

    def add(self, h: highspy.Highs, new: IntArray) -> int:
        """Add the columns ``new``, the rows they make live (empty first, then filled by the
        columns) and the companions those rows bring; the number of columns added."""
        m = self.model
        rows = self._touched(new)
        cols = self._with_companions(new, rows) if rows.size else new
        rows = np.union1d(rows, self._touched(cols))
        if rows.size:
            h.addRows(int(rows.size),
                      np.where(np.isinf(m.row_lower[rows]), -_INF, m.row_lower[rows]),
                      _finite(m.row_upper[rows]), 0, np.zeros(rows.size, dtype=np.int32),
                      np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float64))
            self._live(rows)
        sub = self._block(cols)
        h.addCols(int(cols.size), m.c[cols].astype(np.float64),
                  m.col_lower[cols].astype(np.float64),
                  _finite(self.boxes.restricted_upper(m, cols)),
                  int(sub.nnz), sub.indptr[:-1].astype(np.int32), sub.indices.astype(np.int32),
                  sub.data.astype(np.float64))
        self._take(cols)
        return int(cols.size)

    def undefer(self, h: highspy.Highs) -> int:
        """End the warm-up: add the deferred rows the columns in touch or that 0 does not
        satisfy (with those columns' entries), then the companions they bring; the number of
        columns added. The basis stays dual feasible (the new rows' slacks are basic, the
        companions cost >= 0 in the models here), so the dual simplex goes on from it."""
        m = self.model
        self.deferring = False
        unmet = np.flatnonzero(((m.row_lower > 0) | (m.row_upper < 0)) & (self.row_at < 0))
        rows = np.union1d(self._touched(self.cols), unmet)
        if rows.size:
            entries = sp.csr_matrix(self.csc[:, self.cols][rows, :])
            entries.sort_indices()
            h.addRows(int(rows.size),
                      np.where(np.isinf(m.row_lower[rows]), -_INF, m.row_lower[rows]),
                      _finite(m.row_upper[rows]), int(entries.nnz),
                      entries.indptr[:-1].astype(np.int32), entries.indices.astype(np.int32),
                      entries.data.astype(np.float64))
            self._live(rows)
        cols = self._with_companions(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
        return self.add(h, cols) if cols.size else 0

    def duals(self, row_dual: FloatArray) -> FloatArray:
        """The full model's row duals: HiGHS's on the live rows, 0 elsewhere, shifted in the
        box rows (:func:`~placement_opt.solvers.pricing_boxes.shift_duals`)."""
        y = np.zeros(self.model.n_rows)
        live = np.flatnonzero(self.row_at >= 0)
        y[live] = row_dual[self.row_at[live]]
        return shift_duals(self.model, self.csc, self.boxes, self.cols, y)


def _entering(model: MatrixModel, groups: IntArray, used: npt.NDArray[np.bool_],
              rc: FloatArray, tol: float, per_round: int) -> IntArray:
    """The omitted columns to add: each group's ``per_round`` most negative reduced costs
    below ``-tol * max(1, |c|)``, and every such column outside the groups."""
    bad = ~used & (model.col_upper > 0) & (rc < -tol * np.maximum(1.0, np.abs(model.c)))
    cand = np.flatnonzero(bad)
    arcs = cand[groups[cand] >= 0]
    keep = arcs[_ranks(groups, rc, arcs) < per_round]
    return np.sort(np.r_[keep, cand[groups[cand] < 0]])


def solve_by_pricing(model: MatrixModel, options: SolveOptions, *,
                     groups: IntArray | None = None, initial: int = INITIAL_ARCS,
                     per_round: int = PER_ROUND) -> RawSolution:
    """Solve the LP ``model`` by column pricing with HiGHS; the answer is for the full model
    (``x`` zero on columns never added, ``row_dual`` of the final restricted LP, 0 on the rows
    it left out, which is dual feasible for the full LP: see :func:`reduced_costs`).

    ``groups`` (default :func:`pricing_groups`) gives each column's pricing code: its group,
    -1 for columns always kept, ``-2 - group`` for a companion. With companions, the first
    rounds are a warm-up without them and their rows (:class:`_Restricted`), until fewer
    than :data:`WARM_UP_END` of the columns in would enter. With ``options.time_limit`` each
    round gets the time left; at the limit the last restricted optimum after the warm-up is
    returned as ``feasible_at_limit`` (feasible, not proven optimal, no duals). A restricted
    LP that is not optimal (infeasible, say, when a rule needs an omitted arc) falls back to
    the full solve.
    """
    if groups is None:
        groups = pricing_groups(model)
    if groups is None or model.is_mip:
        return solve_plain(model, options)
    groups, companions = split_groups(groups)
    start = _clock()
    ends = None if options.time_limit is None else start + float(options.time_limit)
    lp = _Restricted(model, companions)
    h = new_highs(options)
    lp.start(h, _initial_columns(model, groups, initial, companions))
    match_scheduler(int(options.threads))
    tol = float(h.getOptionValue("dual_feasibility_tolerance")[1])
    best: FloatArray | None = None  # the last restricted optimum, padded
    rounds = warm = 0
    while True:
        if ends is not None:
            left = ends - _clock()
            if left <= 0:
                return _at_limit(model, best, _clock() - start, rounds + 1)
            # HiGHS's time limit counts from the object's first run, not from this one.
            h.setOptionValue("time_limit", h.getRunTime() + left)
        h.run()
        rounds += 1
        status = h.getModelStatus()
        if status != _MS.kOptimal:
            break
        sol = h.getSolution()
        if not lp.deferring:
            best = np.zeros(model.n_cols)
            best[lp.cols] = np.asarray(sol.col_value, dtype=np.float64)
        y = lp.duals(np.asarray(sol.row_dual, dtype=np.float64))
        new = _entering(model, groups, lp.used | (companions & lp.deferring),
                        reduced_costs(model, y), tol, per_round)
        _say(options, f"pricing round {rounds}{' (warm-up)' if lp.deferring else ''}: objective "
             f"{h.getInfo().objective_function_value:.6f}, {lp.cols.size:,} columns, "
             f"{lp.n_live:,} rows, {new.size:,} entering")
        if lp.deferring and new.size <= WARM_UP_END * lp.cols.size:
            warm = rounds
            if new.size:
                lp.add(h, new)
            lp.undefer(h)
            continue
        if new.size == 0:
            info = h.getInfo()
            objective = float(info.objective_function_value)
            found = RawSolution(Status.OPTIMAL, best, objective, objective, 0.0, y,
                                _clock() - start, "highs",
                                f"{h.modelStatusToString(status)} (column pricing: {rounds} "
                                f"rounds{f' ({warm} warm-up)' if warm else ''}, "
                                f"{lp.cols.size:,} of {model.n_cols:,} columns, "
                                f"{lp.n_live:,} of {model.n_rows:,} rows)")
            return secondary_pass(h, model, lp.cols, found)
        lp.add(h, new)
    seconds = _clock() - start
    if status in _LIMITS:
        return _at_limit(model, best, seconds, rounds)
    rest = None if ends is None else ends - _clock()
    if rest is not None and rest <= 0:
        return _at_limit(model, best, seconds, rounds)
    _say(options, f"restricted LP {h.modelStatusToString(status)}: solving the full LP")
    return solve_plain(model, options.model_copy(update={"time_limit": rest}))


def _at_limit(model: MatrixModel, best: FloatArray | None, seconds: float,
              rounds: int) -> RawSolution:
    """The last restricted optimum (feasible for the full LP), or no solution."""
    if best is None:
        return RawSolution(Status.NO_SOLUTION_AT_LIMIT, None, None, None, None, None, seconds,
                           "highs", f"column pricing: time limit in round {rounds}")
    objective = float(model.c @ best + model.offset)
    return RawSolution(Status.FEASIBLE_AT_LIMIT, best, objective, None, None, None, seconds,
                       "highs", f"column pricing: time limit in round {rounds}; the restricted "
                       "optimum before it is feasible, not proven optimal")


def _say(options: SolveOptions, line: str) -> None:
    if options.verbose:
        print(line, file=sys.stdout, flush=True)
