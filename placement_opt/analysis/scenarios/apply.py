"""Applying a scenario to its base instance: a new, validated Instance (the base is untouched)."""

from __future__ import annotations

import pandas as pd

from placement_opt.analysis.scenarios.applied import locate_applied
from placement_opt.analysis.scenarios.check import merged_finance, merged_policy, scenario_issues
from placement_opt.analysis.scenarios.demand import grow_demand, scale_demand
from placement_opt.analysis.scenarios.errors import ScenarioError
from placement_opt.analysis.scenarios.load import LoadedScenario
from placement_opt.analysis.scenarios.locality import apply_locality, locality_issues
from placement_opt.analysis.scenarios.provisions import append_rows, apply_provisions, closure_issues
from placement_opt.analysis.scenarios.schema import Budgets, Costs
from placement_opt.errors import InstanceError, Severity
from placement_opt.instance import Instance
from placement_opt.schema.settings import InstanceInfo, Settings

__all__ = ["apply_scenario"]


def apply_scenario(loaded: LoadedScenario, base: Instance,
                   demand_factors: dict[str, dict[int, float]] | None = None) -> Instance:
    """``base`` changed as ``loaded`` says, validated again as a new Instance.

    ``demand_factors`` (need → year → factor, e.g. a Monte Carlo sample) multiply demand after
    the scenario's own levers (1 where absent).

    Raises :class:`ScenarioError` listing every problem: ids the base does not have, years
    outside its horizon, invalid policy values, or a result the instance rules reject.
    """
    sc = loaded.scenario
    issues = scenario_issues(loaded, base)
    issues += closure_issues(sc.provisions, base.existing, base.phases, base.years,
                             base.policy.continuity, loaded.source, loaded.text)
    issues += locality_issues(loaded, base)
    if any(i.severity is Severity.ERROR for i in issues):
        raise ScenarioError(issues)
    tables = {name: frame.copy() for name, frame in base.tables().items()}
    base_year = sc.scenario.base_year if sc.scenario.base_year is not None else base.years[0]
    zones = tables["zones"]
    district = zones["district"] if "district" in zones else zones["zone"]
    district_of = dict(zip(zones["zone"], district.fillna(zones["zone"]), strict=True))
    tables["demand"] = grow_demand(tables["demand"], sc.demand, base_year, district_of)
    if sc.locality is not None:
        tables["demand"] = apply_locality(tables["demand"], sc.locality, base)
    if demand_factors:
        tables["demand"] = scale_demand(tables["demand"], demand_factors)
    tables = apply_provisions(tables, sc.provisions, base.years, list(base.needs["need"]))
    tables["provisions"] = _costs(tables["provisions"], sc.costs)
    tables["tariffs"] = _tariff_factors(tables["tariffs"], sc.costs)
    tables["budgets"] = _budgets(tables["budgets"], sc.budgets)
    description = f"{base.name} with scenario {sc.scenario.name}"
    if sc.scenario.description:
        description += f": {sc.scenario.description}"
    settings = Settings(instance=InstanceInfo(name=sc.scenario.name, description=description),
                        policy=merged_policy(loaded, base), finance=merged_finance(loaded, base))
    try:
        applied = base.replace(**tables, settings=settings)
    except InstanceError as exc:
        raise ScenarioError([locate_applied(i, loaded, base, tables)
                             for i in exc.issues]) from exc
    notes = tuple(i for i in issues if i.severity is Severity.WARNING)
    return applied.model_copy(update={"warnings": applied.warnings + notes}) if notes else applied


def _costs(prov: pd.DataFrame, costs: Costs) -> pd.DataFrame:
    """Cost per place set by kind, then scaled by kind, then set by provision."""
    out = prov.copy()
    for kind, value in costs.cost_per_place.items():
        out.loc[out["kind"] == kind, "cost_per_place"] = value
    for kind, factor in costs.cost_per_place_factor.items():
        out.loc[out["kind"] == kind, "cost_per_place"] = out.loc[out["kind"] == kind,
                                                                 "cost_per_place"] * factor
    for pid, value in costs.cost_per_place_by_provision.items():
        out.loc[out["provision"] == pid, "cost_per_place"] = value
    return out


def _tariff_factors(tariffs: pd.DataFrame, costs: Costs) -> pd.DataFrame:
    """``cost_per_place_factor`` by kind scales that kind's tariff lines (place funding and
    top-up) as it scales its cost per place."""
    out = tariffs.copy()
    for kind, factor in costs.cost_per_place_factor.items():
        rows = out["kind"] == kind
        for col in ("place_funding", "top_up"):
            out.loc[rows, col] = out.loc[rows, col].astype(float) * factor
    return out


def _budgets(budgets: pd.DataFrame, lever: Budgets) -> pd.DataFrame:
    """Revenue scaled by ``revenue_factor``, then revenue and capital set year by year."""
    out = budgets.copy()
    if lever.revenue_factor is not None:
        out["revenue"] = out["revenue"].astype(float) * lever.revenue_factor
    for column in ("revenue", "capital"):
        for year, value in getattr(lever, column).items():
            hit = out["year"].astype("int64") == year
            if hit.any():
                out.loc[hit, column] = value
            else:
                out = append_rows(out, pd.DataFrame([{"year": year, column: value}]))
    return out
