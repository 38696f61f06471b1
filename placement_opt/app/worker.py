"""One run, in its own process: the levers as a scenario, applied to the base instance, solved
and written as a run folder (``write_run``, with the scenario's ``manifest.json`` so
``placement-opt scenario reproduce`` can solve it again), then the page's view of it.

The process reports through files in its state folder, so the server never waits on it:
``progress.json`` (the current step), then ``view.json`` (done) or ``error.json`` (failed).
A cancelled run is a terminated process; nothing it left is read again.
"""

from __future__ import annotations

import json
import time
import traceback
from pathlib import Path
from typing import Any

from placement_opt.io.atomic import write_text_atomic

__all__ = ["ERROR_FILE", "PROGRESS_FILE", "RUN_DIR", "STEPS", "VIEW_FILE", "run_job"]

PROGRESS_FILE = "progress.json"
VIEW_FILE = "view.json"
ERROR_FILE = "error.json"
#: The run folder (as ``placement-opt solve`` writes it) inside the state folder.
RUN_DIR = "run"
STEPS = ("Reading the instance", "Applying the levers", "Solving",
         "Writing the workbook and report", "Preparing the results")


def _write(path: Path, data: Any) -> None:
    write_text_atomic(path, json.dumps(data, default=str) + "\n")


class _Progress:
    """Writes ``progress.json`` as the run moves from step to step."""

    def __init__(self, state: Path) -> None:
        self.state = state
        self.started = time.time()

    def step(self, index: int) -> None:
        _write(self.state / PROGRESS_FILE, {"step": index + 1, "steps": len(STEPS),
                                            "label": STEPS[index], "since": time.time()})


def run_job(levers_json: dict[str, Any], state_dir: str) -> None:
    """Run the levers of ``levers_json`` into ``state_dir`` (a process's target)."""
    state = Path(state_dir)
    progress = _Progress(state)
    try:
        _run(levers_json, state, progress)
    except Exception as exc:
        _write(state / ERROR_FILE, {"message": _message(exc),
                                    "traceback": traceback.format_exc()})


def _message(exc: Exception) -> str:
    """What a planner reads: each located issue on its own line, else the error's text."""
    issues = getattr(exc, "issues", None)
    if issues:
        return "\n".join(str(i) for i in issues)
    return f"{type(exc).__name__}: {exc}"


def _run(levers_json: dict[str, Any], state: Path, progress: _Progress) -> None:
    from placement_opt.analysis.scenarios import apply_scenario
    from placement_opt.analysis.scenarios.check import solve_options
    from placement_opt.analysis.scenarios.manifest import MANIFEST_FILE, build_manifest
    from placement_opt.app.levers import Levers, to_scenario
    from placement_opt.app.views import run_view
    from placement_opt.instance import Instance
    from placement_opt.reports.run_folder import write_run
    from placement_opt.results.run import result_summary
    from placement_opt.solve import solve

    start = time.perf_counter()
    progress.step(0)
    levers = Levers.model_validate(levers_json)
    loaded = to_scenario(levers)
    base_path = loaded.base_path()
    base = Instance.from_path(base_path)
    loaded_at = time.perf_counter()
    progress.step(1)
    instance = apply_scenario(loaded, base)
    applied_at = time.perf_counter()
    progress.step(2)
    options = solve_options(loaded)
    result = solve(instance, options)
    solved_at = time.perf_counter()
    progress.step(3)
    folder = state / RUN_DIR
    write_run(result, instance, folder)
    timings = {"load_base": loaded_at - start, "apply": applied_at - loaded_at,
               "build": result.build_seconds, "solve": result.solve_seconds,
               "write": time.perf_counter() - solved_at, "total": time.perf_counter() - start}
    manifest = build_manifest(loaded, base_path, base.fingerprint(), result.instance_fingerprint,
                              options, result_summary(result), timings)
    _write(folder / MANIFEST_FILE, manifest)
    progress.step(4)
    _write(state / VIEW_FILE, run_view(result, instance))
