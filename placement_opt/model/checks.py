"""Pre-solve checks in planner terms: demand that cannot be met, rules that cannot hold."""

from __future__ import annotations

import numpy as np

from placement_opt.errors import Issue, Severity
from placement_opt.model.arcs import Arcs
from placement_opt.model.data import ModelData
from placement_opt.model.locality import district_demand, district_share, is_local

__all__ = ["presolve_checks"]

SOURCE = "pre-solve check"


def _fmt(x: float) -> str:
    if not np.isfinite(x):
        return "unlimited"
    return f"{x:,.0f}" if abs(x - round(x)) < 1e-9 else f"{x:,.1f}"


def presolve_checks(data: ModelData, arcs: Arcs, limit: int = 200) -> list[Issue]:
    """Warnings about demand with no eligible place, designated capacity below demand, and
    local-share rules that local capacity cannot meet (which make the model infeasible)."""
    out: list[Issue] = []
    out += _unreachable(data, arcs)
    out += _capacity_shortfall(data)
    out += _local_share(data, arcs)
    return out[:limit]


def _unreachable(data: ModelData, arcs: Arcs) -> list[Issue]:
    has_arc = np.zeros(data.d_pupils.size, dtype=bool)
    has_arc[arcs.demand] = True
    out = []
    for d in np.flatnonzero(~has_arc):
        z, k, h, t = data.d_zone[d], data.d_need[d], data.d_phase[d], data.d_year[d]
        lv = data.d_level[d]
        cand = np.flatnonzero(data.designated[:, k] & data.phase_ok[:, h]
                              & data.level_kinds[lv, data.kind])
        phase, need = data.phases[h], data.needs[k]
        if not data.level_kinds.all():  # levels of need (models/continuum.md)
            phase = f"{phase} level {data.levels[lv]}"
        where = f"{_fmt(data.d_pupils[d])} {need} {phase} pupils in {data.zones[z]} {data.years[t]}"
        if cand.size == 0:
            text = f"no provision is designated for {need} {phase}: {where} will be unmet"
        else:
            nearest = cand[np.argmin(data.minutes[z, cand])]
            reach = (f"within {_fmt(data.limit[h])} min" if np.isfinite(data.limit[h])
                     else "with places that year")
            text = (f"no eligible provision {reach} for {where} "
                    f"(nearest designated: {data.provisions[nearest]} at "
                    f"{_fmt(data.minutes[z, nearest])} min)")
        out.append(Issue(SOURCE, text, severity=Severity.WARNING))
    return out


def _capacity_shortfall(data: ModelData) -> list[Issue]:
    n_k, n_h, n_t = len(data.needs), len(data.phases), len(data.years)
    demand = np.zeros((n_k, n_h, n_t))
    np.add.at(demand, (data.d_need, data.d_phase, data.d_year), data.d_pupils)
    out = []
    for k, h, t in zip(*np.nonzero(demand > 0), strict=True):
        cand = data.designated[:, k] & data.phase_ok[:, h]
        places = data.cap_total[cand, t]
        per_need = data.cap_need[cand, k, t]
        places = np.where(np.isnan(per_need), places, np.minimum(places, per_need)).sum()
        if places + 1e-9 < demand[k, h, t]:
            out.append(Issue(
                SOURCE,
                f"{data.needs[k]} {data.phases[h]} {data.years[t]}: {_fmt(demand[k, h, t])} pupils "
                f"but at most {_fmt(places)} designated places in the whole instance; at least "
                f"{_fmt(demand[k, h, t] - places)} will be unmet",
                severity=Severity.WARNING,
            ))
    return out


def _local_share(data: ModelData, arcs: Arcs) -> list[Issue]:
    """Districts whose local-share rule (models/allocation.md, *Met locally*) needs more pupils
    placed in the district than its local arcs or places allow."""
    n_g, n_t = len(data.districts), len(data.years)
    need = district_demand(data) * district_share(data)[:, None]
    a_z = data.d_zone[arcs.demand]
    a_t = data.d_year[arcs.demand]
    local = is_local(data, a_z, arcs.provision)
    # A loose bound, as the check only warns: pupils of local arcs and the places of the
    # district's provisions that some local arc uses.
    reachable = np.zeros((n_g, n_t))
    np.add.at(reachable, (data.zone_district[a_z[local]], a_t[local]),
              data.d_pupils[arcs.demand[local]])
    places = np.zeros((n_g, n_t))
    used = np.unique(arcs.provision[local] * n_t + a_t[local])
    p, t = np.divmod(used, n_t)
    np.add.at(places, (data.prov_district[p], t), data.cap_total[p, t])
    bound = np.minimum(reachable, places)
    out = []
    for g, t in zip(*np.nonzero(need > bound + 1e-9), strict=True):
        out.append(Issue(
            SOURCE,
            f"local share rule for {data.districts[g]} {data.years[t]} needs {_fmt(need[g, t])} "
            f"pupils placed in the district but at most {_fmt(bound[g, t])} can be: the model is "
            f"infeasible unless the rule or local places change",
            severity=Severity.WARNING,
        ))
    return out
