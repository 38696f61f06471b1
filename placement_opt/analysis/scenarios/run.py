"""Running a scenario into a run folder with a manifest, and reproducing a run from it."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from placement_opt.analysis.scenarios.apply import apply_scenario
from placement_opt.analysis.scenarios.check import solve_options
from placement_opt.analysis.scenarios.errors import ScenarioError
from placement_opt.analysis.scenarios.load import LoadedScenario, scenario_from_mapping, scenario_from_text
from placement_opt.analysis.scenarios.manifest import MANIFEST_FILE, build_manifest, read_manifest
from placement_opt.errors import Issue
from placement_opt.instance import Instance
from placement_opt.io.atomic import write_text_atomic
from placement_opt.options import SolveOptions
from placement_opt.results.result import Result

__all__ = ["ScenarioRun", "reproduce_run", "run_scenario", "write_run_folder"]


@dataclass(frozen=True)
class ScenarioRun:
    """A solved scenario: the applied instance, its result and the manifest written with it."""

    instance: Instance
    result: Result
    manifest: dict[str, Any]
    folder: Path | None


def write_run_folder(result: Result, instance: Instance, folder: Path, overwrite: bool = False) -> None:
    """Everything ``placement-opt solve`` writes: result tables, reports, HTML and the instance."""
    from placement_opt.reports.files import write_reports
    from placement_opt.reports.html.run_page import write_html_report
    from placement_opt.results.run import RunData, write_result

    write_result(result, folder, overwrite=overwrite, instance=instance)
    if result.status.has_solution:
        write_reports(RunData.from_result(result, instance), folder, overwrite=overwrite)
    write_html_report(result, instance, folder / "report.html", overwrite=overwrite)


def run_scenario(loaded: LoadedScenario, out: Path | None = None, overwrite: bool = False,
                 options: SolveOptions | None = None, base_path: Path | None = None) -> ScenarioRun:
    """Load the base, apply ``loaded``, solve, and (with ``out``) write the run folder and its
    ``manifest.json``. ``options`` replace the scenario's ``[solve]`` options; ``base_path``
    the base the scenario names."""
    from placement_opt.results.run import result_summary
    from placement_opt.solve import solve

    start = time.perf_counter()
    base_path = base_path if base_path is not None else loaded.base_path()
    base = Instance.from_path(base_path)
    loaded_at = time.perf_counter()
    instance = apply_scenario(loaded, base)
    applied_at = time.perf_counter()
    opts = options if options is not None else solve_options(loaded)
    result = solve(instance, opts)
    solved_at = time.perf_counter()
    if out is not None:
        write_run_folder(result, instance, out, overwrite)
    timings = {"load_base": loaded_at - start, "apply": applied_at - loaded_at,
               "build": result.build_seconds, "solve": result.solve_seconds,
               "write": time.perf_counter() - solved_at, "total": time.perf_counter() - start}
    manifest = build_manifest(loaded, base_path, base.fingerprint(), result.instance_fingerprint,
                              opts, result_summary(result), timings)
    if out is not None:
        write_text_atomic(out / MANIFEST_FILE, json.dumps(manifest, indent=2) + "\n")
    return ScenarioRun(instance, result, manifest, out)


def reproduce_run(run_dir: Path, out: Path | None = None, overwrite: bool = False) -> ScenarioRun:
    """Solve again what ``run_dir/manifest.json`` records: the same scenario text on the same base
    (checked by fingerprint) with the same options. Raises :class:`ScenarioError` when the base
    or the applied instance is no longer the same."""
    manifest = read_manifest(run_dir)
    file = run_dir / MANIFEST_FILE
    sc = manifest["scenario"]
    source = str(sc.get("file") or file)
    if sc.get("text") is not None:
        loaded = scenario_from_text(str(sc["text"]), source)
    else:
        loaded = scenario_from_mapping(dict(sc.get("mapping") or {}), source)
    base_path = Path(manifest["base"]["path"])
    base = Instance.from_path(base_path)
    if base.fingerprint() != manifest["base"]["fingerprint"]:
        raise ScenarioError([Issue(str(file), "the base instance has changed since the run",
                                   column="base.fingerprint", value=base.fingerprint(),
                                   expected=str(manifest["base"]["fingerprint"]))])
    instance = apply_scenario(loaded, base)
    if instance.fingerprint() != manifest["instance_fingerprint"]:
        raise ScenarioError([Issue(str(file), "applying the scenario no longer gives the same "
                                   "instance (another package version?)",
                                   column="instance_fingerprint", value=instance.fingerprint(),
                                   expected=str(manifest["instance_fingerprint"]))])
    options = SolveOptions.model_validate(manifest["options"])
    return run_scenario(loaded, out, overwrite, options, base_path=base_path)
