"""Read an instance's raw tables and settings from a CSV folder, an xlsx workbook or JSON."""

from __future__ import annotations

import csv
import io
import json
import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from placement_opt.errors import InstanceError, Issue
from placement_opt.io.atomic import restore_cell
from placement_opt.io.csv_text import TextError as _TextError
from placement_opt.io.csv_text import read_csv_text, read_text, sniff_delimiter
from placement_opt.io.settings_text import unflatten
from placement_opt.schema.names import closest
from placement_opt.schema.parse import RawTable
from placement_opt.schema.tables import TABLES

__all__ = ["SETTINGS_FILE", "SETTINGS_SHEET", "read_raw", "read_table_csv"]

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


def _misnamed(folder: Path) -> list[Issue]:
    """Files named as an instance file but for letter case (``Capacity.csv``,
    ``Instance.toml``), or CSV files named nearly as a table whose file is absent
    (``expansion.csv``): an error, since read as they are they would be ignored."""
    wanted = {f"{name}.csv": f"{name}.csv" for name in TABLES} | {SETTINGS_FILE: SETTINGS_FILE}
    by_lower = {k.lower(): v for k, v in wanted.items()}
    issues = []
    for file in sorted(folder.iterdir()):
        exact = by_lower.get(file.name.lower())
        if exact is not None and file.name != exact and not (folder / exact).exists():
            issues.append(Issue(str(file), "misnamed instance file: it would be ignored",
                                value=file.name, expected=f"the name {exact} (names are "
                                "lower case)"))
        elif exact is None and file.suffix.lower() == ".csv":
            near = [f"{n}.csv" for n in closest(file.stem, TABLES, n=1, cutoff=0.8)]
            if near and not (folder / near[0]).exists():
                issues.append(Issue(str(file), "misnamed instance file: it would be ignored",
                                    value=file.name, expected=f"did you mean {near[0]!r}? "
                                    "(rename it, or give it a name not like a table's)"))
    return issues


def _read_folder(folder: Path) -> RawInstance:
    issues: list[Issue] = _misnamed(folder)
    tables: dict[str, RawTable] = {}
    for name in TABLES:
        file = folder / f"{name}.csv"
        if not file.exists():
            continue
        table, found = read_table_csv(name, file)
        issues += found
        if table is not None:
            tables[name] = table
    settings: dict[str, Any] = {}
    toml_file = folder / SETTINGS_FILE
    if toml_file.exists():
        try:
            settings = tomllib.loads(read_text(toml_file))
        except tomllib.TOMLDecodeError as exc:
            issues.append(Issue(str(toml_file), f"cannot read as TOML: {exc}",
                                row=_toml_line(exc), expected="valid TOML"))
        except _TextError as exc:
            issues.append(exc.issue("TOML"))
    if not tables and not toml_file.exists():
        issues.append(Issue(str(folder), "no instance files in this folder",
                            expected=f"{SETTINGS_FILE} and CSV files such as demand.csv"))
    if issues:
        raise InstanceError(issues)
    return tables, settings, str(toml_file), lambda t: str(folder / f"{t}.csv")


def _toml_line(exc: tomllib.TOMLDecodeError) -> int | None:
    match = re.search(r"at line (\d+)", str(exc))
    return int(match.group(1)) if match else None


def _is_blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def read_table_csv(name: str, file: Path) -> tuple[RawTable | None, list[Issue]]:
    """One CSV file as a RawTable whose row numbers are the rows a spreadsheet shows.

    Every record is a row (a blank line too); the header is the first non-blank row; rows whose
    cells are all blank are skipped. The delimiter (comma, semicolon or tab) is sniffed from the
    header line (:func:`sniff_delimiter`); the text is UTF-8 (with or without a byte-order mark)
    or, failing that, Windows-1252 as Excel's "CSV" saves it (:func:`read_csv_text`).
    """
    source = str(file)
    try:
        text, notes = read_csv_text(file)
    except _TextError as exc:
        return None, [exc.issue("CSV")]
    delimiter, problem = sniff_delimiter(text, source)
    if problem is not None:
        return None, [problem]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter,
                        skipinitialspace=True)
    header: list[str] | None = None
    header_row = 1
    body: list[list[str]] = []
    numbers: list[int] = []
    issues: list[Issue] = list(notes)
    row = 0
    try:
        for row, cells in enumerate(reader, start=1):
            if all(_is_blank(c) for c in cells):
                continue
            if header is None:
                header = [c.strip() for c in cells]
                while header and not header[-1]:
                    header.pop()
                header_row = row
                continue
            width = len(header)
            if any(not _is_blank(c) for c in cells[width:]):
                issues.append(Issue(source, "more cells in this row than columns in the header",
                                    row, value=delimiter.join(cells[width:]),
                                    expected=f"at most {width} cells, as in the header"))
            body.append([restore_cell(c) for c in cells[:width]]
                        + [""] * max(0, width - len(cells)))
            numbers.append(row)
    except csv.Error as exc:
        return None, [Issue(source, f"cannot read as CSV: {exc}", row + 1,
                            expected="UTF-8 CSV with a header row")]
    if header is None:
        return None, [Issue(source, "the file is empty", expected="a header row of column names")]
    frame = pd.DataFrame(body, columns=header, dtype="object")
    table = RawTable(name, source, frame, np.asarray(numbers, dtype=int), header_row,
                     tuple(issues))
    return table, []


def _read_workbook(path: Path) -> RawInstance:
    from openpyxl import load_workbook

    from placement_opt.io.workbook import unescape_text

    cannot = "cannot open as a workbook"
    expected = "an .xlsx file saved by Excel or LibreOffice"
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged or foreign file
        raise InstanceError([Issue(str(path), f"{cannot}: {exc}", expected=expected)]) from exc
    tables: dict[str, RawTable] = {}
    settings: dict[str, Any] = {}
    issues: list[Issue] = []
    try:
        for sheet in book.worksheets:
            key = sheet.title.strip().lower()
            source = f"{path} (sheet {sheet.title})"
            if key in _IGNORED_SHEETS:
                continue
            try:
                rows = [
                    tuple(unescape_text(c) if isinstance(c, str) else c for c in row)
                    for row in sheet.iter_rows(values_only=True)
                ]
            except Exception as exc:  # damaged sheet XML is only parsed here
                issues.append(Issue(source, f"cannot read the sheet: {exc}", expected=expected))
                continue
            if key == SETTINGS_SHEET:
                settings, found = _settings_from_rows(rows, source)
                issues += found
                continue
            if key in tables:
                issues.append(Issue(source, f"a second sheet for the {key} table",
                                    expected="one sheet per table"))
                continue
            tables[key] = _sheet_table(key, source, rows)
    finally:
        book.close()
    if issues:
        raise InstanceError(issues)
    return tables, settings, f"{path} (sheet {SETTINGS_SHEET})", lambda t: f"{path} (sheet {t})"


def _sheet_table(name: str, source: str, rows: list[tuple[Any, ...]]) -> RawTable:
    """A sheet as a RawTable: the first non-blank row is the header; blank rows are skipped."""
    header: list[str] | None = None
    header_row = 1
    body: list[list[Any]] = []
    numbers: list[int] = []
    issues: list[Issue] = []
    for number, row in enumerate(rows, start=1):
        cells = list(row)
        if all(_is_blank(c) for c in cells):
            continue
        if header is None:
            while cells and _is_blank(cells[-1]):
                cells.pop()
            header = ["" if c is None else str(c).strip() for c in cells]
            header_row = number
            continue
        width = len(header)
        extra = [c for c in cells[width:] if not _is_blank(c)]
        if extra:
            issues.append(Issue(source, "a value in a column without a header", number,
                                value=", ".join(str(c) for c in extra),
                                expected=f"values only under the {width} column names"))
        body.append(cells[:width] + [None] * max(0, width - len(cells)))
        numbers.append(number)
    frame = pd.DataFrame(body, columns=header or [], dtype="object")
    return RawTable(name, source, frame, np.asarray(numbers, dtype=int), header_row,
                    tuple(issues))


def _settings_from_rows(rows: list[tuple[Any, ...]], source: str) -> tuple[dict[str, Any],
                                                                           list[Issue]]:
    """``key | value`` rows; the first row is a header unless its key names a setting."""
    pairs: list[tuple[str, Any]] = []
    issues: list[Issue] = []
    first = True
    for number, row in enumerate(rows, start=1):
        if not row or _is_blank(row[0]):
            continue
        key = str(row[0]).strip()
        if first:
            first = False
            if "." not in key:
                continue  # a header such as "key | value"
        value = row[1] if len(row) > 1 else None
        if _is_blank(value):
            continue
        if key.count(".") < 1:
            issues.append(Issue(source, "setting key needs a section", number, "key", key,
                                "e.g. policy.unmet_penalty"))
            continue
        pairs.append((key, value))
    return unflatten(pairs), issues


def _json_int(text: str) -> int | float:
    """A JSON integer; one too large for a float (over 308 digits) becomes infinite, which the
    checks then report at its cell, as the same text in a CSV would be."""
    return int(text) if len(text.lstrip("-")) <= 308 else float(text)


def _read_json(path: Path) -> RawInstance:
    try:
        data = json.loads(read_text(path), parse_int=_json_int)
    except json.JSONDecodeError as exc:
        raise InstanceError([Issue(str(path), f"cannot read as JSON: {exc}", row=exc.lineno,
                                   expected="a JSON object")]) from exc
    except _TextError as exc:
        raise InstanceError([exc.issue("JSON")]) from exc
    if not isinstance(data, dict) or not isinstance(data.get("tables", {}), dict):
        raise InstanceError([Issue(
            str(path), "wrong layout",
            expected='{"settings": {...}, "tables": {"demand": [...], ...}}')])
    issues: list[Issue] = []
    tables: dict[str, RawTable] = {}
    for name, records in data.get("tables", {}).items():
        source = f"{path} (tables.{name})"
        if not isinstance(records, list):
            issues.append(Issue(source, "a table must be a list of objects",
                                expected='[{"column": value, ...}, ...]'))
            continue
        odd = [n for n, r in enumerate(records, start=1) if not isinstance(r, dict)]
        if odd:
            issues.append(Issue(source, "a table must be a list of objects", row=odd[0],
                                value=str(records[odd[0] - 1])[:80],
                                expected='{"column": value, ...}'))
            continue
        columns: list[str] = []
        for record in records:
            columns += [c for c in record if c not in columns]
        if not records and name in TABLES:
            columns = TABLES[name].names  # an empty table keeps its columns
        frame = pd.DataFrame.from_records(records, columns=columns).astype("object")
        tables[name] = RawTable.from_frame(name, source, frame, first_row=1)
    settings = data.get("settings", {})
    if not isinstance(settings, dict):
        issues.append(Issue(f"{path} (settings)", "settings must be an object",
                            expected='{"instance": {...}, "policy": {...}}'))
        settings = {}
    if issues:
        raise InstanceError(issues)
    return tables, settings, f"{path} (settings)", lambda t: f"{path} (tables.{t})"
