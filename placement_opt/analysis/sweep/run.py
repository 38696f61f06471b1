"""Sweeps: run many scenarios (the points of a sweep file) with an executor, record each point,
skip points already solved with the same hashes, and collect the KPIs into one table.

A point's key is the SHA-256 of its base instance's fingerprint, the scenario's canonical form,
the solver options and any demand factors: a re-run skips every point whose record exists
under that key with a solver status (failed points are tried again).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from placement_opt.analysis.sweep.executors import run_tasks
from placement_opt.analysis.sweep.grid import SweepPlan
from placement_opt.analysis.sweep.worker import PointTask, failed_record, solve_point
from placement_opt.errors import OutputError
from placement_opt.instance import Instance
from placement_opt.io.atomic import write_text_atomic
from placement_opt.options import SolveOptions
from placement_opt.progress import Reporter, heartbeat, steps

__all__ = [
    "RECORDS_DIR",
    "SWEEP_FILE",
    "SweepOutcome",
    "execute",
    "point_key",
    "run_sweep",
    "sweep_tables",
    "sweep_tasks",
]

RECORDS_DIR = "records"
#: Marks a folder as a sweep's (and holds its description).
SWEEP_FILE = "sweep.json"

OnDone = Callable[[dict[str, Any], bool], None]


@dataclass(frozen=True)
class SweepOutcome:
    """Every point's record (in point order), how many were skipped, and the folder."""

    records: list[dict[str, Any]]
    skipped: int
    folder: Path

    @property
    def failed(self) -> list[dict[str, Any]]:
        """Records of the points that raised an error."""
        return [r for r in self.records if r["status"] == "error"]


def point_key(base_fingerprint: str, scenario_canonical: str, options: dict[str, Any],
              demand_factors: dict[str, dict[int, float]] | None = None) -> str:
    """SHA-256 identifying what a point solves."""
    payload = json.dumps({"base": base_fingerprint, "scenario": scenario_canonical,
                          "options": options, "factors": demand_factors}, sort_keys=True,
                         default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def sweep_tasks(plan: SweepPlan, options: dict[str, Any] | None = None,
                runs_dir: Path | None = None) -> list[PointTask]:
    """One task per point; ``options`` override the sweep's and the scenarios' ``[solve]``;
    with ``runs_dir`` each point also writes its run folder there."""
    fingerprints: dict[Path, str] = {}
    tasks = []
    for point in plan.points:
        base_path = point.loaded.base_path()
        if base_path not in fingerprints:
            fingerprints[base_path] = Instance.from_path(base_path).fingerprint()
        opts = SolveOptions.model_validate({**point.loaded.scenario.solve, **plan.solve,
                                            **(options or {})})
        opts_json = opts.model_dump(mode="json", exclude={"log_file", "verbose"})
        key = point_key(fingerprints[base_path], point.loaded.canonical(), opts_json)
        tasks.append(PointTask(
            key=key, name=point.name, params=point.params, mapping=point.loaded.mapping(),
            source=point.loaded.source, base_path=str(base_path), options=opts_json,
            run_dir=None if runs_dir is None else str(runs_dir / point.name),
            meta={"base_fingerprint": fingerprints[base_path],
                  "scenario_sha256": point.loaded.digest()}))
    return tasks


def execute(tasks: Sequence[PointTask], folder: Path, executor: str = "local", workers: int = 2,
            scheduler: str | None = None, on_done: OnDone | None = None,
            progress: Reporter | None = None, stage: str = "sweep") -> SweepOutcome:
    """Run the tasks not yet recorded under ``folder/records``; return every task's record.

    ``on_done(record, skipped)`` is called once per task (first for the skipped ones).
    ``progress`` hears how many tasks are finished (``stage``, done of all the tasks, the
    skipped ones counted at once), and the elapsed time in between.
    """
    records_dir = folder / RECORDS_DIR
    records_dir.mkdir(parents=True, exist_ok=True)
    counter = steps(progress, stage, len(tasks))
    done: dict[str, dict[str, Any]] = {}
    for task in tasks:
        old = _read_record(records_dir / f"{task.key}.json")
        if old is not None and old.get("status") != "error":
            done[task.key] = old
            if on_done is not None:
                on_done(old, True)
    todo = [t for t in tasks if t.key not in done]
    counter.advance(len(done), f"{len(done)} already solved" if done else "solving")
    fresh: dict[str, dict[str, Any]] = {}
    with heartbeat(counter.clock):
        for task, record in run_tasks(solve_point, todo, failed_record, executor, workers,
                                      scheduler):
            write_text_atomic(records_dir / f"{task.key}.json",
                              json.dumps(record, indent=1) + "\n")
            fresh[task.key] = record
            counter.advance(len(done) + len(fresh), f"{task.name}: {record['status']}")
            if on_done is not None:
                on_done(record, False)
    ordered = [done.get(t.key) or fresh[t.key] for t in tasks]
    return SweepOutcome(ordered, len(done), folder)


def _read_record(file: Path) -> dict[str, Any] | None:
    try:
        return dict(json.loads(file.read_text(encoding="utf-8")))
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def run_sweep(plan: SweepPlan, folder: Path, executor: str = "local", workers: int = 2,
              scheduler: str | None = None, options: dict[str, Any] | None = None,
              write_runs: bool = False, on_done: OnDone | None = None,
              progress: Reporter | None = None) -> SweepOutcome:
    """Run a sweep into ``folder`` (a new folder, or one this sweep wrote before) and write
    ``sweep.csv``, ``kpis.csv``, ``sweep.xlsx`` and ``sweep.json``; ``progress`` hears the
    points finished (stage ``sweep``, :func:`execute`)."""
    if folder.exists() and any(folder.iterdir()) and not (folder / SWEEP_FILE).exists():
        raise OutputError(f"{folder} is not empty and holds no {SWEEP_FILE}: choose another --out "
                          "(a sweep re-uses only its own folder)")
    folder.mkdir(parents=True, exist_ok=True)
    tasks = sweep_tasks(plan, options, folder / "runs" if write_runs else None)
    outcome = execute(tasks, folder, executor, workers, scheduler, on_done, progress, "sweep")
    write_sweep_files(plan, tasks, outcome)
    return outcome


def sweep_tables(records: Sequence[dict[str, Any]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(one row per point: name, status, parameters, objective and every KPI over the horizon;
    the KPIs by year in long form: name, kpi, year, value)."""
    rows, long = [], []
    for r in records:
        row: dict[str, Any] = {"name": r["name"], "status": r["status"],
                               **{f"param:{k}": v for k, v in r["params"].items()},
                               "objective": r["objective"], "error": r["error"], "key": r["key"]}
        for kpi, year, value in r["kpis"]:
            long.append((r["name"], kpi, year, value))
            if year == "all":
                row[kpi] = value
        rows.append(row)
    table = pd.DataFrame(rows)
    for col in table.columns:
        if col.startswith("param:"):
            table[col] = table[col].map(lambda v: json.dumps(v) if isinstance(v, dict | list) else v)
    return table, pd.DataFrame(long, columns=["name", "kpi", "year", "value"])


def write_sweep_files(plan: SweepPlan, tasks: Sequence[PointTask], outcome: SweepOutcome) -> None:
    """The sweep's tables (CSV and xlsx) and ``sweep.json`` describing it."""
    from placement_opt.analysis.scenarios.manifest import versions
    from placement_opt.io.atomic import neutralise_text
    from placement_opt.io.workbook import write_workbook

    table, long = sweep_tables(outcome.records)
    folder = outcome.folder
    write_text_atomic(folder / "sweep.csv", neutralise_text(table).to_csv(index=False))
    write_text_atomic(folder / "kpis.csv", neutralise_text(long).to_csv(index=False))

    write_workbook(folder / "sweep.xlsx", {"sweep": table, "kpis": long})
    about = {"name": plan.name, "file": plan.source, "text": plan.text,
             "points": len(tasks), "skipped": outcome.skipped, "failed": len(outcome.failed),
             "keys": {t.name: t.key for t in tasks}, "versions": versions()}
    write_text_atomic(folder / SWEEP_FILE, json.dumps(about, indent=2) + "\n")
