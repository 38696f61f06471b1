"""One point of a sweep (or one Monte Carlo sample), solved in a worker process.

A :class:`PointTask` holds everything a worker needs as plain data (it is pickled to the
worker); :func:`solve_point` returns a JSON-ready record: status, objective, KPIs and, when
asked, the district × need × phase × year detail the Monte Carlo report reads.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from placement_opt.instance import Instance

__all__ = ["DETAIL_COLUMNS", "PointTask", "failed_record", "load_base", "solve_point"]

#: Columns of a record's ``detail`` (from the sufficiency table).
DETAIL_COLUMNS = ("district", "need", "phase", "year", "demand", "places_local", "placed_locally",
                  "placed_independent", "unmet", "surplus_deficit")


@dataclass(frozen=True)
class PointTask:
    """A scenario mapping on a base instance, solver options, optional demand factors (need →
    year → factor, e.g. a Monte Carlo sample), and what to return or write."""

    key: str
    name: str
    params: dict[str, Any]
    mapping: dict[str, Any]
    source: str
    base_path: str
    options: dict[str, Any]
    demand_factors: dict[str, dict[int, float]] | None = None
    detail: bool = False
    run_dir: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)


def _stamp(path: Path) -> tuple[tuple[str, int, int], ...]:
    """Names, sizes and modification times of an instance's files (to notice edits)."""
    files = sorted(path.iterdir()) if path.is_dir() else [path]
    return tuple((f.name, f.stat().st_size, f.stat().st_mtime_ns) for f in files if f.is_file())


@lru_cache(maxsize=4)
def _cached_base(path: str, stamp: tuple[tuple[str, int, int], ...]) -> Instance:
    return Instance.from_path(path)


def load_base(path: str) -> Instance:
    """The base instance at ``path``, read once per worker process while its files are unchanged."""
    return _cached_base(path, _stamp(Path(path)))


def solve_point(task: PointTask) -> dict[str, Any]:
    """Apply, solve and summarise one point (raises on failure: the executor records it)."""
    from placement_opt.analysis.scenarios import apply_scenario, scenario_from_mapping
    from placement_opt.options import SolveOptions
    from placement_opt.results.run import result_summary
    from placement_opt.solve import solve

    start = time.perf_counter()
    loaded = scenario_from_mapping(task.mapping, task.source)
    base = load_base(task.base_path)
    inst = apply_scenario(loaded, base, task.demand_factors)
    options = SolveOptions.model_validate(task.options)
    result = solve(inst, options)
    record = _record(task, "ok")
    record.update(status=result.status.value, objective=result.objective, gap=result.gap,
                  instance_fingerprint=result.instance_fingerprint,
                  kpis=[[str(k), str(y), float(v)] for k, y, v in zip(
                      result.kpis["kpi"].tolist(), result.kpis["year"].tolist(),
                      result.kpis["value"].tolist(), strict=True)])
    if task.detail and result.status.has_solution:
        record["detail"] = _detail(result, inst)
    if task.run_dir is not None:
        _write_run(task, loaded, base, result, inst, options, result_summary(result))
    record["seconds"] = round(time.perf_counter() - start, 4)
    return record


def failed_record(task: PointTask, exc: BaseException) -> dict[str, Any]:
    """The record of a point that raised: status ``error`` and the message."""
    record = _record(task, "error")
    record["error"] = f"{type(exc).__name__}: {exc}"
    return record


def _record(task: PointTask, status: str) -> dict[str, Any]:
    return {"key": task.key, "name": task.name, "params": task.params, "status": status,
            "objective": None, "gap": None, "error": None, "kpis": [], "seconds": None,
            "instance_fingerprint": None, **task.meta}


def _detail(result: Any, inst: Instance) -> dict[str, list[Any]]:
    from placement_opt.reports.sufficiency import sufficiency_table
    from placement_opt.results.run import RunData

    table = sufficiency_table(RunData.from_result(result, inst))
    return {col: table[col].tolist() for col in DETAIL_COLUMNS}


def _write_run(task: PointTask, loaded: Any, base: Instance, result: Any, inst: Instance,
               options: Any, summary: dict[str, Any]) -> None:
    from placement_opt.analysis.scenarios.manifest import MANIFEST_FILE, build_manifest
    from placement_opt.analysis.scenarios.run import write_run_folder
    from placement_opt.io.atomic import write_text_atomic

    folder = Path(str(task.run_dir))
    write_run_folder(result, inst, folder, overwrite=True)
    manifest = build_manifest(loaded, Path(task.base_path), base.fingerprint(),
                              result.instance_fingerprint, options, summary,
                              {"build": result.build_seconds, "solve": result.solve_seconds})
    write_text_atomic(folder / MANIFEST_FILE, json.dumps(manifest, indent=2) + "\n")
