"""Independent and non-maintained special places: the pack's 7 named schools at their sites and
Kent's out-of-county placements at documented reference points, with a capped growth path.

Rules (each labelled in the row's ``method``):

* 2025 starting places = the 1,623 independent/non-maintained placements of 2024-25
  (kent_figures.csv; DfE Jan 2025: 1,487 independent + 136 non-maintained).
* Out of county: the c.2021 count of Kent pupils placed outside Kent (1,199: 598 Medway,
  145 East Sussex, 183 Bromley and Bexley, the rest elsewhere) held at its level and placed at
  one reference point per area. That count also includes other LAs' *state* special schools
  (the pack has no split); all of it is taken here as independent-sector places (kind
  ``independent``, the independent cost) - an upper bound on out-of-county independent use.
* In county: the remaining 1,623 - 1,199 = 424 places shared equally by the 7 named schools
  (no places figure in the pack, Missing #3); their district is left blank as the pack leaves it.
* Growth: no row may grow faster in a year than the observed 2020-21 -> 2024-25 growth of
  independent placements (1,126 -> 1,623, about 9.6 % a year): :func:`independent_capacity`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from kentbuild.common import ALL_PHASES, INDEPENDENT_ROWS, NEED_CODES, PACK_NEED, apportion
from kentbuild.packfiles import PackError, read_pack_csv
from kentbuild.srps import COLUMNS

__all__ = ["GROWTH_LIMIT", "growth_limit", "growth_limit_note", "independent_capacity",
           "independent_rows"]

FIG, PROV, NEED = "kent_figures.csv", "provisions.csv", "ehcp_by_need.csv"
LSOA, UNITS = "raw/kent_medway_lsoa2011_centroids.csv", "raw/stroke_unit_locations.csv"
#: Published independent-sector placements (kent_figures.csv hnb_pupils_independent_sector),
#: checked against the pack by :func:`growth_limit`.
IND_FIRST, IND_LAST, IND_YEARS = 1_126, 1_623, 4  # 2020-21 -> 2024-25
GROWTH_LIMIT = (IND_LAST / IND_FIRST) ** (1 / IND_YEARS) - 1
growth_limit_note = (
    f"ASSUMPTION: independent places grow by at most {GROWTH_LIMIT:.2%} a year per provision "
    f"(rounded down) = the observed growth of Kent's independent-sector placements, "
    f"{IND_FIRST:,} (2020-21) -> {IND_LAST:,} (2024-25), over {IND_YEARS} years (kent_figures.csv "
    "hnb_pupils_independent_sector, news report of KCC papers); 2025 = the 2024-25 placements")
#: Reference points of the out-of-county areas: (area, stroke-unit postcode in R3 or None for
#: the Medway LSOA mean, why).
OUT_OF_COUNTY: tuple[tuple[str, str | None, str], ...] = (
    ("Medway", None, "mean of the 163 Medway LSOA 2011 centroids (R1; not population-weighted)"),
    ("East Sussex", "BN212UD", "reference point: Eastbourne District General Hospital (R3), "
                               "standing for East Sussex"),
    ("Bromley and Bexley", "BR68ND", "reference point: Princess Royal University Hospital, "
                                     "Bromley (R3), standing for Bromley and Bexley"),
    ("Elsewhere", "NW12BU", "reference point: University College London Hospital (R3), central "
                            "London, standing for all other areas (a further point)"),
)
OOC_RE = re.compile(r"(\d+) placed in Medway; (\d+) East Sussex; (\d+) Bromley and Bexley")


def _figure(f: pd.DataFrame, data: Path, metric: str, period: str | None = None) -> pd.Series:
    hit = f[(f["metric"] == metric) & ((f["period"] == period) if period else True)]
    if len(hit) != 1:
        raise PackError(data / FIG, f"expected one {metric} row{' for ' + period if period else ''}")
    return hit.iloc[0]


def growth_limit(data: Path) -> float:
    """The yearly growth cap from the pack; checks it matches :data:`GROWTH_LIMIT`."""
    f = read_pack_csv(data, FIG, ["metric", "value", "period"])
    first = int(_figure(f, data, "hnb_pupils_independent_sector", "2020-21")["value"])
    last = int(_figure(f, data, "hnb_pupils_independent_sector", "2024-25")["value"])
    if (first, last) != (IND_FIRST, IND_LAST):
        raise PackError(data / FIG, f"independent placements {first}/{last}, module expects "
                        f"{IND_FIRST}/{IND_LAST}")
    return (last / first) ** (1 / IND_YEARS) - 1


def _needs(data: Path) -> str:
    """Needs with >= 1 Jan 2025 Kent plan in an independent / non-maintained school (S1)."""
    e = read_pack_csv(data, NEED, ["geography", "breakdown_topic", "breakdown", "primary_need",
                                   "ehc_plans"])
    k = e[(e["geography"] == "Kent") & (e["breakdown_topic"] == "Type of placement")
          & e["breakdown"].isin(INDEPENDENT_ROWS)]
    counts = k.groupby("primary_need")["ehc_plans"].sum().drop("Unknown", errors="ignore")
    counts = counts.rename(index=PACK_NEED)
    return ";".join(c for c in NEED_CODES if counts.get(c, 0) > 0)


def _points(data: Path) -> dict[str, tuple[float, float]]:
    """lat, lon of each out-of-county area's reference point."""
    lsoa = read_pack_csv(data, LSOA, ["la", "lat", "lon"])
    med = lsoa[lsoa["la"].astype(str).str.contains("887")]
    if med.empty:
        raise PackError(data / LSOA, "no Medway (887) LSOA rows")
    units = read_pack_csv(data, UNITS, ["postcode", "Latitude", "Longitude"]).set_index("postcode")
    out = {"Medway": (float(med["lat"].mean()), float(med["lon"].mean()))}
    for area, postcode, _ in OUT_OF_COUNTY[1:]:
        if postcode not in units.index:
            raise PackError(data / UNITS, f"no stroke unit with postcode {postcode}")
        out[area] = (float(units.loc[postcode, "Latitude"]), float(units.loc[postcode, "Longitude"]))
    return out


def independent_rows(data: Path) -> pd.DataFrame:
    """The 7 named schools and 4 out-of-county rows; 2025 places sum to the 1,623 placements."""
    f = read_pack_csv(data, FIG, ["metric", "value", "period", "source", "note"])
    total_row = _figure(f, data, "hnb_pupils_independent_sector", "2024-25")
    total = int(total_row["value"])
    ooc = _figure(f, data, "pupils_placed_out_of_county")
    match = OOC_RE.search(str(ooc["note"]))
    if match is None:
        raise PackError(data / FIG, "pupils_placed_out_of_county note lacks the Medway / East "
                        "Sussex / Bromley and Bexley split")
    parts = [int(x) for x in match.groups()]
    ooc_total = int(ooc["value"])
    areas = [*parts, ooc_total - sum(parts)]
    cost = int(_figure(f, data, "hnb_cost_per_pupil_independent_special", "2024-25")["value"])
    cost_note = f"cost: KCC 2024-25 cost per independent placement GBP {cost:,} ({FIG})"
    needs = _needs(data)
    needs_note = "needs: every need with >= 1 Jan 2025 Kent plan in independent/NM schools (S1)"
    p = read_pack_csv(data, PROV, ["urn", "name", "provision_kind", "district", "lat", "lon",
                                   "coord_quality", "type_source"], dtype={"urn": str})
    named = p[p["provision_kind"].isin(["independent_special", "non_maintained_special"])]
    in_county = total - ooc_total
    if in_county < 0 or named.empty:
        raise PackError(data / FIG, "out-of-county placements exceed the independent total")
    caps = apportion(in_county, np.ones(len(named)))
    rows = []
    for (_, r), cap in zip(named.iterrows(), caps, strict=True):
        rows.append({
            "provision": f"IND-{r['urn']}", "name": str(r["name"]), "kind": "independent",
            "district": r["district"] if isinstance(r["district"], str) else None,
            "lat": float(r["lat"]), "lon": float(r["lon"]), "located": True,
            "phases": ALL_PHASES, "min_age": None, "max_age": None, "needs": needs,
            "capacity": int(cap), "cost_per_place": cost, "estimated": True,
            "method": (f"places ESTIMATE: {total:,} independent/NM placements 2024-25 less the "
                       f"{ooc_total:,} placed out of county (c.2021) = {in_county}, shared equally "
                       f"by the {len(named)} named in-county schools (no places figure in the "
                       f"pack); district as in the pack (blank = assign by location); coords pack "
                       f"coord_quality {r['coord_quality']}; phases ESTIMATE: all; {needs_note}; "
                       f"{cost_note}; pack kind {r['provision_kind']}, EduBase 2017, status "
                       "unverified"),
            "source": f"shared/data/kent/{PROV} (urn {r['urn']}); {FIG}",
        })
    points = _points(data)
    for (area, _, why), places in zip(OUT_OF_COUNTY, areas, strict=True):
        lat, lon = points[area]
        where = "elsewhere" if area == "Elsewhere" else f"in {area}"
        rows.append({
            "provision": f"OOC-{'-'.join(area.upper().split())}",
            "name": f"Out-of-county placements, {area}", "kind": "independent",
            "district": f"{area} (out of county)", "lat": lat, "lon": lon, "located": True,
            "phases": ALL_PHASES, "min_age": None, "max_age": None, "needs": needs,
            "capacity": int(places), "cost_per_place": cost, "estimated": True,
            "method": (f"places: Kent pupils placed {where} c.2021 ({places} of {ooc_total:,}; "
                       f"{'the remainder after the three named areas; ' if area == 'Elsewhere' else ''}"
                       "news report) held at that level; the count includes other LAs' state "
                       "special schools (no split in the pack) and is taken wholly as "
                       f"independent-sector places (upper bound); location: {why}; never local "
                       f"to a Kent district; phases ESTIMATE: all; {needs_note}; {cost_note}"),
            "source": f"shared/data/kent/{FIG} (pupils_placed_out_of_county: {ooc['source']}); "
                      f"{LSOA if area == 'Medway' else UNITS}",
        })
    out = pd.DataFrame(rows, columns=COLUMNS)
    return out.astype({"lat": float, "lon": float, "located": bool, "estimated": bool})


def independent_capacity(rows: pd.DataFrame, years: Iterable[int],
                         limit: float = GROWTH_LIMIT) -> pd.DataFrame:
    """Most places each row can offer by year: the row's Jan 2025 use grown by at most
    ``limit`` a year, from the first modelled year (academic year 2025/26, one year after the
    census) on, rounded down so no year exceeds the limit. The Jan 2025 count is what was used,
    not all the market could offer; one year's growth is the ASSUMED headroom."""
    years = sorted(years)
    out = []
    for provision, cap in zip(rows["provision"], rows["capacity"], strict=True):
        places = int(cap)
        for i, year in enumerate(years):
            step = year - years[i - 1] if i else 1
            places = int(np.floor(places * (1 + limit) ** step + 1e-9))
            out.append({"provision": provision, "year": year, "places": places})
    return pd.DataFrame(out, columns=["provision", "year", "places"])
