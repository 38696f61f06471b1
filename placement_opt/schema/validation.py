"""Whole-instance validation: parse every table, then check the rules that span tables.

All problems are collected before anything is raised, each located by file/sheet, row,
column and value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from placement_opt.errors import Issue, Severity
from placement_opt.schema.defaults import default_needs, default_phases
from placement_opt.schema.names import unknown_expected
from placement_opt.schema.parse import RawTable, canonical_headers, parse_table
from placement_opt.schema.settings import Settings, settings_issues
from placement_opt.schema.tables import KINDS, LIST_SEPARATOR, TABLES
from placement_opt.schema.validation_finance import finance_issues
from placement_opt.schema.validation_names import (
    check_references,
    flag_rows,
    normalise_kinds,
    respell_policy,
    unknown_parts,
)
from placement_opt.schema.validation_years import check_horizon
from placement_opt.schema.validation_zones import check_zone_districts

__all__ = ["ValidatedTables", "validate_raw"]


@dataclass(frozen=True)
class ValidatedTables:
    """Typed tables and settings that passed every rule, plus non-fatal warnings."""

    settings: Settings
    tables: dict[str, pd.DataFrame]
    warnings: tuple[Issue, ...]


Locator = Callable[[str], str]


def validate_raw(
    raw_tables: Mapping[str, RawTable],
    raw_settings: Mapping[str, Any],
    settings_source: str,
    locate: Locator,
) -> tuple[ValidatedTables | None, list[Issue]]:
    """Check everything; return the typed tables or ``None`` with all issues found.

    ``locate(table)`` names where a missing table was expected (a file or a sheet).
    """
    issues: list[Issue] = []
    settings, found = settings_issues(dict(raw_settings), settings_source)
    issues += found
    for name in raw_tables:
        if name not in TABLES:
            issues.append(Issue(raw_tables[name].source, f"unknown table {name!r}",
                                severity=Severity.WARNING,
                                expected=unknown_expected(name, TABLES, "a table")))
    typed: dict[str, pd.DataFrame] = {}
    sources: dict[str, RawTable] = {}
    for name, spec in TABLES.items():
        raw = raw_tables.get(name)
        if raw is None:
            if spec.required:
                issues.append(Issue(locate(name), f"the {name} table is missing",
                                    expected=spec.description))
            typed[name] = _default_table(name)
            continue
        raw = canonical_headers(spec, raw)
        frame, found = parse_table(spec, raw)
        issues += found
        typed[name] = frame
        sources[name] = raw
    issues += check_references(typed, sources)
    normalise_kinds(typed)
    issues += check_horizon(typed["demand"], sources.get("demand"))
    issues += _check_phases(typed, sources)
    issues += check_zone_districts(typed, sources)
    issues += _check_provisions(typed, sources)
    issues += _check_candidates(typed, sources)
    issues += _check_expansions(typed, sources)
    issues += _check_levels(typed, sources)
    issues += _check_changes(typed, sources)
    issues += _check_capacity(typed, sources, locate)
    if settings is not None:
        settings = respell_policy(settings, set(typed["phases"]["phase"].dropna()))
        issues += _check_policy(settings, typed, settings_source)
        hn = sources.get("high_needs")
        # A high_needs line outside the horizon is a warning here (an instance cut to fewer
        # years keeps its lines); `validate`, `solve` and the account refuse it (check_account).
        issues += finance_issues(
            typed["high_needs"], settings.finance,
            sorted(int(y) for y in typed["demand"]["year"].dropna().unique()),
            hn.source if hn is not None else locate("high_needs"), settings_source,
            hn.rows if hn is not None else None, outside_severity=Severity.WARNING)
    if "demand" in sources and len(typed["demand"]) == 0:
        issues.append(Issue(sources["demand"].source, "the demand table has no rows",
                            expected="at least one row of zone, need, phase, year, pupils"))
    errors = [i for i in issues if i.severity is Severity.ERROR]
    if errors or settings is None:
        return None, issues
    warnings = tuple(i for i in issues if i.severity is Severity.WARNING)
    return ValidatedTables(settings, typed, warnings), issues


def _default_table(name: str) -> pd.DataFrame:
    return _cached_default_table(name).copy()


@cache
def _cached_default_table(name: str) -> pd.DataFrame:
    """The default ``name`` table: the default needs or phases, otherwise empty (cached: callers
    get a copy)."""
    if name == "needs":
        return default_needs()
    if name == "phases":
        return default_phases()
    spec = TABLES[name]
    empty = RawTable.from_frame(name, "", pd.DataFrame({c: [] for c in spec.names}))
    frame, _ = parse_table(spec, empty)
    return frame


def _check_phases(typed: dict[str, pd.DataFrame], sources: dict[str, RawTable]) -> list[Issue]:
    raw = sources.get("phases")
    if raw is None:
        return []
    frame = typed["phases"]
    bad = (frame["min_age"] >= frame["max_age"]).fillna(False).to_numpy(dtype=bool)
    return flag_rows(raw, bad, "max_age", "max_age must be above min_age", "max_age > min_age")


def _check_provisions(typed: dict[str, pd.DataFrame], sources: dict[str, RawTable]) -> list[Issue]:
    raw = sources.get("provisions")
    if raw is None:
        return []
    prov = typed["provisions"]
    issues: list[Issue] = []
    # Judged on the raw cells, so a cell that failed to parse is not reported a second time.
    no_phase = raw.blank("phases") & (raw.blank("min_age") | raw.blank("max_age"))
    issues += flag_rows(raw, no_phase, "phases", "no phases and no age range",
                         "phases (e.g. primary;secondary) or both min_age and max_age")
    ages = (prov["min_age"] >= prov["max_age"]).fillna(False).to_numpy(dtype=bool)
    issues += flag_rows(raw, ages, "max_age", "max_age must be above min_age", "max_age > min_age")
    lat_blank, lon_blank = raw.blank("lat"), raw.blank("lon")
    issues += flag_rows(raw, ~lat_blank & lon_blank, "lon", "give both lat and lon, or neither",
                         "both or neither")
    issues += flag_rows(raw, lat_blank & ~lon_blank, "lat", "give both lat and lon, or neither",
                         "both or neither")
    missing = lat_blank & lon_blank
    issues += flag_rows(raw, missing, "lat", "no coordinates: the zone centroid is used",
                         "lat and lon", Severity.WARNING)
    return issues


def _check_capacity(typed: dict[str, pd.DataFrame], sources: dict[str, RawTable],
                    locate: Locator) -> list[Issue]:
    prov, cap, demand = typed["provisions"], typed["capacity"], typed["demand"]
    issues: list[Issue] = []
    cap_raw = sources.get("capacity")
    if cap_raw is not None and len(cap):
        designated = dict(zip(prov["provision"], prov["needs"], strict=True))
        bad = np.array([
            isinstance(n, str) and isinstance(designated.get(p), str)
            and n not in str(designated[p]).split(LIST_SEPARATOR)
            for p, n in zip(cap["provision"], cap["need"], strict=True)
        ], dtype=bool)
        issues += flag_rows(cap_raw, bad, "need", "need is not designated at this provision",
                             "a need listed in the provision's needs column")
    prov_raw = sources.get("provisions")
    if prov_raw is None:
        return issues
    years = sorted(int(y) for y in demand["year"].dropna().unique())
    totals = cap[cap["need"].isna()]
    covered = set(zip(totals["provision"], totals["year"].astype("float"), strict=True))
    # A capacity cell that failed to parse is reported already; only blank cells need rows.
    no_default = prov_raw.blank("capacity")
    for i, pid in enumerate(prov["provision"]):
        if not no_default[i] or pid is None:
            continue
        gaps = [y for y in years if (pid, float(y)) not in covered]
        if gaps:
            shown = ", ".join(str(y) for y in gaps[:6]) + (" ..." if len(gaps) > 6 else "")
            issues.append(Issue(prov_raw.source, f"no capacity for {pid} in {shown}",
                                int(prov_raw.rows[i]), "capacity", "",
                                f"a capacity here or rows in {locate('capacity')}"))
    return issues


def _check_policy(settings: Settings, typed: dict[str, pd.DataFrame], source: str) -> list[Issue]:
    phases = list(typed["phases"]["phase"].dropna())
    what = "a phase from the phases table"
    issues = [
        Issue(source, "phase whose leavers move on is not in the phases table",
              column="policy.transfer_from_phases", value=p,
              expected=unknown_expected(p, phases, what))
        for p in settings.policy.transfer_phases()
        if settings.policy.pathway_flows and p not in phases
    ]
    if "max_journey_min" not in settings.policy.model_fields_set:
        return issues
    return issues + [
        Issue(source, "journey limit for a phase the instance does not have (ignored)",
              column=f"policy.max_journey_min.{p}", value=p, severity=Severity.WARNING,
              expected=unknown_expected(p, phases, what))
        for p in settings.policy.max_journey_min
        if p not in phases
    ]


def _check_candidates(typed: dict[str, pd.DataFrame], sources: dict[str, RawTable]) -> list[Issue]:
    """Candidate-site columns: only meaningful on candidates; a minimum size within capacity."""
    raw = sources.get("provisions")
    if raw is None:
        return []
    prov = typed["provisions"]
    candidate = prov["candidate"].fillna(False).to_numpy(dtype=bool)
    issues: list[Issue] = []
    for col in ("opening_cost", "capital_per_place", "min_places", "earliest_year"):
        stray = ~candidate & prov[col].notna().to_numpy()
        issues += flag_rows(raw, stray, col, "ignored: the provision is not a candidate",
                             "blank, or candidate = true", Severity.WARNING)
    too_big = (candidate & (prov["min_places"] > prov["capacity"]).fillna(False).to_numpy(dtype=bool))
    issues += flag_rows(raw, too_big, "min_places", "min_places above the capacity",
                         "min_places <= capacity")
    return issues


def _check_expansions(typed: dict[str, pd.DataFrame], sources: dict[str, RawTable]) -> list[Issue]:
    """An expansion needs an existing provision: a candidate's size is decided by its own columns."""
    raw = sources.get("expansions")
    if raw is None:
        return []
    prov = typed["provisions"]
    candidates = set(prov.loc[prov["candidate"].fillna(False).astype(bool), "provision"])
    bad = typed["expansions"]["provision"].isin(candidates).to_numpy()
    return flag_rows(raw, bad, "provision", "a candidate site cannot also have an expansion",
                      "an existing provision (size a candidate with min_places and capacity)")


def _check_changes(typed: dict[str, pd.DataFrame], sources: dict[str, RawTable]) -> list[Issue]:
    """Closure, reduction and redesignation options: on existing provisions, with what each
    action needs (places to reduce, needs to redesignate to)."""
    raw = sources.get("changes")
    if raw is None:
        return []
    ch = typed["changes"]
    prov = typed["provisions"]
    candidates = set(prov.loc[prov["candidate"].fillna(False).astype(bool), "provision"])
    action = ch["action"].to_numpy(dtype=object)
    issues = flag_rows(raw, ch["provision"].isin(candidates).to_numpy(), "provision",
                        "a candidate site cannot have a closure/reduction option",
                        "an existing provision")
    issues += flag_rows(raw, (action == "reduce") & ch["places"].isna().to_numpy(), "places",
                         "reduce needs the most places that can be removed", "a number > 0")
    issues += flag_rows(raw, (action == "redesignate") & ch["needs"].isna().to_numpy(), "needs",
                         "redesignate needs the new designated needs", "one or more need codes")
    issues += flag_rows(raw, (action != "reduce") & ch["places"].notna().to_numpy(), "places",
                         "ignored: only a reduce option removes places", "blank",
                         Severity.WARNING)
    issues += flag_rows(raw, (action != "redesignate") & ch["needs"].notna().to_numpy(), "needs",
                         "ignored: only a redesignate option changes needs", "blank",
                         Severity.WARNING)
    return issues


def _check_levels(typed: dict[str, pd.DataFrame], sources: dict[str, RawTable]) -> list[Issue]:
    """The continuum (models/continuum.md): known kinds and distinct orders in ``levels``; a
    level on every demand and existing row once levels are declared; tariff lines that can
    apply."""
    issues: list[Issue] = []
    levels = typed["levels"]
    raw = sources.get("levels")
    if raw is not None:
        unknown = pd.Series([unknown_parts(cell, set(KINDS)) for cell in levels["kinds"]],
                            dtype="object")
        issues += flag_rows(raw, unknown.notna().to_numpy(), "kinds", "unknown provision kind",
                             "one or more of " + ", ".join(KINDS), values=unknown)
        dup = (levels["order"].duplicated(keep="first") & levels["order"].notna()).to_numpy()
        issues += flag_rows(raw, dup, "order", "two levels have the same order",
                             "a different order for each level")
    declared = len(levels) > 0
    for name in ("demand", "existing"):
        table_raw = sources.get(name)
        if declared and table_raw is not None:
            issues += flag_rows(table_raw, table_raw.blank("level"), "level",
                                 "level is blank but the instance has a levels table",
                                 "a level from the levels table")
    tariff_raw = sources.get("tariffs")
    if tariff_raw is None:
        return issues
    tariffs = typed["tariffs"]
    issues += flag_rows(tariff_raw, (tariffs["kind"] == "independent").to_numpy(), "kind",
                         "independent placements keep their own cost_per_place",
                         "special, srp, mainstream or ap")
    serves = {(str(lv), k) for lv, cell in zip(levels["level"], levels["kinds"], strict=True)
              for k in str(cell).split(LIST_SEPARATOR)}
    never = np.array([declared and isinstance(lv, str) and lv in set(levels["level"])
                      and (lv, kind) not in serves
                      for lv, kind in zip(tariffs["level"], tariffs["kind"], strict=True)],
                     dtype=bool)
    issues += flag_rows(tariff_raw, never, "kind",
                         "never used: the levels table does not let this kind serve the level",
                         "a kind listed for the level in the levels table", Severity.WARNING)
    return issues
