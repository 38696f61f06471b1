"""Build the Kent instance reproducibly from the public data pack ``shared/data/kent``.

Run from anywhere::

    python instances/kent/build.py [--out DIR] [--data DIR]

It writes the instance tables (``instance.toml``, ``needs.csv``, ``phases.csv``, ``zones.csv``,
``provisions.csv``, ``capacity.csv``, ``demand.csv``, ``levels.csv``, ``tariffs.csv``), the
mapping tables it uses
(``designation_map.csv``, ``town_district_map.csv``) and the provenance files under
``provenance/`` that label every figure as sourced or estimated. The output is a pure function
of the data pack and the constants below: running it twice gives byte-identical files.

Every rule is explained in ``instances/kent/README.md`` (the data card); the source ids S1..S6
are those of the data pack's README.
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from placement_opt.schema.continuum import split_by_shares
from placement_opt.schema.defaults import default_needs

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "kent"

# --------------------------------------------------------------------------------------------
# Scope, horizon and policy
# --------------------------------------------------------------------------------------------

BASE_YEAR = 2025
YEARS = tuple(range(2025, 2031))
#: Data-pack file names, for provenance strings.
F_NEED = "ehcp_by_need.csv"
F_TREND = "ehcp_trend_kent.csv"
F_FIG = "kent_figures.csv"
F_DIST = "districts.csv"
F_PROV = "provisions.csv"

#: The DfE primary-need codes, as the package defines them.
NEEDS: tuple[tuple[str, str], ...] = tuple(
    (str(code), str(name)) for code, name in default_needs().itertuples(index=False))
NEED_CODES = tuple(code for code, _ in NEEDS)
#: Data-pack primary_need -> instance need code ("Unknown" is spread pro rata, see below).
PACK_NEED = {**{c: c for c in NEED_CODES if c != "OTH"}, "Other": "OTH"}

PHASES: tuple[tuple[str, str, int, int], ...] = (
    ("primary", "Primary (ages 4-10)", 4, 11),
    ("secondary", "Secondary (ages 11-15)", 11, 16),
    ("post16", "Post-16 in school (ages 16-18)", 16, 19),
)
PHASE_CODES = tuple(p for p, *_ in PHASES)
ALL_PHASES = ";".join(PHASE_CODES)

#: Placement rows of ehcp_by_need.csv ("Type of placement") that are in scope: pupils in school
#: placements. Their components are listed so the build can check the totals add up.
IN_SCOPE = {
    "Mainstream - total": (
        "Mainstream - LA maintained", "Mainstream - LA maintained (SEN unit)",
        "Mainstream - LA maintained (resourced provision)", "Mainstream - academy",
        "Mainstream - academy (SEN unit)", "Mainstream - academy (resourced provision)",
        "Mainstream - free school", "Mainstream - free school (resourced provision)",
        "Mainstream - independent",
    ),
    "Special - total": (
        "Special - LA maintained", "Special - Academy/free schools", "Special - independent",
        "Special - non-maintained",
    ),
}
SRP_ROWS = (
    "Mainstream - LA maintained (SEN unit)", "Mainstream - LA maintained (resourced provision)",
    "Mainstream - academy (SEN unit)", "Mainstream - academy (resourced provision)",
    "Mainstream - free school (resourced provision)",
)
#: Every top-level placement row of the pack (they add up to all plans), with the scope decision.
SCOPE_ROWS: tuple[tuple[str, bool, str], ...] = (
    ("Mainstream - total", True, "school placement: mainstream schools incl. SEN units, resourced "
                                 "provision and independent mainstream schools"),
    ("Special - total", True, "school placement: state, independent and non-maintained special schools"),
    ("AP/PRU - total", False, "alternative provision / PRU: short-term, not planned by this model "
                              "(excluded)"),
    ("FE - total", False, "further education colleges and specialist post-16 institutions: not "
                          "placed by this model"),
    ("Educated elsewhere - total", False, "educated elsewhere (home education, NEET, other "
                                          "arrangements): not a school place"),
    ("Non-maintained early years", False, "early years: below school age"),
    ("Placement not recorded", False, "placement not recorded"),
)
STATE_SPECIAL_ROWS = ("Special - LA maintained", "Special - Academy/free schools")
INDEPENDENT_ROWS = ("Special - independent", "Special - non-maintained")

#: The continuum of need (models/continuum.md): level, name, order, kinds that may serve it, and
#: the Jan 2025 placement rows whose pupils define the level's share of each need (rule L1).
LEVELS: tuple[tuple[str, str, int, str], ...] = (
    ("L1", "Needs met in mainstream with support", 1, "mainstream;srp"),
    ("L2", "Needs a specialist resource provision (SRP) place", 2, "srp;special;independent"),
    ("L3", "Needs a special school place", 3, "special;independent"),
)
LEVEL_ROWS: dict[str, tuple[str, ...]] = {
    "L1": ("Mainstream - LA maintained", "Mainstream - academy", "Mainstream - free school",
           "Mainstream - independent"),
    "L2": SRP_ROWS,
    "L3": STATE_SPECIAL_ROWS + INDEPENDENT_ROWS,
}
#: Phases with no SRP place in Kent (secondary SRP places are Y7-11 only, kent_figures.csv
#: srp_capital_allocation): their L2 share is added to L1 (rule L2 of the data card).
NO_SRP_PHASES = ("post16",)

#: Journey limits (minutes) by phase, as decided for the instance.
MAX_JOURNEY_MIN = {"primary": 45.0, "secondary": 75.0, "post16": 75.0}
ROAD_FACTOR = 1.3
SPEED_KMH = 30.0
UNMET_PENALTY = 200_000.0

# --------------------------------------------------------------------------------------------
# Cost assumptions (GBP per pupil per year). Published figures are read from kent_figures.csv.
# --------------------------------------------------------------------------------------------

#: National high-needs place funding for an SRP / SEN unit place (ESFA operational guide rule,
#: not in the data pack) and the ASSUMED average top-up on top of it.
SRP_PLACE_FUNDING = 10_000
SRP_TOP_UP = 6_000
#: The national notional-SEN threshold a mainstream school meets from its own budget, and the
#: ASSUMED average high-needs top-up for a mainstream pupil with an EHC plan.
MAINSTREAM_THRESHOLD = 6_000
MAINSTREAM_TOP_UP = 6_000

#: Home-to-school transport: ~GBP 100m a year for ~half of ~21,000 EHCP pupils (kent_figures.csv,
#: c.2025, news report of KCC figures).
TRANSPORT_SPEND_GBP = 100e6
TRANSPORT_SHARE_ELIGIBLE = 0.5
TRANSPORT_EHCP_BASE = 21_000

#: Places given to each "independent sector (other)" aggregate: effectively unlimited (spot
#: purchase), and above any year's whole in-scope demand so it can never bind.
INDEPENDENT_AGGREGATE_PLACES = 100_000
#: Placeholder places for each named independent / non-maintained school (no figure in the pack).
NAMED_INDEPENDENT_PLACES = 50

# --------------------------------------------------------------------------------------------
# Mapping tables (written out as designation_map.csv and town_district_map.csv)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DesignationRule:
    """Kent designation (+ optional detail text) -> DfE primary-need codes."""

    designation: str
    detail_contains: str
    needs: tuple[str, ...]
    rationale: str


DESIGNATION_MAP: tuple[DesignationRule, ...] = (
    DesignationRule(
        "PSCN", "", ("ASD", "SLCN", "SLD", "PMLD", "MSI"),
        "Profound, Severe and Complex Needs: pupils with severe or profound learning difficulty "
        "(SLD, PMLD), multi-sensory impairment, and autism or communication needs with severe "
        "learning difficulty (KsENT guidance, S6; the pack notes 'PSCN incl. ASD')",
    ),
    DesignationRule(
        "C&I", "moderate/severe learning", ("ASD", "SLCN", "MLD", "SLD"),
        "Communication and Interaction with moderate or severe learning difficulties (Stone Bay; "
        "KsENT guidance, S6)",
    ),
    DesignationRule(
        "C&I", "", ("ASD", "SLCN", "MLD"),
        "Communication and Interaction with moderate or no learning difficulty (KsENT guidance, S6)",
    ),
    DesignationRule("SEMH", "", ("SEMH",), "Social, emotional and mental health (KsENT guidance, S6)"),
    DesignationRule("PD", "", ("PD",), "Physical disability"),
    DesignationRule("HI", "", ("HI",), "Hearing impairment"),
    DesignationRule("VI", "", ("VI",), "Visual impairment"),
    DesignationRule("ASD", "", ("ASD",), "Autism"),
)
#: Need codes named in a sen_designation_detail "GIAS named SEN provision" list are added.
GIAS_DETAIL_MARK = "GIAS named SEN provision"
#: Rule for a special school or SRP whose designation the pack does not give (ESTIMATE).
UNKNOWN_DESIGNATION_NEEDS = ("ASD",)

#: Postcode town -> district, for provisions whose district the pack leaves blank (ESTIMATE,
#: the same inference the pack itself marks as "INFERRED from postcode town").
TOWN_DISTRICT = {
    "ASHFORD": "Ashford",
    "FOLKESTONE": "Folkestone and Hythe",
    "GRAVESEND": "Gravesham",
    "HERNE BAY": "Canterbury",
    "RAMSGATE": "Thanet",
    "SEVENOAKS": "Sevenoaks",
    "TENTERDEN": "Ashford",
}

#: KCC SEN area offices (not in the data pack): East Kent (Canterbury, Thanet, Swale), South Kent
#: (Ashford, Dover, Shepway = Folkestone and Hythe), West Kent (Maidstone, Tunbridge Wells,
#: Tonbridge and Malling), North Kent (Dartford, Gravesham, Sevenoaks).
AREA_SOURCE = "https://fiveacrewood.co.uk/admissions (KCC SEN area offices; not in the data pack)"
KCC_AREA = {
    "Canterbury": "East Kent", "Thanet": "East Kent", "Swale": "East Kent",
    "Ashford": "South Kent", "Dover": "South Kent", "Folkestone and Hythe": "South Kent",
    "Maidstone": "West Kent", "Tunbridge Wells": "West Kent", "Tonbridge and Malling": "West Kent",
    "Dartford": "North Kent", "Gravesham": "North Kent", "Sevenoaks": "North Kent",
}

# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


def apportion(total: int, weights: Sequence[float] | np.ndarray) -> np.ndarray:
    """Split the whole number ``total`` in proportion to ``weights`` (largest remainder).

    The parts are whole numbers summing exactly to ``total``; ties go to the earlier weight.
    """
    w = np.asarray(weights, dtype=float)
    out = np.zeros(w.size, dtype=np.int64)
    if total <= 0 or w.sum() <= 0:
        return out
    quota = total * w / w.sum()
    out = np.floor(quota + 1e-9).astype(np.int64)
    short = int(total - out.sum())
    order = np.lexsort((np.arange(w.size), -(quota - out)))
    out[order[:short]] += 1
    return out


def slug(text: str) -> str:
    """A short id fragment: ``"Folkestone and Hythe"`` -> ``"FOLKESTONE-AND-HYTHE"``."""
    return "-".join(text.upper().replace("&", "AND").split())


def pack_ref(file: str, detail: str = "") -> str:
    """A provenance string naming a data-pack file."""
    return f"shared/data/kent/{file}" + (f" ({detail})" if detail else "")


def fmt_num(x: float, digits: int = 6) -> str:
    """A number as short, stable text (whole numbers without a decimal point)."""
    if isinstance(x, (int, np.integer)) or float(x).is_integer():
        return str(int(x))
    return f"{float(x):.{digits}f}".rstrip("0").rstrip(".")


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` as UTF-8 CSV with ``\\n`` line ends; blanks for missing values."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = frame.astype(object).where(frame.notna(), "").to_csv(index=False, lineterminator="\n")
    path.write_text(text, encoding="utf-8")


# --------------------------------------------------------------------------------------------
# Reading the pack
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pack:
    """The data-pack tables the build uses."""

    by_need: pd.DataFrame
    trend: pd.DataFrame
    figures: pd.DataFrame
    districts: pd.DataFrame
    provisions: pd.DataFrame

    @classmethod
    def read(cls, folder: Path) -> Pack:
        """Read the pack's CSV files from ``folder``."""
        if not (folder / F_NEED).exists():
            raise SystemExit(f"data pack not found in {folder} (use --data)")
        need = pd.read_csv(folder / F_NEED)
        return cls(
            by_need=need[need["geography"] == "Kent"].copy(),
            trend=pd.read_csv(folder / F_TREND),
            figures=pd.read_csv(folder / F_FIG),
            districts=pd.read_csv(folder / F_DIST),
            provisions=pd.read_csv(folder / F_PROV, dtype={"urn": str}),
        )

    def figure(self, metric: str, period: str | None = None) -> float:
        """One value of kent_figures.csv."""
        rows = self.figures[self.figures["metric"] == metric]
        if period is not None:
            rows = rows[rows["period"] == period]
        if len(rows) != 1:
            raise ValueError(f"expected one {metric} row for {period}, found {len(rows)}")
        return float(rows["value"].iloc[0])

    def placement(self, breakdowns: Iterable[str]) -> pd.Series:
        """EHC plans by pack primary need, summed over the listed placement breakdowns."""
        rows = self.by_need[(self.by_need["breakdown_topic"] == "Type of placement")
                            & self.by_need["breakdown"].isin(list(breakdowns))]
        return rows.groupby("primary_need")["ehc_plans"].sum().astype(float)

    def ages(self, low: int, high: int) -> pd.Series:
        """EHC plans by pack primary need for ages ``low`` to ``high - 1``."""
        topic = self.by_need[self.by_need["breakdown_topic"] == "Child or young persons age"]
        labels = [f"age {a}" for a in range(low, high)]
        return topic[topic["breakdown"].isin(labels)].groupby("primary_need")["ehc_plans"].sum()

    def placement_total(self, breakdown: str) -> int:
        """The pack's ``total_ehc_plans_in_breakdown`` of one placement row."""
        rows = self.by_need[(self.by_need["breakdown_topic"] == "Type of placement")
                            & (self.by_need["breakdown"] == breakdown)]
        return int(rows["total_ehc_plans_in_breakdown"].iloc[0])


# --------------------------------------------------------------------------------------------
# Needs, phases, zones
# --------------------------------------------------------------------------------------------


def needs_table() -> pd.DataFrame:
    """The 12 DfE primary-need codes."""
    return pd.DataFrame(NEEDS, columns=["need", "name"])


def phases_table() -> pd.DataFrame:
    """Primary [4,11), secondary [11,16), post-16 [16,19)."""
    return pd.DataFrame(PHASES, columns=["phase", "name", "min_age", "max_age"])


def zones_table(pack: Pack) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The 12 districts with centroids (S3); cluster = district, area = KCC SEN area."""
    d = pack.districts.sort_values("district").reset_index(drop=True)
    zones = pd.DataFrame({
        "zone": d["district"], "name": d["district"], "lat": d["lat"], "lon": d["lon"],
        "cluster": d["district"], "area": d["district"].map(KCC_AREA), "min_local_share": None,
    })
    prov = []
    for _, row in d.iterrows():
        src = pack_ref(F_DIST, "S3 mySociety LA lookup, centroid columns lat/long")
        prov += [
            (row["district"], "lat;lon", f"{row['lat']};{row['lon']}", False, src),
            (row["district"], "cluster", row["district"], False, "district itself (design rule)"),
            (row["district"], "area", KCC_AREA[row["district"]], False, AREA_SOURCE),
            (row["district"], "population_2020", int(row["population_2020"]), False,
             pack_ref(F_DIST, "S3 pop-2020, all ages; used for the demand and mainstream splits")),
        ]
    cols = ["zone", "field", "value", "estimated", "method_or_source"]
    return zones, pd.DataFrame(prov, columns=cols)


def population_shares(pack: Pack) -> pd.Series:
    """Each district's share of Kent's 2020 all-age population (S3), in zone order."""
    d = pack.districts.sort_values("district").set_index("district")["population_2020"]
    return d / d.sum()


# --------------------------------------------------------------------------------------------
# Demand
# --------------------------------------------------------------------------------------------


def in_scope_by_need(pack: Pack) -> tuple[pd.DataFrame, int]:
    """In-scope Jan 2025 plans by need (mainstream + special placements), Unknown spread.

    Returns the derivation frame (one row per need) and the in-scope total.
    """
    for total, parts in IN_SCOPE.items():
        assert pack.placement_total(total) == sum(pack.placement_total(p) for p in parts), total
    mainstream = pack.placement(["Mainstream - total"])
    special = pack.placement(["Special - total"])
    in_scope = mainstream + special
    total = int(in_scope.sum())
    known = in_scope.drop("Unknown").rename(PACK_NEED)
    known = known.reindex(list(NEED_CODES))
    counts = apportion(total, known.to_numpy())
    frame = pd.DataFrame({
        "need": NEED_CODES,
        "mainstream_2025": mainstream.drop("Unknown").rename(PACK_NEED).reindex(NEED_CODES).to_numpy(),
        "special_2025": special.drop("Unknown").rename(PACK_NEED).reindex(NEED_CODES).to_numpy(),
        "in_scope_known": known.to_numpy(),
        "unknown_spread": counts - known.to_numpy(),
        "in_scope": counts,
    })
    for col in ("mainstream_2025", "special_2025", "in_scope_known", "unknown_spread"):
        frame[col] = frame[col].astype(np.int64)
    frame.attrs["unknown"] = int(in_scope["Unknown"])
    return frame, total


def phase_split(pack: Pack, need_frame: pd.DataFrame) -> pd.DataFrame:
    """Split each need's in-scope count over the phases by its age profile (all plans, Jan 2025).

    Primary = ages 4-10, secondary = ages 11-15. Post-16 *in school* is approximated as the plans
    aged 16-18 less the need's further-education plans apportioned to ages 16-18 by the need's
    ratio of plans aged 16-18 to plans aged 16-25 (FE students are 16-25; schools stop at 19).
    """
    a_p = pack.ages(4, 11).rename(PACK_NEED).reindex(NEED_CODES).fillna(0)
    a_s = pack.ages(11, 16).rename(PACK_NEED).reindex(NEED_CODES).fillna(0)
    a_16 = pack.ages(16, 19).rename(PACK_NEED).reindex(NEED_CODES).fillna(0)
    a_16_25 = pack.ages(16, 26).rename(PACK_NEED).reindex(NEED_CODES).fillna(0)
    fe = pack.placement(["FE - total"]).rename(PACK_NEED).reindex(NEED_CODES).fillna(0)
    fe_16 = np.where(a_16_25 > 0, fe * a_16 / a_16_25.where(a_16_25 > 0, 1), 0.0)
    post16 = np.maximum(a_16.to_numpy() - fe_16, 0.0)
    out = need_frame.copy()
    out["age_4_10"] = a_p.to_numpy(np.int64)
    out["age_11_15"] = a_s.to_numpy(np.int64)
    out["age_16_18"] = a_16.to_numpy(np.int64)
    out["age_16_25"] = a_16_25.to_numpy(np.int64)
    out["fe_plans"] = fe.to_numpy(np.int64)
    out["fe_aged_16_18_est"] = np.round(fe_16, 3)
    out["post16_in_school_est"] = np.round(post16, 3)
    weights = np.column_stack([a_p.to_numpy(), a_s.to_numpy(), post16])
    shares = weights / weights.sum(axis=1, keepdims=True)
    for j, phase in enumerate(PHASE_CODES):
        out[f"share_{phase}"] = np.round(shares[:, j], 6)
    split = np.vstack([apportion(int(n), w) for n, w in zip(out["in_scope"], weights, strict=True)])
    for j, phase in enumerate(PHASE_CODES):
        out[phase] = split[:, j]
    return out


@dataclass(frozen=True)
class Growth:
    """The demand growth model: log-linear fit of in-scope placements over a window."""

    rate: float
    first: int
    last: int
    series: pd.DataFrame

    def factor(self, year: int) -> float:
        """Demand in ``year`` over demand in the base year."""
        return float((1 + self.rate) ** (year - BASE_YEAR))


def fit_growth(pack: Pack, first: int = 2022, last: int = 2025) -> Growth:
    """Annual growth of in-scope placements (mainstream + special school plans, S1/S2).

    A least-squares line through log(placements) over January ``first``..``last``; the rate is
    exp(slope) - 1. Alternatives are reported in ``provenance/growth.csv``.
    """
    t = pack.trend.pivot_table(index="census_january", columns="establishment_group",
                               values="statements_plus_ehc_plans", aggfunc="sum")
    series = pd.DataFrame({
        "census_january": t.index.astype(int),
        "mainstream_school": t["Mainstream school"].to_numpy(),
        "special_school": t["Special school"].to_numpy(),
        "in_scope": (t["Mainstream school"] + t["Special school"]).to_numpy(),
        "all_plans": t["Total"].to_numpy(),
    })
    series = series[series["census_january"] >= 2019].reset_index(drop=True)
    rate = _loglin_rate(series, "in_scope", first, last)
    return Growth(rate=rate, first=first, last=last, series=series)


def _loglin_rate(series: pd.DataFrame, column: str, first: int, last: int) -> float:
    window = series[(series["census_january"] >= first) & (series["census_january"] <= last)]
    slope = np.polyfit(window["census_january"].to_numpy(float),
                       np.log(window[column].to_numpy(float)), 1)[0]
    return float(np.expm1(slope))


def growth_table(growth: Growth) -> pd.DataFrame:
    """Observed series, the fitted alternatives and the projection used."""
    s = growth.series
    rows = []
    for _, r in s.iterrows():
        rows.append({"kind": "observed", "year": int(r["census_january"]),
                     "in_scope_placements": int(r["in_scope"]), "all_plans": int(r["all_plans"]),
                     "mainstream_school": int(r["mainstream_school"]),
                     "special_school": int(r["special_school"]),
                     "note": pack_ref(F_TREND, "statements_plus_ehc_plans; S2 to 2022, S1 2023-2025")})
    base = int(s.loc[s["census_january"] == BASE_YEAR, "in_scope"].iloc[0])
    for year in YEARS:
        rows.append({"kind": "projected", "year": year,
                     "in_scope_placements": round(base * growth.factor(year)),
                     "note": f"ESTIMATE: {base} x (1 + {growth.rate:.6f})^(year - {BASE_YEAR})"})
    for col, first, last in (("in_scope", 2022, 2025), ("in_scope", 2019, 2025),
                             ("all_plans", 2022, 2025), ("all_plans", 2019, 2025),
                             ("mainstream_school", 2022, 2025), ("special_school", 2022, 2025)):
        rate = _loglin_rate(s, col, first, last)
        used = col == "in_scope" and (first, last) == (growth.first, growth.last)
        rows.append({"kind": "fitted_rate", "year": last,
                     "note": f"log-linear fit of {col} over Jan {first}-{last}: {rate:.6f} per year"
                             + (" (USED)" if used else " (alternative, not used)")})
    frame = pd.DataFrame(rows)
    for col in ("in_scope_placements", "all_plans", "mainstream_school", "special_school"):
        frame[col] = frame[col].astype("Int64")
    return frame


def demand_table(split: pd.DataFrame, shares: pd.Series, growth: Growth, total: int) -> pd.DataFrame:
    """Demand rows (zone x need x phase x year), before the split into levels.

    Base year: each need-phase count is split over districts by population share (largest
    remainder). Later years: the grown county total, round(total x (1+g)^k), is split over the
    base-year cells in proportion (largest remainder).
    """
    zones = list(shares.index)
    cells = []
    for _, row in split.iterrows():
        for phase in PHASE_CODES:
            parts = apportion(int(row[phase]), shares.to_numpy())
            cells += [(z, row["need"], phase, int(n)) for z, n in zip(zones, parts, strict=True)]
    base = pd.DataFrame(cells, columns=["zone", "need", "phase", "pupils"])
    assert int(base["pupils"].sum()) == total
    frames = []
    for year in YEARS:
        year_total = round(total * growth.factor(year))
        pupils = apportion(year_total, base["pupils"].to_numpy())
        frames.append(base.assign(year=year, pupils=pupils))
    demand = pd.concat(frames, ignore_index=True)
    demand = demand[demand["pupils"] > 0][["zone", "need", "phase", "year", "pupils"]]
    return demand.reset_index(drop=True)


def demand_provenance(demand: pd.DataFrame, growth: Growth) -> pd.DataFrame:
    """One provenance row per demand row: rules D1/D2 for the count, L1/L2 for the level."""
    method = demand["year"].map(lambda y: DEMAND_BASE_NOTE if y == BASE_YEAR else (
        f"ESTIMATE: rule D2, 2025 cells scaled to {BASE_YEAR} total x {1 + growth.rate:.6f}^{y - BASE_YEAR}"))
    return demand.assign(estimated=True, method_or_source=method + LEVEL_NOTE)


LEVEL_NOTE = ("; level ESTIMATE: rules L1/L2, the cell split by the need's Jan 2025 setting shares "
              "(provenance/level_shares.csv)")


DEMAND_BASE_NOTE = ("ESTIMATE: rule D1, in-scope Jan 2025 plans by need (S1) x need's phase share "
                    "x 2020 population share (S3); see provenance/demand_derivation.csv")


# --------------------------------------------------------------------------------------------
# Levels of need (the continuum) and the tariff
# --------------------------------------------------------------------------------------------


def levels_table() -> pd.DataFrame:
    """levels.csv: the three levels of the Kent continuum used here."""
    return pd.DataFrame(LEVELS, columns=["level", "name", "order", "kinds"])


def level_shares(pack: Pack) -> pd.DataFrame:
    """Rule L1: each need's Jan 2025 plans by setting (S1), one row per need x level and phase
    group, with the share of the need's in-scope plans at that level (an ESTIMATE of the level
    split; Unknown need is left out of the shares). Rule L2: in phases without SRP places the L2
    plans are added to L1."""
    counts = pd.DataFrame({
        level: pack.placement(rows).drop("Unknown").rename(PACK_NEED).reindex(NEED_CODES)
        for level, rows in LEVEL_ROWS.items()}).fillna(0.0)
    frames = []
    for group, phases in (("with_srp", [p for p in PHASE_CODES if p not in NO_SRP_PHASES]),
                          ("no_srp", list(NO_SRP_PHASES))):
        c = counts.copy()
        if group == "no_srp":
            c["L1"] += c["L2"]
            c["L2"] = 0.0
        shares = c.div(c.sum(axis=1), axis=0)
        frame = c.stack().rename("plans_2025").reset_index()
        frame.columns = ["need", "level", "plans_2025"]
        frame["share"] = shares.stack().round(6).to_numpy()
        frame.insert(0, "phases", ";".join(phases))
        rule = ("rule L1: plans in " + ", ".join(LEVEL_ROWS[str(lv)]) for lv in frame["level"])
        frame["method_or_source"] = [
            f"ESTIMATE: {r} (S1 ehcp_by_need.csv, Jan 2025) / the need's in-scope plans"
            + (" ; rule L2: no SRP places in this phase, L2 plans counted at L1"
               if group == "no_srp" else "") for r in rule]
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    out["plans_2025"] = out["plans_2025"].astype(np.int64)
    return out


def split_levels(demand: pd.DataFrame, shares: pd.DataFrame) -> pd.DataFrame:
    """Demand rows split into levels by the need's shares for the row's phase (largest
    remainder within each row, so counts stay whole and every row's total is kept)."""
    parts = []
    for phases, group in shares.groupby("phases", sort=False):
        rows = demand[demand["phase"].isin(str(phases).split(";"))]
        parts.append(split_by_shares(rows, group[["need", "level", "share"]]))
    out = pd.concat(parts, ignore_index=True)
    out = out.sort_values(["year", "zone", "need", "phase", "level"], kind="stable")
    return out[["zone", "need", "phase", "year", "pupils", "level"]].reset_index(drop=True)


#: The tariff (tariffs.csv): level, kind, place funding, top-up and how each was found.
SPECIAL_PLACE_FUNDING = 10_000


def tariffs_table(cost_special: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """tariffs.csv and its provenance: one line per level x kind the levels allow, except
    independent (own cost_per_place, sourced). Totals equal the provisions' cost_per_place, so
    the tariff reproduces today's model costs; Kent's own banded rates are not in the pack."""
    special_top_up = cost_special - SPECIAL_PLACE_FUNDING
    rates = {
        "mainstream": (MAINSTREAM_THRESHOLD, MAINSTREAM_TOP_UP,
                       f"place_funding = GBP {MAINSTREAM_THRESHOLD:,} notional SEN threshold met by "
                       "the school (national rule, not in the pack); top_up ESTIMATE: ASSUMED "
                       f"average GBP {MAINSTREAM_TOP_UP:,} (Kent's mainstream top-up rates are not "
                       "in the pack)"),
        "srp": (SRP_PLACE_FUNDING, SRP_TOP_UP,
                f"place_funding = GBP {SRP_PLACE_FUNDING:,} national high-needs place funding "
                f"(ESFA rule, not in the pack); top_up ESTIMATE: ASSUMED average GBP {SRP_TOP_UP:,}"),
        "special": (SPECIAL_PLACE_FUNDING, special_top_up,
                    f"place_funding = GBP {SPECIAL_PLACE_FUNDING:,} national high-needs place "
                    f"funding (ESFA rule, not in the pack); top_up = GBP {cost_special:,} KCC "
                    "2024-25 cost per pupil in a maintained special school ("
                    + pack_ref(F_FIG, "hnb_cost_per_pupil_maintained_special") + f") - "
                    f"{SPECIAL_PLACE_FUNDING:,} = GBP {special_top_up:,} (derived)"),
    }
    rows, prov = [], []
    for level, _, _, kinds in LEVELS:
        for kind in kinds.split(";"):
            if kind not in rates:
                continue
            funding, top_up, how = rates[kind]
            rows.append((level, kind, None, BASE_YEAR, funding, top_up))
            prov.append((len(rows), level, kind, funding + top_up, True,
                         how + "; the same rate at every level: Kent's banded tariff by level "
                         "is not in the pack (ESTIMATE of the banding)"))
    table = pd.DataFrame(rows, columns=["level", "kind", "need", "effective_year", "place_funding",
                                        "top_up"])
    provenance = pd.DataFrame(prov, columns=["line", "level", "kind", "total", "estimated",
                                             "method_or_source"])
    return table, provenance


# --------------------------------------------------------------------------------------------
# Provisions
# --------------------------------------------------------------------------------------------


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


def designation_needs(designation: object, detail: object) -> tuple[tuple[str, ...], bool, str]:
    """Need codes for a Kent designation (plus GIAS-named needs in the detail text).

    Returns the needs, whether they are an estimate, and how they were found.
    """
    detail_text = detail if isinstance(detail, str) else ""
    if not isinstance(designation, str) or not designation:
        return (UNKNOWN_DESIGNATION_NEEDS, True,
                "ESTIMATE: designation not in the pack; rule 'unknown designation -> ASD' (ASD is "
                "the most common need in Kent special schools and SRPs, S1 ehcp_by_need.csv)")
    for rule in DESIGNATION_MAP:
        if rule.designation == designation and rule.detail_contains in detail_text:
            needs = set(rule.needs)
            how = f"designation {designation} via designation_map.csv"
            if GIAS_DETAIL_MARK in detail_text:
                named = {c for c in NEED_CODES if c in detail_text.replace(";", " ").split()}
                needs |= named
                how += " plus needs GIAS names for the school (pack sen_designation_detail)"
            return tuple(n for n in NEED_CODES if n in needs), False, how
    raise ValueError(f"no designation rule for {designation!r} / {detail_text!r}")


def resolve_zone(row: pd.Series) -> tuple[str, bool, str]:
    """The provision's district: the pack's, or inferred from its postcode town (labelled)."""
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


def resolve_coords(row: pd.Series, centroids: pd.DataFrame, zone: str) -> tuple[float, float, bool, str]:
    """The provision's coordinates, or its district centroid when the pack has none."""
    quality = row["coord_quality"]
    if pd.isna(row["lat"]) or quality == "missing":
        c = centroids.loc[zone]
        return (float(c["lat"]), float(c["lon"]), True,
                "ESTIMATE: no coordinates in the pack; district centroid used (S3)")
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


def special_schools(pack: Pack, centroids: pd.DataFrame, cost: int,
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
        out.append(_special(row, needs, n_est, n_how, centroids, cost, total - fixed))
    return out, derivation


def _special(row: pd.Series, needs: tuple[str, ...], n_est: bool, n_how: str,
             centroids: pd.DataFrame, cost: int, remainder: int) -> Provision:
    zone, z_est, z_how = resolve_zone(row)
    lat, lon, c_est, c_how = resolve_coords(row, centroids, zone)
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
        provision=f"SP-{row['urn']}", name=str(row["name"]), kind="special", zone=zone, lat=lat,
        lon=lon, phases=phases, min_age=min_age, max_age=max_age, needs=needs, capacity=cap,
        cost=cost,
        notes={
            "name": (False, pack_ref(F_PROV, f"urn {row['urn']}; {row['urn_postcode_source']}")),
            "kind": (False, "pack provision_kind special_school (state-funded special school)"),
            "zone": (z_est, z_how), "lat;lon": (c_est, c_how), "phases_or_ages": (a_est, a_how),
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


def srps(pack: Pack, centroids: pd.DataFrame, cost: int) -> tuple[list[Provision], int]:
    """The listed SRPs / SEN units: pack capacity, else Sept 2019 roll, else the median."""
    rows = pack.provisions[pack.provisions["provision_kind"] == "srp"]
    known = rows["designated_places"].dropna()
    median = math.ceil(float(known.median()))
    out = []
    for _, row in rows.iterrows():
        needs, n_est, n_how = designation_needs(row["sen_designation"], row["sen_designation_detail"])
        zone, z_est, z_how = resolve_zone(row)
        lat, lon, c_est, c_how = resolve_coords(row, centroids, zone)
        phase = {"Primary": "primary", "Secondary": "secondary"}[row["phase"]]
        if pd.notna(row["designated_places"]):
            cap = int(row["designated_places"])
            caveat = "; NOTE proposal, delivery not confirmed" if "proposal" in str(row["notes"]) else ""
            note = (False, f"published capacity ({row['designated_places_year']}): "
                           f"{row['designated_places_source']}; used as the 2025 capacity{caveat}")
        elif pd.notna(row["on_roll"]):
            cap = int(row["on_roll"])
            note = (True, f"ESTIMATE: capacity not in the pack; Sept 2019 roll ({row['on_roll_source']})")
        else:
            cap = median
            note = (True, f"ESTIMATE: capacity not in the pack; median of the {len(known)} SRP "
                          f"capacities the pack gives ({float(known.median()):g}, rounded up)")
        out.append(Provision(
            provision=f"SRP-{row['urn']}", name=str(row["name"]), kind="srp", zone=zone, lat=lat,
            lon=lon, phases=phase, min_age=None, max_age=None, needs=needs, capacity=cap, cost=cost,
            notes={
                "name": (False, pack_ref(F_PROV, f"urn {row['urn']}; {row['urn_postcode_source']}")),
                "kind": (False, "pack provision_kind srp (SRP / SEN unit in a mainstream school)"),
                "zone": (z_est, z_how), "lat;lon": (c_est, c_how),
                "phases_or_ages": (False, f"pack phase {row['phase']} (KCC: secondary SRP places "
                                          "are Y7-11 only, kent_figures.csv srp_capital_allocation)"),
                "needs": (n_est, n_how + f" (pack designation source: {row['designation_source']})"),
                "capacity": note,
                "cost_per_place": (True, SRP_COST_NOTE),
            },
        ))
    return out, median


SRP_COST_NOTE = (f"ESTIMATE: GBP {SRP_PLACE_FUNDING:,} high-needs place funding (national ESFA rule, "
                 f"not in the pack) + ASSUMED average top-up GBP {SRP_TOP_UP:,}")
MAINSTREAM_COST_NOTE = (f"ESTIMATE: GBP {MAINSTREAM_THRESHOLD:,} notional SEN threshold met by the "
                        f"school (national rule, not in the pack) + ASSUMED average high-needs top-up "
                        f"GBP {MAINSTREAM_TOP_UP:,}")


def srp_needs_observed(pack: Pack) -> tuple[str, ...]:
    """Needs with at least one Jan 2025 pupil in a SEN unit or resourced provision (S1)."""
    counts = pack.placement(SRP_ROWS).drop("Unknown").rename(PACK_NEED)
    return tuple(k for k in NEED_CODES if counts.get(k, 0) > 0)


def district_aggregates(centroids: pd.DataFrame, shares: pd.Series, *, prefix: str,
                        name: str, kind: str, needs: tuple[str, ...], phases: str,
                        capacities: Sequence[int], cost: int,
                        notes: dict[str, tuple[bool, str]]) -> list[Provision]:
    """One provision per district at its centroid (mainstream support, other SRPs, independent)."""
    out = []
    for zone, cap in zip(shares.index, capacities, strict=True):
        c = centroids.loc[zone]
        out.append(Provision(
            provision=f"{prefix}-{slug(zone)}", name=f"{name}, {zone}", kind=kind, zone=zone,
            lat=float(c["lat"]), lon=float(c["lon"]), phases=phases, min_age=None, max_age=None,
            needs=needs, capacity=int(cap), cost=cost,
            notes={**notes, "zone": (False, "one aggregate provision per district (design rule)"),
                   "lat;lon": (True, "ESTIMATE: aggregate provision placed at the district "
                                     "centroid (S3); own-district journeys are 0 km")},
        ))
    return out


def independents(pack: Pack, centroids: pd.DataFrame, cost: int) -> list[Provision]:
    """The 7 named independent / non-maintained special schools (partial list, S5)."""
    rows = pack.provisions[pack.provisions["provision_kind"].isin(
        ["independent_special", "non_maintained_special"])]
    out = []
    for _, row in rows.iterrows():
        zone, z_est, z_how = resolve_zone(row)
        lat, lon, c_est, c_how = resolve_coords(row, centroids, zone)
        out.append(Provision(
            provision=f"IND-{row['urn']}", name=str(row["name"]), kind="independent", zone=zone,
            lat=lat, lon=lon, phases=ALL_PHASES, min_age=None, max_age=None, needs=NEED_CODES,
            capacity=NAMED_INDEPENDENT_PLACES, cost=cost,
            notes={
                "name": (False, pack_ref(F_PROV, f"urn {row['urn']}; {row['type_source']}; "
                                                 "EduBase July 2017, current status unverified")),
                "kind": (False, f"pack provision_kind {row['provision_kind']} -> independent"),
                "zone": (z_est, z_how), "lat;lon": (c_est, c_how),
                "phases_or_ages": (True, "ESTIMATE: ages not in the pack; all phases assumed"),
                "needs": (True, INDEPENDENT_NEEDS_NOTE),
                "capacity": (True, f"ESTIMATE: PLACEHOLDER {NAMED_INDEPENDENT_PLACES} places, no "
                                   "figure in the pack (Missing #3); replace with commissioned places"),
                "cost_per_place": (False, INDEPENDENT_COST_NOTE),
            },
        ))
    return out


INDEPENDENT_NEEDS_NOTE = ("ESTIMATE: designation not in the pack; all needs (Jan 2025 Kent placements "
                          "in independent + non-maintained special schools include every need code, "
                          "S1 ehcp_by_need.csv)")
INDEPENDENT_COST_NOTE = ("KCC 2024-25 cost per pupil in an independent placement, "
                         + pack_ref(F_FIG, "hnb_cost_per_pupil_independent_special"))


@dataclass(frozen=True)
class Capacities:
    """Base-year capacity totals by kind (Jan 2025 EHC plans, S1)."""

    state_special: int
    srp: int
    mainstream: int
    independent: int


def capacity_totals(pack: Pack) -> Capacities:
    """State special, SRP, mainstream-without-SRP and independent totals; checked vs the pack."""
    state = sum(pack.placement_total(b) for b in STATE_SPECIAL_ROWS)
    srp = sum(pack.placement_total(b) for b in SRP_ROWS)
    assert state == pack.figure("ehcp_special_la_maintained") + pack.figure("ehcp_special_academy_free")
    assert srp == pack.figure("ehcp_in_mainstream_sen_unit_or_resourced_provision")
    independent = sum(pack.placement_total(b) for b in INDEPENDENT_ROWS)
    assert independent == pack.figure("hnb_pupils_independent_sector", "2024-25")
    mainstream = pack.placement_total("Mainstream - total") - srp
    return Capacities(state_special=state, srp=srp, mainstream=mainstream, independent=independent)


def build_provisions(pack: Pack, shares: pd.Series, caps: Capacities,
                     growth: Growth) -> tuple[list[Provision], pd.DataFrame, pd.DataFrame, dict[str, object]]:
    """Every provision, the capacity table (mainstream by year) and the derivations."""
    centroids = pack.districts.set_index("district")[["lat", "lon"]]
    c_special = int(pack.figure("hnb_cost_per_pupil_maintained_special", "2024-25"))
    c_indep = int(pack.figure("hnb_cost_per_pupil_independent_special", "2024-25"))
    c_srp = SRP_PLACE_FUNDING + SRP_TOP_UP
    c_main = MAINSTREAM_THRESHOLD + MAINSTREAM_TOP_UP
    special, special_derivation = special_schools(pack, centroids, c_special, caps.state_special)
    listed_srps, srp_median = srps(pack, centroids, c_srp)
    listed_srp_places = sum(p.capacity for p in listed_srps)
    other_srp = caps.srp - listed_srp_places
    assert other_srp >= 0
    srp_agg = district_aggregates(
        centroids, shares, prefix="SRP-OTHER", name="Other SRPs and SEN units (not listed)",
        kind="srp", needs=srp_needs_observed(pack), phases="primary;secondary",
        capacities=apportion(other_srp, shares.to_numpy()).tolist(), cost=c_srp,
        notes={
            "name": (True, "ESTIMATE: aggregate of the SRPs the pack does not list (its SRP list is "
                           "partial, Missing #2)"),
            "kind": (False, "srp"),
            "phases_or_ages": (True, "ESTIMATE: primary and secondary (KCC secondary SRP places are "
                                     "Y7-11 only, kent_figures.csv srp_capital_allocation)"),
            "needs": (False, "needs with >= 1 Kent pupil in a SEN unit or resourced provision in "
                             "Jan 2025 (S1 ehcp_by_need.csv)"),
            "capacity": (True, f"ESTIMATE: {caps.srp} Jan 2025 SEN unit + resourced provision "
                               f"plans (S1) less the {listed_srp_places} places of listed SRPs = "
                               f"{other_srp}, split by 2020 population share (S3)"),
            "cost_per_place": (True, SRP_COST_NOTE),
        })
    main_base = apportion(caps.mainstream, shares.to_numpy())
    mainstream = district_aggregates(
        centroids, shares, prefix="MS", name="Mainstream schools with support", kind="mainstream",
        needs=NEED_CODES, phases=ALL_PHASES, capacities=main_base.tolist(), cost=c_main,
        notes={
            "name": (False, "mainstream schools of the district taken together (design rule)"),
            "kind": (False, "mainstream"),
            "phases_or_ages": (False, "all phases (mainstream schools incl. sixth forms)"),
            "needs": (False, "all needs"),
            "capacity": (True, f"ESTIMATE: {caps.mainstream} = Jan 2025 mainstream plans (7,452, S1) "
                               f"less SEN unit/RP plans ({caps.srp}), split by 2020 population share "
                               f"(S3); later years grow at {growth.rate:.4%} a year (capacity.csv)"),
            "cost_per_place": (True, MAINSTREAM_COST_NOTE),
        })
    indep_agg = district_aggregates(
        centroids, shares, prefix="IND-OTHER", name="Independent sector (other)",
        kind="independent", needs=NEED_CODES, phases=ALL_PHASES,
        capacities=[INDEPENDENT_AGGREGATE_PLACES] * len(shares), cost=c_indep,
        notes={
            "name": (True, "ESTIMATE: aggregate of independent / non-maintained special schools the "
                           "pack does not list (Missing #3)"),
            "kind": (False, "independent"),
            "phases_or_ages": (True, "ESTIMATE: all phases"),
            "needs": (True, INDEPENDENT_NEEDS_NOTE),
            "capacity": (True, f"ESTIMATE: {INDEPENDENT_AGGREGATE_PLACES:,} places = effectively "
                               "unlimited (spot purchase); Jan 2025 use was "
                               f"{caps.independent:,} (1,487 independent + 136 non-maintained, S1)"),
            "cost_per_place": (False, INDEPENDENT_COST_NOTE),
        })
    named_indep = independents(pack, centroids, c_indep)
    provisions = special + listed_srps + srp_agg + named_indep + indep_agg + mainstream
    ids = [p.provision for p in provisions]
    assert len(ids) == len(set(ids)), "duplicate provision ids"
    capacity, capacity_prov = mainstream_capacity(mainstream, caps.mainstream, shares, growth)
    info: dict[str, object] = {
        "listed_srp_places": listed_srp_places, "other_srp_places": other_srp,
        "srp_median_capacity": srp_median, "special_derivation": special_derivation,
        "cost_special": c_special, "cost_independent": c_indep, "cost_srp": c_srp,
        "cost_mainstream": c_main,
    }
    return provisions, capacity, capacity_prov, info


def mainstream_capacity(mainstream: list[Provision], base: int, shares: pd.Series,
                        growth: Growth) -> tuple[pd.DataFrame, pd.DataFrame]:
    """capacity.csv rows: mainstream places by district and year, grown with demand."""
    rows, prov = [], []
    for year in YEARS:
        total = round(base * growth.factor(year))
        parts = apportion(total, shares.to_numpy())
        for p, places in zip(mainstream, parts, strict=True):
            rows.append((p.provision, year, None, int(places)))
            prov.append((p.provision, year, int(places), True,
                         f"ESTIMATE: round({base} x (1 + {growth.rate:.6f})^{year - BASE_YEAR}) = "
                         f"{total} mainstream places, split by 2020 population share"))
    capacity = pd.DataFrame(rows, columns=["provision", "year", "need", "places"])
    capacity_prov = pd.DataFrame(prov, columns=["provision", "year", "places", "estimated",
                                                "method_or_source"])
    return capacity, capacity_prov


# --------------------------------------------------------------------------------------------
# Transport rate
# --------------------------------------------------------------------------------------------


def haversine_km(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Great-circle distance in km (the formula the model uses)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dlat, dlon = p2 - p1, np.radians(lon2) - np.radians(lon1)
    a = np.sin(dlat / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    return 2 * 6371.0088 * np.arcsin(np.sqrt(a))


def mean_special_journey_km(provisions: list[Provision], zones: pd.DataFrame,
                            shares: pd.Series) -> float:
    """Typical one-way road km of a pupil at a state special school (catchment rule, ESTIMATE).

    Each school's places are filled from the districts whose centroid lies within the secondary
    journey limit, in proportion to their population; the place-weighted mean of the road km
    (haversine x road factor, as in the model) is returned.
    """
    z = zones.set_index("zone").loc[list(shares.index)]
    limit_km = MAX_JOURNEY_MIN["secondary"] / 60 * SPEED_KMH
    total_km, total_places = 0.0, 0.0
    for p in provisions:
        if p.kind != "special":
            continue
        km = ROAD_FACTOR * haversine_km(z["lat"].to_numpy(), z["lon"].to_numpy(),
                                        np.full(len(z), p.lat), np.full(len(z), p.lon))
        reach = km <= limit_km
        w = shares.to_numpy() * reach
        total_km += p.capacity * float((w * km).sum() / w.sum())
        total_places += p.capacity
    return total_km / total_places


def transport_rate(mean_km: float) -> tuple[float, str]:
    """GBP per pupil-year per km of one-way journey, and its derivation."""
    pupils = TRANSPORT_SHARE_ELIGIBLE * TRANSPORT_EHCP_BASE
    per_pupil = TRANSPORT_SPEND_GBP / pupils
    rate = round(per_pupil / mean_km)
    how = (f"ESTIMATE: GBP {TRANSPORT_SPEND_GBP / 1e6:.0f}m a year / ({TRANSPORT_SHARE_ELIGIBLE:g} x "
           f"{TRANSPORT_EHCP_BASE:,} EHCP pupils eligible) = GBP {per_pupil:,.0f} per transported "
           f"pupil-year (kent_figures.csv home_to_school_transport_cost_ehcp, c.2025), divided by "
           f"the typical one-way journey to a state special school, {mean_km:.2f} road km "
           "(catchment rule in build.py: mean_special_journey_km) = GBP per km-year, rounded")
    return float(rate), how


# --------------------------------------------------------------------------------------------
# Settings and output
# --------------------------------------------------------------------------------------------


def instance_toml(transport: float, growth: Growth, total: int) -> str:
    """instance.toml text."""
    limits = ", ".join(f"{k} = {v:.1f}" for k, v in MAX_JOURNEY_MIN.items())
    description = (
        f"Kent (LA 886), 12 districts, {YEARS[0]}-{YEARS[-1]}. Built by instances/kent/build.py from "
        f"the public data pack shared/data/kent: {total:,} pupils with EHC plans in school placements "
        f"in Jan 2025, growing {growth.rate:.2%} a year. Many figures are ESTIMATES; see README.md "
        "and provenance/."
    )
    return "\n".join([
        "# Generated by instances/kent/build.py - do not edit by hand; see README.md (data card).",
        "[instance]",
        'name = "kent"',
        f"description = {json.dumps(description)}",
        "",
        "[policy]",
        f"max_journey_min = {{ {limits} }}",
        f"transport_cost_per_km = {transport:.1f}  # ESTIMATE, see provenance/settings_provenance.csv",
        "journey_cost_per_min = 0.0",
        f"unmet_penalty = {UNMET_PENALTY:.1f}",
        "min_local_share = 0.0",
        f"road_factor = {ROAD_FACTOR}",
        f"speed_kmh = {SPEED_KMH}",
        "integer_pupils = false",
        "",
    ])


def settings_provenance(transport: float, transport_how: str) -> pd.DataFrame:
    """Where each policy setting comes from."""
    rows = [
        ("max_journey_min", json.dumps(MAX_JOURNEY_MIN), False,
         "design decision: usual statutory-guidance limits (45 min primary, 75 secondary/post-16)"),
        ("transport_cost_per_km", fmt_num(transport), True, transport_how),
        ("journey_cost_per_min", "0", False, "not used"),
        ("unmet_penalty", fmt_num(UNMET_PENALTY), True,
         "ESTIMATE: policy choice, well above the dearest arc (independent GBP 49,259 + transport)"),
        ("min_local_share", "0", False, "design decision: no local-share rule by default"),
        ("road_factor", fmt_num(ROAD_FACTOR), True,
         "ESTIMATE: package default; journeys are computed from coordinates (no journeys.csv)"),
        ("speed_kmh", fmt_num(SPEED_KMH), True,
         "ESTIMATE: package default door-to-door speed; no journey data in the pack (Missing #7)"),
    ]
    return pd.DataFrame(rows, columns=["key", "value", "estimated", "method_or_source"])


def designation_map_table() -> pd.DataFrame:
    """designation_map.csv."""
    rows = [(r.designation, r.detail_contains, ";".join(r.needs), r.rationale) for r in DESIGNATION_MAP]
    rows.append(("(blank)", "", ";".join(UNKNOWN_DESIGNATION_NEEDS),
                 "ESTIMATE: designation not in the pack (Aspire School, Snowfields Academy, Thistle "
                 "Hill SRP); ASD is the most common need in Kent special schools and SRPs (S1)"))
    rows.append(("(detail lists GIAS needs)", GIAS_DETAIL_MARK, "(as named)",
                 "need codes GIAS names for the school are added (The Wyvern School: ASD; PD; MLD; SLD)"))
    return pd.DataFrame(rows, columns=["designation", "detail_contains", "needs", "rationale"])


def town_district_table() -> pd.DataFrame:
    """town_district_map.csv."""
    rows = [(town.title(), district, "ESTIMATE: postcode town -> district (the pack leaves the "
             "district of the independent / non-maintained schools blank, Missing #8)")
            for town, district in sorted(TOWN_DISTRICT.items())]
    return pd.DataFrame(rows, columns=["town", "district", "note"])


def provisions_frame(provisions: list[Provision]) -> pd.DataFrame:
    """provisions.csv with numbers as stable text."""
    frame = pd.DataFrame([p.row() for p in provisions])
    frame["lat"] = frame["lat"].map(fmt_num)
    frame["lon"] = frame["lon"].map(fmt_num)
    for col in ("min_age", "max_age"):
        frame[col] = frame[col].map(lambda v: "" if v is None or pd.isna(v) else str(int(v)))
    return frame


def provisions_provenance(provisions: list[Provision]) -> pd.DataFrame:
    """provenance/provisions_provenance.csv."""
    rows = [r for p in provisions for r in p.provenance()]
    frame = pd.DataFrame(rows, columns=["provision", "field", "value", "estimated", "method_or_source"])
    frame["estimated"] = frame["estimated"].map(lambda b: "true" if b else "false")
    return frame


def scope_table(pack: Pack) -> pd.DataFrame:
    """provenance/scope.csv: every Jan 2025 placement group, its count and whether it is modelled."""
    all_plans = int(pack.by_need.loc[pack.by_need["breakdown_topic"] == "All EHC plans",
                                     "ehc_plans"].sum())
    assert all_plans == pack.figure("ehcp_total_kent")
    rows = [(b, pack.placement_total(b), "true" if keep else "false", why) for b, keep, why in SCOPE_ROWS]
    frame = pd.DataFrame(rows, columns=["placement", "ehc_plans_jan_2025", "in_scope", "reason"])
    assert int(frame["ehc_plans_jan_2025"].sum()) == all_plans, "placement groups must add up"
    return frame


def summary(total: int, growth: Growth, caps: Capacities, info: dict[str, object],
            transport: float, mean_km: float, demand: pd.DataFrame, unknown: int,
            scope: pd.DataFrame) -> dict[str, object]:
    """Headline figures, written to provenance/summary.json and used by the tests."""
    by_year = demand.groupby("year")["pupils"].sum()
    all_plans = int(scope["ehc_plans_jan_2025"].sum())
    special = caps.state_special + caps.independent
    return {
        "base_year": BASE_YEAR,
        "years": list(YEARS),
        "in_scope_total_2025": total,
        "in_scope_definition": "Jan 2025 Kent EHC plans in mainstream (incl. SEN units, resourced "
                               "provision and independent mainstream) + special schools (state, "
                               "independent, non-maintained)",
        "unknown_need_in_scope_spread": unknown,
        "out_of_scope_2025": all_plans - total,
        "all_plans_2025": all_plans,
        "special_total_2025": special,
        "special_share_of_all_plans_2025": round(special / all_plans, 6),
        "capacity_state_special": caps.state_special,
        "capacity_srp": caps.srp,
        "capacity_srp_listed": info["listed_srp_places"],
        "capacity_srp_other": info["other_srp_places"],
        "capacity_mainstream_2025": caps.mainstream,
        "independent_2025": caps.independent,
        "growth_rate": round(growth.rate, 6),
        "growth_window": [growth.first, growth.last],
        "demand_by_year": {str(k): int(v) for k, v in by_year.items()},
        "demand_by_level_2025": {str(k): int(v) for k, v in demand[demand["year"] == BASE_YEAR]
                                 .groupby("level")["pupils"].sum().items()},
        "cost_special": info["cost_special"],
        "cost_independent": info["cost_independent"],
        "cost_srp": info["cost_srp"],
        "cost_mainstream": info["cost_mainstream"],
        "transport_cost_per_km": transport,
        "typical_special_journey_km": round(mean_km, 3),
        "srp_median_capacity": info["srp_median_capacity"],
    }


def benchmarks_table(pack: Pack, in_scope: int) -> pd.DataFrame:
    """Published comparators for the sufficiency report: Kent's setting shares (DfE SEN2,
    Jan 2025) on two bases, Kent's total plans, and the national shares KCC quotes."""
    total = pack.figure("ehcp_total_kent")
    special = pack.figure("ehcp_special_school_total")
    independent = (pack.figure("ehcp_special_independent")
                   + pack.figure("ehcp_special_non_maintained"))
    mainstream = pack.figure("ehcp_mainstream_total")
    dfe = f"{F_FIG} (DfE SEN2 2025 release, S1)"
    kcc = (f"{F_FIG} ehcp_share_of_pupils_kent (KCC committee minutes, Commissioning Plan "
           "2026-30): 39% special and 36% mainstream in Kent; 30% and 44% nationally")
    rows = [
        ("ehc_plans_total", "Kent", 2025, total, "plans", dfe),
        ("share_special_of_all_plans", "Kent", 2025, round(special / total, 6), "share", dfe),
        ("share_mainstream_of_all_plans", "Kent", 2025, round(mainstream / total, 6), "share", dfe),
        ("share_special_of_all_plans", "England", 2025, 0.30, "share", kcc),
        ("share_mainstream_of_all_plans", "England", 2025, 0.44, "share", kcc),
        ("share_special_of_school_placements", "Kent", 2025, round(special / in_scope, 6), "share",
         dfe + "; school placements = mainstream + special"),
        ("share_independent_of_school_placements", "Kent", 2025, round(independent / in_scope, 6),
         "share", dfe + "; independent + non-maintained special"),
    ]
    return pd.DataFrame(rows, columns=["indicator", "geography", "year", "value", "unit", "source"])


def build(data: Path, out: Path) -> dict[str, object]:
    """Build every file into ``out``; return the summary."""
    pack = Pack.read(data)
    shares = population_shares(pack)
    zones, zones_prov = zones_table(pack)
    need_frame, total = in_scope_by_need(pack)
    split = phase_split(pack, need_frame)
    growth = fit_growth(pack)
    levels_shares = level_shares(pack)
    demand = split_levels(demand_table(split, shares, growth, total), levels_shares)
    demand_prov = demand_provenance(demand, growth)
    caps = capacity_totals(pack)
    assert caps.mainstream + caps.srp + caps.state_special + caps.independent == total
    provisions, capacity, capacity_prov, info = build_provisions(pack, shares, caps, growth)
    mean_km = mean_special_journey_km(provisions, zones, shares)
    transport, transport_how = transport_rate(mean_km)

    out.mkdir(parents=True, exist_ok=True)
    (out / "instance.toml").write_text(instance_toml(transport, growth, total), encoding="utf-8")
    write_csv(needs_table(), out / "needs.csv")
    write_csv(phases_table(), out / "phases.csv")
    write_csv(zones, out / "zones.csv")
    write_csv(provisions_frame(provisions), out / "provisions.csv")
    write_csv(capacity, out / "capacity.csv")
    write_csv(demand, out / "demand.csv")
    write_csv(levels_table(), out / "levels.csv")
    tariffs, tariffs_prov = tariffs_table(int(str(info["cost_special"])))
    write_csv(tariffs, out / "tariffs.csv")
    write_csv(benchmarks_table(pack, total), out / "benchmarks.csv")
    write_csv(designation_map_table(), out / "designation_map.csv")
    write_csv(town_district_table(), out / "town_district_map.csv")
    prov = out / "provenance"
    write_csv(provisions_provenance(provisions), prov / "provisions_provenance.csv")
    write_csv(_bool_text(zones_prov), prov / "zones_provenance.csv")
    scope = scope_table(pack)
    write_csv(scope, prov / "scope.csv")
    write_csv(_bool_text(demand_prov), prov / "demand_provenance.csv")
    write_csv(split, prov / "demand_derivation.csv")
    write_csv(levels_shares, prov / "level_shares.csv")
    write_csv(_bool_text(tariffs_prov), prov / "tariffs_provenance.csv")
    write_csv(growth_table(growth), prov / "growth.csv")
    write_csv(_bool_text(capacity_prov), prov / "capacity_provenance.csv")
    derivation = info["special_derivation"]
    assert isinstance(derivation, pd.DataFrame)
    write_csv(derivation, prov / "special_capacity_derivation.csv")
    write_csv(_bool_text(settings_provenance(transport, transport_how)), prov / "settings_provenance.csv")
    result = summary(total, growth, caps, info, transport, mean_km, demand,
                     int(need_frame.attrs["unknown"]), scope)
    (prov / "summary.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result


def _bool_text(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(estimated=frame["estimated"].map(lambda b: "true" if b else "false"))


def main(argv: Sequence[str] | None = None) -> None:
    """Command line: ``python instances/kent/build.py [--out DIR] [--data DIR]``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=HERE, help="output folder (default: this folder)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the data pack folder")
    args = parser.parse_args(argv)
    result = build(args.data, args.out)
    print(json.dumps({k: v for k, v in result.items() if k != "in_scope_definition"}, indent=2))


if __name__ == "__main__":
    main()
