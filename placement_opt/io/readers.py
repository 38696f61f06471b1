"""Read an instance's raw tables and settings from a CSV folder, an xlsx workbook or JSON."""

from __future__ import annotations

import json
import tomllib
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from placement_opt.errors import InstanceError, Issue, Severity
from placement_opt.io.settings_text import unflatten
from placement_opt.tables import TABLES, RawTable

__all__ = ["SETTINGS_FILE", "SETTINGS_SHEET", "read_raw"]

SETTINGS_FILE = "instance.toml"
SETTINGS_SHEET = "settings"
_IGNORED_SHEETS = {"readme", "schema"}

RawInstance = tuple[dict[str, RawTable], dict[str, Any], str, Callable[[str], str]]


def read_raw(path: Path) -> RawInstance:
    """Raw tables, raw settings, where the settings came from, and a locator for missing tables."""
    if not path.exists():
        raise InstanceError([Issue(str(path), "no such file or folder",
                                   expected="a CSV folder, an .xlsx workbook or a .json file")])
    if path.is_dir():
        return _read_folder(path)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_workbook(path)
    if suffix == ".json":
        return _read_json(path)
    raise InstanceError([Issue(str(path), "unsupported file type", value=path.suffix,
                               expected="a folder of CSV files, .xlsx or .json")])


def _read_folder(folder: Path) -> RawInstance:
    issues: list[Issue] = []
    tables: dict[str, RawTable] = {}
    for name in TABLES:
        file = folder / f"{name}.csv"
        if not file.exists():
            continue
        try:
            frame = pd.read_csv(file, dtype=str, keep_default_na=False, na_filter=False,
                                encoding="utf-8-sig", skipinitialspace=True)
        except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
            issues.append(Issue(str(file), f"cannot read as CSV: {exc}",
                                expected="UTF-8 CSV with a header row"))
            continue
        frame.columns = [str(c).strip() for c in frame.columns]
        tables[name] = RawTable.from_frame(name, str(file), frame)
    settings: dict[str, Any] = {}
    toml_file = folder / SETTINGS_FILE
    if toml_file.exists():
        try:
            settings = tomllib.loads(toml_file.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            issues.append(Issue(str(toml_file), f"cannot read as TOML: {exc}",
                                expected="valid TOML"))
    if not tables and not toml_file.exists():
        issues.append(Issue(str(folder), "no instance files in this folder",
                            expected=f"{SETTINGS_FILE} and CSV files such as demand.csv"))
    if issues:
        raise InstanceError(issues)
    return tables, settings, str(toml_file), lambda t: str(folder / f"{t}.csv")


def _read_workbook(path: Path) -> RawInstance:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
        raise InstanceError([Issue(str(path), f"cannot open as a workbook: {exc}",
                                   expected="an .xlsx file saved by Excel or LibreOffice")]) from exc
    tables: dict[str, RawTable] = {}
    settings: dict[str, Any] = {}
    issues: list[Issue] = []
    try:
        for sheet in book.worksheets:
            key = sheet.title.strip().lower()
            source = f"{path} (sheet {sheet.title})"
            rows = list(sheet.iter_rows(values_only=True))
            if key in _IGNORED_SHEETS:
                continue
            if key == SETTINGS_SHEET:
                settings, found = _settings_from_rows(rows, source)
                issues += found
                continue
            header, body, numbers = _sheet_frame(rows)
            frame = pd.DataFrame(body, columns=header, dtype="object")
            tables[key] = RawTable(key, source, frame, numbers)
    finally:
        book.close()
    if issues:
        raise InstanceError(issues)
    return tables, settings, f"{path} (sheet {SETTINGS_SHEET})", lambda t: f"{path} (sheet {t})"


def _sheet_frame(rows: list[tuple[Any, ...]]) -> tuple[list[str], list[list[Any]], Any]:
    import numpy as np

    if not rows:
        return [], [], np.zeros(0, dtype=int)
    header_cells = list(rows[0])
    while header_cells and header_cells[-1] in (None, ""):
        header_cells.pop()
    header = [str(c).strip() if c is not None else "" for c in header_cells]
    width = len(header)
    body: list[list[Any]] = []
    numbers: list[int] = []
    for offset, row in enumerate(rows[1:], start=2):
        cells = list(row[:width]) + [None] * max(0, width - len(row))
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
            continue
        body.append(cells)
        numbers.append(offset)
    return header, body, np.asarray(numbers, dtype=int)


def _settings_from_rows(rows: list[tuple[Any, ...]], source: str) -> tuple[dict[str, Any],
                                                                           list[Issue]]:
    pairs: list[tuple[str, Any]] = []
    issues: list[Issue] = []
    for number, row in enumerate(rows[1:], start=2):
        if not row or row[0] is None or not str(row[0]).strip():
            continue
        key = str(row[0]).strip()
        value = row[1] if len(row) > 1 else None
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if key.count(".") < 1:
            issues.append(Issue(source, "setting key needs a section", number, "key", key,
                                "e.g. policy.unmet_penalty"))
            continue
        pairs.append((key, value))
    return unflatten(pairs), issues


def _read_json(path: Path) -> RawInstance:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InstanceError([Issue(str(path), f"cannot read as JSON: {exc}",
                                   expected="a JSON object")]) from exc
    if not isinstance(data, dict) or not isinstance(data.get("tables", {}), dict):
        raise InstanceError([Issue(str(path), "wrong layout",
                                   expected='{"settings": {...}, "tables": {"demand": [...], ...}}')])
    issues: list[Issue] = []
    tables: dict[str, RawTable] = {}
    for name, records in data.get("tables", {}).items():
        source = f"{path} (tables.{name})"
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            issues.append(Issue(source, "a table must be a list of objects",
                                expected='[{"column": value, ...}, ...]'))
            continue
        columns: list[str] = []
        for record in records:
            columns += [c for c in record if c not in columns]
        frame = pd.DataFrame.from_records(records, columns=columns).astype("object")
        tables[name] = RawTable.from_frame(name, source, frame, first_row=1)
    settings = data.get("settings", {})
    if not isinstance(settings, dict):
        issues.append(Issue(f"{path} (settings)", "settings must be an object",
                            severity=Severity.ERROR, expected='{"instance": {...}, "policy": {...}}'))
        settings = {}
    if issues:
        raise InstanceError(issues)
    return tables, settings, f"{path} (settings)", lambda t: f"{path} (tables.{t})"
