"""Reading a scenario: TOML text or a mapping → a checked :class:`LoadedScenario`."""

from __future__ import annotations

import copy
import hashlib
import json
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from placement_opt.analysis.scenarios.errors import ScenarioError
from placement_opt.analysis.scenarios.locate import located
from placement_opt.analysis.scenarios.schema import Scenario
from placement_opt.errors import Issue
from placement_opt.schema.names import model_keys, unknown_expected

__all__ = ["LoadedScenario", "load_scenario", "resolve_base", "scenario_from_mapping"]


@dataclass(frozen=True)
class LoadedScenario:
    """A scenario with where it came from: ``source`` (file name or a label), the TOML ``text``
    (None when built from a mapping), ``base_dir`` (relative base paths start here) and the
    ``raw`` mapping it was read from."""

    scenario: Scenario
    source: str
    text: str | None = None
    base_dir: Path | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def name(self) -> str:
        """The scenario's name."""
        return self.scenario.scenario.name

    def base_path(self) -> Path:
        """The base instance's path (see :func:`resolve_base`)."""
        return resolve_base(self.scenario.scenario.base, self.base_dir)

    def canonical(self) -> str:
        """The scenario as canonical JSON: same content, same text (comments and order aside)."""
        return json.dumps(self.scenario.model_dump(mode="json"), sort_keys=True,
                          separators=(",", ":"))

    def digest(self) -> str:
        """SHA-256 of :meth:`canonical`."""
        return hashlib.sha256(self.canonical().encode()).hexdigest()

    def mapping(self) -> dict[str, Any]:
        """A deep copy of the raw mapping (to derive variants, e.g. in a sweep)."""
        return copy.deepcopy(self.raw)


def resolve_base(base: str, base_dir: Path | None = None) -> Path:
    """``base`` relative to ``base_dir`` when that exists, else as given or a bundled name."""
    given = Path(base)
    if not given.is_absolute() and base_dir is not None and (base_dir / given).exists():
        return (base_dir / given).resolve()
    from placement_opt.io.bundled import resolve_instance_path

    return resolve_instance_path(base).resolve()


def load_scenario(path: str | Path) -> LoadedScenario:
    """Read and check the schema of a scenario file; raise :class:`ScenarioError` on problems."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise ScenarioError([Issue(str(file), "no such scenario file",
                                   expected="a .toml scenario file")]) from exc
    except (UnicodeDecodeError, IsADirectoryError) as exc:
        raise ScenarioError([Issue(str(file), f"cannot read: {exc}",
                                   expected="a UTF-8 .toml file")]) from exc
    return scenario_from_text(text, str(file), file.parent)


def scenario_from_text(text: str, source: str, base_dir: Path | None = None) -> LoadedScenario:
    """Parse TOML ``text`` (``source`` names it in errors) and check the schema."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError([Issue(source, f"not valid TOML: {exc}",
                                   expected="TOML, see the README's Scenarios section")]) from exc
    return scenario_from_mapping(data, source, text, base_dir)


def scenario_from_mapping(data: dict[str, Any], source: str, text: str | None = None,
                          base_dir: Path | None = None) -> LoadedScenario:
    """Check ``data`` against the schema; every problem is located by its key (and its line,
    when ``text`` is given)."""
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(validation_issues(exc, source, text, model=Scenario)) from exc
    return LoadedScenario(scenario, source, text, base_dir, copy.deepcopy(data))


def validation_issues(exc: ValidationError, source: str, text: str | None,
                      prefix: tuple[str | int, ...] = (),
                      keys: Iterable[str] | None = None,
                      model: type[BaseModel] | None = None) -> list[Issue]:
    """pydantic's errors as located issues (``prefix`` is prepended to each key path). An
    unknown key's expected text suggests the closest allowed keys: ``keys`` (those allowed
    under ``prefix``), or those of ``model`` where the key stands."""
    issues = []
    for err in exc.errors():
        loc = prefix + tuple(p for p in err["loc"] if p != "[key]")
        value = err.get("input")
        shown = None if isinstance(value, dict | list) else value
        message = _MESSAGES.get(err["type"], str(err["msg"]).removeprefix("Value error, "))
        expected = _expected(err)
        if err["type"] == "extra_forbidden":
            allowed = (list(keys) if keys is not None else
                       model_keys(model, err["loc"]) if model is not None else [])
            if allowed:
                where = ".".join(str(p) for p in loc[:-1] if not isinstance(p, int))
                expected = unknown_expected(str(loc[-1]), allowed,
                                            f"a key of [{where}]" if where else "a table",
                                            limit=12)
        issues.append(located(source, text, loc, message, shown, expected))
    return issues


_MESSAGES = {"extra_forbidden": "unknown key", "missing": "required key is missing"}


def _expected(err: Any) -> str | None:
    kind = err["type"]
    if kind == "extra_forbidden":
        return "one of the keys documented in the README's Scenarios section"
    if kind == "missing":
        return "this key"
    return None
