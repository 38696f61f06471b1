"""Write a Result into a run folder: one CSV per table, one workbook, a summary JSON."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from openpyxl import Workbook

from placement_opt.errors import OutputError
from placement_opt.io.atomic import FORMULA_PREFIXES, write_text_atomic, write_with
from placement_opt.io.workbook import write_frame
from placement_opt.run import INSTANCE_DIR

if TYPE_CHECKING:
    from placement_opt.instance import Instance
    from placement_opt.result import Result

__all__ = ["neutralise_text", "new_run_dir", "result_summary", "warnings_table", "write_result"]


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


def neutralise_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Copy of ``frame`` where text cells a spreadsheet would run as a formula start with ``'``."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object:
            out[col] = out[col].map(
                lambda v: "'" + v if isinstance(v, str) and v.startswith(FORMULA_PREFIXES) else v
            )
    return out


def warnings_table(result: Result) -> pd.DataFrame:
    """The result's warnings as a frame (source, row, column, value, message)."""
    return pd.DataFrame(
        [(w.severity.value, w.source, w.row, w.column, w.value, w.message) for w in result.warnings],
        columns=["severity", "source", "row", "column", "value", "message"],
    )


def result_summary(result: Result) -> dict[str, object]:
    """Status, objective, gap, timings and model size as plain JSON values."""
    return {
        "instance": result.instance_name,
        "instance_fingerprint": result.instance_fingerprint,
        "status": result.status.value,
        "objective": result.objective,
        "bound": result.bound,
        "gap": result.gap,
        "backend": result.backend,
        "build_seconds": round(result.build_seconds, 4),
        "solve_seconds": round(result.solve_seconds, 4),
        "model_size": result.model_size,
        "message": result.message,
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
    target = folder / "summary.json"
    write_text_atomic(target, json.dumps(summary, indent=2) + "\n")
    written.append(target)

    def _book(tmp: Path) -> None:
        book = Workbook()
        sheet = book.active
        sheet.title = "summary"
        write_frame(sheet, pd.DataFrame(
            [(k, json.dumps(v) if isinstance(v, dict) else v) for k, v in summary.items()],
            columns=["item", "value"]))
        for name, frame in tables.items():
            write_frame(book.create_sheet(name), frame)
        book.save(tmp)

    target = folder / "result.xlsx"
    write_with(target, _book)
    written.append(target)
    if instance is not None:
        written.append(instance.to_path(folder / INSTANCE_DIR, overwrite=overwrite))
    return written
