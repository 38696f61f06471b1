"""The Safety Valve target as a row of the model (formulation: ``models/high_needs.md``): the
cumulative DSG balance at the end of the target financial year T must reach the target,

    sum_{a} omega_a * DSG_a(x) <= opening + income_{<=T} - outside_{<=T} - target (+ s),

``omega_a = sum_{f <= T} W[f, a]`` the share of academic year a's cost falling in financial
years up to T (:func:`placement_opt.finance.years.fy_weights`) and ``DSG_a(x)`` the
high-needs spend of academic year a that the budget export counts: the place cost of every
pupil in place, place funding on every commissioned place left empty (special schools and
SRPs), the changes' one-off costs less their savings, and ``unmet_cost_per_pupil`` for each
pupil-year left without a place. In a special school or SRP, place
cost + empty places x funding = capacity x funding + pupils x (place cost - funding), so the
tariff's split of a place cost into place funding and top-up does not matter. What no column
changes (the existing cohort, fixed capacity) is on the right-hand side. Soft targets add the
``shortfall`` column ``s`` at ``shortfall_penalty``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from placement_opt.finance.account import check_account_inputs
from placement_opt.finance.years import financial_year_label, fy_weights
from placement_opt.instance import Instance
from placement_opt.model.changes import ChangePlan, capacity_entries
from placement_opt.model.columns import ColumnBlock, ColumnLayout, Role, block
from placement_opt.model.data import ModelData
from placement_opt.model.rows import RowAccumulator
from placement_opt.schema.tables import KINDS

__all__ = ["FAMILY", "FUNDED_KINDS", "SafetyValve", "add_safety_valve_rows", "check_target",
           "plan_safety_valve"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

#: Row family of the target (one row).
FAMILY = "safety_valve"
#: Kinds paid place funding on their commissioned places (as in the budget export).
FUNDED_KINDS = ("special", "srp")


@dataclass(frozen=True)
class SafetyValve:
    """The target and the fixed parts of its row (kept in ``ModelLayout.safety_valve``).

    ``weight`` (T academic years) is omega_a; ``income`` and ``outside`` are the
    ``high_needs`` table's income and spend lines to the target year; ``fixed_spend`` is the
    DSG spend to the target year that no column changes. ``commissioned`` marks a block of
    ``commissioned`` columns (places commissioned at each funded candidate, by year)."""

    target: float
    target_year: int
    hard: bool
    penalty: float
    opening: float
    income: float
    outside: float
    weight: FloatArray
    fixed_spend: float = 0.0
    commissioned: IntArray | None = None
    unmet_cost: float = 0.0

    @property
    def label(self) -> str:
        """The target year as a financial year, e.g. ``2027-28``."""
        return financial_year_label(self.target_year)

    @property
    def headroom(self) -> float:
        """What the columns' DSG spend may reach: the row's right-hand side."""
        return self.opening + self.income - self.outside - self.fixed_spend - self.target

    def balance(self, column_spend: float) -> float:
        """The cumulative balance at the end of the target year given the columns' spend."""
        return self.opening + self.income - self.outside - self.fixed_spend - column_spend


def check_target(instance: Instance) -> None:
    """With a target set, raise :class:`InstanceError` naming the setting or the
    ``high_needs`` row, column and value that cannot be planned to (a target year outside the
    horizon, a line outside it, a negative amount)."""
    fin = instance.settings.finance
    if fin.target_year is None:
        return
    check_account_inputs(instance.high_needs, fin, instance.years, str(instance.source))


def plan_safety_valve(data: ModelData, instance: Instance) -> tuple[SafetyValve | None,
                                                                      list[ColumnBlock]]:
    """The target's terms and its column blocks (``shortfall`` when soft, ``commissioned``
    when funded candidates exist); ``(None, [])`` without a target."""
    fin = instance.settings.finance
    if fin.target_year is None or fin.balance_target is None:
        return None, []
    check_target(instance)
    years = list(data.years)
    t_idx = years.index(fin.target_year)
    weight = fy_weights(years)[: t_idx + 1].sum(axis=0)
    hn = instance.high_needs
    upto = hn["financial_year"].astype("int64").to_numpy() <= fin.target_year
    amount = hn["amount_gbp"].to_numpy(float)
    income = float(amount[upto & (hn["kind"] == "income").to_numpy(bool)].sum())
    outside = float(amount[upto & (hn["kind"] == "spend").to_numpy(bool)].sum())
    blocks = []
    hard = fin.target_mode == "hard"
    if not hard:
        blocks.append(block(Role.SHORTFALL, np.array([fin.shortfall_penalty]),
                            year=np.array([t_idx], dtype=np.int64)))
    cand = _funded_candidates(data, instance.policy.place_funding_per_place)
    if cand.size:
        n_t = len(years)
        blocks.append(block(Role.COMMISSIONED, np.zeros(cand.size * n_t),
                            year=np.tile(np.arange(n_t, dtype=np.int64), cand.size),
                            zone=np.repeat(data.prov_zone[cand], n_t),
                            provision=np.repeat(cand, n_t)))
    sv = SafetyValve(float(fin.balance_target), int(fin.target_year), hard,
                     float(fin.shortfall_penalty), float(fin.opening_balance), income, outside,
                     weight, commissioned=cand if cand.size else None,
                     unmet_cost=float(fin.unmet_cost_per_pupil))
    return sv, blocks


def _funded_candidates(data: ModelData, funding: float) -> IntArray:
    funded = np.isin(data.kind, [KINDS.index(k) for k in FUNDED_KINDS])
    return np.flatnonzero(data.candidate & funded & (funding > 0)).astype(np.int64)


def add_safety_valve_rows(rows: RowAccumulator, sv: SafetyValve, data: ModelData,
                          o_arc: IntArray, o_p: IntArray, o_t: IntArray, o_w: FloatArray,
                          o_place: FloatArray, e_p: IntArray, e_t: IntArray, e_n: FloatArray,
                          e_place: FloatArray, funding: float, changes: ChangePlan | None,
                          columns: ColumnLayout) -> SafetyValve:
    """Block ``commissioned_places`` (places commissioned at a funded candidate = its size in
    the years it is open) and the ``safety_valve`` row. Occupancy entries (``o_*``: arc, provision,
    year, weight, place cost per pupil) and the existing cohort (``e_*``: provision, year,
    pupils, place cost per pupil) give the pupils' spend. Returns ``sv`` with its fixed spend."""
    n_p, n_t = len(data.provisions), len(data.years)
    omega = sv.weight
    funded = np.isin(data.kind, [KINDS.index(k) for k in FUNDED_KINDS]) & (funding > 0)
    cols: list[IntArray] = []
    vals: list[FloatArray] = []
    # Pupils placed: their place cost, less the place funding their commissioned place carries.
    n_arcs = columns.size(Role.ARC)
    per = o_w * (o_place - funding * funded[o_p]) * omega[o_t]
    arc_coef = np.asarray(np.bincount(o_arc, weights=per, minlength=n_arcs), dtype=np.float64)
    cols.append(np.arange(n_arcs, dtype=np.int64))
    vals.append(arc_coef)
    if sv.unmet_cost > 0:  # pupils left without a place are still placed, at this cost
        cols.append(columns.index(Role.UNMET))
        vals.append(sv.unmet_cost * omega[data.d_year])
    existing = np.zeros((n_p, n_t))
    np.add.at(existing, (e_p, e_t), e_n)
    fixed = float(np.sum(omega[e_t] * e_n * e_place))
    # Places funded: capacity x funding, with capacity moved by expansions and reductions.
    variable = np.zeros((n_p, n_t), dtype=bool)
    variable[o_p, o_t] = True
    n_e = int(data.exp_prov.size)
    if n_e:
        e_opt = np.repeat(np.arange(n_e, dtype=np.int64), n_t)
        e_year = np.tile(np.arange(n_t, dtype=np.int64), n_e)
        later = np.cumsum(omega[::-1])[::-1]  # omega summed over the years from t on
        inc = funding * funded[data.exp_prov[e_opt]] * data.exp_increment[e_opt] * later[e_year]
        cols.append(columns.start(Role.EXPAND) + e_opt * n_t + e_year)
        vals.append(inc)
        variable[data.exp_prov] = True
    if changes is not None:
        prov, year, col = capacity_entries(changes, n_t, columns.start(Role.CHANGE))
        cols.append(col)
        vals.append(-funding * funded[prov] * omega[year])
        variable[prov, year] = True
        cols.append(columns.index(Role.CHANGE))
        vals.append(_change_spend(changes, omega))
    fixed_cap = np.where(data.candidate[:, None], 0.0, data.cap_total)
    vacant = np.where(variable, fixed_cap - existing, np.maximum(fixed_cap - existing, 0.0))
    fixed += float(np.sum(funding * funded[:, None] * vacant * omega[None, :]))
    if sv.commissioned is not None:
        cols.append(columns.index(Role.COMMISSIONED))
        vals.append(funding * np.tile(omega, sv.commissioned.size))
        _add_commissioned_rows(rows, sv.commissioned, data, columns)
    if not sv.hard:
        cols.append(columns.index(Role.SHORTFALL))
        vals.append(-np.ones(1))
    col = np.concatenate(cols)
    val = np.concatenate(vals)
    keep = val != 0
    out = replace(sv, fixed_spend=fixed)
    rows.add(FAMILY, {"year": np.array([int(data.years.index(sv.target_year))], dtype=np.int64)},
             np.zeros(int(keep.sum()), dtype=np.int64), col[keep], val[keep],
             np.array([-np.inf]), np.array([out.headroom]))
    return out


def _change_spend(changes: ChangePlan, omega: FloatArray) -> FloatArray:
    """Per change column (option o taking effect in year t): its one-off cost in year t less
    its saving in every year from t on, weighted by omega."""
    n_t = omega.size
    later = np.cumsum(omega[::-1])[::-1]
    opt = np.repeat(np.arange(changes.n_options), n_t)
    year = np.tile(np.arange(n_t), changes.n_options)
    return np.asarray(changes.one_off[opt] * omega[year] - changes.saving[opt] * later[year],
                      dtype=np.float64)


def _add_commissioned_rows(rows: RowAccumulator, cand: IntArray, data: ModelData,
                           columns: ColumnLayout) -> None:
    """``commissioned_places``: with m the most places a candidate may have and y its open
    column, q_t = size * y_t exactly: q <= size, q <= m * y, q >= size - m * (1 - y)."""
    n_t = len(data.years)
    slot = np.full(len(data.provisions), -1, dtype=np.int64)
    all_cand = np.flatnonzero(data.candidate)
    slot[all_cand] = np.arange(all_cand.size)
    c = np.repeat(np.arange(cand.size, dtype=np.int64), n_t)
    t = np.tile(np.arange(n_t, dtype=np.int64), cand.size)
    q = columns.index(Role.COMMISSIONED)
    size = columns.start(Role.SIZE) + slot[cand[c]]
    y = columns.start(Role.OPEN) + slot[cand[c]] * n_t + t
    most = data.cap_total[cand].max(axis=1)[c] if n_t else np.zeros(0)
    n = q.size
    r = np.arange(n, dtype=np.int64)
    keys = {"provision": cand[c], "year": t}
    rows.add("commissioned_places", {k: np.tile(v, 3) for k, v in keys.items()},
             np.concatenate([r, r, r + n, r + n, r + 2 * n, r + 2 * n, r + 2 * n]),
             np.concatenate([q, size, q, y, q, size, y]),
             np.concatenate([np.ones(n), -np.ones(n), np.ones(n), -most, np.ones(n), -np.ones(n),
                             -most]),
             np.concatenate([np.full(2 * n, -np.inf), -most]),
             np.concatenate([np.zeros(2 * n), np.full(n, np.inf)]))
