"""Cluster budgets (``models/continuum.md``, *Cluster budgets*): each locality cluster's notional
high-needs budget from a solved run, beside its demand and the county total, with the lines held
centrally and a reconciliation line so that, year by year, the rows add up to the high-needs
total to the penny.

A cluster's budget is the cost, under the tariff the model priced placements with, of the
mainstream and SRP support its children receive (by zone of residence). Special schools,
independent placements, alternative provision and transport are held centrally. Zones take
their ``cluster`` (blank: their district, so the small areas of a district form one cluster; a
zone with neither is its own cluster); provisions take theirs (blank: their zone's), which
places the cluster's own mainstream and SRP places beside its budget.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from placement_opt.instance import Instance
from placement_opt.reports.budget import SCHEMA_VERSION
from placement_opt.results.run import RunData
from placement_opt.schema.validation_zones import zone_districts

__all__ = ["CENTRAL", "CENTRAL_LINES", "CLUSTER_COLUMNS", "CLUSTER_LINES", "CLUSTER_SCHEMA",
           "cluster_budgets", "cluster_summary", "provision_clusters", "zone_clusters"]

#: Cluster label of the lines held centrally and of the reconciliation and total rows.
CENTRAL = "central"
#: Budget lines devolved to clusters, by provision kind.
CLUSTER_LINES = {"mainstream_support": "mainstream", "srp_support": "srp"}
#: Lines held centrally, by provision kind (``transport`` covers every kind).
CENTRAL_LINES = {"special_placements": "special", "independent_placements": "independent",
                 "alternative_provision": "ap"}
#: Column -> (type, description), in file order.
CLUSTER_SCHEMA: dict[str, tuple[str, str]] = {
    "schema_version": ("str", f"Version of the budget-export schema ({SCHEMA_VERSION})."),
    "year": ("int", "Academic year starting in September of this year."),
    "cluster": ("str", f"Locality cluster of the pupils' home zone; '{CENTRAL}' for central lines."),
    "held": ("str", "cluster, central, reconciliation (rounding and anything no line holds) or "
                    "total (the high-needs total: the other rows of the year add up to it)."),
    "budget_line": ("str", "mainstream_support, srp_support (cluster); special_placements, "
                           "independent_placements, alternative_provision, transport (central); "
                           "reconciliation; high_needs_total."),
    "pupils": ("float", "Pupils (pupil-years) the line pays for."),
    "demand": ("float", "Pupils of the cluster's zones needing a place (county for other rows)."),
    "county_demand": ("float", "Pupils needing a place in the county."),
    "places_in_cluster": ("float", "Places of that kind at provisions in the cluster."),
    "amount_gbp": ("float", "GBP for the year, rounded to the penny."),
    "county_amount_gbp": ("float", "GBP of the same line for the whole county."),
}
CLUSTER_COLUMNS = list(CLUSTER_SCHEMA)


def zone_clusters(instance: Instance) -> pd.Series:
    """Cluster of each zone (blank: its district, and a blank district is the zone itself),
    indexed by zone id."""
    zones = instance.zones
    cluster = zones["cluster"].where(zones["cluster"].notna(), zone_districts(zones))
    return pd.Series(cluster.to_numpy(object), index=zones["zone"].to_numpy(object))


def provision_clusters(instance: Instance) -> pd.Series:
    """Cluster of each provision (blank: its zone's cluster), indexed by provision id."""
    prov = instance.provisions
    own = prov["cluster"].to_numpy(object)
    home = prov["zone"].map(zone_clusters(instance)).to_numpy(object)
    return pd.Series(np.where(prov["cluster"].isna(), home, own),
                     index=prov["provision"].to_numpy(object))


def _pence(values: pd.Series | list[float]) -> int:
    """The sum of ``values`` in whole pence (rounded once, after summing)."""
    return int(np.round(float(np.sum(np.asarray(values, dtype=float))) * 100.0))


def cluster_budgets(run: RunData) -> pd.DataFrame:
    """The long cluster table (:data:`CLUSTER_SCHEMA`), one block of rows per year.

    Amounts are whole pence: per year, the cluster, central and reconciliation rows add up
    exactly to the ``high_needs_total`` row, which is the cost of every placement (place,
    transport and journey cost) that year: the ``total_cost`` KPI.
    """
    inst = run.instance
    alloc = run.allocations
    home = alloc["zone"].map(zone_clusters(inst))
    demand = inst.demand.assign(cluster=inst.demand["zone"].map(zone_clusters(inst)))
    dem_c = demand.groupby(["year", "cluster"])["pupils"].sum()
    dem_y = demand.groupby("year")["pupils"].sum()
    util = run.utilisation.assign(cluster=run.utilisation["provision"].map(provision_clusters(inst)))
    # clusters where pupils live (out-of-county zones hold provisions, not demand)
    clusters = sorted(set(demand["cluster"]))
    # one grouping each for pupils and cost by (year, kind, home cluster) and for places
    grouped = alloc.assign(cluster=home).groupby(["year", "kind", "cluster"])
    home_pupils: dict[Any, float] = grouped["pupils"].sum().to_dict()
    home_cost: dict[Any, float] = grouped["place_cost"].sum().to_dict()
    places: dict[Any, float] = util.groupby(["year", "kind", "cluster"])["capacity"].sum().to_dict()
    rows: list[dict[str, Any]] = []
    for year in sorted(int(y) for y in dem_y.index):
        a = alloc[alloc["year"] == year]
        county = float(dem_y.get(year, 0.0))
        block: list[dict[str, Any]] = []
        for line, kind in CLUSTER_LINES.items():
            of_kind = (a["kind"] == kind).to_numpy()
            county_pence = _pence(a.loc[of_kind, "place_cost"])
            for cluster in clusters:
                key = (year, kind, cluster)
                block.append({
                    "cluster": cluster, "held": "cluster", "budget_line": line,
                    "pupils": float(home_pupils.get(key, 0.0)),
                    "demand": float(dem_c.get((year, cluster), 0.0)),
                    "places_in_cluster": float(places.get(key, 0.0)),
                    "pence": _pence([float(home_cost.get(key, 0.0))]),
                    "county_pence": county_pence,
                })
        for line, kind in CENTRAL_LINES.items():
            of_kind = (a["kind"] == kind).to_numpy()
            pence = _pence(a.loc[of_kind, "place_cost"])
            block.append({"cluster": CENTRAL, "held": "central", "budget_line": line,
                          "pupils": float(a.loc[of_kind, "pupils"].sum()), "pence": pence,
                          "county_pence": pence})
        transport = _pence(a["transport_cost"] + a["journey_cost"])
        block.append({"cluster": CENTRAL, "held": "central", "budget_line": "transport",
                      "pupils": float(a["pupils"].sum()), "pence": transport,
                      "county_pence": transport})
        total = _pence(a["cost"])
        rest = total - sum(int(r["pence"]) for r in block)
        block.append({"cluster": CENTRAL, "held": "reconciliation", "budget_line": "reconciliation",
                      "pupils": 0.0, "pence": rest, "county_pence": rest})
        block.append({"cluster": CENTRAL, "held": "total", "budget_line": "high_needs_total",
                      "pupils": float(a["pupils"].sum()), "pence": total, "county_pence": total})
        for r in block:
            r.setdefault("demand", county)
            r.setdefault("places_in_cluster", np.nan)
            rows.append({**r, "schema_version": SCHEMA_VERSION, "year": year,
                         "county_demand": county})
    frame = pd.DataFrame(rows)
    frame["amount_gbp"] = frame.pop("pence").astype(np.int64) / 100.0
    frame["county_amount_gbp"] = frame.pop("county_pence").astype(np.int64) / 100.0
    return frame[CLUSTER_COLUMNS].astype({"year": "int64"}).reset_index(drop=True)


def cluster_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Pivot: one row per cluster (its budget), the central lines, reconciliation and the total,
    by year, with a ``total`` column over the horizon."""
    label = np.where(table["held"] == "cluster", table["cluster"], table["budget_line"])
    pivot = table.assign(row=label).pivot_table(index="row", columns="year", values="amount_gbp",
                                                aggfunc="sum", fill_value=0.0, sort=False)
    pivot["total"] = pivot.sum(axis=1)
    pivot.columns = [str(c) for c in pivot.columns]
    return pivot.reset_index().rename(columns={"row": "cluster_or_line"})
