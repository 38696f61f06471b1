"""Vectorised parsing of raw cells into typed frames.

Every reader (CSV folder, workbook, JSON) produces :class:`RawTable` objects of untyped cells;
:func:`parse_table` turns one into a typed frame (by its :class:`TableSpec`) and a list of
located :class:`Issue` records.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from placement_opt.errors import Issue
from placement_opt.schema.names import canonical, unknown_expected
from placement_opt.schema.numbers import number_hint, parse_numbers
from placement_opt.schema.tables import LIST_SEPARATOR, MAX_LISTED, Column, TableSpec

__all__ = ["CONTROL_CHARACTERS", "RawTable", "canonical_headers", "parse_table", "show_cell"]


@dataclass(frozen=True)
class RawTable:
    """Cells as read from a file, before typing. ``rows`` holds each row's number in the source.

    ``header_row`` is the row of the column names (``None`` where the source has no header row,
    as in JSON records). ``issues`` holds problems the reader found in the rows (such as cells
    beyond the header); :func:`parse_table` reports them with its own.
    """

    name: str
    source: str
    frame: pd.DataFrame
    rows: np.ndarray = field(repr=False)
    header_row: int | None = 1
    issues: tuple[Issue, ...] = ()

    @classmethod
    def from_frame(cls, name: str, source: str, frame: pd.DataFrame, first_row: int = 2,
                   header_row: int | None = None) -> RawTable:
        """Wrap ``frame`` whose first data row is row ``first_row`` of the source.

        ``header_row`` defaults to the row above ``first_row`` (none when that is row 0).
        """
        frame = frame.reset_index(drop=True)
        if header_row is None and first_row > 1:
            header_row = first_row - 1
        return cls(name, source, frame, np.arange(first_row, first_row + len(frame)), header_row)

    def column(self, name: str) -> pd.Series | None:
        """The cells of the (first) column called ``name``, or ``None`` when there is none."""
        for position, label in enumerate(self.frame.columns):
            if str(label) == name:
                if self.frame.columns.is_unique:
                    return self.frame[label]  # much faster than iloc on a wide object frame
                return self.frame.iloc[:, position]
        return None

    def blank(self, name: str) -> np.ndarray:
        """Which cells of column ``name`` are blank (all of them when the column is absent)."""
        values = self.column(name)
        if values is None:
            return np.ones(len(self.frame), dtype=bool)
        return _blank(values)


def _text(values: pd.Series) -> np.ndarray:
    """Cells as stripped text in an object array, missing cells as ``None``.

    A plain loop: pandas' string methods loop in Python too, with more overhead per call.
    """
    missing = values.isna().to_numpy(dtype=bool)
    return np.array([None if m else str(v).strip() for v, m in zip(values.tolist(), missing,
                                                                    strict=True)],
                    dtype=object)


def _blank_text(text: np.ndarray) -> np.ndarray:
    return np.array([t is None or t == "" for t in text.tolist()], dtype=bool)


def _blank(values: pd.Series) -> np.ndarray:
    return _blank_text(_text(values))


class _Reporter:
    """Collects issues for one table, listing at most MAX_LISTED per column and rule."""

    def __init__(self, raw: RawTable) -> None:
        self.raw = raw
        self.issues: list[Issue] = []

    def flag(self, mask: np.ndarray, column: str, message: str,
             expected: str | Callable[[str], str] | None) -> None:
        """An issue for each row of ``mask`` (``expected`` may be worded for the cell's text)."""
        idx = np.flatnonzero(mask)
        if idx.size == 0:
            return
        values = self.raw.column(column)
        for i in idx[:MAX_LISTED]:
            shown = None if values is None else _show(values.iloc[i])
            wanted = expected(shown or "") if callable(expected) else expected
            self.issues.append(
                Issue(self.raw.source, message, int(self.raw.rows[i]), column, shown, wanted)
            )
        if idx.size > MAX_LISTED:
            self.issues.append(
                Issue(
                    self.raw.source,
                    f"{message}: {idx.size - MAX_LISTED} more rows like this not listed",
                    column=column,
                    expected=expected("") if callable(expected) else expected,
                )
            )


def _show(value: object) -> str:
    """A cell as text for an Issue: missing values as ``""``."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value)


def show_cell(value: object) -> str:
    """A raw cell as the text shown in an :class:`Issue` (missing cells as ``""``)."""
    return _show(value)


def canonical_headers(spec: TableSpec, raw: RawTable) -> RawTable:
    """``raw`` with each header that names a column of ``spec`` but for case and spaces
    (``Zone``, ``cost per place`` is not one: ``cost_per_place``) renamed to the column's name,
    unless that column is there already."""
    labels = [str(label) for label in raw.frame.columns]
    taken = set(labels)
    renamed = []
    for label in labels:
        name = label if label in spec.names else canonical(label, spec.names)
        if name is not None and name != label and name not in taken:
            taken.add(name)
            label = name
        renamed.append(label)
    if renamed == labels:
        return raw
    return replace(raw, frame=raw.frame.set_axis(renamed, axis=1))


def parse_table(spec: TableSpec, raw: RawTable) -> tuple[pd.DataFrame, list[Issue]]:
    """Type every column of ``raw`` by ``spec``; return the typed frame and the problems found.

    Headers are matched ignoring case and spaces (:func:`canonical_headers`). Cells that fail
    are set to missing in the typed frame; the caller refuses to build an instance while any
    error is listed. Duplicate keys are reported here too.
    """
    raw = canonical_headers(spec, raw)
    rep = _Reporter(raw)
    rep.issues += raw.issues
    frame = raw.frame
    known = set(spec.names)
    seen: set[str] = set()
    for label in frame.columns:
        name = str(label)
        if name in seen:
            rep.issues.append(
                Issue(raw.source, "column appears more than once (the first is used)",
                      row=raw.header_row, column=name, expected="each column once")
            )
        elif name not in known:
            shown = name if name.strip() else "(blank header)"
            rep.issues.append(
                Issue(raw.source, "unknown column", row=raw.header_row, column=shown,
                      expected=unknown_expected(name, spec.names, "a column of this table"))
            )
        seen.add(name)
    out: dict[str, pd.Series] = {}
    for col in spec.columns:
        values = raw.column(col.name)
        if values is None:
            if col.required:
                rep.issues.append(
                    Issue(raw.source, "required column is missing", row=raw.header_row,
                          column=col.name, expected=col.description)
                )
            out[col.name] = _empty(col, len(frame))
            continue
        out[col.name] = _parse_column(col, values, rep)
    typed = pd.DataFrame(out, index=pd.RangeIndex(len(frame)))
    present_key = [k for k in spec.key if k in seen]
    # Without a required key column, rows would look alike: that column is reported instead.
    key_complete = all(k in seen or not spec.column(k).required for k in spec.key)
    if present_key and key_complete and len(typed):
        dup = typed.duplicated(subset=present_key, keep="first").to_numpy()
        # Rows whose required key cells failed are reported already; they are not duplicates.
        for k in present_key:
            if spec.column(k).required:
                dup &= typed[k].notna().to_numpy()
        rep.flag(dup, present_key[0], f"duplicate row for {' + '.join(present_key)}",
                 "each combination once")
    return typed, rep.issues


def _empty(col: Column, n: int) -> pd.Series:
    if col.kind == "float":
        return pd.Series(np.full(n, np.nan), dtype="float64")
    if col.kind == "int":
        return pd.Series(pd.array([pd.NA] * n, dtype="Int64"))
    if col.kind == "bool":
        return pd.Series(pd.array([pd.NA] * n, dtype="boolean"))
    return pd.Series([None] * n, dtype="object")


def _parse_column(col: Column, values: pd.Series, rep: _Reporter) -> pd.Series:
    cells = _text(values)
    blank = _blank_text(cells)
    if col.required:
        rep.flag(blank, col.name, "required value is blank", col.expected())
    if col.kind in ("float", "int"):
        return _parse_number(col, cells, blank, rep)
    cells[blank] = None
    if col.kind == "bool":
        parsed = [None if c is None else _BOOLS.get(c.lower()) for c in cells.tolist()]
        rep.flag(~blank & np.array([b is None for b in parsed], dtype=bool), col.name,
                 "not true/false", col.expected())
        return pd.Series(pd.array(parsed, dtype="boolean"))
    if col.kind == "list":
        return pd.Series([None if c is None else _clean_list(c) for c in cells.tolist()],
                         dtype="object")
    control = np.array([c is not None and CONTROL_CHARACTERS.search(c) is not None
                        for c in cells.tolist()], dtype=bool)
    if control.any():
        rep.flag(control, col.name, "text with a control character (no workbook can hold it, "
                 "and it hides in a spreadsheet)", "text without control characters")
        cells[control] = None
    if col.choices:
        return _parse_choice(col, cells, rep)
    return pd.Series(cells, dtype="object")


def _parse_choice(col: Column, cells: np.ndarray, rep: _Reporter) -> pd.Series:
    """A column of fixed values: each matched ignoring case and spaces and written in its
    canonical spelling (``" Special"`` → ``special``); the others flagged with the nearest."""
    choices = col.choices or ()
    spelt = {c: canonical(c, choices) for c in set(cells.tolist()) if c is not None}
    out = np.array([None if c is None else spelt[c] for c in cells.tolist()], dtype=object)
    bad = np.array([c is not None and o is None for c, o in zip(cells.tolist(), out.tolist(),
                                                                 strict=True)], dtype=bool)
    rep.flag(bad, col.name, "value not allowed",
             lambda cell: unknown_expected(cell.strip(), choices) if cell else col.expected())
    return pd.Series(out, dtype="object")


#: Characters XML (so a workbook) cannot hold: C0 controls but tab, line feed, carriage return.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_BOOLS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


def _clean_list(cell: str) -> str | None:
    """``" ASD; ;SLD "`` → ``"ASD;SLD"`` (``None`` when no value is left)."""
    return LIST_SEPARATOR.join(
        part.strip() for part in cell.split(LIST_SEPARATOR) if part.strip()) or None


def _number_expected(col: Column, cell: str) -> str:
    """What a number cell should hold, with why ``cell`` is not one where that is known."""
    hint = number_hint(cell) if cell else ""
    return f"{col.expected()}; {hint}" if hint else col.expected()


def _parse_number(col: Column, text: np.ndarray, blank: np.ndarray,
                  rep: _Reporter) -> pd.Series:
    """Numbers from stripped ``text`` (:func:`parse_numbers`); the cells that fail are flagged
    and left missing."""
    numbers = parse_numbers(text)
    bad = ~blank & (np.isnan(numbers) | np.isinf(numbers))
    rep.flag(bad, col.name, "not a number", lambda cell: _number_expected(col, cell))
    numbers[bad] = np.nan
    ok = ~np.isnan(numbers)
    if col.kind == "int":
        frac = ok & (numbers != np.round(numbers))
        rep.flag(frac, col.name, "not a whole number", col.expected())
        numbers[frac] = np.nan
        ok &= ~frac
    out_of_range = np.zeros(len(numbers), dtype=bool)
    if col.low is not None:
        below = numbers <= col.low if col.low_open else numbers < col.low
        out_of_range |= ok & below
    if col.high is not None:
        out_of_range |= ok & (numbers > col.high)
    rep.flag(out_of_range, col.name, "out of range", col.expected())
    numbers[out_of_range] = np.nan
    if col.kind == "int":
        return pd.Series(numbers, dtype="float64").astype("Int64")  # NaN becomes <NA>
    return pd.Series(numbers, dtype="float64")
