"""Comparing solved runs: KPIs side by side (by year and over the horizon), outcomes by
district × need, and the biggest differences from the first run (the baseline).

``placement-opt compare RUN_DIR...`` prints them and writes ``compare.xlsx``, CSVs and an
offline HTML page (:mod:`placement_opt.reports.html.compare_page`).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from placement_opt.model.locality import zone_to_district
from placement_opt.reports.high_needs import DIFFERENCE_COLUMNS, account_difference, run_account
from placement_opt.results.rounding import demand_is_whole, whole_or_exact
from placement_opt.results.run import RunData, load_run
from placement_opt.status import Status

__all__ = ["BETTER", "OUTCOMES", "PARTITION", "Comparison", "compare_runs", "kpi_better",
           "mixed_instances"]

#: Where each district × need's pupil-years went; they add up to demand. placed_locally is the
#: one definition of met locally (models/allocation.md): any kind, in the pupils' own district.
PARTITION = ("placed_locally", "placed_elsewhere", "unmet")
#: The partition and the independent sector's part of the placed (in or outside the district).
OUTCOMES = ("placed_locally", "placed_elsewhere", "placed_independent", "unmet")
_DN = ["district", "need"]
#: A change of district × need placements with the same demand whose cost moves by at most
#: this per pupil-year moved is a **tie**: the runs place those pupils differently at the
#: same cost (the solver's pick among equal plans), not a consequence of the scenario.
TIE_GBP_PER_PUPIL = 1.0
#: Which way each KPI (and district × need outcome) is better: +1 more is better (places, pupils
#: placed locally), -1 less is better (cost, unmet, independent placements, journeys). A KPI not
#: named here (demand, openings, pupils by kind ...) is neither: its change is shown, not judged.
BETTER: dict[str, int] = {
    **dict.fromkeys(("place_cost", "transport_cost", "journey_cost", "total_cost",
                     "capital_cost", "unmet_penalty", "overspend", "objective", "unmet",
                     "placed_independent", "mean_journey_min", "max_journey_min", "cost"), -1),
    **dict.fromkeys(("places_added", "placed", "share_met_locally", "placed_locally"), 1)}


def kpi_better(kpi: str, change: float) -> bool | None:
    """Whether ``change`` in ``kpi`` (a ``*_whole`` KPI as its own) is better (True), worse
    (False) or neither (None: no change, or a KPI with no better way, :data:`BETTER`)."""
    way = BETTER.get(kpi.removeprefix("delta_").removesuffix("_whole"), 0)
    if not way or abs(change) < 1e-9 or change != change:
        return None
    return (change > 0) == (way > 0)


@dataclass(frozen=True)
class Comparison:
    """Tables comparing runs; the first run is the baseline of ``differences``.

    ``runs``: name, folder, status, objective, instance, instance_fingerprint and the base
    instance the run was made from (``base``, ``base_fingerprint``: a scenario's base from its
    manifest, else the instance solved). ``kpis``: kpi, unit and one column per
    run (year ``all``). ``kpis_by_year``: the same per year. ``district_need``: run, district,
    need, demand, the outcomes and cost (pupil-years and GBP over the horizon).
    ``differences``: per other run and district × need, each column's change from the
    baseline, ``change`` = the sum of the sizes of the :data:`PARTITION` changes and ``tie``
    (:data:`TIE_GBP_PER_PUPIL`: pupils placed differently at the same cost); real changes
    first, the largest first, then the ties. ``high_needs``: run and the high-needs account
    summary by financial year (:func:`placement_opt.reports.high_needs.run_account`; runs
    without a solution left out).
    ``high_needs_differences``: per other run and financial year, the change in income, spend,
    in-year and cumulative DSG balance from the baseline's account.
    """

    names: tuple[str, ...]
    runs: pd.DataFrame
    kpis: pd.DataFrame
    kpis_by_year: pd.DataFrame
    district_need: pd.DataFrame
    differences: pd.DataFrame
    high_needs: pd.DataFrame = field(default_factory=pd.DataFrame)
    high_needs_differences: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=DIFFERENCE_COLUMNS))


def _name(folder: Path, taken: set[str]) -> str:
    """The scenario name from the run's manifest, else the folder's name; unique."""
    name = folder.name
    with contextlib.suppress(FileNotFoundError, KeyError, TypeError, json.JSONDecodeError):
        name = str(json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["scenario"]
                   ["name"])
    base, n = name, 2
    while name in taken:
        name, n = f"{base} ({n})", n + 1
    taken.add(name)
    return name


def _base(folder: Path, run: RunData) -> tuple[str, str | None]:
    """The instance a run was made from: a scenario run's base (manifest.json), else the
    instance it solved (summary.json); its name and fingerprint."""
    with contextlib.suppress(FileNotFoundError, KeyError, TypeError, json.JSONDecodeError):
        base = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["base"]
        return Path(str(base["path"])).name, str(base["fingerprint"])
    fingerprint = run.summary.get("instance_fingerprint")
    return run.instance.name, None if fingerprint is None else str(fingerprint)


def mixed_instances(comp: Comparison) -> str | None:
    """A warning when the runs were made from different base instances (their differences then
    mix different data with the scenarios' effects), else None."""
    if "base_fingerprint" not in comp.runs:
        return None
    runs = comp.runs.assign(key=comp.runs["base_fingerprint"].fillna(comp.runs["base"]))
    if runs["key"].nunique() < 2:
        return None
    bases = runs.drop_duplicates("key").set_index("key")["base"]
    parts = [f"{bases[key]} ({', '.join(group['run'])})"
             for key, group in runs.groupby("key", sort=False)]
    return ("The runs come from different instances: " + "; ".join(parts) + ". Their "
            "differences are differences of data as well as of scenario.")


def compare_runs(folders: Sequence[Path]) -> Comparison:
    """Read every run folder (``InstanceError`` naming the file when one cannot be) and compare."""
    taken: set[str] = set()
    runs = [(_name(f, taken), f, load_run(f)) for f in folders]
    names = tuple(name for name, _, _ in runs)
    about = pd.DataFrame([{"run": n, "folder": str(f), "status": r.summary.get("status"),
                           "objective": r.summary.get("objective"),
                           "instance": r.instance.name,
                           "instance_fingerprint": r.summary.get("instance_fingerprint"),
                           **dict(zip(("base", "base_fingerprint"), _base(f, r), strict=True))}
                          for n, f, r in runs])
    long = pd.concat([r.kpis.assign(run=n, year=r.kpis["year"].astype(str)) for n, _, r in runs],
                     ignore_index=True)
    order = list(dict.fromkeys(long["kpi"]))
    by_year = long.pivot_table(index=["kpi", "year", "unit"], columns="run", values="value",
                               aggfunc="first").reindex(columns=list(names)).reset_index()
    by_year["kpi"] = pd.Categorical(by_year["kpi"], categories=order, ordered=True)
    by_year = by_year.sort_values(["kpi", "year"]).reset_index(drop=True)
    by_year["kpi"] = by_year["kpi"].astype(str)
    by_year.columns.name = None
    total = by_year[by_year["year"] == "all"].drop(columns="year").reset_index(drop=True)
    dn = pd.concat([_district_need(r).assign(run=n) for n, _, r in runs], ignore_index=True)
    dn = dn[["run", *_DN, "demand", *OUTCOMES, "cost"]]
    accounts = {n: _account(r) for n, _, r in runs}
    return Comparison(names, about, total, by_year[by_year["year"] != "all"].reset_index(drop=True),
                      dn, _differences(dn, names), _accounts(accounts),
                      _account_differences(accounts, names))


def _account(run: RunData) -> pd.DataFrame | None:
    """The run's high-needs account summary, None for a run without a solution."""
    status = run.summary.get("status")
    if status not in {s.value for s in Status} or not Status(status).has_solution:
        return None
    return run_account(run).summary


def _accounts(accounts: dict[str, pd.DataFrame | None]) -> pd.DataFrame:
    """Every run's account summary, a ``run`` column first."""
    parts = [s.assign(run=n)[["run", *s.columns]] for n, s in accounts.items() if s is not None]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def _account_differences(accounts: dict[str, pd.DataFrame | None], names: tuple[str, ...]
                         ) -> pd.DataFrame:
    """Every other run's account less the baseline's, by financial year."""
    base = accounts[names[0]]
    parts = [account_difference(base, other, n) for n in names[1:]
             if base is not None and (other := accounts[n]) is not None]
    return (pd.concat(parts, ignore_index=True) if parts
            else pd.DataFrame(columns=DIFFERENCE_COLUMNS))


def _district_need(run: RunData) -> pd.DataFrame:
    """Demand, outcomes and cost by district × need, summed over the years."""
    alloc = run.allocations
    districts = zone_to_district(run.data)
    independent = alloc["kind"] == "independent"
    local = alloc["local"].astype(str).str.lower() == "true"
    exact = not demand_is_whole(run.instance.demand)  # whole pupils against whole demand
    pupils = whole_or_exact(alloc, "pupils", exact)
    frame = pd.DataFrame({
        "district": alloc["zone"].astype(str).map(districts), "need": alloc["need"].astype(str),
        "placed_locally": np.where(local, pupils, 0.0),
        "placed_elsewhere": np.where(~local, pupils, 0.0),
        "placed_independent": np.where(independent, pupils, 0.0),
        "cost": alloc["cost"].astype(float)})
    placed = frame.groupby(_DN, as_index=False).sum()
    demand = run.instance.demand.rename(columns={"pupils": "demand"}).assign(
        district=run.instance.demand["zone"].map(districts)).groupby(
        _DN, as_index=False)["demand"].sum()
    unmet = (run.unmet.assign(district=run.unmet["zone"].astype(str).map(districts),
                              unmet=whole_or_exact(run.unmet, "unmet", exact)).groupby(
        _DN, as_index=False)["unmet"].sum() if len(run.unmet)
        else pd.DataFrame(columns=[*_DN, "unmet"]))
    out = demand.merge(placed, on=_DN, how="outer").merge(unmet, on=_DN, how="left")
    for col in ("demand", *OUTCOMES, "cost"):
        out[col] = pd.to_numeric(out[col]).astype(float).fillna(0.0)
    return pd.DataFrame(out.sort_values(_DN).reset_index(drop=True))


def _differences(dn: pd.DataFrame, names: tuple[str, ...]) -> pd.DataFrame:
    """Every other run against the first, by district × need, the largest change first."""
    cols = ["demand", *OUTCOMES, "cost"]
    base = dn[dn["run"] == names[0]].set_index(_DN)[cols]
    parts = []
    for name in names[1:]:
        other = dn[dn["run"] == name].set_index(_DN)[cols]
        index = base.index.union(other.index)
        delta = other.reindex(index, fill_value=0.0) - base.reindex(index, fill_value=0.0)
        delta.columns = [f"delta_{c}" for c in cols]
        delta.insert(0, "run", name)
        delta["change"] = delta[[f"delta_{c}" for c in PARTITION]].abs().sum(axis=1)
        moved = delta["change"] / 2  # a pupil placed elsewhere counts out of one, into another
        delta["tie"] = ((delta["change"] > 0) & (delta["delta_demand"].abs() < 1e-9)
                        & (delta["delta_cost"].abs() <= TIE_GBP_PER_PUPIL * moved))
        parts.append(delta.reset_index()[["run", *_DN, *delta.columns.drop("run")]])
    if not parts:
        return pd.DataFrame(columns=["run", *_DN, *[f"delta_{c}" for c in cols], "change",
                                     "tie"])
    out = pd.concat(parts, ignore_index=True)
    out["_cost"] = out["delta_cost"].abs()
    # Real changes first, the largest first; ties after them.
    out = out.sort_values(["tie", "change", "_cost", "run", *_DN],
                          ascending=[True, False, False, True, True, True], kind="stable")
    return out.drop(columns="_cost").reset_index(drop=True)
