"""References between tables (a demand row's zone, a provision's needs): each must name a row
of its table. Need and phase codes, and provision kinds in a list, are matched ignoring case
and spaces and written in the spelling of their table; any other unknown name is an error that
suggests the closest valid ones (:mod:`placement_opt.schema.names`)."""

from __future__ import annotations

from collections.abc import Callable, Collection

import numpy as np
import pandas as pd

from placement_opt.errors import Issue, Severity
from placement_opt.schema.names import canonical, unknown_expected
from placement_opt.schema.parse import RawTable, show_cell
from placement_opt.schema.settings import Settings
from placement_opt.schema.tables import KINDS, LIST_SEPARATOR, MAX_LISTED, TABLES

__all__ = ["check_references", "flag_rows", "normalise_kinds", "respell_policy", "unknown_parts"]

#: Tables whose ids are codes from a short vocabulary, matched ignoring case and spaces.
_CODE_TABLES = frozenset({"needs", "phases"})


def flag_rows(raw: RawTable, mask: np.ndarray, column: str, message: str,
              expected: str | Callable[[str], str], severity: Severity = Severity.ERROR,
              values: pd.Series | None = None) -> list[Issue]:
    """An issue for each row of ``mask`` (at most MAX_LISTED, then a count); ``expected`` may
    be worded for the cell shown, ``values`` shown instead of the raw cells."""
    shown = raw.column(column) if values is None else values.reset_index(drop=True)
    out = []
    for i in np.flatnonzero(mask)[:MAX_LISTED]:
        value = None if shown is None else show_cell(shown.iloc[i])
        wanted = expected(value or "") if callable(expected) else expected
        out.append(Issue(raw.source, message, int(raw.rows[i]), column, value, wanted, severity))
    extra = int(mask.sum()) - MAX_LISTED
    if extra > 0:
        out.append(Issue(raw.source, f"{message}: {extra} more rows like this not listed",
                         column=column, expected=expected("") if callable(expected) else expected,
                         severity=severity))
    return out


def unknown_parts(cell: object, known: Collection[str]) -> str | None:
    """The ids of a list cell that are not in ``known`` (``None`` when there are none)."""
    if not isinstance(cell, str):
        return None
    return LIST_SEPARATOR.join(p for p in cell.split(LIST_SEPARATOR) if p not in known) or None


def _respell(values: pd.Series, known: Collection[str], is_list: bool) -> pd.Series:
    """``values`` with each id that matches one of ``known`` but for case and spaces written as
    in ``known`` (unknown ids are left as they are, to be reported)."""
    spelt: dict[str, str] = {}

    def one(part: str) -> str:
        if part not in spelt:
            spelt[part] = canonical(part, known) or part
        return spelt[part]

    def cell(value: object) -> object:
        if not isinstance(value, str):
            return value
        if not is_list:
            return one(value)
        return LIST_SEPARATOR.join(one(p) for p in value.split(LIST_SEPARATOR))

    if not values.map(lambda v: isinstance(v, str) and (
            any(p not in known for p in v.split(LIST_SEPARATOR)) if is_list
            else v not in known)).any():
        return values
    return values.map(cell).astype("object")


def _first_unknown(cell: str) -> str:
    return cell.split(LIST_SEPARATOR)[0] if cell else ""


def check_references(typed: dict[str, pd.DataFrame], sources: dict[str, RawTable]) -> list[Issue]:
    """Every reference names a row of its table; need and phase codes are respelt in place in
    ``typed`` first (``asd`` → ``ASD``)."""
    issues: list[Issue] = []
    for name, raw in sources.items():
        spec = TABLES[name]
        frame = typed[name]
        for col in spec.columns:
            if col.ref is None or raw.column(col.name) is None:
                continue
            target = TABLES[col.ref]
            known = set(typed[col.ref][target.key[0]].dropna())
            ordered = sorted(known, key=lambda v: (str(v).casefold(), str(v)))
            values = frame[col.name]
            if col.ref in _CODE_TABLES:
                values = _respell(values, known, col.kind == "list")
                frame[col.name] = values
            if col.kind == "list":
                # Show the unknown ids themselves, not the whole list.
                values = pd.Series([unknown_parts(cell, known) for cell in values],
                                   dtype="object")
                bad = values.notna().to_numpy()
            else:
                bad = (values.notna() & ~values.isin(known)).to_numpy()
            issues += flag_rows(raw, bad, col.name, f"unknown {col.ref[:-1]}",
                                _expect(ordered, f"an id from the {col.ref} table"),
                                values=values)
    return issues


def _expect(valid: list[str], what: str) -> Callable[[str], str]:
    """What a cell naming unknown ids expects: the ids closest to its first unknown one."""
    def expected(cell: str) -> str:
        if not cell or not valid:
            return what
        return unknown_expected(_first_unknown(cell), valid, what)
    return expected


def normalise_kinds(typed: dict[str, pd.DataFrame]) -> None:
    """The levels table's kinds respelt as :data:`KINDS` spells them (``Special`` →
    ``special``), in place."""
    levels = typed["levels"]
    if len(levels):
        levels["kinds"] = _respell(levels["kinds"], KINDS, is_list=True)


def respell_policy(settings: Settings, phases: Collection[str]) -> Settings:
    """``settings`` with the phases its policy names (journey-limit keys, the phases whose
    leavers move on) written as the phases table spells them (``Primary`` → ``primary``)."""
    policy = settings.policy
    limits = {canonical(p, phases) or p: v for p, v in policy.max_journey_min.items()}
    moving = LIST_SEPARATOR.join(canonical(p, phases) or p for p in policy.transfer_phases())
    update: dict[str, object] = {}
    if list(limits) != list(policy.max_journey_min) and len(limits) == len(
            policy.max_journey_min):
        update["max_journey_min"] = limits
    if moving != LIST_SEPARATOR.join(policy.transfer_phases()):
        update["transfer_from_phases"] = moving
    if not update:
        return settings
    return settings.model_copy(update={"policy": policy.model_copy(update=update)})
