"""The instance tables: their columns, and vectorised parsing of raw cells into typed frames.

Every reader (CSV folder, workbook, JSON) produces :class:`RawTable` objects of untyped cells;
:func:`parse_table` turns one into a typed frame and a list of located :class:`Issue` records.
Cross-table rules (references, coverage) live in :mod:`placement_opt.schema.validation`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

import numpy as np
import pandas as pd

from placement_opt.errors import Issue

__all__ = [
    "CHANGE_ACTIONS",
    "KINDS",
    "LIST_SEPARATOR",
    "TABLES",
    "Column",
    "RawTable",
    "TableSpec",
    "parse_table",
]

#: Provision kinds the model knows.
KINDS: tuple[str, ...] = ("special", "srp", "independent", "mainstream", "ap")
#: What a ``changes`` row may do to a provision.
CHANGE_ACTIONS: tuple[str, ...] = ("close", "reduce", "redesignate")
#: Separator of several values inside one cell (``ASD;SLCN``).
LIST_SEPARATOR = ";"
#: At most this many findings are listed per column and rule; the rest are counted.
MAX_LISTED = 20

ColumnKind = Literal["str", "int", "float", "list", "bool"]


@dataclass(frozen=True)
class Column:
    """One column: its type, whether it must be present and filled, and its allowed values."""

    name: str
    kind: ColumnKind
    description: str
    required: bool = True
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    choices: tuple[str, ...] | None = None
    ref: str | None = None
    example: str = ""

    def expected(self) -> str:
        """Human wording of what a cell of this column may hold."""
        return _expected(self)


@cache
def _expected(col: Column) -> str:
    """:meth:`Column.expected` (cached: it is asked for on every check)."""
    base = {
        "str": "a text",
        "int": "a whole number",
        "float": "a number",
        "list": f"one or more values separated by '{LIST_SEPARATOR}'",
        "bool": "true or false",
    }[col.kind]
    if col.choices:
        base = "one of " + ", ".join(col.choices)
    if col.low is not None or col.high is not None:
        lo = "" if col.low is None else (f"> {col.low:g}" if col.low_open else f">= {col.low:g}")
        hi = "" if col.high is None else f"<= {col.high:g}"
        base += " " + " and ".join(p for p in (lo, hi) if p)
    if col.ref:
        base += f" naming a row of the {col.ref} table"
    return base


@dataclass(frozen=True)
class TableSpec:
    """A table of the instance: its columns and the columns that identify a row."""

    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    required: bool = True

    def column(self, name: str) -> Column:
        """The column called ``name``."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        """Column names in their canonical order."""
        return [c.name for c in self.columns]


_LAT: dict[str, Any] = {"low": 49.8, "high": 60.9}
_LON: dict[str, Any] = {"low": -8.7, "high": 1.8}
_YEAR: dict[str, Any] = {"low": 2000, "high": 2100}

TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        TableSpec(
            "needs",
            "Primary-need codes (DfE SEN2 codes by default).",
            (
                Column("need", "str", "Need code, e.g. ASD.", example="ASD"),
                Column("name", "str", "Description.", required=False,
                       example="Autistic spectrum disorder"),
            ),
            key=("need",),
            required=False,
        ),
        TableSpec(
            "phases",
            "Phases of education with their age range [min_age, max_age).",
            (
                Column("phase", "str", "Phase code.", example="primary"),
                Column("name", "str", "Description.", required=False, example="Primary"),
                Column("min_age", "int", "Youngest age in the phase.", low=0, high=30, example="4"),
                Column("max_age", "int", "First age past the phase.", low=1, high=30, example="11"),
            ),
            key=("phase",),
            required=False,
        ),
        TableSpec(
            "zones",
            "Zones where demand arises (districts or smaller areas), with centroids.",
            (
                Column("zone", "str", "Zone id.", example="Thanet"),
                Column("name", "str", "Display name.", required=False, example="Thanet"),
                Column("lat", "float", "Latitude of the centroid (WGS84).", **_LAT,
                       example="51.36"),
                Column("lon", "float", "Longitude of the centroid (WGS84).", **_LON,
                       example="1.38"),
                Column("cluster", "str", "Locality cluster.", required=False, example="East Kent"),
                Column("area", "str", "Wider area.", required=False, example="East"),
                Column(
                    "min_local_share", "float",
                    "Share of demand to place in the zone (overrides policy).",
                    required=False, low=0, high=1, example="0.6",
                ),
            ),
            key=("zone",),
        ),
        TableSpec(
            "provisions",
            "Special schools, SRPs, independent schools and mainstream support.",
            (
                Column("provision", "str", "Provision id.", example="P1"),
                Column("name", "str", "Name.", required=False, example="Foreland Fields School"),
                Column("kind", "str", "Kind of provision.", choices=KINDS, example="special"),
                Column("zone", "str", "Zone it stands in.", ref="zones", example="Thanet"),
                Column("lat", "float", "Latitude (blank: zone centroid).", required=False, **_LAT),
                Column("lon", "float", "Longitude (blank: zone centroid).", required=False, **_LON),
                Column(
                    "phases", "list", "Phases served (or give min_age/max_age).",
                    required=False, ref="phases", example="primary;secondary",
                ),
                Column("min_age", "int", "Youngest age admitted.", required=False, low=0, high=30),
                Column("max_age", "int", "First age not admitted.", required=False, low=1, high=30),
                Column("needs", "list", "Designated needs.", ref="needs", example="ASD;SLCN"),
                Column(
                    "capacity", "float", "Places every year (capacity table rows override).",
                    required=False, low=0, example="120",
                ),
                Column("cost_per_place", "float", "GBP per pupil per year.", low=0,
                       example="24252"),
                Column("candidate", "bool", "A site the model may open (e.g. a new SRP); its "
                       "capacity is then the most places it can have.", required=False,
                       example="false"),
                Column("opening_cost", "float", "Candidates: one-off GBP cost of opening.",
                       required=False, low=0, example="250000"),
                Column("capital_per_place", "float", "Candidates: one-off GBP per place built.",
                       required=False, low=0, example="40000"),
                Column("min_places", "float", "Candidates: fewest places if opened.",
                       required=False, low=0, example="14"),
                Column("earliest_year", "int", "Candidates: first year it can open.",
                       required=False, low=2000, high=2100, example="2027"),
                Column("cluster", "str", "Locality cluster (blank: its zone's).",
                       required=False, example="Thanet North"),
            ),
            key=("provision",),
        ),
        TableSpec(
            "capacity",
            "Places by provision and year; a row with a need caps that need alone.",
            (
                Column("provision", "str", "Provision id.", ref="provisions", example="P1"),
                Column("year", "int", "Academic year (starting September of).", **_YEAR,
                       example="2026"),
                Column("need", "str", "Need capped (blank: total places).", required=False,
                       ref="needs"),
                Column("places", "float", "Places.", low=0, example="120"),
            ),
            key=("provision", "year", "need"),
            required=False,
        ),
        TableSpec(
            "demand",
            "Pupils needing a place, by zone, need, phase and year.",
            (
                Column("zone", "str", "Zone of residence.", ref="zones", example="Thanet"),
                Column("need", "str", "Primary need.", ref="needs", example="ASD"),
                Column("phase", "str", "Phase.", ref="phases", example="primary"),
                Column("year", "int", "Academic year.", **_YEAR, example="2026"),
                Column("pupils", "float", "Pupils (may be fractional).", low=0, example="12"),
                Column("level", "str", "Level of need (blank without a levels table).",
                       required=False, ref="levels", example="L2"),
            ),
            key=("zone", "need", "phase", "level", "year"),
        ),
        TableSpec(
            "journeys",
            "Journey from zone centroid to provision; missing pairs are computed from coordinates.",
            (
                Column("zone", "str", "Zone id.", ref="zones", example="Thanet"),
                Column("provision", "str", "Provision id.", ref="provisions", example="P1"),
                Column("minutes", "float", "One-way journey minutes.", low=0, example="25"),
                Column("km", "float", "One-way journey km.", low=0, example="14.2"),
            ),
            key=("zone", "provision"),
            required=False,
        ),
        TableSpec(
            "existing",
            "Pupils already placed at the start of the horizon (with continuity on, they stay "
            "until they leave their phase and are never moved).",
            (
                Column("provision", "str", "Where they are placed.", ref="provisions",
                       example="P1"),
                Column("zone", "str", "Where they live.", ref="zones", example="Thanet"),
                Column("need", "str", "Primary need.", ref="needs", example="ASD"),
                Column("phase", "str", "Phase.", ref="phases", example="primary"),
                Column("pupils", "float", "Pupils in the first year of the horizon.", low=0,
                       example="40"),
                Column("level", "str", "Level of need (blank without a levels table).",
                       required=False, ref="levels", example="L2"),
            ),
            key=("provision", "zone", "need", "phase", "level"),
            required=False,
        ),
        TableSpec(
            "expansions",
            "Places that can be added to an existing provision in modular increments.",
            (
                Column("provision", "str", "Provision to expand.", ref="provisions", example="P1"),
                Column("increment", "float", "Places per increment.", low=0, low_open=True,
                       example="8"),
                Column("capital_cost", "float", "One-off GBP per increment.", low=0,
                       example="400000"),
                Column("max_increments", "int", "Most increments over the horizon (default 1).",
                       required=False, low=0, high=1000, example="2"),
                Column("earliest_year", "int", "First year building can start.", required=False,
                       **_YEAR, example="2026"),
                Column("lead_time", "int", "Years from start of building to places in use "
                       "(default 0).", required=False, low=0, high=20, example="1"),
            ),
            key=("provision",),
            required=False,
        ),
        TableSpec(
            "changes",
            "Options the model may take to close, reduce or redesignate an existing provision "
            "(decided once, in effect from the chosen year on).",
            (
                Column("provision", "str", "Provision changed.", ref="provisions", example="SRP7"),
                Column("action", "str", "close: no new admissions from the year (pupils in "
                       "place stay until they leave their phase); reduce: remove up to `places` "
                       "places; redesignate: designated needs become `needs`.",
                       choices=CHANGE_ACTIONS, example="close"),
                Column("earliest_year", "int", "First year it can take effect.", required=False,
                       **_YEAR, example="2027"),
                Column("one_off_cost", "float", "One-off GBP (per place removed for reduce).",
                       required=False, low=0, example="50000"),
                Column("saving_per_year", "float", "GBP saved each year in effect (per place "
                       "removed for reduce).", required=False, low=0, example="120000"),
                Column("places", "float", "reduce: most places that can be removed.",
                       required=False, low=0, example="8"),
                Column("needs", "list", "redesignate: the new designated needs.", required=False,
                       ref="needs", example="SEMH"),
            ),
            key=("provision", "action"),
            required=False,
        ),
        TableSpec(
            "budgets",
            "High-needs revenue budget and capital budget by year (either may be blank).",
            (
                Column("year", "int", "Academic year.", **_YEAR, example="2026"),
                Column("revenue", "float", "GBP for placements and transport that year.",
                       required=False, low=0, example="342700000"),
                Column("capital", "float", "GBP of capital that can start that year.",
                       required=False, low=0, example="20000000"),
            ),
            key=("year",),
            required=False,
        ),
        TableSpec(
            "benchmarks",
            "Published comparators for the sufficiency report (county, region, England).",
            (
                Column("indicator", "str", "Indicator, e.g. share_special_of_all_plans.",
                       example="share_special_of_all_plans"),
                Column("geography", "str", "Where the figure is for.", example="England"),
                Column("year", "int", "Year (January census of).", **_YEAR, example="2025"),
                Column("value", "float", "The figure (shares as fractions).", example="0.30"),
                Column("unit", "str", "share, pupils, GBP ...", required=False, example="share"),
                Column("source", "str", "Where it was published.", required=False),
            ),
            key=("indicator", "geography", "year"),
            required=False,
        ),
        TableSpec(
            "levels",
            "Levels of need on the continuum, in order, and the provision kinds that may serve "
            "each (models/continuum.md). Without it, demand has one level served by every kind.",
            (
                Column("level", "str", "Level id.", example="L3"),
                Column("name", "str", "Description.", required=False,
                       example="Needs a special school place"),
                Column("order", "int", "Position on the continuum (lowest need first).", low=0,
                       high=1000, example="3"),
                Column("kinds", "list", "Provision kinds that may serve the level.",
                       example="special;independent"),
            ),
            key=("level",),
            required=False,
        ),
        TableSpec(
            "tariffs",
            "GBP per pupil per year by level x provision kind (optionally by need), from an "
            "effective year: the placement cost where a line matches (models/continuum.md). "
            "Independent placements keep their own cost_per_place.",
            (
                Column("level", "str", "Level (blank: every level).", required=False,
                       ref="levels", example="L3"),
                Column("kind", "str", "Provision kind.", choices=KINDS, example="special"),
                Column("need", "str", "Need (blank: every need).", required=False, ref="needs",
                       example="ASD"),
                Column("effective_year", "int", "First year the line applies (blank: from the "
                       "start).", required=False, **_YEAR, example="2026"),
                Column("place_funding", "float", "GBP place funding per pupil per year.", low=0,
                       example="10000"),
                Column("top_up", "float", "GBP top-up per pupil per year.", low=0,
                       example="14252"),
            ),
            key=("level", "kind", "need", "effective_year"),
            required=False,
        ),
    )
}


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

    def flag(self, mask: np.ndarray, column: str, message: str, expected: str | None) -> None:
        idx = np.flatnonzero(mask)
        if idx.size == 0:
            return
        values = self.raw.column(column)
        for i in idx[:MAX_LISTED]:
            shown = None if values is None else _show(values.iloc[i])
            self.issues.append(
                Issue(self.raw.source, message, int(self.raw.rows[i]), column, shown, expected)
            )
        if idx.size > MAX_LISTED:
            self.issues.append(
                Issue(
                    self.raw.source,
                    f"{message}: {idx.size - MAX_LISTED} more rows like this not listed",
                    column=column,
                    expected=expected,
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


def parse_table(spec: TableSpec, raw: RawTable) -> tuple[pd.DataFrame, list[Issue]]:
    """Type every column of ``raw`` by ``spec``; return the typed frame and the problems found.

    Cells that fail are set to missing in the typed frame; the caller refuses to build an
    instance while any error is listed. Duplicate keys are reported here too.
    """
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
                      expected="one of " + ", ".join(spec.names))
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
    if col.choices:
        allowed = set(col.choices)
        bad = np.array([c is not None and c not in allowed for c in cells.tolist()], dtype=bool)
        rep.flag(bad, col.name, "value not allowed", col.expected())
        cells[bad] = None
    return pd.Series(cells, dtype="object")


_BOOLS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


def _clean_list(cell: str) -> str | None:
    """``" ASD; ;SLD "`` → ``"ASD;SLD"`` (``None`` when no value is left)."""
    return LIST_SEPARATOR.join(
        part.strip() for part in cell.split(LIST_SEPARATOR) if part.strip()) or None


#: A number with thousands separators: ``1,234`` or ``-12,345.5`` (but not ``1,5``).
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")


def _parse_number(col: Column, text: np.ndarray, blank: np.ndarray,
                  rep: _Reporter) -> pd.Series:
    """Numbers from stripped ``text``; the cells that fail are flagged and left missing."""
    text = np.array([t.replace(",", "") if t and "," in t and _THOUSANDS.match(t) else t
                     for t in text.tolist()], dtype=object)
    numbers = np.array(pd.to_numeric(text, errors="coerce"), dtype="float64")
    bad = ~blank & (np.isnan(numbers) | np.isinf(numbers))
    rep.flag(bad, col.name, "not a number", col.expected())
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
