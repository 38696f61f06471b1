"""Zone rules: the zones of one district share one min_local_share (``models/allocation.md``,
*Met locally*)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from placement_opt.errors import Issue
from placement_opt.schema.parse import RawTable, show_cell
from placement_opt.schema.tables import MAX_LISTED

__all__ = ["check_zone_districts", "zone_districts"]


def zone_districts(zones: pd.DataFrame) -> pd.Series:
    """District of each zone (blank: the zone itself), aligned with ``zones``."""
    return zones["district"].where(zones["district"].notna(), zones["zone"])


def check_zone_districts(typed: dict[str, pd.DataFrame],
                         sources: dict[str, RawTable]) -> list[Issue]:
    """An error for each zone whose min_local_share differs from its district's first zone's
    (a blank cell, the policy default, differs from a number)."""
    raw = sources.get("zones")
    if raw is None:
        return []
    zones = typed["zones"]
    district = zone_districts(zones).to_numpy(object)
    share = zones["min_local_share"].to_numpy(float)
    first: dict[object, int] = {}
    out: list[Issue] = []
    bad = 0
    for i, d in enumerate(district):
        j = first.setdefault(d, i)
        a, b = share[i], share[j]
        if j == i or (np.isnan(a) and np.isnan(b)) or a == b:
            continue
        bad += 1
        if bad > MAX_LISTED:
            continue
        shown = "blank (the policy default)" if np.isnan(b) else show_cell(b)
        out.append(Issue(
            raw.source, f"zones of district {d} disagree on min_local_share", int(raw.rows[i]),
            "min_local_share", "" if np.isnan(a) else show_cell(a),
            f"{shown}, as zone {zones['zone'].iloc[j]} (row {int(raw.rows[j])}) of the same "
            "district: the rule is one share per district"))
    if bad > MAX_LISTED:
        out.append(Issue(raw.source, f"zones of a district disagree on min_local_share: "
                         f"{bad - MAX_LISTED} more rows like this not listed",
                         column="min_local_share", expected="one share per district"))
    return out
