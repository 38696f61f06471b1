"""SRPs / SEN units: the pack's listed units at their schools, plus estimated whole units for
the rest of the 1,075 Jan 2025 unit places, by district x need group x phase from evidence.

Rule summary (every estimate is labelled in the row's ``method``):

* Listed units (pack ``provisions.csv``, ``provision_kind == "srp"``): needs from the designation
  map, phase from the pack, places = published ``designated_places``, else the pack's on-roll
  figure, else the median published places of listed units of the same designation and phase.
  A *proposal* counts as open from September of the year after the proposal year
  (:data:`PROPOSAL_LEAD_YEARS`); only units open by the Jan 2025 census are kept.
* The rest (1,075 less the listed places) is split over need groups (:data:`GROUPS`) and phases
  by the Jan 2025 unit plans by need (S1) and the need's ages 4-10 / 11-15 (S1), less what the
  listed units already give; then cut into whole units of 14-30 places (Kent SRP Review range)
  and dealt to the districts furthest below their population share (S3) of that group x phase.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

from kentbuild.common import NEED_CODES, PACK_NEED, SRP_PLACE_FUNDING, SRP_TOP_UP, apportion, slug
from kentbuild.packfiles import PackError, read_pack_csv

__all__ = ["COLUMNS", "designation_needs", "published_targets",
           "reconciliation_table", "srp_group_table", "srp_rows", "unit_counts"]

COLUMNS = ["provision", "name", "kind", "district", "lat", "lon", "located", "phases", "min_age",
           "max_age", "needs", "capacity", "cost_per_place", "estimated", "method", "source"]
PROV, NEED, FIG, DIST = "provisions.csv", "ehcp_by_need.csv", "kent_figures.csv", "districts.csv"
DSG = "raw/dsg_allocations_kent_neighbours.csv"
S1 = "S1 DfE SEN2 2025 (pack ehcp_by_need.csv)"

#: Jan 2025 "Type of placement" rows of SEN units (1,015) and resourced provision (60), S1.
UNIT_ROWS = ("Mainstream - LA maintained (SEN unit)", "Mainstream - academy (SEN unit)")
RP_ROWS = ("Mainstream - LA maintained (resourced provision)",
           "Mainstream - academy (resourced provision)",
           "Mainstream - free school (resourced provision)")
ACADEMY_ROWS = UNIT_ROWS[1:] + RP_ROWS[1:]
#: Primary [4, 11) and secondary [11, 16); no post-16 SRP places (KCC: secondary SRP places are
#: Y7-11 only, kent_figures.csv srp_capital_allocation).
PHASE_AGES = {"primary": (4, 11), "secondary": (11, 16)}
PACK_PHASE = {"Primary": "primary", "Secondary": "secondary"}
#: A proposal (year Y) is taken to open in September of Y + 1 (statutory proposal -> the next
#: school year). It counts in 2025 if it opens by September 2024 (before the Jan 2025 census).
PROPOSAL_LEAD_YEARS = 1
#: Unit size: the Kent SRP Review range (~14-30 places; as stated in the project brief, NOT in
#: the data pack: verify against democracy.kent.gov.uk IId=70069). Target size = mid-range.
UNIT_MIN, UNIT_MAX, UNIT_TARGET = 14, 30, 22
SIZE_NOTE = (f"unit size {UNIT_MIN}-{UNIT_MAX} places: Kent SRP Review range (stated in the "
             "project brief, not in the data pack)")
#: Need groups of estimated units: (group, designation giving the unit's needs, extra needs,
#: needs whose Jan 2025 unit plans count towards the group, rationale).
GROUPS: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...], str], ...] = (
    ("C&I", "C&I", ("SpLD",), ("ASD", "SLCN", "MLD", "SpLD", "SEMH", "OTH"),
     "communication and interaction (designation map C&I: ASD;SLCN;MLD) plus SpLD, which has no "
     "Kent SRP designation; SEMH unit plans are counted here but SEMH is not a unit need (KCC "
     "policy: no SEMH SRP places, kent_figures.csv srp_capital_allocation; the pack's SEMH SRPs "
     "were re-designated ASD)"),
    ("PSCN", "PSCN", (), ("SLD", "PMLD", "MSI"), "profound, severe and complex needs"),
    ("HI", "HI", (), ("HI",), "hearing impairment"),
    ("PD", "PD", (), ("PD",), "physical disability"),
    ("VI", "VI", (), ("VI",), "visual impairment"),
)
#: Listed units' designation -> need group (for counting what they already provide).
DESIGNATION_GROUP = {"C&I": "C&I", "ASD": "C&I", "SEMH": "C&I", "PSCN": "PSCN", "HI": "HI",
                     "PD": "PD", "VI": "VI"}
COST_NOTE = (f"cost ESTIMATE: GBP {SRP_PLACE_FUNDING:,} high-needs place funding (national ESFA "
             f"rule, not in the pack) + ASSUMED average top-up GBP {SRP_TOP_UP:,}")


def designation_needs(designation: object, detail: object,
                      dmap: pd.DataFrame) -> tuple[tuple[str, ...], bool, str]:
    """Needs of a Kent designation via ``dmap`` (rows as in designation_map.csv, first match).

    Returns the needs (in NEED_CODES order), whether they are an estimate, and how found.
    """
    text = detail if isinstance(detail, str) else ""
    rules = dmap.fillna("")
    if not isinstance(designation, str) or not designation:
        hit = rules[rules["designation"] == "(blank)"]
        if hit.empty:
            raise ValueError("designation map has no '(blank)' rule")
        return (_codes(hit["needs"].iloc[0]), True,
                "needs ESTIMATE: designation not in the pack; designation map '(blank)' rule: "
                + str(hit["rationale"].iloc[0]))
    for _, rule in rules.iterrows():
        if rule["designation"] == designation and str(rule["detail_contains"]) in text:
            return _codes(rule["needs"]), False, f"needs: designation {designation} via designation map"
    raise ValueError(f"no designation rule for {designation!r} / {text!r}")


def _codes(needs: str) -> tuple[str, ...]:
    parts = set(str(needs).split(";"))
    return tuple(c for c in NEED_CODES if c in parts)


def _unit_plans(data: Path) -> pd.DataFrame:
    """Kent Jan 2025 plans in SEN units / RP: rows = instance need, columns = placement row."""
    e = read_pack_csv(data, NEED, ["geography", "breakdown_topic", "breakdown", "primary_need",
                                   "ehc_plans", "total_ehc_plans_in_breakdown"])
    k = e[(e["geography"] == "Kent") & (e["breakdown_topic"] == "Type of placement")
          & e["breakdown"].isin(UNIT_ROWS + RP_ROWS)]
    if set(k["breakdown"]) != set(UNIT_ROWS + RP_ROWS):
        raise PackError(data / NEED, f"expected Type of placement rows {UNIT_ROWS + RP_ROWS}")
    table = k.pivot_table(index="primary_need", columns="breakdown", values="ehc_plans",
                          aggfunc="sum", fill_value=0)
    totals = k.groupby("breakdown")["total_ehc_plans_in_breakdown"].first()
    if not (table.sum() == totals[table.columns]).all():
        raise PackError(data / NEED, "unit plans by need do not add to the breakdown totals")
    if "Unknown" in table.index and table.loc["Unknown"].sum() > 0:
        raise PackError(data / NEED, "unit plans of Unknown need: no rule to place them")
    return table.drop(index="Unknown", errors="ignore").rename(index=PACK_NEED)


def _ages(data: Path) -> pd.DataFrame:
    """Kent Jan 2025 plans by instance need (rows) and phase (columns), ages 4-15 (S1)."""
    e = read_pack_csv(data, NEED, ["geography", "breakdown_topic", "breakdown", "primary_need",
                                   "ehc_plans"])
    k = e[(e["geography"] == "Kent") & (e["breakdown_topic"] == "Child or young persons age")]
    out = {p: k[k["breakdown"].isin([f"age {a}" for a in range(lo, hi)])]
           .groupby("primary_need")["ehc_plans"].sum() for p, (lo, hi) in PHASE_AGES.items()}
    return pd.DataFrame(out).fillna(0).drop(index="Unknown", errors="ignore").rename(index=PACK_NEED)


def _open_from(row: pd.Series) -> tuple[int | None, str]:
    """Opening year of a proposal (proposal year + lead), else None; with the rule text."""
    text = f"{row['notes']} {row['designated_places_year']}"
    if "proposal" not in text:
        return None, ""
    year = re.search(r"(20\d\d) proposal", text)
    if year is None:
        raise ValueError(f"proposal without a year: {row['name']}")
    opens = int(year.group(1)) + PROPOSAL_LEAD_YEARS
    return opens, (f"; PROPOSAL ({year.group(1)}), delivery not confirmed: counted as open from "
                   f"Sept {opens} (rule: proposal year + {PROPOSAL_LEAD_YEARS})")


def _listed(data: Path, dmap: pd.DataFrame) -> pd.DataFrame:
    """The pack's SRP rows open by Jan 2025, with group, phase and places."""
    p = read_pack_csv(data, PROV, ["urn", "name", "provision_kind", "phase", "district", "lat",
                                   "lon", "coord_quality", "coord_source", "designated_places",
                                   "designated_places_year", "designated_places_source",
                                   "on_roll", "on_roll_source", "sen_designation",
                                   "sen_designation_detail", "designation_source", "notes"],
                      dtype={"urn": str})
    rows = p[p["provision_kind"] == "srp"].copy()
    rows["phase_code"] = rows["phase"].map(PACK_PHASE)
    if rows["phase_code"].isna().any() or rows["district"].isna().any():
        raise PackError(data / PROV, "every srp row needs phase Primary/Secondary and a district")
    rows["designation"] = rows["sen_designation"].fillna("(blank)")
    known = rows.dropna(subset=["designated_places"])
    out = []
    for _, row in rows.iterrows():
        opens, p_note = _open_from(row)
        if opens is not None and opens > 2024:
            continue  # not open at the Jan 2025 census
        needs, n_est, n_how = designation_needs(row["sen_designation"], row["sen_designation_detail"], dmap)
        if pd.notna(row["designated_places"]):
            cap, c_est = int(row["designated_places"]), False
            c_how = f"places: published ({row['designated_places_year']}) {row['designated_places_source']}"
        elif pd.notna(row["on_roll"]):
            cap, c_est = int(row["on_roll"]), True
            c_how = f"places ESTIMATE: no capacity in the pack; on-roll figure ({row['on_roll_source']})"
        else:
            same = known[(known["designation"] == row["designation"]) & (known["phase"] == row["phase"])]
            if same.empty:
                same = known[known["phase"] == row["phase"]]
            cap, c_est = math.ceil(float(same["designated_places"].median())), True
            c_how = (f"places ESTIMATE: no capacity in the pack; median published places of the "
                     f"{len(same)} listed {row['designation']} {row['phase_code']} units, rounded up")
        quality = str(row["coord_quality"])
        x_est = quality.startswith("ESTIMATE") or quality.endswith("old_site")
        x_how = f"coords {'ESTIMATE ' if x_est else ''}(pack coord_quality {quality})"
        group = DESIGNATION_GROUP.get(str(row["sen_designation"]), "C&I")
        out.append({
            "provision": f"SRP-{row['urn']}", "name": str(row["name"]), "kind": "srp",
            "district": row["district"], "lat": float(row["lat"]), "lon": float(row["lon"]),
            "located": True, "phases": row["phase_code"], "min_age": None, "max_age": None,
            "needs": ";".join(needs), "capacity": cap, "cost_per_place": SRP_PLACE_FUNDING + SRP_TOP_UP,
            "estimated": bool(n_est or c_est or x_est),
            "method": "; ".join([c_how, n_how, x_how, f"phase: pack {row['phase']}", COST_NOTE]) + p_note,
            "source": f"shared/data/kent/{PROV} (urn {row['urn']}); {row['designation_source']}",
            "group": group,
        })
    return pd.DataFrame(out)


def _targets(data: Path, listed: pd.DataFrame) -> pd.DataFrame:
    """Group x phase: Jan 2025 plans (S1 need x age split), listed places, residual places."""
    plans = _unit_plans(data).sum(axis=1)
    ages = _ages(data)
    rows = []
    for group, _, _, counted, _ in GROUPS:
        total = int(plans.reindex(counted).fillna(0).sum())
        split = apportion(total, ages.reindex(counted).fillna(0).sum().to_numpy())
        for phase, target in zip(PHASE_AGES, split, strict=True):
            have = int(listed.loc[(listed["group"] == group) & (listed["phases"] == phase), "capacity"].sum())
            rows.append({"group": group, "phase": phase, "plans": int(target), "listed": have,
                         "deficit": max(0, int(target) - have)})
    t = pd.DataFrame(rows)
    rest = int(plans.sum()) - int(listed["capacity"].sum())
    if rest < 0:
        raise ValueError(f"listed SRP places exceed the {int(plans.sum())} Jan 2025 unit plans")
    t["residual"] = apportion(rest, t["deficit"].to_numpy())
    # A group x phase residual below one unit cannot form a unit: it joins C&I of that phase.
    small = (t["residual"] > 0) & (t["residual"] < UNIT_MIN) & (t["group"] != "C&I")
    t["merged_into_ci"] = np.where(small, t["residual"], 0)
    t["merged_in"] = 0
    for phase in PHASE_AGES:
        moved = int(t.loc[small & (t["phase"] == phase), "residual"].sum())
        t.loc[(t["group"] == "C&I") & (t["phase"] == phase), ["residual", "merged_in"]] += moved
    t.loc[small, "residual"] = 0
    return t


def _unit_sizes(places: int) -> list[int]:
    """Whole units of UNIT_MIN-UNIT_MAX places summing to ``places`` (about UNIT_TARGET each)."""
    if places < UNIT_MIN:
        return []
    n = min(max(round(places / UNIT_TARGET), math.ceil(places / UNIT_MAX)), places // UNIT_MIN)
    return sorted(apportion(places, np.ones(n)).tolist(), reverse=True)


def srp_rows(data: Path, designation_map: pd.DataFrame) -> pd.DataFrame:
    """Every listed SRP open in Jan 2025 plus estimated whole units; places sum to 1,075."""
    listed = _listed(data, designation_map)
    targets = _targets(data, listed)
    d = read_pack_csv(data, DIST, ["district", "population_2020"]).sort_values("district")
    share = (d.set_index("district")["population_2020"] / d["population_2020"].sum())
    needs_of = {g: designation_needs(des, "", designation_map)[0] + extra
                for g, des, extra, _, _ in GROUPS}
    why = {g: r for g, *_, r in GROUPS}
    est = []
    for t in targets.itertuples():
        sizes = _unit_sizes(int(t.residual))
        if not sizes:
            continue
        have = listed[(listed["group"] == t.group) & (listed["phases"] == t.phase)]
        have = have.groupby("district")["capacity"].sum().reindex(share.index, fill_value=0)
        deficit = share * (t.listed + t.residual) - have
        count: dict[str, int] = {}
        for size in sizes:
            district = str(deficit.idxmax())  # first district in name order on a tie
            deficit[district] -= size
            count[district] = count.get(district, 0) + 1
            needs = [n for n in NEED_CODES if n in needs_of[t.group]]
            est.append({
                "provision": f"SRP-EST-{slug(district)}-{slug(t.group)}-{t.phase.upper()}-"
                             f"{count[district]}",
                "name": f"Estimated {t.group} SRP unit ({t.phase}) {count[district]}, {district}",
                "kind": "srp", "district": district, "lat": None, "lon": None, "located": False,
                "phases": t.phase, "min_age": None, "max_age": None, "needs": ";".join(needs),
                "capacity": int(size), "cost_per_place": SRP_PLACE_FUNDING + SRP_TOP_UP,
                "estimated": True,
                "method": (f"ESTIMATE: unlisted unit places = 1,075 Jan 2025 unit/RP plans (S1) less "
                           f"{int(listed['capacity'].sum())} listed; {t.group} {t.phase} share = its "
                           f"needs' unit plans x ages {PHASE_AGES[t.phase][0]}-"
                           f"{PHASE_AGES[t.phase][1] - 1} share (S1) less listed ({t.listed}) -> "
                           f"{t.residual} places (incl. {t.merged_in} of groups too small for a "
                           f"unit of their own); {SIZE_NOTE}; unit dealt to the district furthest "
                           f"below its 2020 population share (S3) of the group x phase places; "
                           f"needs: {why[t.group]}; location not known; {COST_NOTE}"),
                "source": f"shared/data/kent/{NEED}; {DIST}; {PROV}",
            })
    out = pd.DataFrame(listed.drop(columns="group").to_dict("records") + est, columns=COLUMNS)
    return out.astype({"lat": float, "lon": float, "located": bool, "estimated": bool})


def srp_group_table(data: Path, designation_map: pd.DataFrame) -> pd.DataFrame:
    """The derivation of the estimated units: need group x phase plans, listed places, deficit,
    residual places (for provenance)."""
    return _targets(data, _listed(data, designation_map))


def unit_counts(rows: pd.DataFrame) -> pd.DataFrame:
    """Units and places by district x needs x phase x estimated (for the report and checks)."""
    return (rows.groupby(["district", "needs", "phases", "estimated"])["capacity"]
            .agg(units="size", places="sum").reset_index())


def _academy_places(data: Path) -> tuple[int, int]:
    """2023-24 ESFA-funded pre-16 places in mainstream academy units/RP (Sept 2023-Mar 2024): at
    GBP 6k and at GBP 10k (R4)."""
    d = read_pack_csv(data, DSG, ["sheet", "sheet_title", "la_code", "column_index",
                                  "column_header", "value"])
    k = d[(d["la_code"].astype(str) == "886") & (d["sheet"] == "High_needs_deductions")
          & d["sheet_title"].str.contains("2023 to 2024")].set_index("column_index")
    out = []
    for amount in ("£6,000", "£10,000"):
        first = "Mainstream academies" if amount == "£6,000" else "Pre-16"  # headers as in R4
        hit = k[k["column_header"].str.startswith(first)
                & k["column_header"].str.contains(f"places funded at {amount}", regex=False)]
        if len(hit) != 1 or hit.index[0] + 1 not in k.index:
            raise PackError(data / DSG, f"expected one 2023-24 Kent academy unit column at {amount}")
        nxt = k.loc[hit.index[0] + 1]
        if "September 2023" not in str(nxt["column_header"]):
            raise PackError(data / DSG, "expected the Sept 2023 - Mar 2024 column after it")
        out.append(int(nxt["value"]))
    return out[0], out[1]


def reconciliation_table(data: Path, rows: pd.DataFrame) -> pd.DataFrame:
    """The unit-place figures, what each counts and how they relate (figure, value, counts,
    source, relation)."""
    plans = _unit_plans(data).sum()
    six, ten = _academy_places(data)
    listed = rows[rows["located"]]
    lst, est = int(listed["capacity"].sum()), int(rows.loc[~rows["located"], "capacity"].sum())
    pub = int(listed.loc[~listed["method"].str.startswith("places ESTIMATE"), "capacity"].sum())
    acad = int(plans[list(ACADEMY_ROWS)].sum())
    r = [
        ("unit_rp_plans", int(plans.sum()), "Kent EHC plans in SEN units + resourced provision, "
         "Jan 2025", S1, "= the SRP places modelled (occupancy proxy)"),
        ("sen_unit_plans", int(plans[list(UNIT_ROWS)].sum()), "of which SEN units (LA maintained "
         "+ academy)", S1, "part of unit_rp_plans"),
        ("rp_plans", int(plans[list(RP_ROWS)].sum()), "of which resourced provision (LA "
         "maintained + academy + free school)", S1, "part of unit_rp_plans"),
        ("academy_unit_rp_plans", acad, "of which in academies / free schools", S1,
         "the plans the 792 academy places hold"),
        ("maintained_unit_rp_plans", int(plans.sum()) - acad, "of which in LA-maintained schools",
         S1, "maintained-school SRPs: not in the 792"),
        ("academy_places_6k", six, "ESFA-funded pre-16 places in mainstream academy SEN units/RP "
         "at GBP 6k, Sept 2023-Mar 2024", f"R4 {DSG}", "part of academy_places"),
        ("academy_places_10k", ten, "the same at GBP 10k", f"R4 {DSG}", "part of academy_places"),
        ("academy_places", six + ten, "directly funded academy SRP/unit places, 2023-24", f"R4 {DSG}",
         f"academy places are a subset of all unit places; {six + ten - acad:+d} vs the academy "
         "plans (places are not pupils with Kent EHC plans: vacancies, other LAs' pupils)"),
        ("listed_places", lst, "places of the pack's listed units open by Jan 2025", PROV,
         f"{pub} published, {lst - pub} estimated (on-roll or median)"),
        ("estimated_unit_places", est, "places of estimated units (no location)", "this module",
         "= unit_rp_plans - listed_places"),
        ("modelled_places", lst + est, "all SRP places modelled", "this module",
         "equals unit_rp_plans" if lst + est == int(plans.sum()) else "DOES NOT reconcile"),
    ]
    return pd.DataFrame(r, columns=["figure", "value", "counts", "source", "relation"])


def published_targets(data: Path) -> pd.DataFrame:
    """Published figures the SRP and independent rows should reproduce (pack kent_figures.csv)."""
    f = read_pack_csv(data, FIG, ["metric", "value", "unit", "period", "source"])
    want = [("ehcp_in_mainstream_sen_unit_or_resourced_provision", None),
            ("hnb_pupils_independent_sector", "2024-25"), ("hnb_pupils_independent_sector", "2020-21"),
            ("ehcp_special_independent", None), ("ehcp_special_non_maintained", None),
            ("pupils_placed_out_of_county", None), ("hnb_cost_per_pupil_independent_special", "2024-25")]
    out = []
    for metric, period in want:
        hit = f[(f["metric"] == metric) & ((f["period"] == period) if period else True)]
        if len(hit) != 1:
            raise PackError(data / FIG, f"expected one {metric} row{' for ' + period if period else ''}")
        h = hit.iloc[0]
        out.append({"indicator": metric, "published": float(h["value"]), "unit": h["unit"],
                    "period": h["period"], "source": h["source"]})
    return pd.DataFrame(out)
