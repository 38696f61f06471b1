"""Budget-model export: cost by year × funding line × district × provision kind, in a stable,
versioned schema that the high-needs budget model imports.

Funding lines (``in_objective`` says whether the optimiser's objective includes the line):

* ``place_funding`` — special schools and SRPs: pupils placed × the place funding of the
  tariff line that priced them (``models/continuum.md``), else ``place_funding_per_place``.
* ``top_up`` — special schools and SRPs: the rest of the place cost for each pupil.
* ``mainstream_support`` — mainstream pupils × their place cost (tariff or ``cost_per_place``);
  ``place_funding_per_place`` never applies to mainstream. A mainstream tariff line is charged
  whole (place funding + top-up), so it should carry place funding 0 where the school's
  notional SEN budget is not high-needs spend (Kent: 0 + 6,000).
* ``independent_placements`` — independent placements × ``cost_per_place``.
* ``alternative_provision`` — alternative-provision pupils × their place cost.
* ``transport`` — transport cost of every placement (the kind's transported share × (cost per
  pupil + cost per km × km), ``models/allocation.md``) and its journey-time weight, by the
  placing district and kind.
* ``vacant_place_funding`` — places left empty in special schools and SRPs ×
  ``place_funding_per_place``: paid on commissioned places, but not part of the objective.
* ``unmet_demand`` — pupils without a place; amount 0 (no funding line pays for them yet).
* ``capital`` — opening and building costs of the candidate sites opened (in their opening
  year) and of expansions (in the year building starts); ``pupils`` holds the places built.
* ``change_one_off`` — one-off costs of the closures, reductions and redesignations taken
  (``models/changes.md``), in the year each takes effect; ``pupils`` holds places removed.
* ``change_savings`` — their savings, negative amounts, in every year each is in effect.

Rows with pupils and amount both 0 are left out. ``district`` is where the pupil lives, except
for ``vacant_place_funding``, which is the provision's district.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from placement_opt.results.run import RunData

__all__ = ["BUDGET_COLUMNS", "BUDGET_SCHEMA", "FUNDING_LINES", "SCHEMA_VERSION", "budget_export",
           "budget_fy", "budget_summary", "fy_summary", "place_funding_per_pupil"]

SCHEMA_VERSION = "1.1"  # 1.1: alternative_provision, change_one_off and change_savings lines;
#                          clusters sheet (placement_opt.reports.clusters)
FUNDING_LINES = ("place_funding", "top_up", "mainstream_support", "independent_placements",
                 "alternative_provision", "transport", "vacant_place_funding", "unmet_demand",
                 "capital", "change_one_off", "change_savings")
#: Column → (dtype, description). The order is the file's column order.
BUDGET_SCHEMA: dict[str, tuple[str, str]] = {
    "schema_version": ("str", f"Version of this schema ({SCHEMA_VERSION})."),
    "year": ("int", "Academic year starting in September of this year."),
    "funding_line": ("str", "One of: " + ", ".join(FUNDING_LINES) + "."),
    "district": ("str", "District (zone) of the pupil; the provision's for vacant places."),
    "provision_kind": ("str", "special, srp, independent, mainstream, ap, or blank for unmet "
                              "demand."),
    "pupils": ("float", "Pupils (places, for vacant_place_funding and capital) in the year."),
    "amount_gbp": ("float", "Cost in GBP for the year."),
    "in_objective": ("bool", "True when the optimiser's objective includes this cost."),
}
BUDGET_COLUMNS = list(BUDGET_SCHEMA)
_FUNDED_KINDS = ("special", "srp")


def budget_export(run: RunData) -> pd.DataFrame:
    """The long table, one row per year × funding line × district × provision kind."""
    pol = run.instance.policy
    alloc = run.allocations
    funding = pol.place_funding_per_place
    parts: list[pd.DataFrame] = []
    funded = alloc["kind"].isin(_FUNDED_KINDS)
    unit = alloc["place_cost"] / alloc["pupils"].where(alloc["pupils"] > 0, 1)
    place = pd.Series(place_funding_per_pupil(run, np.minimum(funding, unit.to_numpy(float))),
                      index=alloc.index)
    parts.append(_lines(alloc[funded], "place_funding", place[funded] * alloc["pupils"][funded]))
    parts.append(_lines(alloc[funded], "top_up",
                        alloc["place_cost"][funded] - place[funded] * alloc["pupils"][funded]))
    main = alloc["kind"] == "mainstream"
    parts.append(_lines(alloc[main], "mainstream_support", alloc["place_cost"][main]))
    ind = alloc["kind"] == "independent"
    parts.append(_lines(alloc[ind], "independent_placements", alloc["place_cost"][ind]))
    ap = alloc["kind"] == "ap"
    parts.append(_lines(alloc[ap], "alternative_provision", alloc["place_cost"][ap]))
    parts.append(_lines(alloc, "transport", alloc["transport_cost"] + alloc["journey_cost"]))

    util = run.utilisation[run.utilisation["kind"].isin(_FUNDED_KINDS)]
    vacant = (util["capacity"] - util["placed"]).clip(lower=0)
    parts.append(pd.DataFrame({
        "year": util["year"], "funding_line": "vacant_place_funding", "district": util["zone"],
        "provision_kind": util["kind"], "pupils": vacant, "amount_gbp": vacant * funding,
        "in_objective": False,
    }))
    if len(run.capital):
        cap = run.capital
        parts.append(pd.DataFrame({
            "year": cap["year"].astype("int64"), "funding_line": "capital",
            "district": cap["zone"], "provision_kind": cap["kind"], "pupils": cap["places"],
            "amount_gbp": cap["amount"], "in_objective": True,
        }))
    parts += _change_lines(run.changes, run.instance.years)
    unmet = run.unmet
    parts.append(pd.DataFrame({
        "year": unmet["year"], "funding_line": "unmet_demand", "district": unmet["zone"],
        "provision_kind": "", "pupils": unmet["unmet"], "amount_gbp": 0.0, "in_objective": False,
    }))
    table = pd.concat([p for p in parts if len(p)], ignore_index=True)
    keys = ["year", "funding_line", "district", "provision_kind"]
    table = table.groupby(keys, as_index=False, sort=False).agg(
        pupils=("pupils", "sum"), amount_gbp=("amount_gbp", "sum"),
        in_objective=("in_objective", "first"))
    table = table[(table["pupils"].abs() > 1e-9) | (table["amount_gbp"].abs() > 1e-9)]
    order = {line: i for i, line in enumerate(FUNDING_LINES)}
    table = table.assign(_line=table["funding_line"].map(order)).sort_values(
        ["year", "_line", "district", "provision_kind"]).drop(columns="_line")
    table.insert(0, "schema_version", SCHEMA_VERSION)
    return table[BUDGET_COLUMNS].astype({"year": "int64", "in_objective": bool}).reset_index(drop=True)


def place_funding_per_pupil(run: RunData, default: np.ndarray) -> np.ndarray:
    """Place funding per pupil of each allocation row: the place funding of the tariff line
    that priced it, where one did; ``default`` elsewhere."""
    inst = run.instance
    if len(inst.tariffs) == 0 or len(run.allocations) == 0:
        return np.asarray(default, dtype=float)
    from placement_opt.reports.tariff import priced_placements
    from placement_opt.schema.continuum import Continuum

    priced = priced_placements(run.allocations, inst.provisions, inst.tariffs,
                               Continuum.from_table(inst.levels), tuple(inst.needs["need"]),
                               tuple(inst.years))
    return np.where(priced["line"] >= 0, priced["place_funding"], default)


def _change_lines(changes: pd.DataFrame, years: list[int]) -> list[pd.DataFrame]:
    """One-off costs in the year a change takes effect; savings in every year it is in effect."""
    if changes.empty:
        return []
    start = changes["year"].astype("int64").to_numpy()
    one_off = pd.DataFrame({
        "year": start, "funding_line": "change_one_off", "district": changes["zone"],
        "provision_kind": changes["kind"], "pupils": changes["places_removed"],
        "amount_gbp": changes["one_off_cost"], "in_objective": True,
    })
    span = np.asarray(years, dtype=np.int64)
    row, col = np.nonzero(span[None, :] >= start[:, None])
    savings = pd.DataFrame({
        "year": span[col], "funding_line": "change_savings",
        "district": changes["zone"].to_numpy()[row], "provision_kind": changes["kind"].to_numpy()[row],
        "pupils": changes["places_removed"].to_numpy()[row],
        "amount_gbp": -changes["saving_per_year"].to_numpy(float)[row], "in_objective": True,
    })
    return [one_off, savings]


def _lines(alloc: pd.DataFrame, line: str, amount: pd.Series) -> pd.DataFrame:
    return pd.DataFrame({
        "year": alloc["year"], "funding_line": line, "district": alloc["zone"],
        "provision_kind": alloc["kind"], "pupils": alloc["pupils"], "amount_gbp": amount,
        "in_objective": True,
    })


def budget_summary(export: pd.DataFrame) -> pd.DataFrame:
    """Pivot: funding line × year of GBP, with a total row and column."""
    pivot = export.pivot_table(index="funding_line", columns="year", values="amount_gbp",
                               aggfunc="sum", fill_value=0.0)
    pivot = pivot.reindex([f for f in FUNDING_LINES if f in pivot.index])
    pivot["total"] = pivot.sum(axis=1)
    pivot.loc["total (in objective)"] = pivot.loc[
        [f for f in pivot.index if f not in ("vacant_place_funding", "unmet_demand")]].sum()
    pivot.columns = [str(c) for c in pivot.columns]
    return pivot.reset_index()


def budget_fy(export: pd.DataFrame) -> pd.DataFrame:
    """The long table by financial year (April to March): FY f = 5/12 of academic year f - 1 +
    7/12 of academic year f (``placement_opt.finance.years``); pupils become the year's
    average. ``estimated`` marks the first financial year (its April to August is estimated)."""
    from placement_opt.finance.years import to_financial_years

    keys = ["funding_line", "district", "provision_kind", "in_objective"]
    return to_financial_years(export, ["pupils", "amount_gbp"], keys=keys)


def fy_summary(fy: pd.DataFrame) -> pd.DataFrame:
    """Pivot of :func:`budget_fy`: funding line × financial year label of GBP (an estimated
    year's label ends `` (estimated)``), with a total row and column."""
    label = fy["financial_year_label"].where(~fy["estimated"].astype(bool),
                                             fy["financial_year_label"] + " (estimated)")
    return budget_summary(fy.assign(year=label))
