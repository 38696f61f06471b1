"""Result: status, objective, gap and tidy tables keyed like the arc table. A new object; the
model and instance are left as they were."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from placement_opt.budget import Stage
from placement_opt.errors import Issue
from placement_opt.instance import Instance
from placement_opt.model.changes import CHANGE_COLUMNS, change_table, removed_places
from placement_opt.model.columns import Role
from placement_opt.model.data import ModelData
from placement_opt.model.layout import ModelLayout
from placement_opt.model.locality import is_local
from placement_opt.model.matrix import MatrixModel
from placement_opt.model.occupancy import existing_occupancy
from placement_opt.model.transfers import TRANSFER_COLUMNS
from placement_opt.model.transport import kind_shares, transport_cost
from placement_opt.results.plan_kpis import plan_kpis
from placement_opt.results.rounding import whole_pupils, with_whole_columns
from placement_opt.schema.tables import KINDS
from placement_opt.solvers.base import RawSolution
from placement_opt.status import Status

if TYPE_CHECKING:
    pass

__all__ = ["ALLOCATION_COLUMNS", "Result", "make_result"]

#: Columns of :attr:`Result.allocations`, in order.
ALLOCATION_COLUMNS = [
    "year", "zone", "need", "phase", "level", "provision", "provision_name", "kind",
    "provision_zone",
    "local", "pupils", "pupils_whole", "new_pupils", "journey_min", "km", "place_cost", "transport_cost",
    "journey_cost", "cost",
]
_TOL = 1e-9


@dataclass(frozen=True)
class Result:
    """Outcome of :func:`placement_opt.solve`.

    Tables (pandas, one row per key): ``allocations`` (year × zone × need × phase × level ×
    provision with pupils > 0), ``utilisation`` (provision × year), ``unmet`` (zone × need ×
    phase × level × year with unmet > 0), ``kpis`` (kpi × year, year ``"all"`` for the horizon).
    Pupil counts are exact LP figures (``allocations.pupils``, ``utilisation.placed``,
    ``unmet.unmet``; costs are computed from them and add up to the objective), each with a
    whole-number counterpart that still adds up (``pupils_whole``; ``placed_whole`` and
    ``spare_whole``; ``demand_whole``, ``placed_whole`` and ``unmet_whole``; KPIs
    ``*_whole``), by the controlled rounding of :mod:`placement_opt.results.rounding`.
    ``openings.places`` (sizes) and expansion increments are whole in the model itself.
    ``diagnosis`` (infeasible runs only) lists the planning rules that would have to give,
    and by how much. ``duals`` (for a MIP, from the LP with the integer decisions fixed) has
    one row per constraint: family, keys, bounds and
    ``dual`` = d(objective)/d(right-hand side). ``warnings`` holds the instance's and the
    pre-solve checks' findings. ``stages`` records how each stage of the solve ended under
    the time budget (``done``, ``cut_short`` or ``skipped``); ``cut_short`` names those the
    budget stopped. ``instance`` is the instance solved (what :meth:`write` copies and
    reports on). In a notebook a Result shows itself as a small table (status, objective,
    KPIs); :meth:`write` writes the run folder of ``placement-opt solve --out``.
    """

    status: Status
    objective: float | None
    bound: float | None
    gap: float | None
    backend: str
    solve_seconds: float
    build_seconds: float
    allocations: pd.DataFrame
    utilisation: pd.DataFrame
    unmet: pd.DataFrame
    kpis: pd.DataFrame
    duals: pd.DataFrame
    openings: pd.DataFrame
    expansions: pd.DataFrame
    capital: pd.DataFrame
    budget_use: pd.DataFrame
    diagnosis: pd.DataFrame
    warnings: tuple[Issue, ...]
    instance_name: str
    instance_fingerprint: str
    model_size: dict[str, int] = field(default_factory=dict)
    message: str = ""
    transfers: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=TRANSFER_COLUMNS))
    changes: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=CHANGE_COLUMNS))
    stages: tuple[Stage, ...] = ()
    instance: Instance | None = field(default=None, repr=False, compare=False)

    def __repr__(self) -> str:
        from placement_opt.results.display import result_text

        return result_text(self)

    def _repr_html_(self) -> str:
        """Status, objective, gap and the horizon's KPIs as a small HTML table (Jupyter)."""
        from placement_opt.results.display import result_html

        return result_html(self)

    @property
    def cut_short(self) -> tuple[str, ...]:
        """Names of the stages the time budget stopped or skipped (empty: none)."""
        return tuple(s.name for s in self.stages if s.outcome != "done")

    def kpi(self, name: str, year: int | str = "all") -> float:
        """One KPI value (``year="all"`` for the whole horizon)."""
        rows = self.kpis[(self.kpis["kpi"] == name) & (self.kpis["year"].astype(str) == str(year))]
        if rows.empty:
            raise KeyError(f"no KPI {name!r} for year {year!r}")
        return float(rows["value"].iloc[0])

    def tables(self) -> dict[str, pd.DataFrame]:
        """The result tables by name (the files ``solve`` writes)."""
        return {"allocations": self.allocations, "utilisation": self.utilisation,
                "unmet": self.unmet, "kpis": self.kpis, "duals": self.duals,
                "openings": self.openings, "expansions": self.expansions,
                "capital": self.capital, "budget_use": self.budget_use,
                "diagnosis": self.diagnosis, "transfers": self.transfers, "changes": self.changes}


def make_result(inst: Instance, data: ModelData, model: MatrixModel, raw: RawSolution,
                warnings: list[Issue], build_seconds: float,
                diagnosis: pd.DataFrame | None = None, stages: tuple[Stage, ...] = ()) -> Result:
    """Turn a backend's arrays into tidy tables and KPIs."""
    size = {"columns": model.n_cols, "rows": model.n_rows, "nonzeros": int(model.A.nnz),
            "arcs": _layout(model).n_arcs}
    common: dict[str, Any] = {
        "status": raw.status, "objective": raw.objective, "bound": raw.bound, "gap": raw.gap,
        "backend": raw.backend, "solve_seconds": raw.seconds, "build_seconds": build_seconds,
        "warnings": tuple(inst.warnings) + tuple(warnings), "instance_name": inst.name,
        "instance_fingerprint": inst.fingerprint(), "model_size": size, "message": raw.message,
        "diagnosis": diagnosis if diagnosis is not None else pd.DataFrame(columns=["family"]),
        "stages": stages, "instance": inst,
    }
    if raw.x is None:
        empty = pd.DataFrame()
        return Result(allocations=pd.DataFrame(columns=ALLOCATION_COLUMNS), utilisation=empty,
                      unmet=empty, kpis=pd.DataFrame(columns=["kpi", "year", "value", "unit"]),
                      duals=empty, openings=empty, expansions=empty, capital=empty,
                      budget_use=empty, **common)
    alloc = _allocations(inst, data, model, raw.x)
    util = _utilisation(inst, data, model, raw)
    unmet = _unmet(data, model, raw.x)
    whole = whole_pupils(data, alloc, util, unmet)  # whole pupils that add up (rounding.py)
    alloc, util, unmet = with_whole_columns(alloc, util, unmet, whole)
    common["warnings"] += whole.warnings
    openings = _openings(inst, data, model, raw.x)
    expansions = _expansions(inst, data, model, raw.x)
    capital = _capital_by_year(openings, expansions)
    budget_use = _budget_use(data, model, raw.x, alloc, capital)
    kpis = _kpis(data, alloc, unmet, inst.policy.unmet_penalty, capital, budget_use,
                 inst.policy.overspend_penalty, kind_shares(inst.policy), whole.year_demand)
    layout = _layout(model)
    plan = layout.transfers
    transfers = (plan.table(data, raw.x, layout.columns, KINDS) if plan is not None
                 else pd.DataFrame(columns=TRANSFER_COLUMNS))
    names = dict(zip(inst.provisions["provision"],
                     inst.provisions["name"].fillna(inst.provisions["provision"]), strict=True))
    changes = change_table(layout.changes, data, layout.values(raw.x, Role.CHANGE), names)
    extra, adds = plan_kpis(transfers, changes, data.years, inst.policy)
    if len(extra):
        is_obj = kpis["kpi"] == "objective"
        kpis.loc[is_obj, "value"] += kpis.loc[is_obj, "year"].map(adds).fillna(0.0)
        kpis = pd.concat([kpis, extra], ignore_index=True)
    kpis = _with_shortfall(kpis, layout, raw.x)
    return Result(allocations=alloc, utilisation=util, unmet=unmet, kpis=kpis,
                  duals=_duals(model, raw), openings=openings, expansions=expansions,
                  capital=capital, budget_use=budget_use, transfers=transfers, changes=changes,
                  **common)


def _with_shortfall(kpis: pd.DataFrame, layout: ModelLayout, x: np.ndarray) -> pd.DataFrame:
    """With a Safety Valve target (models/high_needs.md): ``safety_valve_shortfall`` (GBP of
    balance short of it) and ``safety_valve_penalty`` in the target year and the horizon, the
    penalty added to their objective."""
    sv = layout.safety_valve
    if sv is None:
        return kpis
    short = float(layout.values(x, Role.SHORTFALL).sum())
    years = [str(sv.target_year), "all"]
    is_obj = (kpis["kpi"] == "objective") & kpis["year"].isin(years)
    kpis.loc[is_obj, "value"] += sv.penalty * short
    rows = [(k, y, v, "GBP") for y in years
            for k, v in (("safety_valve_shortfall", short), ("safety_valve_penalty",
                                                             sv.penalty * short))]
    return pd.concat([kpis, pd.DataFrame(rows, columns=list(kpis.columns))], ignore_index=True)


def _layout(model: MatrixModel) -> ModelLayout:
    """The layout of a model built by ``build_from_data`` (the only models results read)."""
    if model.layout is None:
        raise ValueError("the model has no layout: results read models from build_from_data")
    return model.layout


def _stock(data: ModelData, model: MatrixModel, x: np.ndarray
           ) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Pupils in place by (zone, need, phase, level, provision, year): placed that year, still
    there from earlier years (continuity) or in the existing cohort; and those placed that year."""
    layout = _layout(model)
    n_a = layout.n_arcs
    keys = model.column_keys
    occ = layout.occupancy
    e_row, e_t, e_n = existing_occupancy(data, layout.continuity)
    z = np.concatenate([keys["zone"][occ.arc], data.e_zone[e_row], keys["zone"][:n_a]])
    k = np.concatenate([keys["need"][occ.arc], data.e_need[e_row], keys["need"][:n_a]])
    h = np.concatenate([keys["phase"][occ.arc], data.e_phase[e_row], keys["phase"][:n_a]])
    p = np.concatenate([keys["provision"][occ.arc], data.e_prov[e_row], keys["provision"][:n_a]])
    a_l = data.d_level[keys["demand_row"][:n_a]]
    lv = np.concatenate([a_l[occ.arc], data.e_level[e_row], a_l])
    t = np.concatenate([occ.year, e_t, keys["year"][:n_a]])
    held = np.concatenate([occ.weight * x[occ.arc], e_n, np.zeros(n_a)])
    new = np.concatenate([np.zeros(occ.arc.size + e_n.size), x[:n_a]])
    n_z, n_k, n_h, n_p = len(data.zones), len(data.needs), len(data.phases), len(data.provisions)
    n_l = len(data.levels)
    code = ((((z * n_k + k) * n_h + h) * n_l + lv) * n_p + p) * len(data.years) + t
    uniq, inv = np.unique(code, return_inverse=True)
    pupils = np.bincount(inv, weights=held, minlength=uniq.size)
    placed_now = np.bincount(inv, weights=new, minlength=uniq.size)
    keep = (pupils > _TOL) | (placed_now > _TOL)
    uniq, pupils, placed_now = uniq[keep], pupils[keep], placed_now[keep]
    rest, t_u = np.divmod(uniq, len(data.years))
    rest, p_u = np.divmod(rest, n_p)
    rest, l_u = np.divmod(rest, n_l)
    rest, h_u = np.divmod(rest, n_h)
    z_u, k_u = np.divmod(rest, n_k)
    assert n_z > 0
    return ({"zone": z_u, "need": k_u, "phase": h_u, "level": l_u, "provision": p_u,
             "year": t_u}, pupils, placed_now)


def _allocations(inst: Instance, data: ModelData, model: MatrixModel, x: np.ndarray) -> pd.DataFrame:
    codes, pupils, placed_now = _stock(data, model, x)
    p, z = codes["provision"], codes["zone"]
    pol = inst.policy
    km = data.km[z, p]
    minutes = data.minutes[z, p]
    place = data.place_cost(p, codes["need"], codes["level"], codes["year"]) * pupils
    transport = transport_cost(data, pol, z, p) * pupils
    journey = pol.journey_cost_per_min * minutes * pupils
    names = inst.provisions["name"].fillna(inst.provisions["provision"]).to_numpy(object)
    frame = pd.DataFrame({
        "year": np.asarray(data.years, dtype=np.int64)[codes["year"]],
        "zone": np.asarray(data.zones, dtype=object)[z],
        "need": np.asarray(data.needs, dtype=object)[codes["need"]],
        "phase": np.asarray(data.phases, dtype=object)[codes["phase"]],
        "level": np.asarray(data.levels, dtype=object)[codes["level"]],
        "provision": np.asarray(data.provisions, dtype=object)[p],
        "provision_name": names[p],
        "kind": np.asarray(KINDS, dtype=object)[data.kind[p]],
        "provision_zone": np.asarray(data.zones, dtype=object)[data.prov_zone[p]],
        "local": is_local(data, z, p),  # models/allocation.md, *Met locally*
        "pupils": pupils, "new_pupils": placed_now, "journey_min": minutes, "km": km,
        "place_cost": place, "transport_cost": transport, "journey_cost": journey,
        "cost": place + transport + journey,
    })
    return frame.sort_values(["year", "zone", "need", "phase", "level", "provision"],
                             kind="stable").reset_index(drop=True)


def _utilisation(inst: Instance, data: ModelData, model: MatrixModel,
                 raw: RawSolution) -> pd.DataFrame:
    n_p, n_t = len(data.provisions), len(data.years)
    pp = np.repeat(np.arange(n_p), n_t)
    tt = np.tile(np.arange(n_t), n_p)
    placed = np.zeros((n_p, n_t))
    assert raw.x is not None
    codes, pupils, _ = _stock(data, model, raw.x)
    np.add.at(placed, (codes["provision"], codes["year"]), pupils)
    shadow = np.full((n_p, n_t), np.nan)
    if raw.row_dual is not None:
        shadow[:] = 0.0
        # One more place relaxes the capacity row and, at an open candidate, its size link too.
        for family in ("capacity", "candidate_size"):
            block = model.block(family)
            if block is not None:
                np.add.at(shadow, (block.keys["provision"], block.keys["year"]),
                          raw.row_dual[block.start:block.stop])
    opened, size = _open_state(data, model, raw.x)
    layout = _layout(model)
    effective = np.where(opened, np.minimum(data.cap_total, size[:, None]), 0.0)
    cap = (np.where(data.candidate[:, None], effective, data.cap_total)
           + _added_places(data, model, raw.x)
           - removed_places(layout.changes, data, layout.values(raw.x, Role.CHANGE)))[pp, tt]
    names = inst.provisions["name"].fillna(inst.provisions["provision"]).to_numpy(object)
    used = placed[pp, tt]
    return pd.DataFrame({
        "provision": np.asarray(data.provisions, dtype=object)[pp],
        "provision_name": names[pp],
        "kind": np.asarray(KINDS, dtype=object)[data.kind[pp]],
        "zone": np.asarray(data.zones, dtype=object)[data.prov_zone[pp]],
        "year": np.asarray(data.years, dtype=np.int64)[tt],
        "capacity": cap, "placed": used, "spare": cap - used,
        "utilisation": np.divide(used, cap, out=np.zeros_like(used), where=cap > 0),
        "shadow_price": shadow[pp, tt],
    })


def _open_state(data: ModelData, model: MatrixModel,
                x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """P × T open flags (True for every year of a non-candidate) and P sizes, whole places
    (NaN if none)."""
    n_p, n_t = len(data.provisions), len(data.years)
    opened = np.ones((n_p, n_t), dtype=bool)
    size = np.full(n_p, np.nan)
    layout = _layout(model)
    n_c = layout.columns.size(Role.SIZE)
    if n_c:
        cand = np.flatnonzero(data.candidate)
        opened[cand] = layout.values(x, Role.OPEN).reshape(n_c, n_t) > 0.5
        size[cand] = np.where(opened[cand, -1], np.round(layout.values(x, Role.SIZE)), 0.0)
    return opened, size


def _increments(data: ModelData, model: MatrixModel, x: np.ndarray) -> np.ndarray:
    """E × T increments of each expansion option first in use in each year (rounded)."""
    n_e, n_t = int(data.exp_prov.size), len(data.years)
    if n_e == 0:
        return np.zeros((0, n_t))
    return np.round(_layout(model).values(x, Role.EXPAND).reshape(n_e, n_t))


def _added_places(data: ModelData, model: MatrixModel, x: np.ndarray) -> np.ndarray:
    """P × T places added by expansions and in use in each year."""
    added = np.zeros((len(data.provisions), len(data.years)))
    inc = _increments(data, model, x)
    if inc.size:
        np.add.at(added, data.exp_prov, np.cumsum(inc, axis=1) * data.exp_increment[:, None])
    return added


def _expansions(inst: Instance, data: ModelData, model: MatrixModel, x: np.ndarray) -> pd.DataFrame:
    """The expansion plan: one row per option and year in which increments come into use."""
    inc = _increments(data, model, x)
    e, t = np.nonzero(inc > 0.5)
    years = np.asarray(data.years, dtype=np.int64)
    p = data.exp_prov[e]
    names = inst.provisions["name"].fillna(inst.provisions["provision"]).to_numpy(object)
    return pd.DataFrame({
        "provision": np.asarray(data.provisions, dtype=object)[p],
        "provision_name": names[p],
        "kind": np.asarray(KINDS, dtype=object)[data.kind[p]],
        "zone": np.asarray(data.zones, dtype=object)[data.prov_zone[p]],
        "year_in_use": years[t],
        "start_year": years[t] - data.exp_lead[e],
        "increments": inc[e, t],
        "places_added": inc[e, t] * data.exp_increment[e],
        "capital_cost": inc[e, t] * data.exp_cost[e],
    })


def _budget_use(data: ModelData, model: MatrixModel, x: np.ndarray, alloc: pd.DataFrame,
                capital: pd.DataFrame) -> pd.DataFrame:
    """Per year: revenue budget, revenue spent, overspend, capital budget, capital spent."""
    years = list(data.years)
    spent = alloc.groupby("year")[["place_cost", "transport_cost"]].sum().sum(axis=1)
    cap_spent = capital.groupby("year")["amount"].sum() if len(capital) else pd.Series(dtype=float)
    over = np.zeros(len(years))
    layout = _layout(model)
    if layout.budget_years.size:
        over[layout.budget_years] = layout.values(x, Role.OVERSPEND)
    return pd.DataFrame({
        "year": np.asarray(years, dtype=np.int64),
        "revenue_budget": data.revenue_budget,
        "revenue_spent": [float(spent.get(y, 0.0)) for y in years],
        "overspend": over,
        "capital_budget": data.capital_budget,
        "capital_spent": [float(cap_spent.get(y, 0.0)) for y in years],
    })


def _capital_by_year(openings: pd.DataFrame, expansions: pd.DataFrame) -> pd.DataFrame:
    """Capital spent: year, provision, kind, zone, places, amount (openings and expansions)."""
    opened = openings[openings["opened"]] if len(openings) else openings
    parts = [pd.DataFrame({
        "year": opened["open_year"].astype("int64"), "provision": opened["provision"],
        "kind": opened["kind"], "zone": opened["zone"], "places": opened["places"],
        "amount": opened["capital_cost"], "what": "opening"})] if len(opened) else []
    if len(expansions):
        parts.append(pd.DataFrame({
            "year": expansions["start_year"].astype("int64"), "provision": expansions["provision"],
            "kind": expansions["kind"], "zone": expansions["zone"],
            "places": expansions["places_added"], "amount": expansions["capital_cost"],
            "what": "expansion"}))
    if not parts:
        return pd.DataFrame(columns=["year", "provision", "kind", "zone", "places", "amount",
                                     "what"])
    return pd.concat(parts, ignore_index=True)


def _openings(inst: Instance, data: ModelData, model: MatrixModel, x: np.ndarray) -> pd.DataFrame:
    """One row per candidate site: opened or not, from which year, size and capital."""
    cand = np.flatnonzero(data.candidate)
    opened, size = _open_state(data, model, x)
    years = np.asarray(data.years, dtype=np.int64)
    first = np.argmax(opened[cand], axis=1)
    is_open = opened[cand, -1] if len(years) else np.zeros(cand.size, dtype=bool)
    names = inst.provisions["name"].fillna(inst.provisions["provision"]).to_numpy(object)
    capital = np.where(is_open, data.opening_cost[cand] + data.capital_per_place[cand] * size[cand],
                       0.0)
    return pd.DataFrame({
        "provision": np.asarray(data.provisions, dtype=object)[cand],
        "provision_name": names[cand],
        "kind": np.asarray(KINDS, dtype=object)[data.kind[cand]],
        "zone": np.asarray(data.zones, dtype=object)[data.prov_zone[cand]],
        "opened": is_open,
        "open_year": pd.Series(np.where(is_open, years[first], 0), dtype="Int64").where(
            pd.Series(is_open)),
        "places": np.where(is_open, size[cand], 0.0),
        "opening_cost": np.where(is_open, data.opening_cost[cand], 0.0),
        "capital_cost": capital,
    })


def _duals(model: MatrixModel, raw: RawSolution) -> pd.DataFrame:
    """Every constraint's dual, keyed by family and decoded keys (empty without duals)."""
    if raw.row_dual is None:
        return pd.DataFrame(columns=["family", "lower", "upper", "dual"])
    table = model.row_table()
    table["dual"] = raw.row_dual
    return table


def _unmet(data: ModelData, model: MatrixModel, x: np.ndarray) -> pd.DataFrame:
    u = _layout(model).values(x, Role.UNMET)
    sel = np.flatnonzero(u > _TOL)
    return pd.DataFrame({
        "zone": np.asarray(data.zones, dtype=object)[data.d_zone[sel]],
        "need": np.asarray(data.needs, dtype=object)[data.d_need[sel]],
        "phase": np.asarray(data.phases, dtype=object)[data.d_phase[sel]],
        "level": np.asarray(data.levels, dtype=object)[data.d_level[sel]],
        "year": np.asarray(data.years, dtype=np.int64)[data.d_year[sel]],
        "demand": data.d_pupils[sel],
        "placed": data.d_pupils[sel] - u[sel],
        "unmet": u[sel],
    })


def _kpis(data: ModelData, alloc: pd.DataFrame, unmet: pd.DataFrame, penalty: float,
          capital_spend: pd.DataFrame, budget_use: pd.DataFrame,
          overspend_penalty: float, transported: np.ndarray,
          whole_demand: np.ndarray) -> pd.DataFrame:
    """The KPI table; ``transported`` is the share of pupils transported by kind (KINDS),
    ``whole_demand`` the whole demand of each year (the ``*_whole`` KPIs, rounding.py)."""
    demand = pd.DataFrame({"year": np.asarray(data.years)[data.d_year], "pupils": data.d_pupils})
    rows: list[tuple[str, object, float, str]] = []
    years: list[object] = [*data.years, "all"]
    for year in years:
        a = alloc if year == "all" else alloc[alloc["year"] == year]
        u = unmet if year == "all" else unmet[unmet["year"] == year]
        d = demand if year == "all" else demand[demand["year"] == year]
        placed = float(a["pupils"].sum())
        total_demand = float(d["pupils"].sum())
        unmet_pupils = float(u["unmet"].sum())
        cs = capital_spend if year == "all" else capital_spend[capital_spend["year"] == year]
        capital = float(cs["amount"].sum())
        b = budget_use if year == "all" else budget_use[budget_use["year"] == year]
        overspend = float(b["overspend"].sum())
        weights = a["pupils"].to_numpy()
        rows += [
            ("place_cost", year, float(a["place_cost"].sum()), "GBP"),
            ("transport_cost", year, float(a["transport_cost"].sum()), "GBP"),
            ("journey_cost", year, float(a["journey_cost"].sum()), "GBP"),
            ("total_cost", year, float(a["cost"].sum()), "GBP"),
            ("capital_cost", year, capital, "GBP"),
            ("unmet_penalty", year, penalty * unmet_pupils, "GBP"),
            ("overspend", year, overspend, "GBP"),
            ("objective", year, float(a["cost"].sum()) + capital + penalty * unmet_pupils
             + overspend_penalty * overspend, "GBP"),
            ("openings", year, float((cs["what"] == "opening").sum()), "sites"),
            ("places_added", year, float(cs["places"].sum()), "places"),
            ("demand", year, total_demand, "pupils"),
            ("placed", year, placed, "pupils"),
            ("unmet", year, unmet_pupils, "pupils"),
            ("demand_whole", year, float(whole_demand.sum() if year == "all" else
                                         whole_demand[np.asarray(data.years) == year].sum()),
             "pupils"),
            ("placed_whole", year, float(a["pupils_whole"].sum()), "pupils"),
            ("unmet_whole", year, float(u["unmet_whole"].sum()), "pupils"),
        ]
        for kind in KINDS:
            rows.append((f"placed_{kind}", year, float(a.loc[a["kind"] == kind, "pupils"].sum()),
                         "pupils"))
        for kind in KINDS:
            rows.append((f"placed_{kind}_whole", year,
                         float(a.loc[a["kind"] == kind, "pupils_whole"].sum()), "pupils"))
        shares = a["kind"].map(dict(zip(KINDS, transported, strict=True))).to_numpy(float)
        rows.append(("pupils_transported", year, float(np.dot(shares, weights)), "pupils"))
        local = float(a.loc[a["local"], "pupils"].sum())  # the one definition: is_local
        rows += [
            ("share_met_locally", year, local / total_demand if total_demand else 0.0, "share"),
            ("mean_journey_min", year,
             float(np.average(a["journey_min"], weights=weights)) if placed > 0 else 0.0, "min"),
            ("max_journey_min", year, float(a["journey_min"].max()) if len(a) else 0.0, "min"),
        ]
    return pd.DataFrame(rows, columns=["kpi", "year", "value", "unit"]).astype({"year": str})
