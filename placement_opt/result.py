"""Result: status, objective, gap and tidy tables keyed like the arc table. A new object; the
model and instance are left as they were."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from placement_opt.errors import Issue
from placement_opt.instance import Instance
from placement_opt.model.data import ModelData
from placement_opt.model.matrix import MatrixModel
from placement_opt.solvers.base import RawSolution
from placement_opt.status import Status
from placement_opt.tables import KINDS

__all__ = ["ALLOCATION_COLUMNS", "Result", "make_result"]

#: Columns of :attr:`Result.allocations`, in order.
ALLOCATION_COLUMNS = [
    "year", "zone", "need", "phase", "provision", "provision_name", "kind", "provision_zone",
    "local", "pupils", "journey_min", "km", "place_cost", "transport_cost", "journey_cost", "cost",
]
_TOL = 1e-9


@dataclass(frozen=True)
class Result:
    """Outcome of :func:`placement_opt.solve`.

    Tables (pandas, one row per key): ``allocations`` (year × zone × need × phase ×
    provision with pupils > 0), ``utilisation`` (provision × year), ``unmet`` (zone × need ×
    phase × year with unmet > 0), ``kpis`` (kpi × year, year ``"all"`` for the horizon).
    ``diagnosis`` (infeasible runs only) lists the planning rules that would have to give,
    and by how much. ``duals`` (for a MIP, from the LP with the integer decisions fixed) has
    one row per constraint: family, keys, bounds and
    ``dual`` = d(objective)/d(right-hand side). ``warnings`` holds the instance's and the
    pre-solve checks' findings.
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
    diagnosis: pd.DataFrame
    warnings: tuple[Issue, ...]
    instance_name: str
    instance_fingerprint: str
    model_size: dict[str, int] = field(default_factory=dict)
    message: str = ""

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
                "openings": self.openings, "diagnosis": self.diagnosis}


def make_result(inst: Instance, data: ModelData, model: MatrixModel, raw: RawSolution,
                warnings: list[Issue], build_seconds: float,
                diagnosis: pd.DataFrame | None = None) -> Result:
    """Turn a backend's arrays into tidy tables and KPIs."""
    size = {"columns": model.n_cols, "rows": model.n_rows, "nonzeros": int(model.A.nnz),
            "arcs": int(model.meta["n_arcs"])}  # type: ignore[call-overload]
    common: dict[str, Any] = {
        "status": raw.status, "objective": raw.objective, "bound": raw.bound, "gap": raw.gap,
        "backend": raw.backend, "solve_seconds": raw.seconds, "build_seconds": build_seconds,
        "warnings": tuple(inst.warnings) + tuple(warnings), "instance_name": inst.name,
        "instance_fingerprint": inst.fingerprint(), "model_size": size, "message": raw.message,
        "diagnosis": diagnosis if diagnosis is not None else pd.DataFrame(columns=["family"]),
    }
    if raw.x is None:
        empty = pd.DataFrame()
        return Result(allocations=pd.DataFrame(columns=ALLOCATION_COLUMNS), utilisation=empty,
                      unmet=empty, kpis=pd.DataFrame(columns=["kpi", "year", "value", "unit"]),
                      duals=empty, openings=empty, **common)
    alloc = _allocations(inst, data, model, raw.x)
    util = _utilisation(inst, data, model, raw, alloc)
    unmet = _unmet(data, model, raw.x)
    openings = _openings(inst, data, model, raw.x)
    kpis = _kpis(data, alloc, unmet, inst.policy.unmet_penalty, openings)
    return Result(allocations=alloc, utilisation=util, unmet=unmet, kpis=kpis,
                  duals=_duals(model, raw), openings=openings, **common)


def _allocations(inst: Instance, data: ModelData, model: MatrixModel, x: np.ndarray) -> pd.DataFrame:
    n_a = int(model.meta["n_arcs"])  # type: ignore[call-overload]
    keys = model.column_keys
    sel = np.flatnonzero(x[:n_a] > _TOL)
    p = keys["provision"][sel]
    z = keys["zone"][sel]
    pol = inst.policy
    pupils = x[sel]
    km = np.asarray(model.meta["km"])[sel]
    minutes = np.asarray(model.meta["minutes"])[sel]
    place = data.cost[p] * pupils
    transport = pol.transport_cost_per_km * km * pupils
    journey = pol.journey_cost_per_min * minutes * pupils
    names = inst.provisions["name"].fillna(inst.provisions["provision"]).to_numpy(object)
    frame = pd.DataFrame({
        "year": np.asarray(data.years, dtype=np.int64)[keys["year"][sel]],
        "zone": np.asarray(data.zones, dtype=object)[z],
        "need": np.asarray(data.needs, dtype=object)[keys["need"][sel]],
        "phase": np.asarray(data.phases, dtype=object)[keys["phase"][sel]],
        "provision": np.asarray(data.provisions, dtype=object)[p],
        "provision_name": names[p],
        "kind": np.asarray(KINDS, dtype=object)[data.kind[p]],
        "provision_zone": np.asarray(data.zones, dtype=object)[data.prov_zone[p]],
        "local": data.prov_zone[p] == z,
        "pupils": pupils, "journey_min": minutes, "km": km, "place_cost": place,
        "transport_cost": transport, "journey_cost": journey,
        "cost": place + transport + journey,
    })
    return frame.sort_values(["year", "zone", "need", "phase", "provision"],
                             kind="stable").reset_index(drop=True)


def _utilisation(inst: Instance, data: ModelData, model: MatrixModel, raw: RawSolution,
                 alloc: pd.DataFrame) -> pd.DataFrame:
    n_p, n_t = len(data.provisions), len(data.years)
    pp = np.repeat(np.arange(n_p), n_t)
    tt = np.tile(np.arange(n_t), n_p)
    placed = np.zeros((n_p, n_t))
    n_a = int(model.meta["n_arcs"])  # type: ignore[call-overload]
    assert raw.x is not None
    np.add.at(placed, (model.column_keys["provision"][:n_a], model.column_keys["year"][:n_a]),
              raw.x[:n_a])
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
    effective = np.where(opened, np.minimum(data.cap_total, size[:, None]), 0.0)
    cap = np.where(data.candidate[:, None], effective, data.cap_total)[pp, tt]
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
    """P × T open flags (True for every year of a non-candidate) and P sizes (NaN if none)."""
    n_p, n_t = len(data.provisions), len(data.years)
    opened = np.ones((n_p, n_t), dtype=bool)
    size = np.full(n_p, np.nan)
    n_c = int(model.meta.get("n_candidates", 0))  # type: ignore[call-overload]
    if n_c:
        cand = np.flatnonzero(data.candidate)
        off_y = int(model.meta["open_offset"])  # type: ignore[call-overload]
        off_s = int(model.meta["size_offset"])  # type: ignore[call-overload]
        opened[cand] = x[off_y:off_s].reshape(n_c, n_t) > 0.5
        size[cand] = np.where(opened[cand, -1], x[off_s:off_s + n_c], 0.0)
    return opened, size


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
    n_a = int(model.meta["n_arcs"])  # type: ignore[call-overload]
    u = x[n_a:n_a + data.d_pupils.size]
    sel = np.flatnonzero(u > _TOL)
    return pd.DataFrame({
        "zone": np.asarray(data.zones, dtype=object)[data.d_zone[sel]],
        "need": np.asarray(data.needs, dtype=object)[data.d_need[sel]],
        "phase": np.asarray(data.phases, dtype=object)[data.d_phase[sel]],
        "year": np.asarray(data.years, dtype=np.int64)[data.d_year[sel]],
        "demand": data.d_pupils[sel],
        "placed": data.d_pupils[sel] - u[sel],
        "unmet": u[sel],
    })


def _kpis(data: ModelData, alloc: pd.DataFrame, unmet: pd.DataFrame,
          penalty: float, openings: pd.DataFrame) -> pd.DataFrame:
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
        o = openings[openings["opened"]] if year == "all" else openings[
            openings["opened"] & (openings["open_year"] == year)]
        capital = float(o["capital_cost"].sum())
        weights = a["pupils"].to_numpy()
        rows += [
            ("place_cost", year, float(a["place_cost"].sum()), "GBP"),
            ("transport_cost", year, float(a["transport_cost"].sum()), "GBP"),
            ("journey_cost", year, float(a["journey_cost"].sum()), "GBP"),
            ("total_cost", year, float(a["cost"].sum()), "GBP"),
            ("capital_cost", year, capital, "GBP"),
            ("unmet_penalty", year, penalty * unmet_pupils, "GBP"),
            ("objective", year, float(a["cost"].sum()) + capital + penalty * unmet_pupils, "GBP"),
            ("openings", year, float(len(o)), "sites"),
            ("demand", year, total_demand, "pupils"),
            ("placed", year, placed, "pupils"),
            ("unmet", year, unmet_pupils, "pupils"),
        ]
        for kind in KINDS:
            rows.append((f"placed_{kind}", year, float(a.loc[a["kind"] == kind, "pupils"].sum()),
                         "pupils"))
        local = float(a.loc[a["local"], "pupils"].sum())
        rows += [
            ("share_met_locally", year, local / total_demand if total_demand else 0.0, "share"),
            ("mean_journey_min", year,
             float(np.average(a["journey_min"], weights=weights)) if placed > 0 else 0.0, "min"),
            ("max_journey_min", year, float(a["journey_min"].max()) if len(a) else 0.0, "min"),
        ]
    return pd.DataFrame(rows, columns=["kpi", "year", "value", "unit"]).astype({"year": str})
