"""Build the Kent growth-planning instance from the built Kent instance and the data pack.

Run from anywhere::

    python instances/kent_growth/build.py [--out DIR] [--kent DIR] [--data DIR]

It reads the **built** Kent instance (``instances/kent``, itself built from the data pack by
``instances/kent/build.py``) and adds what a multi-year plan needs:

* ``continuity = true`` and an ``existing`` cohort: the 2025 placements of the Kent baseline,
  found by solving Kent's first year alone (an LP; whole pupils, checked), so pupils already
  placed are never moved;
* candidate new SRPs (``candidate = true`` rows appended to ``provisions.csv``): per district a
  primary and a secondary ASD/SLCN unit, at the district centroid;
* modular expansions of the 24 state special schools (``expansions.csv``);
* the £20m capital KCC allocated for new SRP places (Dec 2025) as the capital budget.

Every other table is copied byte for byte from the built Kent instance. Every added figure is
labelled sourced or estimated, with its method, in ``provenance/``; the data card is
``README.md``. The output is a pure function of the Kent instance, the data pack, the
constants below and the LP solution of Kent's first year (HiGHS, one thread): running it twice
gives byte-identical files.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from placement_opt import Instance, Status, solve
from placement_opt.errors import InstanceError
from placement_opt.io.settings_text import to_toml
from placement_opt.schema.tables import TABLES

HERE = Path(__file__).resolve().parent
KENT = HERE.parent / "kent"
sys.path.insert(0, str(KENT))  # kentbuild: the Kent build's pack reader
from kentbuild import journeys, roads  # noqa: E402
from kentbuild.common import table_text, write_csv  # noqa: E402
from kentbuild.district_view import district_view  # noqa: E402
from kentbuild.packfiles import read_pack_csv  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "kent"
F_FIG = "kent_figures.csv"

# --------------------------------------------------------------------------------------------
# Candidate SRPs
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SrpGroup:
    """A need group an SRP candidate is designated for."""

    code: str
    needs: tuple[str, ...]
    label: str
    why: str


#: Need groups of the candidate SRPs: communication and interaction only. Of the pack's 27
#: Kent SRPs, 17 are ASD units, 2 PSCN, 4 HI and 3 PD (1 not stated) — none for cognition and
#: learning (MLD, SpLD); KCC's SRP policy is "no SEMH SRP places" (kent_figures.csv
#: srp_capital_allocation, KCC decision 25/00085), so SEMH growth is met by special-school
#: expansions instead; sensory and physical needs (HI, VI, MSI, PD) are too few per district for
#: a unit of 14 or more places and keep their existing county-wide SRPs. (A cognition-and-
#: learning group was tried: with levels of need it never opened, and its 24 extra candidates
#: slowed the solve from seconds to minutes; see README.md.)
SRP_GROUPS: tuple[SrpGroup, ...] = (
    SrpGroup("CI", ("ASD", "SLCN"), "communication and interaction",
             "Kent's SRPs are mostly ASD units (17 of the pack's 27; none for MLD or SpLD); SLCN "
             "is the other communication-and-interaction need (SEND Code of Practice 6.28)"),
)
#: Phases of the candidate SRPs: KCC commissions secondary SRP places for Y7-11 only
#: (kent_figures.csv srp_capital_allocation), so no post-16 SRP.
SRP_PHASES = ("primary", "secondary")
#: Size of a new SRP (places): the SRP Review's units of ~14-30 places (issue 4 brief, KCC SRP
#: review); the pack's 18 published Kent SRP capacities have median 13.5 and reach 31.
SRP_MIN_PLACES = 14
SRP_MAX_PLACES = 30
#: ESTIMATE: capital per place of a new unit, GBP 1,000,000 / 30 places, as the special-school
#: expansions below: the 30-place Alexandra School extension in Harrow cost "nearly GBP 1
#: million" (2025 news reports: londonherald.co.uk/harrow-council-approves-alexandra-school-
#: expansion-plans). That one figure is an average per place, so no separate set-up cost is
#: invented; a fixed part would also weaken the LP relaxation (README.md, "Solve").
SRP_OPENING_COST = 0
SRP_CAPITAL_PER_PLACE = 33_333
#: First year a new SRP can take pupils (the capital was allocated in December 2025, during
#: academic year 2025/26).
SRP_EARLIEST_YEAR = 2026

# --------------------------------------------------------------------------------------------
# Special-school expansions
# --------------------------------------------------------------------------------------------

#: ESTIMATE: one modular increment is 30 places for GBP 1,000,000, the Harrow Alexandra School
#: extension (three single-storey blocks, 30 places, "nearly GBP 1 million", 2025).
EXPANSION_INCREMENT = 30
EXPANSION_CAPITAL = 1_000_000
#: ESTIMATE: at most two increments per school (site space; no site data in the pack).
EXPANSION_MAX = 2
#: ESTIMATE: places are in use one year after building starts (Harrow: funded 2024, pupils from
#: September 2025); building can start in 2025, so places can be in use from 2026.
EXPANSION_LEAD = 1
EXPANSION_EARLIEST = 2025

# --------------------------------------------------------------------------------------------
# Budget and policy
# --------------------------------------------------------------------------------------------

#: kent_figures.csv metric of the capital budget (GBP million).
CAPITAL_METRIC = "srp_capital_allocation"
NAME = "kent_growth"


def slug(text: str) -> str:
    """``"Folkestone and Hythe"`` -> ``"FOLKESTONE-AND-HYTHE"`` (as the Kent build's ids)."""
    return "-".join(text.upper().replace("&", "AND").split())


def pack_figure(data: Path, metric: str) -> tuple[float, str]:
    """One kent_figures.csv value and its provenance text."""
    figures = read_pack_csv(data, F_FIG, ["metric", "value", "period", "source"])
    row = figures[figures["metric"] == metric]
    if len(row) != 1:
        raise SystemExit(f"{data / F_FIG}: expected one {metric} row, found {len(row)}")
    r = row.iloc[0]
    return float(r["value"]), f"shared/data/kent/{F_FIG} {metric} ({r['period']}; {r['source']})"


# --------------------------------------------------------------------------------------------
# The existing cohort
# --------------------------------------------------------------------------------------------


def existing_cohort(kent: Instance) -> pd.DataFrame:
    """The first year's placements of the Kent baseline, solved alone (an LP).

    A transportation LP with whole-number demand and capacities has whole-number vertex
    solutions; the rounding is checked so no pupil is invented or lost.
    """
    first = kent.years[0]
    alone = kent.replace(demand=kent.demand[kent.demand["year"] == first],
                         capacity=kent.capacity[kent.capacity["year"] == first])
    result = solve(alone, threads=1, seed=0)
    if result.status is not Status.OPTIMAL:
        raise SystemExit(f"the Kent {first} baseline did not solve: {result.status.value}")
    if not result.unmet.empty and float(result.unmet["unmet"].sum()) > 1e-6:
        raise SystemExit(f"the Kent {first} baseline leaves pupils unmet")
    alloc = result.allocations
    keys = [c for c in TABLES["existing"].key if c in alloc.columns]  # level, where Kent has one
    cohort = alloc.groupby(keys, as_index=False, dropna=False)["pupils"].sum()
    whole = cohort["pupils"].round()
    if float((cohort["pupils"] - whole).abs().max()) > 1e-6:
        raise SystemExit("the baseline LP gave fractional placements; cannot form whole pupils")
    cohort["pupils"] = whole.astype(int)
    cohort = cohort[cohort["pupils"] > 0]
    return cohort.sort_values(keys).reset_index(drop=True)


def existing_by_kind(cohort: pd.DataFrame, provisions: pd.DataFrame) -> pd.DataFrame:
    """The cohort's pupils by provision kind (the check against the January 2025 census)."""
    kind = provisions.set_index("provision")["kind"]
    by = cohort.assign(kind=cohort["provision"].map(kind)).groupby("kind")["pupils"].sum()
    return by.reset_index().rename(columns={"pupils": "pupils_2025"})


# --------------------------------------------------------------------------------------------
# Candidates and expansions
# --------------------------------------------------------------------------------------------


def srp_candidates(provisions: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One candidate SRP per district x need group x phase, at the district's residents' centre
    (where instances/kent places the district's mainstream support, ``MS-<district>``).

    Returns the provisions.csv rows (as text, in Kent's columns) and their provenance.
    """
    srp = provisions[provisions["kind"] == "srp"]
    costs = pd.to_numeric(srp["cost_per_place"])
    county_cost = float(costs.median())
    mainstream = provisions[provisions["kind"] == "mainstream"].sort_values("provision")
    rows, prov = [], []
    for ms in mainstream.itertuples(index=False):
        district = str(ms.name).split(", ", 1)[1]
        cost = county_cost  # every Kent SRP costs the same (the tariff)
        for group in SRP_GROUPS:
            for phase in SRP_PHASES:
                pid = f"NEW-SRP-{group.code}-{phase[:3].upper()}-{slug(district)}"
                row = {
                    "provision": pid,
                    "name": f"New {phase} SRP ({group.label}), {district}",
                    "kind": "srp", "zone": ms.zone, "lat": ms.lat, "lon": ms.lon, "phases": phase,
                    "needs": ";".join(group.needs), "capacity": SRP_MAX_PLACES,
                    "cost_per_place": _num(cost), "candidate": "true",
                    "opening_cost": SRP_OPENING_COST, "capital_per_place": SRP_CAPITAL_PER_PLACE,
                    "min_places": SRP_MIN_PLACES, "earliest_year": SRP_EARLIEST_YEAR,
                }
                rows.append(row)
                prov += _candidate_provenance(pid, row, group)
    return pd.DataFrame(rows), pd.DataFrame(prov, columns=PROVENANCE_COLUMNS)


PROVENANCE_COLUMNS = ["provision", "field", "value", "estimated", "method_or_source"]


def _candidate_provenance(pid: str, row: dict[str, object], group: SrpGroup) -> list[tuple[object, ...]]:
    size_src = ("SRP Review unit size ~14-30 places (issue 4 brief / KCC SRP review); the pack's 18 "
                "published Kent SRP capacities have median 13.5, most between 10 and 31")
    capital = (f"ESTIMATE: GBP {SRP_CAPITAL_PER_PLACE:,} a place and no separate set-up cost "
               f"(GBP {SRP_OPENING_COST:,}): the 30-place Alexandra School extension in Harrow cost "
               "'nearly GBP 1 million' (2025 news reports), an average per place that includes "
               "set-up; a 30-place unit costs GBP "
               f"{SRP_OPENING_COST + SRP_CAPITAL_PER_PLACE * SRP_MAX_PLACES:,}")
    return [
        (pid, "zone;lat;lon", f"{row['zone']};{row['lat']};{row['lon']}", True,
         "ESTIMATE: the district's residents' centre (the site of its mainstream support in "
         "instances/kent); the host school is not chosen; journeys by the Kent road model. "
         "The pack's two named SRP proposals (Folkestone Academy, Herne Bay) are already places "
         "in instances/kent, so they are not offered again"),
        (pid, "phases", str(row["phases"]), False,
         "design: a primary and a secondary unit per district, so that every "
         "district can have a primary -> secondary pathway; KCC: secondary SRP places are Y7-11 "
         "only (kent_figures.csv srp_capital_allocation)"),
        (pid, "needs", str(row["needs"]), False, f"{group.label}: {group.why}; KCC policy: no SEMH "
         "SRP places (kent_figures.csv srp_capital_allocation)"),
        (pid, "capacity", str(row["capacity"]), False, "most places: " + size_src),
        (pid, "min_places", str(row["min_places"]), False, "fewest places: " + size_src),
        (pid, "cost_per_place", str(row["cost_per_place"]), True,
         "ESTIMATE carried from instances/kent: the median cost_per_place of Kent's SRPs "
         "there (GBP 10,000 place funding + assumed GBP 6,000 top-up)"),
        (pid, "opening_cost", str(row["opening_cost"]), True, capital),
        (pid, "capital_per_place", str(row["capital_per_place"]), True, capital),
        (pid, "earliest_year", str(row["earliest_year"]), False,
         "KCC allocated the capital in December 2025 (academic year 2025/26): first pupils from "
         "September 2026"),
    ]


def special_expansions(provisions: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One expansion option per state special school, and its provenance."""
    special = provisions[(provisions["kind"] == "special")
                         & (provisions.get("candidate", pd.Series("", index=provisions.index))
                            .fillna("").astype(str).str.lower() != "true")]
    ids = sorted(special["provision"])
    frame = pd.DataFrame({"provision": ids, "increment": EXPANSION_INCREMENT,
                          "capital_cost": EXPANSION_CAPITAL, "max_increments": EXPANSION_MAX,
                          "earliest_year": EXPANSION_EARLIEST, "lead_time": EXPANSION_LEAD})
    how = {
        "increment": (True, "ESTIMATE: the 30-place Alexandra School (Harrow) extension of 2025, "
                            "three single-storey blocks, taken as one modular increment"),
        "capital_cost": (True, "ESTIMATE: 'nearly GBP 1 million' for that 30-place extension "
                               "(londonherald.co.uk / My London, April 2025), rounded up"),
        "max_increments": (True, "ESTIMATE: site space; no site data in the pack"),
        "earliest_year": (False, "design: building can start in the first year of the horizon"),
        "lead_time": (True, "ESTIMATE: one year from start of building to pupils (Harrow: funded "
                            "2024, pupils from September 2025)"),
    }
    prov = [(pid, field, str(frame.loc[0, field]), est, text)
            for pid in ids for field, (est, text) in how.items()]
    return frame, pd.DataFrame(prov, columns=PROVENANCE_COLUMNS)


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:.6f}".rstrip("0").rstrip(".")


# --------------------------------------------------------------------------------------------
# Settings, provenance and the build
# --------------------------------------------------------------------------------------------


def settings(kent_dir: Path, capital: float, n_candidates: int, n_options: int) -> dict[str, object]:
    """Kent's settings with continuity on and the SRP capital allocation as the capital budget."""
    raw = tomllib.loads((kent_dir / "instance.toml").read_text(encoding="utf-8"))
    policy = dict(raw.get("policy", {}))
    policy["continuity"] = True
    policy["capital_budget_total"] = capital
    description = (
        "Kent growth plan 2025-2030: instances/kent with continuity (the 2025 placements of the "
        f"Kent baseline as the existing cohort), {n_candidates} candidate SRPs and {n_options} "
        f"special-school expansion options, and GBP {capital / 1e6:.0f}m of capital (KCC's SRP "
        "allocation, Dec 2025). Built by instances/kent_growth/build.py; costs of new places are "
        "ESTIMATES, see README.md and provenance/."
    )
    out: dict[str, object] = {"instance": {"name": NAME, "description": description},
                              "policy": policy}
    if "finance" in raw:  # the high-needs account's opening balance (instances/kent)
        out["finance"] = dict(raw["finance"])
    return out


def settings_provenance(capital_src: str) -> pd.DataFrame:
    """Where the settings this instance changes come from (the rest: instances/kent)."""
    rows = [
        ("continuity", "true", False, "design: pupils keep their place until they leave the phase "
         "(models/planning.md); the existing cohort is never moved"),
        ("capital_budget_total", "20000000", False,
         f"{capital_src}: the High Needs Capital Grant KCC allocated to new SRP places; here it "
         "caps all capital of the plan, new SRPs and special-school expansions together (KCC's "
         "special-school capital is not in the pack)"),
        ("(revenue budget)", "", False, "none set: the high-needs block (GBP 342.7m budget, "
         "GBP 389m forecast 2024-25, kent_figures.csv) covers spending the model does not place "
         "(FE, AP, support services), so it is compared in README.md, not imposed"),
        ("finance.opening_balance", "as instances/kent", True, "ESTIMATE: Kent's cumulative DSG "
         "balance on 1 April 2025 (instances/kent/provenance/high_needs_opening_balance.csv); "
         "high_needs.csv is Kent's, copied"),
        ("(other settings)", "", False, "as instances/kent/instance.toml "
         "(instances/kent/provenance/settings_provenance.csv)"),
    ]
    return pd.DataFrame(rows, columns=["key", "value", "estimated", "method_or_source"])


#: Tables written at district resolution (kentbuild.district_view); the rest are Kent's own.
DISTRICT_TABLES = ("zones", "demand", "journeys", "provisions")


def copy_kent_tables(kent_dir: Path, out: Path, skip: set[str]) -> list[str]:
    """Copy every instance table of the built Kent instance byte for byte (but ``skip``)."""
    copied = []
    for name in TABLES:
        src = kent_dir / f"{name}.csv"
        if src.exists() and name not in skip:
            shutil.copyfile(src, out / f"{name}.csv")
            copied.append(name)
    return copied


def build(kent_dir: Path, data: Path, out: Path) -> dict[str, object]:
    """Build every file into ``out``; return the summary."""
    if not all((kent_dir / f).is_file() for f in ("instance.toml", "provisions.csv", "zones.csv")):
        raise SystemExit(f"built Kent instance not found in {kent_dir}: expected instance.toml, "
                         "provisions.csv and zones.csv (run instances/kent/build.py, or use --kent)")
    if not data.is_dir():
        raise SystemExit(f"data pack not found in {data} (use --data)")
    try:
        kent = Instance.from_path(kent_dir)
    except InstanceError as exc:
        first = str(exc.issues[0]) if exc.issues else str(exc)
        raise SystemExit(f"built Kent instance in {kent_dir} cannot be read: {first} "
                         f"({len(exc.issues)} problem(s); rebuild it with instances/kent/build.py)") from None
    capital_m, capital_src = pack_figure(data, CAPITAL_METRIC)
    capital = capital_m * 1e6
    provisions = pd.read_csv(kent_dir / "provisions.csv", dtype=str, keep_default_na=False)
    candidates, cand_prov = srp_candidates(provisions)
    trips = journeys.with_sites(kent_dir, roads.fit_road_model(data), candidates)
    expansions, exp_prov = special_expansions(provisions)
    cohort = existing_cohort(kent)

    out.mkdir(parents=True, exist_ok=True)
    all_provisions = pd.concat([provisions, candidates.astype(str)], ignore_index=True)
    small = kent.replace(provisions=all_provisions.replace("", None), journeys=trips,
                         existing=cohort)
    plan = district_view(small)
    copied = copy_kent_tables(kent_dir, out, skip=set(DISTRICT_TABLES) | {
        "existing", "expansions", "budgets"})
    for name in DISTRICT_TABLES:
        write_csv(table_text(getattr(plan, name)), out / f"{name}.csv")
    write_csv(expansions, out / "expansions.csv")
    write_csv(table_text(plan.existing), out / "existing.csv")
    toml = to_toml(settings(kent_dir, capital, len(candidates), len(expansions)))
    (out / "instance.toml").write_text(
        "# Generated by instances/kent_growth/build.py - do not edit by hand; see README.md.\n"
        + toml, encoding="utf-8")
    prov = out / "provenance"
    write_csv(_bool_text(cand_prov), prov / "candidates_provenance.csv")
    write_csv(_bool_text(exp_prov), prov / "expansions_provenance.csv")
    write_csv(_bool_text(settings_provenance(capital_src)), prov / "settings_provenance.csv")
    by_kind = existing_by_kind(cohort, provisions)
    write_csv(by_kind, prov / "existing_by_kind.csv")
    result = {
        "copied_from_kent": copied,
        "existing_pupils_2025": int(cohort["pupils"].sum()),
        "existing_by_kind": {str(k): int(v) for k, v in zip(by_kind["kind"], by_kind["pupils_2025"],
                                                           strict=True)},
        "candidate_srps": len(candidates),
        "candidate_srp_places_max": int(len(candidates) * SRP_MAX_PLACES),
        "expansion_options": len(expansions),
        "capital_budget_total": capital,
        "srp_cost_30_places": SRP_OPENING_COST + SRP_CAPITAL_PER_PLACE * SRP_MAX_PLACES,
        "expansion_capital_per_place": EXPANSION_CAPITAL / EXPANSION_INCREMENT,
    }
    (prov / "summary.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result


def _bool_text(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(estimated=np.where(frame["estimated"].astype(bool), "true", "false"))


def main(argv: Sequence[str] | None = None) -> None:
    """Command line: ``python instances/kent_growth/build.py [--out DIR] [--kent DIR] [--data DIR]``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=HERE, help="output folder (default: this folder)")
    parser.add_argument("--kent", type=Path, default=KENT, help="the built Kent instance folder")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the data pack folder")
    args = parser.parse_args(argv)
    print(json.dumps(build(args.kent, args.data, args.out), indent=2))


if __name__ == "__main__":
    main()
