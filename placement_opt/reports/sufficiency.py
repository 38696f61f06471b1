"""Sufficiency report: places against projected demand by district × need × phase × year.

Layout follows what a SEND sufficiency plan (and the DfE capacity survey) asks for: demand,
places located in the district, where pupils were placed (locally, elsewhere, not at all: these
add up to demand), in which kind of provision (the independent sector among them), surplus or
deficit, share met locally and mean journey. Pupils are whole numbers (the controlled rounding
of ``placement_opt/results/rounding.py``: they still add up to demand, and no provision holds
more than its places; exact figures where the instance's demand is not whole); shares and mean
journeys are computed from them. Zones are grouped by
their district; *locally* is the one definition of ``models/allocation.md``, *Met locally*
(any kind of provision in the pupil's own district), the same as the ``share_met_locally`` KPI.

**Apportioning shared places.** A provision designated for several needs and phases has one
pool of places. To report places by need and phase without counting a place twice, each
provision-year's capacity is split: the places its pupils occupy go to their own need and phase;
its spare places are shared among the need-phase groups it may serve, in proportion to the
demand for each group in the provision's own district (equally when that demand is zero). The
split places of all groups add up to the provision's capacity exactly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from placement_opt.model.locality import zone_to_district
from placement_opt.results.rounding import demand_is_whole, whole_or_exact
from placement_opt.results.run import RunData

__all__ = [
    "ROLLUPS",
    "SUFFICIENCY_COLUMNS",
    "county_vs_benchmarks",
    "district_benchmarks",
    "place_apportionment",
    "rollup",
    "sufficiency_report",
    "sufficiency_table",
]

KEYS = ["district", "need", "phase", "year"]
#: Kinds whose places count as state-funded local places (independent is reported apart).
LOCAL_KINDS = ("special", "srp", "mainstream")
_ADDITIVE = [
    "demand", "places_special", "places_srp", "places_mainstream", "places_local",
    "placed_locally", "placed_elsewhere", "placed_independent", "unmet",
    "placed_special", "placed_srp", "placed_mainstream", "surplus_deficit", "pupil_minutes",
]
#: Columns of every sufficiency table, in order (after the grouping keys).
SUFFICIENCY_COLUMNS = [c for c in _ADDITIVE if c != "pupil_minutes"] + [
    "share_met_locally", "mean_journey_min"]
#: Roll-ups by name → grouping keys (year is always kept).
ROLLUPS: dict[str, list[str]] = {
    "by_district": ["district", "year"],
    "by_need": ["need", "year"],
    "by_phase": ["phase", "year"],
    "county": ["year"],
}


def place_apportionment(run: RunData) -> pd.DataFrame:
    """Places of every provision-year split over the need-phase groups it may serve.

    Columns: provision, kind, district, need, phase, year, placed, places.
    """
    inst = run.instance
    data = run.data
    p, k, h = np.nonzero(data.designated[:, :, None] & data.phase_ok[:, None, :])
    groups = pd.DataFrame({
        "provision": np.asarray(data.provisions, dtype=object)[p],
        "need": np.asarray(data.needs, dtype=object)[k],
        "phase": np.asarray(data.phases, dtype=object)[h],
    })
    districts = zone_to_district(data)
    exact = not demand_is_whole(inst.demand)
    util = run.utilisation[["provision", "kind", "zone", "year", "capacity"]].assign(
        placed_total=whole_or_exact(run.utilisation, "placed", exact))
    util = util.assign(district=util.pop("zone").map(districts))
    frame = groups.merge(util, on="provision", how="inner")
    alloc = run.allocations.assign(pupils=whole_or_exact(run.allocations, "pupils", exact)).groupby(
        ["provision", "need", "phase", "year"], as_index=False).agg(placed=("pupils", "sum"))
    frame = frame.merge(alloc, on=["provision", "need", "phase", "year"], how="left")
    frame["placed"] = frame["placed"].fillna(0.0)
    local_demand = _by_district(inst.demand, districts).groupby(KEYS, as_index=False)[
        "pupils"].sum()
    frame = frame.merge(local_demand, on=KEYS, how="left")
    frame["pupils"] = frame["pupils"].fillna(0.0)
    by_slot = frame.groupby(["provision", "year"])
    weight_sum = by_slot["pupils"].transform("sum")
    count = by_slot["pupils"].transform("size")
    weight = np.where(weight_sum > 0, frame["pupils"] / weight_sum.where(weight_sum > 0, 1), 1 / count)
    spare = (frame["capacity"] - frame["placed_total"]).clip(lower=0)
    frame["places"] = frame["placed"] + spare * weight
    cols = ["provision", "kind", "district", "need", "phase", "year", "placed", "places"]
    return frame[cols].sort_values(["provision", "year", "need", "phase"]).reset_index(drop=True)


def sufficiency_table(run: RunData, apportioned: pd.DataFrame | None = None) -> pd.DataFrame:
    """The detailed table: one row per district × need × phase × year with demand
    (``apportioned``: :func:`place_apportionment` of ``run``, when already computed)."""
    districts = zone_to_district(run.data)
    demand = _by_district(run.instance.demand, districts).rename(
        columns={"pupils": "demand"}).groupby(KEYS, as_index=False)["demand"].sum()
    places = place_apportionment(run) if apportioned is None else apportioned
    places = places[places["kind"].isin(LOCAL_KINDS)]
    by_kind = places.pivot_table(index=KEYS, columns="kind", values="places", aggfunc="sum",
                                 fill_value=0.0)
    by_kind = by_kind.reindex(columns=list(LOCAL_KINDS), fill_value=0.0)
    by_kind.columns = [f"places_{c}" for c in by_kind.columns]
    table = demand.merge(by_kind.reset_index(), on=KEYS, how="outer")

    alloc = _by_district(run.allocations, districts)
    exact = not demand_is_whole(run.instance.demand)  # whole pupils against whole demand
    alloc["pupils"] = whole_or_exact(alloc, "pupils", exact)
    local = alloc["local"].astype(str).str.lower() == "true"  # bool, or text from a run folder
    alloc["placed_locally"] = np.where(local, alloc["pupils"], 0.0)
    alloc["placed_elsewhere"] = np.where(~local, alloc["pupils"], 0.0)
    alloc["placed_independent"] = np.where(alloc["kind"] == "independent", alloc["pupils"], 0.0)
    for kind in ("special", "srp", "mainstream"):
        alloc[f"placed_{kind}"] = np.where(alloc["kind"] == kind, alloc["pupils"], 0.0)
    alloc["pupil_minutes"] = alloc["pupils"] * alloc["journey_min"]
    placed_cols = ["placed_locally", "placed_elsewhere", "placed_independent",
                   "placed_special", "placed_srp", "placed_mainstream", "pupil_minutes"]
    placed = alloc.groupby(KEYS, as_index=False)[placed_cols].sum()
    table = table.merge(placed, on=KEYS, how="left")
    unmet = _by_district(run.unmet, districts)
    unmet["unmet"] = whole_or_exact(unmet, "unmet", exact)
    table = table.merge(unmet.groupby(KEYS, as_index=False)["unmet"].sum(), on=KEYS, how="left")
    for col in _ADDITIVE:
        if col in table:
            table[col] = pd.to_numeric(table[col]).astype(float).fillna(0.0)
    table["places_local"] = table[[f"places_{k}" for k in LOCAL_KINDS]].sum(axis=1)
    table["surplus_deficit"] = table["places_local"] - table["demand"]
    empty = (table[[c for c in _ADDITIVE if c != "surplus_deficit"]].abs() < 1e-12).all(axis=1)
    return _finish(table[~empty], KEYS)


def _by_district(frame: pd.DataFrame, districts: dict[str, str]) -> pd.DataFrame:
    """``frame`` with its home ``zone`` column replaced by that zone's ``district``."""
    out = frame.rename(columns={"zone": "district"})
    out["district"] = out["district"].map(districts)
    return out


def _finish(table: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Ratios from summed columns, canonical column order, sorted rows."""
    out = table.copy()
    demand = out["demand"].to_numpy(float)
    placed = (out["placed_locally"] + out["placed_elsewhere"]).to_numpy(float)
    out["share_met_locally"] = np.divide(out["placed_locally"].to_numpy(float), demand,
                                         out=np.zeros_like(demand), where=demand > 0)
    out["mean_journey_min"] = np.divide(out["pupil_minutes"].to_numpy(float), placed,
                                        out=np.zeros_like(placed), where=placed > 0)
    return out[keys + SUFFICIENCY_COLUMNS].sort_values(keys).reset_index(drop=True)


def rollup(detail: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Sum the detailed table over everything but ``keys`` and recompute the ratios."""
    work = detail.copy()
    work["pupil_minutes"] = work["mean_journey_min"] * (
        work["placed_locally"] + work["placed_elsewhere"])
    summed = work.groupby(keys, as_index=False)[_ADDITIVE].sum()
    return _finish(summed, keys)


def district_benchmarks(by_district: pd.DataFrame, county: pd.DataFrame) -> pd.DataFrame:
    """Each district beside the county on the shares a sufficiency plan compares."""
    def shares(frame: pd.DataFrame) -> pd.DataFrame:
        d = frame["demand"].where(frame["demand"] > 0)
        return pd.DataFrame({
            "share_met_locally": frame["share_met_locally"],
            "share_special": (frame["placed_special"] / d).fillna(0.0),
            "share_independent": (frame["placed_independent"] / d).fillna(0.0),
            "share_unmet": (frame["unmet"] / d).fillna(0.0),
            "mean_journey_min": frame["mean_journey_min"],
        })

    left = pd.concat([by_district[["district", "year"]], shares(by_district)], axis=1)
    right = pd.concat([county[["year"]], shares(county)], axis=1)
    out = left.merge(right, on="year", suffixes=("", "_county"))
    for col in ("share_met_locally", "share_special", "share_independent", "share_unmet",
                "mean_journey_min"):
        out[f"{col}_vs_county"] = out[col] - out[f"{col}_county"]
    return out


BENCHMARK_COLUMNS = ["year", "indicator", "model_value", "model_basis", "geography",
                     "benchmark_year", "benchmark_value", "difference", "source"]


def county_vs_benchmarks(county: pd.DataFrame, benchmarks: pd.DataFrame) -> pd.DataFrame:
    """The county's shares by year beside every published comparator for the same indicator.

    Shares "of school placements" use the model's demand as the base. Shares "of all plans"
    need all EHC plans, most of which (FE, educated elsewhere) are outside the model: they use
    the ``ehc_plans_total`` benchmark for its year and, for other years, that total scaled by
    the model's demand (which assumes the in-scope share of all plans stays as in that year).
    """
    if benchmarks.empty:
        return pd.DataFrame(columns=BENCHMARK_COLUMNS)
    c = county.set_index("year")
    demand = c["demand"].where(c["demand"] > 0)
    special = c["placed_special"] + c["placed_independent"]
    mainstream = c["placed_srp"] + c["placed_mainstream"]
    model: dict[str, tuple[pd.Series, str]] = {
        "share_special_of_school_placements": (special / demand, "pupils in the model"),
        "share_independent_of_school_placements": (c["placed_independent"] / demand,
                                                   "pupils in the model"),
        "share_mainstream_of_school_placements": (mainstream / demand, "pupils in the model"),
    }
    totals = benchmarks[benchmarks["indicator"] == "ehc_plans_total"]
    if len(totals):
        base = totals.iloc[0]
        base_year = int(base["year"])
        if base_year in demand.index and demand[base_year] > 0:
            plans = float(base["value"]) * demand / demand[base_year]
            basis = (f"all EHC plans ({int(base['value']):,} in {base_year}; other years scaled "
                     "with the model's demand)")
            model["share_special_of_all_plans"] = (special / plans, basis)
            model["share_mainstream_of_all_plans"] = (mainstream / plans, basis)
    rows = []
    for indicator, (series, basis) in model.items():
        published = benchmarks[benchmarks["indicator"] == indicator]
        for year, value in series.items():
            for _, b in published.iterrows():
                rows.append((year, indicator, float(value), basis, b["geography"], int(b["year"]),
                             float(b["value"]), float(value) - float(b["value"]), b["source"]))
    return pd.DataFrame(rows, columns=BENCHMARK_COLUMNS)


def sufficiency_report(run: RunData) -> dict[str, pd.DataFrame]:
    """All sufficiency tables by sheet name: detail, roll-ups, district benchmarks and places."""
    apportioned = place_apportionment(run)
    detail = sufficiency_table(run, apportioned)
    tables = {"detail": detail}
    for name, keys in ROLLUPS.items():
        tables[name] = rollup(detail, keys)
    tables["district_benchmarks"] = district_benchmarks(tables["by_district"], tables["county"])
    tables["county_vs_benchmarks"] = county_vs_benchmarks(tables["county"],
                                                          run.instance.benchmarks)
    tables["place_apportionment"] = apportioned
    return tables
