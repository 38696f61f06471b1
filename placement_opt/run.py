"""A run folder read back: the instance copy and the result tables, for reports after the solve."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from placement_opt.errors import InstanceError, Issue
from placement_opt.instance import Instance

__all__ = ["INSTANCE_DIR", "RUN_TABLES", "RunData", "load_run"]

#: Sub-folder of a run folder holding the solved instance as a CSV folder.
INSTANCE_DIR = "instance"
#: Result tables a report needs, as written by ``solve``.
RUN_TABLES = ("allocations", "utilisation", "unmet", "kpis")


@dataclass(frozen=True)
class RunData:
    """What the reports read: the instance, the result tables and the summary."""

    instance: Instance
    allocations: pd.DataFrame
    utilisation: pd.DataFrame
    unmet: pd.DataFrame
    kpis: pd.DataFrame
    summary: dict[str, Any]
    capital: pd.DataFrame
    transfers: pd.DataFrame = field(default_factory=pd.DataFrame)
    changes: pd.DataFrame = field(default_factory=pd.DataFrame)

    @classmethod
    def from_result(cls, result: Any, instance: Instance) -> RunData:
        """From an in-memory :class:`placement_opt.Result` and its instance."""
        from placement_opt.io.results import result_summary

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
