"""The 24 state special schools and the mainstream support of each district, as provision rows
with the provenance of every field; and the common frame every provision source feeds."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kentbuild.common import (
    ALL_PHASES,
    F_FIG,
    F_PROV,
    MAINSTREAM_THRESHOLD,
    MAINSTREAM_TOP_UP,
    NEED_CODES,
    PACK_NEED,
    STATE_SPECIAL_ROWS,
    YEARS,
    apportion,
    fmt_num,
    pack_ref,
    slug,
)
from kentbuild.designations import TOWN_DISTRICT, designation_needs
from kentbuild.pack import Pack


@dataclass(frozen=True)
class Provision:
    """One provision row plus the provenance of each of its fields."""

    provision: str
    name: str
    kind: str
    zone: str
    lat: float
    lon: float
    phases: str | None
    min_age: int | None
    max_age: int | None
    needs: tuple[str, ...]
    capacity: int
    cost: int
    notes: dict[str, tuple[bool, str]]

    def row(self) -> dict[str, object]:
        """The provisions.csv row."""
        return {
            "provision": self.provision, "name": self.name, "kind": self.kind, "zone": self.zone,
            "lat": self.lat, "lon": self.lon, "phases": self.phases, "min_age": self.min_age,
            "max_age": self.max_age, "needs": ";".join(n for n in NEED_CODES if n in self.needs),
            "capacity": self.capacity, "cost_per_place": self.cost,
        }

    def provenance(self) -> list[tuple[str, str, str, bool, str]]:
        """One (provision, field, value, estimated, method_or_source) row per field."""
        values = self.row()
        shown = {
            "name": values["name"], "kind": values["kind"], "zone": values["zone"],
            "lat;lon": f"{fmt_num(self.lat)};{fmt_num(self.lon)}",
            "phases_or_ages": self.phases or f"{self.min_age}-{self.max_age}",
            "needs": values["needs"], "capacity": self.capacity, "cost_per_place": self.cost,
        }
        return [(self.provision, field, str(shown[field]), est, how)
                for field, (est, how) in self.notes.items()]

def resolve_district(row: pd.Series) -> tuple[str, bool, str]:
    """The pack's district, or one inferred from the postcode town (labelled)."""
    source = str(row.get("district_source"))
    if isinstance(row["district"], str):
        inferred = "INFERRED" in source
        return row["district"], inferred, ("ESTIMATE (pack, inferred from town): " if inferred
                                           else "pack: ") + source
    town = str(row["town"]).upper()
    if town not in TOWN_DISTRICT:
        raise ValueError(f"no district for {row['name']} (town {row['town']})")
    return (TOWN_DISTRICT[town], True,
            f"ESTIMATE: district blank in the pack; inferred from postcode town {row['town']} "
            f"({row['postcode']}) via town_district_map.csv")


def resolve_coords(row: pd.Series, centres: pd.DataFrame, district: str) -> tuple[float, float, bool, str]:
    """The provision's coordinates, or its district's central zone when the pack has none."""
    quality = row["coord_quality"]
    if pd.isna(row["lat"]) or quality == "missing":
        c = centres.loc[district]
        return (float(c["lat"]), float(c["lon"]), True,
                f"ESTIMATE: no coordinates in the pack; the central zone of {district} used")
    estimated = quality in ("ESTIMATE_postcode_sector_mean", "geocoded_2017_opencage_old_site")
    return (float(row["lat"]), float(row["lon"]), estimated,
            (f"ESTIMATE (pack coord_quality {quality}): " if estimated else f"{quality}: ")
            + str(row["coord_source"]).removeprefix("ESTIMATE: "))


def state_special_weights(schools: pd.DataFrame, observed: pd.Series) -> pd.Series:
    """Need-weighted size of each state special school (for sharing out unknown places).

    Each need's Jan 2025 state-special pupils (S1: LA maintained + academy/free) are shared
    equally among the special schools designated for that need; a school's weight is the sum of
    its shares over its designated needs.
    """
    n_schools = {k: sum(k in needs for needs in schools["needs_t"]) for k in NEED_CODES}
    return schools["needs_t"].map(lambda needs: sum(
        observed.get(k, 0.0) / n_schools[k] for k in needs if n_schools[k] > 0))


def special_schools(pack: Pack, centres: pd.DataFrame, cost: int,
                    total: int) -> tuple[list[Provision], pd.DataFrame]:
    """The 24 state special schools with capacities summing to ``total`` (Jan 2025 pupils)."""
    rows = pack.provisions[pack.provisions["provision_kind"] == "special_school"].copy()
    assert len(rows) == 24, len(rows)
    found = [designation_needs(d, t) for d, t in zip(rows["sen_designation"],
                                                      rows["sen_designation_detail"], strict=True)]
    rows["needs_t"] = [f[0] for f in found]
    observed = pack.placement(STATE_SPECIAL_ROWS).drop("Unknown").rename(PACK_NEED)
    rows["weight"] = state_special_weights(rows, observed).to_numpy()
    published = rows["designated_places"].notna()
    on_roll = ~published & rows["on_roll"].notna()
    rest = ~published & ~on_roll
    fixed = int(rows.loc[published, "designated_places"].sum() + rows.loc[on_roll, "on_roll"].sum())
    rows["capacity"] = 0
    rows.loc[published, "capacity"] = rows.loc[published, "designated_places"].astype(int)
    rows.loc[on_roll, "capacity"] = rows.loc[on_roll, "on_roll"].astype(int)
    rows.loc[rest, "capacity"] = apportion(total - fixed, rows.loc[rest, "weight"].to_numpy())
    assert int(rows["capacity"].sum()) == total
    derivation = rows[["urn", "name", "sen_designation", "weight", "designated_places", "on_roll",
                       "capacity"]].copy()
    derivation["weight"] = derivation["weight"].round(3)
    derivation["needs"] = [";".join(n) for n in rows["needs_t"]]
    derivation["capacity_rule"] = np.select(
        [published, on_roll], ["published designated number", "ESTIMATE: on-roll figure"],
        f"ESTIMATE: need-weighted share of the remainder {total - fixed}")
    out = []
    for (_, row), (needs, n_est, n_how) in zip(rows.iterrows(), found, strict=True):
        out.append(_special(row, needs, n_est, n_how, centres, cost, total - fixed))
    return out, derivation


def _special(row: pd.Series, needs: tuple[str, ...], n_est: bool, n_how: str,
             centres: pd.DataFrame, cost: int, remainder: int) -> Provision:
    district, d_est, d_how = resolve_district(row)
    lat, lon, c_est, c_how = resolve_coords(row, centres, district)
    phases, min_age, max_age, a_est, a_how = special_ages(row)
    cap = int(row["capacity"])
    if pd.notna(row["designated_places"]):
        cap_note = (False, f"published designated number ({row['designated_places_year']}): "
                           f"{row['designated_places_source']}")
    elif pd.notna(row["on_roll"]):
        cap_note = (True, f"ESTIMATE: pack on-roll figure ({row['on_roll_date']}: "
                          f"{row['on_roll_source']}) used as places filled")
    else:
        cap_note = (True, f"ESTIMATE: need-weighted share (weight {row['weight']:.1f}) of the "
                          f"{remainder} Jan 2025 state-special pupils not at schools with a "
                          "published figure; see provenance/special_capacity_derivation.csv")
    return Provision(
        provision=f"SP-{row['urn']}", name=str(row["name"]), kind="special", zone=district, lat=lat,
        lon=lon, phases=phases, min_age=min_age, max_age=max_age, needs=needs, capacity=cap,
        cost=cost,
        notes={
            "name": (False, pack_ref(F_PROV, f"urn {row['urn']}; {row['urn_postcode_source']}")),
            "kind": (False, "pack provision_kind special_school (state-funded special school)"),
            "zone": (d_est, "district: " + d_how), "lat;lon": (c_est, c_how),
            "phases_or_ages": (a_est, a_how),
            "needs": (n_est, n_how + f" (pack designation source: {row['designation_source']})"
                      if isinstance(row["designation_source"], str) else n_how),
            "capacity": cap_note,
            "cost_per_place": (False, "KCC 2024-25 cost per pupil in a maintained special school, "
                                      + pack_ref(F_FIG, "hnb_cost_per_pupil_maintained_special")),
        },
    )


def special_ages(row: pd.Series) -> tuple[str | None, int | None, int | None, bool, str]:
    """Phases or age range of a special school: the pack's ages, else a stated rule."""
    if pd.notna(row["low_age"]) and pd.notna(row["high_age"]):
        return None, int(row["low_age"]), int(row["high_age"]), False, f"pack: {row['age_source']}"
    detail = row["sen_designation_detail"] if isinstance(row["sen_designation_detail"], str) else ""
    if row["phase"] == "Secondary" or detail.startswith("secondary"):
        return ("secondary", None, None, False,
                "pack phase 'Secondary' / KsENT guidance: secondary school (S6)")
    if row["sen_designation"] == "SEMH":
        return ("primary;secondary", None, None, True,
                "ESTIMATE: KsENT guidance (S6) calls it an all-age SEMH school and names primary "
                "and secondary phases only; no sixth form assumed")
    return (ALL_PHASES, None, None, True,
            "ESTIMATE: ages not in the pack; all-through 4-19 assumed (KsENT guidance: PSCN "
            "schools are all-age)")



MAINSTREAM_NOTE = (f"ESTIMATE: ASSUMED average high-needs top-up GBP {MAINSTREAM_TOP_UP:,}; the "
                   f"first GBP {MAINSTREAM_THRESHOLD:,} (notional SEN) is met by the school from its "
                   "own budget and is not high-needs spend (national rule, not in the pack)")


def mainstream_rows(zones: pd.DataFrame, places_2025: int, district_population: pd.Series,
                    demand: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Mainstream support: one provision per district (its schools taken together), placed at
    the district's residents' centre, and its places by year (capacity.csv rows, with method).

    Places in 2025 are the Jan 2025 mainstream plans less those in SEN units and resourced
    provision (S1), split by 2020 population share (S3); later years grow with the district's
    level-1 demand. Journeys to a pupil's own district's mainstream schools are local
    (``kentbuild.journeys.local_journeys``)."""
    districts = sorted(zones["district"].unique())
    pop = district_population.reindex(districts)
    base = apportion(places_2025, (pop / pop.sum()).to_numpy())
    l1 = demand[demand["level"] == "L1"].merge(zones[["zone", "district"]], on="zone")
    l1 = l1.groupby(["district", "year"])["pupils"].sum()
    rows, caps = [], []
    for district, places in zip(districts, base, strict=True):
        mine = zones[zones["district"] == district]
        w = mine["weight"].to_numpy(float)
        rows.append({
            "provision": f"MS-{slug(district)}", "name": f"Mainstream schools with support, {district}",
            "kind": "mainstream", "district": district,
            "lat": round(float(np.average(mine["lat"], weights=w)), 6),
            "lon": round(float(np.average(mine["lon"], weights=w)), 6),
            "located": False, "phases": ALL_PHASES, "min_age": None, "max_age": None,
            "needs": ";".join(NEED_CODES), "capacity": int(places), "cost_per_place": MAINSTREAM_TOP_UP,
            "estimated": True,
            "method": (f"the district's mainstream schools taken together; places ESTIMATE: "
                       f"{places_2025:,} Jan 2025 mainstream plans outside units (S1) split by 2020 "
                       f"population share (S3); located at the mean of its zones (for maps; own-"
                       f"district journeys are local); cost: {MAINSTREAM_NOTE}"),
            "source": pack_ref("ehcp_by_need.csv", "Mainstream - total less SEN units / RP"),
        })
        for year, n in l1.loc[district].items():
            growth = n / float(l1.loc[(district, YEARS[0])])
            caps.append((f"MS-{slug(district)}", int(year), None, round(int(places) * growth)))
    capacity = pd.DataFrame(caps, columns=["provision", "year", "need", "places"])
    return pd.DataFrame(rows), capacity
