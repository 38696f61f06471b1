"""Closure, reduction and redesignation options (formulation: ``models/changes.md``).

Option ``o`` on provision ``p`` has one integer column per year ``t``: ``z[o, t]`` = 1 when
the change takes effect from year t (for ``reduce``: the places removed from year t on).
``Z[o, t] = sum_{tau <= t} z[o, tau]`` is the change in effect in year t. Cost of
``z[o, t]``: ``one_off - saving_per_year * (years left from t)`` (per place for reduce).

- close: no new placements at p once in effect, ``x_a + D_a Z[o, t_a] <= D_a`` (pupils in
  place stay until they leave their phase: a phased closure, as councils close schools);
- reduce: the places removed come off p's capacity row, ``... + Z[o, t] <= Cap``;
- redesignate: arcs of needs only in the new designation need ``Z`` (``x_a - D_a Z <= 0``),
  arcs of needs dropped by it close to new placements (``x_a + D_a Z <= D_a``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from placement_opt.instance import Instance
from placement_opt.model.arcs import Arcs
from placement_opt.model.columns import ColumnBlock, Role, block
from placement_opt.model.data import ModelData
from placement_opt.model.rows import RowAccumulator
from placement_opt.schema.tables import CHANGE_ACTIONS, KINDS, LIST_SEPARATOR

__all__ = ["CHANGE_COLUMNS", "ChangePlan", "add_change_rows", "change_table", "plan_changes",
           "removed_places"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

CLOSE, REDUCE, REDESIGNATE = (CHANGE_ACTIONS.index(a) for a in ("close", "reduce", "redesignate"))
#: Columns of :attr:`placement_opt.Result.changes`.
CHANGE_COLUMNS = [
    "provision", "provision_name", "kind", "zone", "action", "year", "places_removed",
    "new_needs", "one_off_cost", "saving_per_year", "years_in_effect", "saving_over_horizon",
]


@dataclass(frozen=True)
class ChangePlan:
    """The change options and their column block (kept in ``ModelLayout.changes``)."""

    columns: ColumnBlock
    provision: IntArray  # O
    action: IntArray  # O, index into CHANGE_ACTIONS
    one_off: FloatArray  # O
    saving: FloatArray  # O
    new_needs: BoolArray  # O × K (redesignate)
    base_needs: BoolArray  # O × K, the provision's designation before any change

    @property
    def n_options(self) -> int:
        """Number of options."""
        return int(self.provision.size)


def plan_changes(data: ModelData, instance: Instance) -> ChangePlan | None:
    """The option columns, option by option and year by year (``None`` when the instance has
    none)."""
    ch = instance.changes
    if len(ch) == 0:
        return None
    n_t, n_k = len(data.years), len(data.needs)
    pi = {p: i for i, p in enumerate(data.provisions)}
    ki = {k: i for i, k in enumerate(data.needs)}
    prov = np.asarray([pi[p] for p in ch["provision"]], dtype=np.int64)
    action = np.asarray([CHANGE_ACTIONS.index(a) for a in ch["action"]], dtype=np.int64)
    n_o = int(prov.size)
    new_needs = np.zeros((n_o, n_k), dtype=bool)
    base = np.zeros((n_o, n_k), dtype=bool)
    designations = instance.provisions.set_index("provision")["needs"]
    for o, (pid, cell) in enumerate(zip(ch["provision"], ch["needs"], strict=True)):
        base[o, [ki[k] for k in str(designations[pid]).split(LIST_SEPARATOR)]] = True
        if isinstance(cell, str):
            new_needs[o, [ki[k] for k in cell.split(LIST_SEPARATOR)]] = True
    earliest = ch["earliest_year"].astype("float").to_numpy()
    first = np.searchsorted(np.asarray(data.years, dtype=float),
                            np.where(np.isnan(earliest), -np.inf, earliest))
    one_off = ch["one_off_cost"].fillna(0.0).to_numpy(float)
    saving = ch["saving_per_year"].fillna(0.0).to_numpy(float)
    most = np.where(action == REDUCE, ch["places"].fillna(0.0).to_numpy(float), 1.0)
    opt = np.repeat(np.arange(n_o, dtype=np.int64), n_t)
    year = np.tile(np.arange(n_t, dtype=np.int64), n_o)
    cost = np.asarray(one_off[opt] - saving[opt] * (n_t - year), dtype=np.float64)
    upper = np.where(year >= first[opt], most[opt], 0.0)
    columns = block(Role.CHANGE, cost, upper, True, year=year, zone=data.prov_zone[prov[opt]],
                    provision=prov[opt])
    return ChangePlan(columns, prov, action, one_off, saving, new_needs, base)


def capacity_entries(plan: ChangePlan, n_t: int, start: int
                     ) -> tuple[IntArray, IntArray, IntArray]:
    """(provision, year, column): reductions in effect come off the capacity row (+1); the
    option columns start at column ``start``."""
    red = np.flatnonzero(plan.action == REDUCE)
    # Year t's row takes every z[o, tau] with tau <= t.
    o = np.repeat(red, n_t * (n_t + 1) // 2)
    t = np.tile(np.concatenate([np.full(k + 1, k) for k in range(n_t)]), red.size)
    tau = np.tile(np.concatenate([np.arange(k + 1) for k in range(n_t)]), red.size)
    col = start + o * n_t + tau
    return plan.provision[o], t.astype(np.int64), col.astype(np.int64)


def add_change_rows(rows: RowAccumulator, plan: ChangePlan, data: ModelData, arcs: Arcs,
                    existing_at: FloatArray, start: int) -> None:
    """``change_once`` (each option taken at most once, or at most its places),
    ``reduce_within_capacity`` (places removed in effect <= the places not held by the existing
    cohort, every year, also where no placement can be made), and the arc rows of closures
    (``closed_admissions``) and redesignations (``redesignated_need``). ``existing_at`` is
    P × T: places the existing cohort holds; the option columns start at column ``start``."""
    n_t = len(data.years)
    n_o = plan.n_options
    col = start + np.arange(n_o * n_t, dtype=np.int64)
    most = np.where(plan.action == REDUCE, plan.columns.upper.reshape(n_o, n_t).max(axis=1), 1.0)
    rows.add("change_once", {"provision": plan.provision}, np.repeat(np.arange(n_o), n_t), col,
             np.ones(col.size), np.full(n_o, -np.inf), most)
    red = np.flatnonzero(plan.action == REDUCE)
    if red.size:
        prov, year, cols = capacity_entries(plan, n_t, start)
        key, row = np.unique(prov * n_t + year, return_inverse=True)
        rp, rt = key // n_t, key % n_t
        rows.add("reduce_within_capacity", {"provision": rp, "year": rt}, row.astype(np.int64),
                 cols, np.ones(cols.size), np.full(key.size, -np.inf),
                 np.maximum(data.cap_total[rp, rt] - existing_at[rp, rt], 0.0))
    a_p = arcs.provision
    a_k = data.d_need[arcs.demand]
    a_t = data.d_year[arcs.demand]
    a_d = data.d_pupils[arcs.demand]
    # Pairs (arc, option) and the sign: +1 closes the arc once in effect, -1 opens it.
    arc_parts: list[IntArray] = []
    opt_parts: list[IntArray] = []
    sign_parts: list[FloatArray] = []
    for o in range(n_o):
        at = np.flatnonzero(a_p == plan.provision[o])
        if plan.action[o] == CLOSE:
            sign = np.ones(at.size)
        elif plan.action[o] == REDESIGNATE:
            k = a_k[at]
            gained = plan.new_needs[o, k] & ~plan.base_needs[o, k]
            lost = plan.base_needs[o, k] & ~plan.new_needs[o, k]
            at = at[gained | lost]
            sign = np.where(gained[gained | lost], -1.0, 1.0)
        else:
            continue
        arc_parts.append(at.astype(np.int64))
        opt_parts.append(np.full(at.size, o, dtype=np.int64))
        sign_parts.append(sign)
    if not arc_parts:
        return
    arc = np.concatenate(arc_parts)
    opt = np.concatenate(opt_parts)
    sign = np.concatenate(sign_parts)
    for family, chosen in (("closed_admissions", sign > 0), ("redesignated_need", sign < 0)):
        idx = np.flatnonzero(chosen)
        if idx.size == 0:
            continue
        a, opts, signs = arc[idx], opt[idx], sign[idx]
        counts = a_t[a] + 1
        r = np.repeat(np.arange(idx.size, dtype=np.int64), counts)
        tau = np.arange(r.size, dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
        rows.add(family, {"provision": a_p[a], "need": a_k[a], "year": a_t[a]},
                 np.concatenate([np.arange(idx.size, dtype=np.int64), r]),
                 np.concatenate([a, start + opts[r] * n_t + tau]),
                 np.concatenate([np.ones(idx.size), signs[r] * a_d[a[r]]]),
                 np.full(idx.size, -np.inf), np.where(signs > 0, a_d[a], 0.0))


def removed_places(plan: ChangePlan | None, data: ModelData, z: FloatArray) -> FloatArray:
    """P × T places removed by reductions in effect each year (``z``: the option columns'
    values in a solution)."""
    out = np.zeros((len(data.provisions), len(data.years)))
    if plan is None:
        return out
    n_t = len(data.years)
    z = np.round(z.reshape(plan.n_options, n_t))
    red = plan.action == REDUCE
    np.add.at(out, plan.provision[red], np.cumsum(z[red], axis=1))
    return out


def change_table(plan: ChangePlan | None, data: ModelData, z: FloatArray,
                 names: dict[str, str]) -> pd.DataFrame:
    """The changes taken (``z``: the option columns' values): one row per option, with its
    year, places and costs."""
    if plan is None:
        return pd.DataFrame(columns=CHANGE_COLUMNS)
    n_t = len(data.years)
    z = np.round(z.reshape(plan.n_options, n_t))
    o, t = np.nonzero(z > 0.5)
    p = plan.provision[o]
    amount = z[o, t]
    reduce = plan.action[o] == REDUCE
    needs = np.asarray(data.needs, dtype=object)
    pids = np.asarray(data.provisions, dtype=object)[p]
    return pd.DataFrame({
        "provision": pids,
        "provision_name": [names.get(str(v), str(v)) for v in pids],
        "kind": np.asarray(KINDS, dtype=object)[data.kind[p]],
        "zone": np.asarray(data.zones, dtype=object)[data.prov_zone[p]],
        "action": np.asarray(CHANGE_ACTIONS, dtype=object)[plan.action[o]],
        "year": np.asarray(data.years, dtype=np.int64)[t],
        "places_removed": np.where(reduce, amount, 0.0),
        "new_needs": [LIST_SEPARATOR.join(needs[plan.new_needs[i]]) for i in o],
        "one_off_cost": plan.one_off[o] * amount,
        "saving_per_year": plan.saving[o] * amount,
        "years_in_effect": n_t - t,
        "saving_over_horizon": plan.saving[o] * amount * (n_t - t),
    }, columns=CHANGE_COLUMNS)
