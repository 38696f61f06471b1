"""The run folder: a Result written as one CSV per table, a workbook and a summary JSON
(:func:`write_result`), and read back for reports after the solve (:func:`load_run`)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from placement_opt.errors import InstanceError, Issue, OutputError
from placement_opt.instance import Instance
from placement_opt.io.atomic import neutralise_text, write_text_atomic
from placement_opt.io.workbook import write_workbook
from placement_opt.model.data import ModelData
from placement_opt.results.model_cache import model_data_of
from placement_opt.results.result import Result

__all__ = ["INSTANCE_DIR", "RUN_TABLES", "RunData", "load_run", "new_run_dir", "result_summary",
           "result_timings", "warnings_table", "write_result"]

#: Sub-folder of a run folder holding the solved instance as a CSV folder.
INSTANCE_DIR = "instance"
#: Result tables a report needs, as written by ``solve``.
RUN_TABLES = ("allocations", "utilisation", "unmet", "kpis")


@dataclass(frozen=True)
class RunData:
    """What the reports read: the instance, its model data, the result tables and the summary."""

    instance: Instance
    allocations: pd.DataFrame
    utilisation: pd.DataFrame
    unmet: pd.DataFrame
    kpis: pd.DataFrame
    summary: dict[str, Any]
    capital: pd.DataFrame
    transfers: pd.DataFrame = field(default_factory=pd.DataFrame)
    changes: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def data(self) -> ModelData:
        """The instance's coded arrays, shared by every report of the run (built at most once
        per instance object, see :mod:`placement_opt.results.model_cache`)."""
        return model_data_of(self.instance)

    @classmethod
    def from_result(cls, result: Any, instance: Instance) -> RunData:
        """From an in-memory :class:`placement_opt.Result` and its instance."""
        return cls(instance, result.allocations, result.utilisation, result.unmet, result.kpis,
                   result_summary(result), result.capital, result.transfers, result.changes)


def load_run(folder: Path) -> RunData:
    """Read a run folder written by ``placement-opt solve``.

    Raises :class:`InstanceError` naming the missing or unreadable file.
    """
    problems: list[Issue] = []
    if not folder.is_dir():
        raise InstanceError([Issue(str(folder), "no such run folder",
                                   expected="a folder written by placement-opt solve")])
    frames: dict[str, pd.DataFrame] = {}
    for name in RUN_TABLES:
        file = folder / f"{name}.csv"
        try:
            frames[name] = pd.read_csv(file, float_precision="round_trip")
        except FileNotFoundError:
            problems.append(Issue(str(file), "missing result file",
                                  expected=f"{name}.csv as written by placement-opt solve"))
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
            problems.append(Issue(str(file), f"cannot read: {exc}", expected="a result CSV"))
    summary_file = folder / "summary.json"
    try:
        summary = json.loads(summary_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems.append(Issue(str(summary_file), "missing result file", expected="summary.json"))
        summary = {}
    except json.JSONDecodeError as exc:
        problems.append(Issue(str(summary_file), f"cannot read: {exc}", expected="JSON"))
        summary = {}
    if not (folder / INSTANCE_DIR).is_dir():
        problems.append(Issue(str(folder / INSTANCE_DIR), "missing instance copy",
                              expected="the instance folder written by placement-opt solve"))
    if problems:
        raise InstanceError(problems)
    instance = Instance.from_path(folder / INSTANCE_DIR)
    for name in ("allocations", "unmet"):
        frames[name] = frames[name].astype({c: str for c in ("zone", "need", "phase", "level")
                                            if c in frames[name]})
    return RunData(instance, frames["allocations"], frames["utilisation"], frames["unmet"],
                   frames["kpis"], summary, _optional(folder, "capital"),
                   _optional(folder, "transfers"), _optional(folder, "changes"))


def _optional(folder: Path, name: str) -> pd.DataFrame:
    """An optional result table (empty when the run has none)."""
    try:
        return pd.read_csv(folder / f"{name}.csv", float_precision="round_trip")
    except (FileNotFoundError, pd.errors.EmptyDataError):
        return pd.DataFrame()


def new_run_dir(base: Path, name: str, now: datetime | None = None) -> Path:
    """A fresh folder ``base/<name>-<YYYYmmdd-HHMMSS>`` (with ``-2``, ``-3`` ... if taken)."""
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "run"
    candidate = base / f"{slug}-{stamp}"
    n = 2
    while candidate.exists():
        candidate = base / f"{slug}-{stamp}-{n}"
        n += 1
    return candidate


def warnings_table(result: Result) -> pd.DataFrame:
    """The result's warnings as a frame (source, row, column, value, message)."""
    return pd.DataFrame(
        [(w.severity.value, w.source, w.row, w.column, w.value, w.message) for w in result.warnings],
        columns=["severity", "source", "row", "column", "value", "message"],
    )


def result_timings(result: Result) -> dict[str, object]:
    """Build, solve and stage seconds (``timings.json``: kept apart, so that the same input
    gives byte-identical result files)."""
    return {"build_seconds": round(result.build_seconds, 4),
            "solve_seconds": round(result.solve_seconds, 4),
            "stages": [{"stage": s.name, "seconds": round(s.seconds, 3)} for s in result.stages]}


def result_summary(result: Result) -> dict[str, object]:
    """Status, objective, gap, model size and the stages' outcomes as plain JSON values (the
    timings are :func:`result_timings`)."""
    return {
        "instance": result.instance_name,
        "instance_fingerprint": result.instance_fingerprint,
        "status": result.status.value,
        "objective": result.objective,
        "bound": result.bound,
        "gap": result.gap,
        "backend": result.backend,
        "model_size": result.model_size,
        "message": result.message,
        "cut_short": list(result.cut_short),
        "stages": [{k: v for k, v in s.as_dict().items() if k != "seconds"}
                   for s in result.stages],
    }


def write_result(result: Result, folder: Path, overwrite: bool = False,
                 instance: Instance | None = None) -> list[Path]:
    """Write every table as CSV, all of them in ``result.xlsx``, and ``summary.json``; with
    ``instance``, also a copy of it in ``instance/`` so the run folder stands on its own.

    Refuses a non-empty folder unless ``overwrite``; each file appears whole or not at all.
    """
    if folder.exists() and any(folder.iterdir()) and not overwrite:
        raise OutputError(f"{folder} exists and is not empty; choose another --out or use --overwrite")
    folder.mkdir(parents=True, exist_ok=True)
    tables = {**result.tables(), "warnings": warnings_table(result)}
    written: list[Path] = []
    for name, frame in tables.items():
        target = folder / f"{name}.csv"
        write_text_atomic(target, neutralise_text(frame).to_csv(index=False))
        written.append(target)
    summary = result_summary(result)
    target = folder / "timings.json"
    write_text_atomic(target, json.dumps(result_timings(result), indent=2) + "\n")
    written.append(target)
    target = folder / "summary.json"
    write_text_atomic(target, json.dumps(summary, indent=2) + "\n")
    written.append(target)

    items = pd.DataFrame(
        [(k, json.dumps(v) if isinstance(v, dict | list) else v) for k, v in summary.items()],
        columns=["item", "value"])
    target = folder / "result.xlsx"
    write_workbook(target, {"summary": items, **tables})
    written.append(target)
    if instance is not None:
        written.append(instance.to_path(folder / INSTANCE_DIR, overwrite=overwrite))
    return written
