"""The app's levers → a scenario mapping, the same tables a scenario TOML has, so a run from
the page goes through :func:`placement_opt.analysis.scenarios.apply_scenario` exactly as
``placement-opt scenario run`` does; and what the lever form needs to know about an instance."""

from __future__ import annotations

import math
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from placement_opt.analysis.scenarios import LoadedScenario, scenario_from_mapping
from placement_opt.analysis.scenarios.schema import AddPlaces, Close, FolderName, NewSite
from placement_opt.instance import Instance
from placement_opt.reports.format import fmt_gbp, fmt_share

__all__ = ["Levers", "instance_facts", "lever_notes", "scenario_mapping", "to_scenario"]

_STRICT = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class Levers(BaseModel):
    """What a planner sets on the page (rates and shares as fractions: 0.05 is 5%)."""

    model_config = _STRICT

    instance: str = Field(min_length=1, description="Bundled name or path of the base instance.")
    name: FolderName = "run"
    growth_by_need: dict[str, float] = Field(default_factory=dict,
                                             description="Extra demand growth a year, by need.")
    cost_factor_by_kind: dict[str, float] = Field(default_factory=dict,
                                                  description="Cost per place x factor, by kind.")
    transport_cost_per_km: float | None = Field(None, ge=0)
    min_local_share: float | None = Field(None, ge=0, le=1)
    max_independent_share: float | None = Field(None, ge=0, le=1)
    revenue_factor: float | None = Field(None, ge=0)
    capital_total: float | None = Field(None, ge=0)
    close: list[Close] = Field(default_factory=list)
    add_places: list[AddPlaces] = Field(default_factory=list)
    new_sites: list[NewSite] = Field(default_factory=list)
    time_limit: float = Field(120.0, gt=0, le=3600)


def scenario_mapping(levers: Levers) -> dict[str, Any]:
    """The scenario (as a TOML file would give it) that the levers make; unset levers are left
    out, so the base instance's own values stand."""
    out: dict[str, Any] = {"scenario": {"name": levers.name, "base": levers.instance,
                                        "description": "; ".join(lever_notes(levers))}}
    growth = {k: v for k, v in levers.growth_by_need.items() if v != 0}
    if growth:
        out["demand"] = {"growth_by_need": growth}
    costs: dict[str, Any] = {}
    factors = {k: v for k, v in levers.cost_factor_by_kind.items() if v != 1}
    if factors:
        costs["cost_per_place_factor"] = factors
    if levers.transport_cost_per_km is not None:
        costs["transport_cost_per_km"] = levers.transport_cost_per_km
    if costs:
        out["costs"] = costs
    policy = {k: getattr(levers, k) for k in ("min_local_share", "max_independent_share")
              if getattr(levers, k) is not None}
    if policy:
        out["policy"] = policy
    budgets = {k: getattr(levers, k) for k in ("revenue_factor", "capital_total")
               if getattr(levers, k) is not None}
    if budgets:
        out["budgets"] = budgets
    provisions: dict[str, Any] = {}
    for key, rows in (("close", levers.close), ("add_places", levers.add_places),
                      ("new_site", levers.new_sites)):
        if rows:
            provisions[key] = [r.model_dump(exclude_none=True) for r in rows]
    if provisions:
        out["provisions"] = provisions
    out["solve"] = {"time_limit": levers.time_limit}
    return out


def to_scenario(levers: Levers) -> LoadedScenario:
    """The levers as a checked scenario (``ScenarioError`` on a value the schema refuses)."""
    return scenario_from_mapping(scenario_mapping(levers), f"the app's levers ({levers.name})")


def lever_notes(levers: Levers) -> list[str]:
    """Each lever set, in words (shown beside a run and in comparisons)."""
    notes = [f"{need} demand {rate:+.1%} a year" for need, rate in levers.growth_by_need.items()
             if rate != 0]
    notes += [f"{kind} cost per place x{f:g}" for kind, f in levers.cost_factor_by_kind.items()
              if f != 1]
    if levers.transport_cost_per_km is not None:
        notes.append(f"transport {fmt_gbp(levers.transport_cost_per_km)} per km-year")
    if levers.min_local_share is not None:
        notes.append(f"at least {fmt_share(levers.min_local_share)} placed locally")
    if levers.max_independent_share is not None:
        notes.append(f"independent at most {fmt_share(levers.max_independent_share)} of demand")
    if levers.revenue_factor is not None:
        notes.append(f"revenue budget x{levers.revenue_factor:g}")
    if levers.capital_total is not None:
        notes.append(f"capital {fmt_gbp(levers.capital_total)} in all")
    notes += [f"close {c.provision} from {c.from_year}" for c in levers.close]
    notes += [f"{a.places:+g} places at {a.provision}" + (f" from {a.from_year}" if a.from_year
                                                            else "") for a in levers.add_places]
    notes += [f"new {'candidate ' if s.candidate else ''}{s.kind} {s.name or s.provision} in "
              f"{s.zone} ({s.capacity:g} places)" for s in levers.new_sites]
    return notes or ["no changes: the instance as it is"]


def _number(value: Any) -> float | None:
    """A finite float, or None for a blank."""
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def instance_facts(inst: Instance) -> dict[str, Any]:
    """What the lever form offers for ``inst``: needs, kinds, years, zones, provisions and the
    policy values the levers start from."""
    prov = inst.provisions
    candidate = (prov["candidate"].fillna(False).astype(bool) if "candidate" in prov
                 else prov["provision"].map(lambda _: False))
    zones = inst.zones
    label = zones["name"] if "name" in zones else zones["zone"]
    district = zones["district"] if "district" in zones else zones["zone"]
    policy = inst.policy
    return {
        "name": inst.name,
        "description": inst.settings.instance.description,
        "years": [int(y) for y in inst.years],
        "needs": sorted({str(n) for n in inst.demand["need"]}),  # those with demand
        "phases": [str(p) for p in inst.phases["phase"]],
        "kinds": sorted({str(k) for k in prov["kind"]}),
        "zones": [{"zone": str(z), "label": str(n if isinstance(n, str) and n else z),
                   "district": str(d if isinstance(d, str) and d else z)}
                  for z, n, d in zip(zones["zone"], label, district, strict=True)],
        "provisions": [{"provision": str(r["provision"]), "name": str(r["name"] or r["provision"]),
                        "kind": str(r["kind"]), "zone": str(r["zone"]), "candidate": bool(c)}
                       for r, c in zip(prov.to_dict("records"), candidate, strict=True)],
        "policy": {"min_local_share": policy.min_local_share,
                   "max_independent_share": policy.max_independent_share,
                   "transport_cost_per_km": policy.transport_cost_per_km,
                   "capital_budget_total": _number(policy.capital_budget_total)},
    }
