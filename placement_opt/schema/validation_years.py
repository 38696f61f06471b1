"""The planning horizon is the demand table's years, which must run without a gap: a mistyped
year (2031 in a 2026-2029 horizon) would otherwise leave the years between it and the rest with
no demand and no error."""

from __future__ import annotations

import numpy as np
import pandas as pd

from placement_opt.errors import Issue
from placement_opt.schema.parse import RawTable

__all__ = ["check_horizon"]


def _spans(years: list[int]) -> list[tuple[int, int]]:
    """Runs of consecutive years, as (first, last)."""
    spans: list[tuple[int, int]] = []
    for year in years:
        if spans and year == spans[-1][1] + 1:
            spans[-1] = (spans[-1][0], year)
        else:
            spans.append((year, year))
    return spans


def _listed(years: list[int], limit: int = 8) -> str:
    shown = ", ".join(str(y) for y in years[:limit])
    return shown + (f" ... ({len(years)} years)" if len(years) > limit else "")


def check_horizon(demand: pd.DataFrame, raw: RawTable | None) -> list[Issue]:
    """An error for each demand year outside the longest run of consecutive years (by rows;
    the earlier on a tie), at its first row, naming the years with no demand."""
    if raw is None or len(demand) == 0:
        return []
    column = demand["year"]
    present = column.notna().to_numpy(dtype=bool)
    years = np.asarray(column.to_numpy(dtype="float64", na_value=np.nan))
    distinct = sorted(int(y) for y in np.unique(years[present]))
    spans = _spans(distinct)
    if len(spans) <= 1:
        return []
    rows_in = [int(((years >= a) & (years <= b)).sum()) for a, b in spans]
    main = spans[int(np.argmax(rows_in))]
    missing = sorted(set(range(distinct[0], distinct[-1] + 1)) - set(distinct))
    issues = []
    for year in distinct:
        if main[0] <= year <= main[1]:
            continue
        at = np.flatnonzero(years == year)
        more = f" ({at.size} rows have this year; the first is shown)" if at.size > 1 else ""
        issues.append(Issue(
            raw.source, f"demand year {year} leaves a gap in the planning horizon: no demand "
            f"rows for {_listed(missing)}{more}", int(raw.rows[at[0]]), "year", str(year),
            f"a year of {main[0]} to {main[1]}, or demand rows for every year between"))
    return issues
