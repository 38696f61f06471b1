"""Sweep files (``GRID.toml``): the product of parameter values over a scenario, or a list of
scenarios (times the grid, when both are given)::

    [sweep]
    name = "transport-and-growth"
    scenario = "../scenarios/asd-growth.toml"   # or: base = "kent", or: scenarios = [...]

    [grid]                                      # scenario keys, dotted
    "policy.transport_cost_per_km" = [300.0, 425.0, 600.0]
    "demand.growth_by_need.ASD" = [0.0, 0.05]

    [solve]                                     # solver options for every point
    time_limit = 60
"""

from __future__ import annotations

import copy
import itertools
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from placement_opt.analysis.scenarios import LoadedScenario, ScenarioError, load_scenario
from placement_opt.analysis.scenarios.check import log_file_issues
from placement_opt.analysis.scenarios.load import scenario_from_mapping, validation_issues
from placement_opt.analysis.scenarios.locate import key_line, located
from placement_opt.analysis.scenarios.schema import FolderName
from placement_opt.errors import Issue
from placement_opt.options import SolveOptions

__all__ = ["Point", "SweepPlan", "load_sweep", "set_dotted"]


class _SweepInfo(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: FolderName = "sweep"
    scenario: str | None = None
    base: str | None = None
    scenarios: list[str] = Field(default_factory=list)


class _SweepFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    sweep: _SweepInfo
    grid: dict[str, list[Any]] = Field(default_factory=dict)
    solve: dict[str, Any] = Field(default_factory=dict)


@dataclass(frozen=True)
class Point:
    """One scenario of a sweep: its name, the grid values that made it, and the scenario."""

    name: str
    params: dict[str, Any]
    loaded: LoadedScenario


@dataclass(frozen=True)
class SweepPlan:
    """A read sweep file: its name, source text, points and solver options."""

    name: str
    source: str
    text: str
    points: tuple[Point, ...]
    solve: dict[str, Any]


def set_dotted(mapping: dict[str, Any], dotted: str, value: Any) -> None:
    """``mapping["a"]["b"]["c"] = value`` for ``dotted = "a.b.c"`` (tables made as needed)."""
    *parents, last = dotted.split(".")
    node = mapping
    for part in parents:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[last] = copy.deepcopy(value)


def load_sweep(path: str | Path) -> SweepPlan:
    """Read a sweep file and build every point's scenario (schema-checked); raise
    :class:`ScenarioError` with located problems."""
    file = Path(path)
    source = str(file)
    try:
        text = file.read_text(encoding="utf-8-sig")
        data = tomllib.loads(text)
    except FileNotFoundError as exc:
        raise ScenarioError([Issue(source, "no such sweep file", expected="a .toml file")]) from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ScenarioError([Issue(source, f"not valid TOML: {exc}")]) from exc
    if isinstance(data.get("grid"), dict):
        data["grid"] = _flatten(data["grid"])
    try:
        spec = _SweepFile.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(validation_issues(exc, source, text)) from exc
    issues = _shape_issues(spec, source, text) + log_file_issues(spec.solve, source, text)
    try:
        SolveOptions.model_validate(spec.solve)
    except ValidationError as exc:
        issues += validation_issues(exc, source, text, ("solve",),
                                    keys=SolveOptions.model_fields)
    if issues:
        raise ScenarioError(issues)
    bases = _base_scenarios(spec, file.parent, source, text)
    points: list[Point] = []
    for base, (combo, values) in itertools.product(bases, _combinations(spec.grid)):
        mapping = base.mapping()
        for key, value in values.items():
            set_dotted(mapping, key, value)
        name = _point_name(len(points), base.name if len(bases) > 1 else "", combo)
        try:
            loaded = scenario_from_mapping(mapping, f"{source} (point {name})", None, base.base_dir)
        except ScenarioError as exc:
            raise ScenarioError([_at_grid(i, spec.grid, source, text) for i in exc.issues]) from exc
        points.append(Point(name, values, loaded))
    return SweepPlan(spec.sweep.name, source, text, tuple(points), spec.solve)


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"policy": {"x": [1, 2]}}`` → ``{"policy.x": [1, 2]}`` (dotted keys written unquoted)."""
    out: dict[str, Any] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            out.update(_flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def _shape_issues(spec: _SweepFile, source: str, text: str) -> list[Issue]:
    given = [k for k in ("scenario", "base") if getattr(spec.sweep, k)]
    issues = []
    if len(given) + bool(spec.sweep.scenarios) != 1:
        issues.append(located(source, text, ("sweep",), "give exactly one of scenario, base or "
                              "scenarios", ", ".join(given + ["scenarios"] * bool(
                                  spec.sweep.scenarios)) or "none",
                              "scenario = FILE, base = INSTANCE or scenarios = [FILES]"))
    for key, values in spec.grid.items():
        if not values:
            issues.append(located(source, text, ("grid", key), "no values to sweep", "[]",
                                  "a list of one or more values"))
    return issues


def _base_scenarios(spec: _SweepFile, here: Path, source: str, text: str) -> list[LoadedScenario]:
    info = spec.sweep
    files = ([info.scenario] if info.scenario else []) + info.scenarios
    if not files:
        mapping = {"scenario": {"name": info.name, "base": info.base}}
        return [scenario_from_mapping(mapping, source, None, here)]
    out = []
    for i, name in enumerate(files):
        file = Path(name) if Path(name).is_absolute() else here / name
        if not file.exists():
            key = ("sweep", "scenario") if info.scenario else ("sweep", "scenarios", i)
            raise ScenarioError([located(source, text, key, "no such scenario file", name,
                                         "a path relative to the sweep file")])
        out.append(load_scenario(file))
    return out


def _combinations(grid: dict[str, list[Any]]) -> list[tuple[str, dict[str, Any]]]:
    """(label, values) for every combination of the grid's values, in file order."""
    keys = list(grid)
    short = {k: k.rsplit(".", 1)[-1] for k in keys}
    if len(set(short.values())) < len(keys):
        short = {k: k for k in keys}
    out = []
    for combo in itertools.product(*(grid[k] for k in keys)):
        label = ",".join(f"{short[k]}={_show(v)}" for k, v in zip(keys, combo, strict=True))
        out.append((label, dict(zip(keys, combo, strict=True))))
    return out


def _show(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _point_name(index: int, scenario: str, label: str) -> str:
    parts = [p for p in (f"{index + 1:03d}", scenario, label) if p]
    return re.sub(r"[^A-Za-z0-9_.=,+-]+", "-", "-".join(parts))[:120]


def _at_grid(issue: Issue, grid: dict[str, list[Any]], source: str, text: str) -> Issue:
    """A point's schema problem, located at the grid key that caused it when there is one."""
    for key in grid:
        if issue.column is not None and issue.column.startswith(key):
            line = key_line(text, ("grid", key))
            where = source if line is None else f"{source}, line {line}"
            return Issue(where, issue.message, column=f"grid.{key}", value=issue.value,
                         expected=issue.expected)
    return issue
