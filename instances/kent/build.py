"""Build the Kent instance reproducibly from the public data pack ``shared/data/kent``.

Run from anywhere::

    python instances/kent/build.py [--out DIR] [--data DIR]

It writes the instance tables (``instance.toml``, ``needs.csv``, ``phases.csv``, ``zones.csv``,
``provisions.csv``, ``capacity.csv``, ``journeys.csv``, ``demand.csv``, ``levels.csv``,
``tariffs.csv``, ``benchmarks.csv``, ``high_needs.csv``), the mapping tables it uses (``designation_map.csv``,
``town_district_map.csv``) and the provenance files under ``provenance/`` that label every
figure as sourced or estimated, including ``provenance/calibration.csv`` (the 2025 baseline
against Kent's published figures). The parts live in ``kentbuild/``, one module each: zones and
road times (``zones``, ``roads``, ``journeys``), demand (``scope``, ``growth``, ``demand``),
provisions (``provisions``, ``srps``, ``independents``), costs (``tariffs``, ``transport``),
the high-needs block outside the model and the opening DSG balance (``high_needs``,
``high_needs_reconcile``).
The output is a pure function of the data pack, the constants and the LP solution of the 2025
baseline (HiGHS, one thread): running it twice gives byte-identical files.

Every rule is explained in ``instances/kent/README.md`` (the data card); the source ids S1..S6
and R1..R8 are those of the data pack's README and ``raw/SOURCES.md``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from kentbuild import calibration, demand, growth, independents, journeys, roads, srps, transport
from kentbuild import zones as zones_mod
from kentbuild.common import BASE_YEAR, YEARS, fmt_num, slug, table_text, write_csv
from kentbuild.designations import KCC_AREA, designation_map_table, town_district_table
from kentbuild.high_needs import finance_toml, high_needs
from kentbuild.high_needs_reconcile import reconciliation_table
from kentbuild.outputs import Fallback, benchmarks_table, instance_toml, settings_provenance, trend_table
from kentbuild.pack import Pack
from kentbuild.provisions import Provision, mainstream_rows, special_schools
from kentbuild.scope import (
    capacity_totals,
    in_scope_by_need,
    needs_table,
    phase_split,
    phases_table,
    scope_table,
)
from kentbuild.tariffs import tariffs_table

from placement_opt import Instance, Status, solve

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "kent"
#: Road km = straight km x this (ASSUMPTION; the pack has road minutes, not road km).
CIRCUITY = 1.3
#: How an out-of-county row's district ends (kentbuild.independents); such rows never get a
#: Kent zone, even when their reference point lies near the county boundary.
OUT_OF_COUNTY_MARK = "(out of county)"
#: Pairs beyond this many road minutes (past every phase's limit) are left out of journeys.csv.
MAX_TRIP_MINUTES = 90.0
#: The first guess of the mean transported journey (km) before the per-km rate is refitted on
#: the baseline's own journeys (kentbuild/transport.py, rule T3); it only seeds that refit.
FIRST_GUESS_KM = 15.0
#: Column order of provisions.csv.
PROVISION_COLUMNS = ["provision", "name", "kind", "zone", "lat", "lon", "phases", "min_age",
                     "max_age", "needs", "capacity", "cost_per_place"]


def fallback_rule(road: roads.RoadModel) -> Fallback:
    """road_factor = the circuity; speed so that the rule matches the road model at 40 km."""
    minutes = float(road.minutes(np.array([40.0]))[0])
    speed = round(40.0 * CIRCUITY / minutes * 60.0, 1)
    return Fallback(CIRCUITY, speed, "ESTIMATE: used only for pairs journeys.csv leaves out (longer "
                    f"than {MAX_TRIP_MINUTES:.0f} min by the road model); speed matches the road "
                    "model at 40 km straight-line (kentbuild/roads.py)")


def zones_frame(zones: pd.DataFrame, ooc: pd.DataFrame) -> pd.DataFrame:
    """zones.csv: the Kent MSOAs, then one zone per out-of-county location (no demand)."""
    kent = pd.DataFrame({
        "zone": zones["zone"], "name": zones["name"], "lat": zones["lat"].round(6),
        "lon": zones["lon"].round(6), "district": zones["district"], "cluster": zones["district"],
        "area": zones["district"].map(KCC_AREA), "min_local_share": None})
    away = pd.DataFrame({
        "zone": ooc["zone"], "name": ooc["district"], "lat": ooc["lat"], "lon": ooc["lon"],
        "district": ooc["district"], "cluster": ooc["district"], "area": "Out of county",
        "min_local_share": None})
    return pd.concat([kent, away], ignore_index=True)


def place_rows(frame: pd.DataFrame, lsoas: pd.DataFrame, zones: pd.DataFrame) -> pd.DataFrame:
    """Give provision rows a zone: by location in Kent, the district's central zone when not
    located, and an out-of-county zone of their own otherwise."""
    out = frame.copy()
    located = out["located"].astype(bool) & out["lat"].notna()
    where = zones_mod.zone_of_point(lsoas, out.loc[located, "lat"].to_numpy(float),
                                    out.loc[located, "lon"].to_numpy(float))
    out["zone"] = None
    away_rows = out.loc[located, "district"].fillna("").str.endswith(OUT_OF_COUNTY_MARK)
    in_kent = where["in_kent"].to_numpy(bool) & ~away_rows.to_numpy(bool)
    idx = out.index[located]
    out.loc[idx[in_kent], "zone"] = where["zone"].to_numpy()[in_kent]
    out.loc[idx[in_kent], "district"] = where["district"].to_numpy()[in_kent]
    away = idx[~in_kent]
    out.loc[away, "zone"] = ["OOC-" + slug(str(d).split(" (")[0]) for d in out.loc[away, "district"]]
    rest = out["zone"].isna()
    centres = {d: zones_mod.central_zone(zones, d) for d in out.loc[rest, "district"].unique()}
    out.loc[rest, "zone"] = out.loc[rest, "district"].map(centres)
    z = zones.set_index("zone")
    fill = rest & out["lat"].isna()
    out.loc[fill, "lat"] = out.loc[fill, "zone"].map(z["lat"]).round(6)
    out.loc[fill, "lon"] = out.loc[fill, "zone"].map(z["lon"]).round(6)
    return out


def special_frame(special: list[Provision]) -> pd.DataFrame:
    """The special-school Provision objects as rows of the common provision frame."""
    rows = []
    for p in special:
        row = p.row()
        row.update(district=p.zone, located=True, estimated=any(e for e, _ in p.notes.values()),
                   method="per field: see the rows of this provision", source="")
        rows.append(row)
    return pd.DataFrame(rows)


def provenance_rows(special: list[Provision], placed: pd.DataFrame) -> pd.DataFrame:
    """provenance/provisions_provenance.csv: every field of the special schools, one row with
    method and source for every other provision."""
    zone_of = placed.set_index("provision")["zone"]
    rows = []
    for p in special:
        for pid, field, value, est, how in p.provenance():
            if field == "zone":
                value, how = str(zone_of[pid]), ("the zone (MSOA) of the nearest Kent LSOA "
                                                 f"centroid to its location (R1); {how}")
            rows.append((pid, field, value, est, how))
    others = placed.iloc[len(special):]
    for r in others.itertuples(index=False):
        rows.append((r.provision, "row", f"{r.kind} in {r.zone}, {fmt_num(float(r.capacity))} places",
                     bool(r.estimated), f"{r.method}; source: {r.source}"))
    frame = pd.DataFrame(rows, columns=["provision", "field", "value", "estimated", "method_or_source"])
    frame["estimated"] = frame["estimated"].map(lambda b: "true" if b else "false")
    return frame


def baseline(out: Path) -> tuple[pd.DataFrame, float]:
    """The 2025 baseline: the written instance's first year solved alone (HiGHS, one thread)."""
    inst = Instance.from_path(out)
    first = inst.years[0]
    alone = inst.replace(demand=inst.demand[inst.demand["year"] == first],
                         capacity=inst.capacity[inst.capacity["year"] == first])
    result = solve(alone, threads=1, seed=0, time_limit=120)
    if result.status is not Status.OPTIMAL:
        raise SystemExit(f"the Kent {first} baseline did not solve: {result.status.value}")
    alloc = result.allocations
    return alloc, float(alloc["transport_cost"].sum())


def build(data: Path, out: Path) -> dict[str, object]:
    """Build every file into ``out``; return the summary."""
    pack = Pack.read(data)
    lsoas = zones_mod.lsoa_centroids(data)
    msoas = zones_mod.msoa_zones(data)
    road = roads.fit_road_model(data)
    rates = growth.fit_growth(data)
    hn = high_needs(data, pack)
    population = pack.districts.set_index("district")["population_2020"].astype(float)

    need_frame, total = in_scope_by_need(pack)
    split = phase_split(pack, need_frame)
    level_shares = demand.level_shares(pack)
    shares = demand.zone_shares(msoas, population)
    dem = demand.demand_table(split, shares, level_shares, rates)
    caps = capacity_totals(pack)

    centres = msoas.set_index("zone").loc[
        [zones_mod.central_zone(msoas, d) for d in sorted(msoas["district"].unique())]]
    centres.index = sorted(msoas["district"].unique())
    c_special = int(pack.figure("hnb_cost_per_pupil_maintained_special", "2024-25"))
    special, special_derivation = special_schools(pack, centres, c_special, caps.state_special)
    designation = designation_map_table()
    srp = srps.srp_rows(data, designation)
    indep = independents.independent_rows(data)
    main, main_caps = mainstream_rows(msoas, caps.mainstream, population, dem)
    frame = pd.concat([f.astype(object) for f in (special_frame(special), srp, indep, main)],
                      ignore_index=True).infer_objects()
    frame = place_rows(frame, lsoas, msoas)
    ooc = frame[frame["zone"].str.startswith("OOC-")].drop_duplicates("zone")
    zones = zones_frame(msoas, ooc)
    ids = frame["provision"]
    assert ids.is_unique, ids[ids.duplicated()].tolist()

    capacity = pd.concat([main_caps, independents.independent_capacity(indep, YEARS)],
                         ignore_index=True)
    trips = journeys.journeys_table(msoas, frame[["provision", "lat", "lon"]], road, CIRCUITY,
                                    MAX_TRIP_MINUTES)
    trips = local_mainstream(trips, msoas, main, road)

    pupils_by_kind = {"special": float(caps.state_special), "independent": float(caps.independent),
                      "srp": float(caps.srp), "mainstream": float(caps.mainstream)}
    shares_t = transport.transported_shares(pupils_by_kind)
    spend = pack.figure("home_to_school_transport_cost_ehcp") * 1e6
    fall = fallback_rule(road)
    provisional = transport.TransportModel(shares_t, 0.5 * spend / transport.ELIGIBLE_PUPILS,
                                           0.5 * spend / transport.ELIGIBLE_PUPILS / FIRST_GUESS_KM, spend,
                                           transport.ELIGIBLE_PUPILS, 0.0)

    out.mkdir(parents=True, exist_ok=True)
    write_csv(needs_table(), out / "needs.csv")
    write_csv(phases_table(), out / "phases.csv")
    write_csv(zones, out / "zones.csv")
    write_csv(frame[PROVISION_COLUMNS].assign(
        lat=frame["lat"].map(fmt_num), lon=frame["lon"].map(fmt_num),
        min_age=frame["min_age"].map(_int_text), max_age=frame["max_age"].map(_int_text)),
        out / "provisions.csv")
    write_csv(capacity, out / "capacity.csv")
    write_csv(trips, out / "journeys.csv")
    write_csv(dem, out / "demand.csv")
    write_csv(demand.levels_table(), out / "levels.csv")
    tariffs, tariffs_prov = tariffs_table(c_special)
    write_csv(tariffs, out / "tariffs.csv")
    write_csv(benchmarks_table(pack, total), out / "benchmarks.csv")
    write_csv(designation, out / "designation_map.csv")
    write_csv(town_district_table(), out / "town_district_map.csv")
    write_csv(table_text(hn.table), out / "high_needs.csv")

    def settings_text(model: transport.TransportModel) -> str:
        return instance_toml(model, fall, total, len(msoas)) + "\n" + finance_toml(hn.opening)

    model = provisional
    for _ in range(2):  # T3: fit the per-km rate on the baseline's own journeys, then once more
        (out / "instance.toml").write_text(settings_text(model), encoding="utf-8")
        alloc, _ = baseline(out)
        model = transport.fit_per_km(alloc, shares_t, spend)
    (out / "instance.toml").write_text(settings_text(model), encoding="utf-8")
    alloc, transport_2025 = baseline(out)

    prov = out / "provenance"
    calib = calibration.calibration_table(pack, alloc, dem[dem["year"] == BASE_YEAR], shares_t,
                                          transport_2025)
    write_csv(calib, prov / "calibration.csv")
    write_csv(provenance_rows(special, frame), prov / "provisions_provenance.csv")
    write_csv(scope_table(pack), prov / "scope.csv")
    write_csv(_bool_text(demand.demand_provenance(dem, rates)), prov / "demand_provenance.csv")
    write_csv(split, prov / "demand_derivation.csv")
    write_csv(level_shares, prov / "level_shares.csv")
    write_csv(_bool_text(tariffs_prov), prov / "tariffs_provenance.csv")
    write_csv(rates.rates_table(), prov / "growth_rates.csv")
    write_csv(rates.series_table(), prov / "growth_series.csv")
    write_csv(trend_table(pack), prov / "growth.csv")
    write_csv(road.fit_table(), prov / "road_model.csv")
    write_csv(srps.reconciliation_table(data, srp), prov / "srp_reconciliation.csv")
    write_csv(special_derivation, prov / "special_capacity_derivation.csv")
    settings_prov = pd.concat([settings_provenance(model, fall), pd.DataFrame([{
        "key": "finance.opening_balance", "value": fmt_num(hn.opening), "estimated": True,
        "method_or_source": "ESTIMATE: rule H4 of kentbuild/high_needs.py; "
                            "provenance/high_needs_opening_balance.csv"}])], ignore_index=True)
    write_csv(_bool_text(settings_prov), prov / "settings_provenance.csv")
    write_csv(table_text(hn.derivation), prov / "high_needs_opening_balance.csv")
    write_csv(table_text(reconciliation_table(pack, hn, alloc)),
              prov / "high_needs_reconciliation.csv")
    write_csv(msoas, prov / "zones_derivation.csv")
    result = summary(total, caps, dem, zones, frame, trips, model, calib)
    (prov / "summary.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result


def local_mainstream(trips: pd.DataFrame, zones: pd.DataFrame, main: pd.DataFrame,
                     road: roads.RoadModel) -> pd.DataFrame:
    """Journeys to one's own district's mainstream schools are the local (within-zone) journey."""
    local = journeys.local_journeys(zones, road, CIRCUITY).merge(zones[["zone", "district"]], on="zone")
    local = local.merge(main[["provision", "district"]], on="district")[
        ["zone", "provision", "minutes", "km"]]
    keys = ["zone", "provision"]
    kept = trips.merge(local[keys], on=keys, how="left", indicator=True)
    kept = kept[kept["_merge"] == "left_only"].drop(columns="_merge")
    return pd.concat([kept, local], ignore_index=True).sort_values(keys).reset_index(drop=True)


def summary(total: int, caps: object, dem: pd.DataFrame, zones: pd.DataFrame, frame: pd.DataFrame,
            trips: pd.DataFrame, model: transport.TransportModel,
            calib: pd.DataFrame) -> dict[str, object]:
    """Headline figures, written to provenance/summary.json and used by the tests."""
    by_year = dem.groupby("year")["pupils"].sum()
    kinds = frame.groupby("kind")["provision"].count()
    return {
        "base_year": BASE_YEAR,
        "years": list(YEARS),
        "in_scope_total_2025": total,
        "zones": int((zones["area"] != "Out of county").sum()),
        "out_of_county_zones": int((zones["area"] == "Out of county").sum()),
        "provisions_by_kind": {str(k): int(v) for k, v in kinds.items()},
        "journeys_rows": len(trips),
        "demand_rows": len(dem),
        "demand_by_year": {str(k): int(v) for k, v in by_year.items()},
        "demand_by_level_2025": {str(k): int(v) for k, v in dem[dem["year"] == BASE_YEAR]
                                 .groupby("level")["pupils"].sum().items()},
        "transport": {"per_pupil": model.per_pupil, "per_km": model.per_km,
                      "shares": model.shares},
        "calibration": {str(r.indicator): {"published": float(r.published),
                                           "modelled": float(r.modelled)}
                        for r in calib.itertuples(index=False)},
    }


def _int_text(v: object) -> str:
    return "" if v is None or pd.isna(v) else str(int(float(str(v))))


def _bool_text(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(estimated=frame["estimated"].map(lambda b: "true" if b else "false"))


def main(argv: Sequence[str] | None = None) -> None:
    """Command line: ``python instances/kent/build.py [--out DIR] [--data DIR]``."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=HERE, help="output folder (default: this folder)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the data pack folder")
    args = parser.parse_args(argv)
    result = build(args.data, args.out)
    print(json.dumps({k: v for k, v in result.items() if k != "calibration"}, indent=2))


if __name__ == "__main__":
    main()
