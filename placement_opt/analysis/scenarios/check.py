"""Checks of a scenario against its base instance: every id it names exists, every year is in
the horizon, the merged policy and solver options are valid. Each problem names its line."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from pydantic import ValidationError

from placement_opt.analysis.scenarios.load import LoadedScenario, validation_issues
from placement_opt.analysis.scenarios.locate import located
from placement_opt.errors import Issue, Severity
from placement_opt.instance import Instance
from placement_opt.options import SolveOptions
from placement_opt.schema.names import unknown_expected
from placement_opt.schema.settings import Finance, Policy
from placement_opt.schema.tables import KINDS, LIST_SEPARATOR

__all__ = ["log_file_issues", "merged_finance", "merged_policy", "scenario_issues",
           "solve_options"]

Path_ = tuple[str | int, ...]


class _Checker:
    """Collects located issues for one scenario and one base instance."""

    def __init__(self, loaded: LoadedScenario, inst: Instance) -> None:
        self.loaded = loaded
        self.inst = inst
        self.issues: list[Issue] = []
        self.years = inst.years

    def add(self, path: Path_, message: str, value: object = None, expected: str | None = None) -> None:
        self.issues.append(located(self.loaded.source, self.loaded.text, path, message, value,
                                   expected))

    def warn(self, path: Path_, message: str, value: object = None,
             expected: str | None = None) -> None:
        self.issues.append(located(self.loaded.source, self.loaded.text, path, message, value,
                                   expected, Severity.WARNING))

    def known(self, path: Path_, value: str, allowed: Collection[str], what: str) -> bool:
        if value in allowed:
            return True
        self.add(path, f"unknown {what}", value,
                 unknown_expected(value, sorted(map(str, allowed)), f"a {what}"))
        return False

    def year(self, path: Path_, year: int | None) -> None:
        if year is not None and not self.years[0] <= year <= self.years[-1]:
            self.add(path, "year outside the instance's horizon", year,
                     f"a year from {self.years[0]} to {self.years[-1]}")


def _one_of(values: Iterable[object], limit: int = 15) -> str:
    items = sorted(str(v) for v in values)
    shown = ", ".join(items[:limit]) + (f" ... ({len(items)} in all)" if len(items) > limit else "")
    return f"one of {shown}" if items else "nothing (the instance has none)"


def scenario_issues(loaded: LoadedScenario, inst: Instance) -> list[Issue]:
    """Every problem with ``loaded`` as applied to ``inst`` (empty when it can be applied)."""
    chk = _Checker(loaded, inst)
    sc = loaded.scenario
    needs = set(inst.needs["need"])
    zones = set(inst.zones["zone"])
    phases = set(inst.phases["phase"])
    existing = list(inst.provisions["provision"])
    new_ids = [s.provision for s in sc.provisions.new_site]
    every = set(existing) | set(new_ids)
    if sc.scenario.base_year is not None and sc.scenario.base_year not in chk.years:
        chk.add(("scenario", "base_year"), "base year has no demand in the instance",
                sc.scenario.base_year, _one_of(chk.years))
    districts = zones | set(inst.zones["district"].dropna()) if "district" in inst.zones else zones
    axes: dict[str, Collection[Any]] = {"growth_by_need": needs, "growth_by_district": districts,
                                        "growth_by_phase": phases, "growth_by_year": chk.years}
    for key, rates in sc.demand.all_rates().items():
        for item, rate in rates.items():
            path = ("demand", key, str(item))
            if key == "growth_by_year":
                chk.year(path, int(item))
            else:
                chk.known(path, str(item), axes[key], key.removeprefix("growth_by_"))
            if not rate > -1:
                chk.add(path, "growth rate must be above -1 (-100%)", rate, "a rate > -1")
    _check_provisions(chk, sc, existing, new_ids, every, needs, zones, phases)
    for key in ("cost_per_place", "cost_per_place_factor"):
        for kind, value in getattr(sc.costs, key).items():
            chk.known(("costs", key, kind), kind, KINDS, "provision kind")
            if value < 0:
                chk.add(("costs", key, kind), "must not be negative", value, "a number >= 0")
    for pid, value in sc.costs.cost_per_place_by_provision.items():
        chk.known(("costs", "cost_per_place_by_provision", pid), pid, every, "provision")
        if value < 0:
            chk.add(("costs", "cost_per_place_by_provision", pid), "must not be negative", value,
                    "a number >= 0")
    _tariff_priced(chk, sc)
    for key in ("revenue", "capital"):
        for year, value in getattr(sc.budgets, key).items():
            chk.year(("budgets", key, str(year)), year)
            if value < 0:
                chk.add(("budgets", key, str(year)), "must not be negative", value, "GBP >= 0")
    try:
        merged_policy(loaded, inst)
    except ValidationError as exc:
        chk.issues += validation_issues(exc, loaded.source, loaded.text, ("policy",),
                                        keys=Policy.model_fields)
    try:
        merged_finance(loaded, inst)
    except ValidationError as exc:
        chk.issues += validation_issues(exc, loaded.source, loaded.text, ("finance",),
                                        keys=Finance.model_fields)
    chk.issues += log_file_issues(loaded.scenario.solve, loaded.source, loaded.text)
    try:
        solve_options(loaded)
    except ValidationError as exc:
        chk.issues += validation_issues(exc, loaded.source, loaded.text, ("solve",),
                                        keys=SolveOptions.model_fields)
    return chk.issues


def _tariff_priced(chk: _Checker, sc: Any) -> None:
    """A cost per place set for a kind the ``tariffs`` table prices acts only on placements no
    tariff line matches: say so (a factor acts on the tariff lines too)."""
    tariffs = chk.inst.tariffs
    priced = set(tariffs["kind"]) if len(tariffs) else set()
    expected = ("cost_per_place_factor (it scales that kind's tariff lines too), or a proposed "
                "tariffs table (placement-opt tariff --proposed)")
    message = ("the tariffs table prices {kind} placements: this cost per place applies only "
               "to placements no tariff line matches")
    for kind, value in sc.costs.cost_per_place.items():
        if kind in priced:
            chk.warn(("costs", "cost_per_place", kind), message.format(kind=kind), value, expected)
    kind_of = dict(zip(chk.inst.provisions["provision"], chk.inst.provisions["kind"],
                       strict=True))
    for pid, value in sc.costs.cost_per_place_by_provision.items():
        if kind_of.get(pid) in priced:
            chk.warn(("costs", "cost_per_place_by_provision", pid),
                     message.format(kind=kind_of[pid]), value, expected)


def _check_provisions(chk: _Checker, sc: Any, existing: list[str], new_ids: list[str],
                      every: set[str], needs: set[str], zones: set[str], phases: set[str]) -> None:
    designated = dict(zip(chk.inst.provisions["provision"], chk.inst.provisions["needs"],
                          strict=True))
    for i, c in enumerate(sc.provisions.close):
        chk.known(("provisions", "close", i, "provision"), c.provision, existing, "provision")
        chk.year(("provisions", "close", i, "from_year"), c.from_year)
    for i, a in enumerate(sc.provisions.add_places):
        chk.known(("provisions", "add_places", i, "provision"), a.provision, every, "provision")
        chk.year(("provisions", "add_places", i, "from_year"), a.from_year)
        chk.year(("provisions", "add_places", i, "until_year"), a.until_year)
        if a.from_year is not None and a.until_year is not None and a.until_year < a.from_year:
            chk.add(("provisions", "add_places", i, "until_year"), "until_year before from_year",
                    a.until_year, f"a year from {a.from_year}")
    for i, r in enumerate(sc.provisions.redesignate):
        base = ("provisions", "redesignate", i)
        if not chk.known((*base, "provision"), r.provision, existing, "provision"):
            continue
        if r.needs is not None and (r.add_needs or r.remove_needs):
            chk.add((*base, "needs"), "give either needs or add_needs/remove_needs", r.needs,
                    "needs (the new designation) alone, or add_needs and remove_needs")
        for key in ("needs", "add_needs", "remove_needs"):
            for j, need in enumerate(getattr(r, key) or []):
                chk.known((*base, key, j), need, needs, "need")
        current = set(str(designated[r.provision]).split(LIST_SEPARATOR))
        for j, need in enumerate(r.remove_needs):
            if need in needs and need not in current:
                chk.add((*base, "remove_needs", j), f"{r.provision} is not designated for it",
                        need, _one_of(sorted(current)))
    for i, s in enumerate(sc.provisions.new_site):
        base = ("provisions", "new_site", i)
        if s.provision in existing or new_ids.index(s.provision) != i:
            chk.add((*base, "provision"), "provision id already in use", s.provision,
                    "a new provision id")
        chk.known((*base, "kind"), s.kind, KINDS, "provision kind")
        chk.known((*base, "zone"), s.zone, zones, "zone")
        for j, need in enumerate(s.needs):
            chk.known((*base, "needs", j), need, needs, "need")
        for j, phase in enumerate(s.phases):
            chk.known((*base, "phases", j), phase, phases, "phase")
    for i, e in enumerate(sc.provisions.expansion):
        chk.known(("provisions", "expansion", i, "provision"), e.provision, every, "provision")


def merged_finance(loaded: LoadedScenario, inst: Instance) -> Finance:
    """The base ``[finance]`` settings with the scenario's ``[finance]`` keys on top (for
    example a Safety Valve target)."""
    values = inst.settings.finance.model_dump(exclude_unset=True)
    return Finance.model_validate({**values, **loaded.scenario.finance})


def merged_policy(loaded: LoadedScenario, inst: Instance) -> Policy:
    """The base policy with the scenario's ``[policy]`` keys (tables such as
    ``max_journey_min`` are merged key by key) and its cost and budget levers applied."""
    sc = loaded.scenario
    values = inst.policy.model_dump(exclude_unset=True)
    for key, value in sc.policy.items():
        old = getattr(inst.policy, key, None)
        values[key] = {**old, **value} if isinstance(old, dict) and isinstance(value, dict) else value
    if sc.costs.transport_cost_per_km is not None:
        values["transport_cost_per_km"] = sc.costs.transport_cost_per_km
    if sc.costs.transport_cost_per_pupil is not None:
        values["transport_cost_per_pupil"] = sc.costs.transport_cost_per_pupil
    if sc.budgets.capital_total is not None:
        values["capital_budget_total"] = sc.budgets.capital_total
    return Policy.model_validate(values)


def log_file_issues(solve: dict[str, Any], source: str, text: str | None) -> list[Issue]:
    """A ``[solve] log_file`` in a scenario or sweep file is refused: a file could then append
    the solver log anywhere writable. The log file is set on the command line or in the API."""
    if "log_file" not in solve:
        return []
    return [located(source, text, ("solve", "log_file"), "the solver log file cannot be set in "
                    "a scenario or sweep file", solve["log_file"],
                    "no log_file here: use --log-file on the command line, or "
                    "SolveOptions(log_file=...) in Python")]


def solve_options(loaded: LoadedScenario, **overrides: Any) -> SolveOptions:
    """The scenario's ``[solve]`` options, with ``overrides`` (those not None) on top."""
    given = {k: v for k, v in overrides.items() if v is not None}
    return SolveOptions.model_validate({**loaded.scenario.solve, **given})
