"""Write an Instance as a CSV folder, an xlsx workbook or JSON (lossless round trips)."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from placement_opt.errors import OutputError
from placement_opt.io.atomic import ensure_new_file, neutralise_text, write_text_atomic, write_with
from placement_opt.io.readers import SETTINGS_FILE, SETTINGS_SHEET
from placement_opt.io.settings_text import flatten, to_toml
from placement_opt.io.workbook import cell_value, open_book

#: An instance's tables by name, in their canonical order.
Tables = Mapping[str, pd.DataFrame]

__all__ = ["write_instance"]


def write_instance(settings: dict[str, Any], tables: Tables, path: Path,
                   overwrite: bool = False) -> Path:
    """Write an instance's ``settings`` (as set, JSON-ready) and ``tables`` to ``path``:
    ``.xlsx``, ``.json``, or otherwise a CSV folder."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".json") and path.is_dir():
        raise OutputError(f"{path} is a folder; choose a file name")
    if not suffix and path.exists() and not path.is_dir():
        raise OutputError(f"{path} exists and is not a folder; choose another name")
    try:
        if suffix == ".xlsx":
            ensure_new_file(path, overwrite)
            write_with(path, lambda tmp: _workbook(tables, _finite_text(settings), tmp))
        elif suffix == ".json":
            ensure_new_file(path, overwrite)
            write_text_atomic(path, _json(tables, _finite_text(settings)))
        elif suffix:
            raise OutputError(
                f"{path}: unknown format {suffix!r}; use .xlsx, .json or a folder name")
        else:
            if path.exists() and any(path.iterdir()) and not overwrite:
                raise OutputError(f"{path} exists and is not empty; choose another folder")
            path.mkdir(parents=True, exist_ok=True)
            write_text_atomic(path / SETTINGS_FILE, to_toml(settings))
            for name, frame in tables.items():
                write_text_atomic(path / f"{name}.csv", _csv(frame))
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc}") from exc
    return path


def _csv(frame: pd.DataFrame) -> str:
    """CSV text of ``frame``. Python's csv writer quotes a cell only for characters of the line
    terminator, so a cell holding a lone ``\\r`` would split its row when read back: such
    tables are written with ``\\r\\n`` line ends, which quote both. A text a spreadsheet would
    run as a formula is written with a leading ``'`` (the reader takes it off again)."""
    frame = neutralise_text(frame)
    has_cr = any(
        frame[c].map(lambda v: isinstance(v, str) and "\r" in v).any()
        for c in frame.columns if frame[c].dtype == object
    )
    return frame.to_csv(index=False, lineterminator="\r\n" if has_cr else "\n")


def _finite_text(value: Any) -> Any:
    """Settings with infinite numbers as the text ``"inf"`` (JSON and xlsx have no infinity)."""
    if isinstance(value, dict):
        return {k: _finite_text(v) for k, v in value.items()}
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    return value


def _workbook(tables: Tables, settings: dict[str, Any], target: Path) -> None:
    with open_book(target) as book:
        book.rows(SETTINGS_SHEET, ["key", "value"], [[k, v] for k, v in flatten(settings)])
        for name, frame in tables.items():
            book.frame(name, frame)


def _json(tables: Tables, settings: dict[str, Any]) -> str:
    records: dict[str, list[dict[str, Any]]] = {}
    for name, frame in tables.items():
        rows = frame.astype("object").to_dict(orient="records")
        records[name] = [{str(k): _json_value(v) for k, v in rec.items()} for rec in rows]
    return json.dumps({"settings": settings, "tables": records}, indent=1, ensure_ascii=False,
                      allow_nan=False)


def _json_value(value: Any) -> Any:
    value = cell_value(value)
    if isinstance(value, float) and math.isinf(value):
        return None
    return value
