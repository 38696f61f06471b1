"""The instance contract: every table's columns, their types, ranges and defaults.

Parsing raw cells against it is :mod:`placement_opt.schema.parse`; cross-table rules
(references, coverage) live in :mod:`placement_opt.schema.validation`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

__all__ = [
    "CHANGE_ACTIONS",
    "KINDS",
    "LIST_SEPARATOR",
    "MAX_LISTED",
    "TABLES",
    "Column",
    "TableSpec",
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
#: Sanity limits (a located error, not a crash or an overflow, for a mistyped figure): pupils
#: or places in one row at most a million; a journey at most a week; GBP at most a trillion.
_COUNT: dict[str, Any] = {"low": 0, "high": 1e6}
_MINUTES: dict[str, Any] = {"low": 0, "high": 10_080.0}
_KM: dict[str, Any] = {"low": 0, "high": 20_000.0}
_GBP: dict[str, Any] = {"low": 0, "high": 1e12}

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
                Column("district", "str",
                       "District the zone belongs to, for local rules and reports "
                       "(blank: the zone is its own district; models/allocation.md).",
                       required=False, example="Thanet"),
                Column("cluster", "str", "Locality cluster.", required=False, example="East Kent"),
                Column("area", "str", "Wider area.", required=False, example="East"),
                Column(
                    "min_local_share", "float",
                    "Share of the district's demand to place in the district (overrides policy; "
                    "the same for every zone of a district).",
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
                    required=False, **_COUNT, example="120",
                ),
                Column("cost_per_place", "float", "GBP per pupil per year.", **_GBP,
                       example="24252"),
                Column("candidate", "bool", "A site the model may open (e.g. a new SRP); its "
                       "capacity is then the most places it can have.", required=False,
                       example="false"),
                Column("opening_cost", "float", "Candidates: one-off GBP cost of opening.",
                       required=False, **_GBP, example="250000"),
                Column("capital_per_place", "float", "Candidates: one-off GBP per place built.",
                       required=False, **_GBP, example="40000"),
                Column("min_places", "float", "Candidates: fewest places if opened.",
                       required=False, **_COUNT, example="14"),
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
                Column("places", "float", "Places.", **_COUNT, example="120"),
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
                Column("pupils", "float", "Pupils (may be fractional).", **_COUNT, example="12"),
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
                Column("minutes", "float", "One-way journey minutes.", **_MINUTES, example="25"),
                Column("km", "float", "One-way journey km.", **_KM, example="14.2"),
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
                Column("pupils", "float", "Pupils in the first year of the horizon.", **_COUNT,
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
                Column("increment", "float", "Places per increment.", **_COUNT, low_open=True,
                       example="8"),
                Column("capital_cost", "float", "One-off GBP per increment.", **_GBP,
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
                       required=False, **_GBP, example="50000"),
                Column("saving_per_year", "float", "GBP saved each year in effect (per place "
                       "removed for reduce).", required=False, **_GBP, example="120000"),
                Column("places", "float", "reduce: most places that can be removed.",
                       required=False, **_COUNT, example="8"),
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
                       required=False, **_GBP, example="342700000"),
                Column("capital", "float", "GBP of capital that can start that year.",
                       required=False, **_GBP, example="20000000"),
            ),
            key=("year",),
            required=False,
        ),
        TableSpec(
            "high_needs",
            "The high-needs account's lines outside the model, by financial year (April to "
            "March): DSG high-needs block income, Safety Valve contributions, and spend the model "
            "does not place (post-16 and FE, outreach, central costs).",
            (
                Column("financial_year", "int", "Financial year by its first year (2025: April "
                       "2025 to March 2026).", **_YEAR, example="2025"),
                Column("line", "str", "Line id, e.g. hnb_allocation, safety_valve_dfe, post16.",
                       example="hnb_allocation"),
                Column("kind", "str", "income or spend.", choices=("income", "spend"),
                       example="income"),
                Column("amount_gbp", "float", "GBP in the financial year.", **_GBP,
                       example="310000000"),
                Column("estimate", "bool", "True when the figure is an estimate (its method in "
                       "source).", required=False, example="false"),
                Column("source", "str", "Where the figure comes from, or how it was estimated.",
                       required=False),
            ),
            key=("financial_year", "line"),
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
                Column("place_funding", "float", "GBP place funding per pupil per year.", **_GBP,
                       example="10000"),
                Column("top_up", "float", "GBP top-up per pupil per year.", **_GBP,
                       example="14252"),
            ),
            key=("level", "kind", "need", "effective_year"),
            required=False,
        ),
    )
}
