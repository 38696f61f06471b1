"""Scenarios: a TOML file that names a base instance and changes it (demand growth, provisions,
costs, budgets, policy, the Locality-Model lever); applying one gives a new validated Instance.
"""

from placement_opt.analysis.scenarios.apply import apply_scenario
from placement_opt.analysis.scenarios.errors import ScenarioError
from placement_opt.analysis.scenarios.load import (
    LoadedScenario,
    load_scenario,
    resolve_base,
    scenario_from_mapping,
    scenario_from_text,
)
from placement_opt.analysis.scenarios.schema import Scenario

__all__ = [
    "LoadedScenario",
    "Scenario",
    "ScenarioError",
    "apply_scenario",
    "load_scenario",
    "resolve_base",
    "scenario_from_mapping",
    "scenario_from_text",
]
