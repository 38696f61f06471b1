"""Kent at district resolution: the small-area instance's zones merged into their districts.

``instances/kent_growth`` plans with continuity, expansions and candidate sites (a MIP). At the
181 small-area zones of ``instances/kent`` that MIP has about 700,000 columns and finds no
solution in 300 s on 2 cores, so the growth plan is made on districts built from the small areas:

* a district zone sits at its residents' centre: the mean of its small areas' centroids
  weighted by their 2025 pupils;
* its demand (and existing cohort) is the sum of its small areas';
* its journey to a provision (minutes and km) is the pupil-weighted mean of its small areas'
  journeys (``journeys.csv``, and the engine's fallback rule where that file has no row), so
  the transport cost of a district's pupils is what the small areas give when all of them go
  to the same provision. The journey limit is applied to that mean: an APPROXIMATION (a small
  area beyond the limit may be within it on the district mean, and the other way round).

Out-of-county zones are kept as they are.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from placement_opt import Instance
from placement_opt.model.data import ModelData

__all__ = ["district_view"]

OUT_OF_COUNTY = "Out of county"


def district_view(inst: Instance) -> Instance:
    """``inst`` (small-area zones with a ``district``) with its zones merged into districts."""
    zones = inst.zones
    kent = zones[zones["area"] != OUT_OF_COUNTY]
    to_district = dict(zip(kent["zone"], kent["district"], strict=True))
    to_district |= {z: z for z in zones.loc[zones["area"] == OUT_OF_COUNTY, "zone"]}
    base = inst.demand[inst.demand["year"] == inst.years[0]].groupby("zone")["pupils"].sum()
    weight = kent["zone"].map(base).fillna(0.0).to_numpy(float) + 1e-9

    merged = []
    for district, rows in kent.assign(w=weight).groupby("district", sort=True):
        w = rows["w"].to_numpy(float)
        merged.append({"zone": district, "name": district,
                       "lat": round(float(np.average(rows["lat"], weights=w)), 6),
                       "lon": round(float(np.average(rows["lon"], weights=w)), 6),
                       "district": district, "cluster": rows["cluster"].iloc[0],
                       "area": rows["area"].iloc[0], "min_local_share": None})
    new_zones = pd.concat([pd.DataFrame(merged), zones[zones["area"] == OUT_OF_COUNTY]],
                          ignore_index=True)

    data = ModelData.from_instance(inst)
    zi = {z: i for i, z in enumerate(data.zones)}
    rows_z = np.array([zi[z] for z in kent["zone"]])
    districts = [str(m["zone"]) for m in merged]
    member = kent["district"].to_numpy()
    frames = []
    for d in districts:
        mine = member == d
        w = weight[mine] / weight[mine].sum()
        minutes = w @ data.minutes[rows_z[mine], :]
        km = w @ data.km[rows_z[mine], :]
        frames.append(pd.DataFrame({"zone": d, "provision": list(data.provisions),
                                    "minutes": np.round(minutes, 1), "km": np.round(km, 2)}))
    journeys = pd.concat(frames, ignore_index=True)
    limit = max(inst.policy.max_journey_min.values())
    journeys = journeys[journeys["minutes"] <= limit + 15].reset_index(drop=True)

    def regroup(frame: pd.DataFrame) -> pd.DataFrame:
        keys = [c for c in frame.columns if c != "pupils"]
        out = frame.assign(zone=frame["zone"].map(to_district))
        return out.groupby(keys, as_index=False, dropna=False, sort=True)["pupils"].sum()

    provisions = inst.provisions.assign(zone=inst.provisions["zone"].map(to_district))
    return inst.replace(zones=new_zones, demand=regroup(inst.demand)[inst.demand.columns],
                        existing=regroup(inst.existing)[inst.existing.columns],
                        journeys=journeys, provisions=provisions)
