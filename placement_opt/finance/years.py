"""Academic years (September to August) as financial years (April to March).

A financial year is named by its first year: 2025 is April 2025 to March 2026. Academic year
``a`` (September ``a`` to August ``a + 1``) spends 7/12 of its cost in financial year ``a``
(September to March) and 5/12 in financial year ``a + 1`` (April to August), months being
equal. So financial year ``f`` = 5/12 of academic year ``f - 1`` + 7/12 of academic year ``f``.

Within a horizon of academic years ``a0 .. aN`` the financial years reported are ``a0 .. aN``.
The first one's April to August (5/12) falls in academic year ``a0 - 1``, outside the horizon:
it is estimated at academic year ``a0``'s figures (the year starting that September), and
flagged. The part of ``aN`` falling in financial year ``aN + 1`` is not reported.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["AUTUMN_SHARE", "SUMMER_SHARE", "financial_year_label", "fy_weights",
           "to_financial_years"]

#: Share of an academic year's cost in the financial year it starts in (September to March).
AUTUMN_SHARE = 7 / 12
#: Share in the next financial year (April to August).
SUMMER_SHARE = 5 / 12


def financial_year_label(year: int) -> str:
    """``2025`` → ``"2025-26"``."""
    return f"{year}-{(year + 1) % 100:02d}"


def fy_weights(academic_years: list[int]) -> npt.NDArray[np.float64]:
    """W[f, a]: the share of academic year ``a``'s cost counted in financial year ``f`` (both in
    the horizon's order), the first financial year's April to August taken at the first academic
    year's figures. Each row sums to 1; each column to 1 except the last (7/12)."""
    years = sorted(int(y) for y in academic_years)
    n = len(years)
    w = np.zeros((n, n))
    for f, year in enumerate(years):
        w[f, f] += AUTUMN_SHARE
        before = years.index(year - 1) if year - 1 in years else f
        w[f, before] += SUMMER_SHARE
    return w


def to_financial_years(frame: pd.DataFrame, values: list[str], year: str = "year",
                       keys: list[str] | None = None) -> pd.DataFrame:
    """``frame`` by academic year → by financial year: each ``values`` column summed over
    ``keys`` (default: every other column but ``year``) with the weights of :func:`fy_weights`.

    Returns ``financial_year`` (int), ``financial_year_label``, the keys, the values and
    ``estimated`` (True for the first financial year, whose April to August is estimated).
    A frame with no rows gives the columns and no rows.
    """
    keys = [c for c in frame.columns if c not in (*values, year)] if keys is None else keys
    out_cols = ["financial_year", "financial_year_label", *keys, *values, "estimated"]
    if frame.empty:
        return pd.DataFrame(columns=out_cols)
    ay = frame[year].astype("int64")
    first, last = int(ay.min()), int(ay.max())

    def part(fy: pd.Series, rows: pd.Series, share: float) -> pd.DataFrame:
        out = frame.loc[rows, keys].assign(**{c: frame.loc[rows, c].astype(float) * share
                                              for c in values})
        return out.assign(financial_year=fy[rows])

    long = pd.concat([part(ay, ay >= first, AUTUMN_SHARE),          # September to March
                      part(ay + 1, ay < last, SUMMER_SHARE),        # April to August after
                      part(ay, ay == first, SUMMER_SHARE)],         # the first year's estimate
                     ignore_index=True)
    out = long.groupby(["financial_year", *keys], as_index=False, sort=True, dropna=False)[
        values].sum()
    out.insert(1, "financial_year_label", out["financial_year"].map(financial_year_label))
    out["estimated"] = out["financial_year"] == first
    return out[out_cols].astype({"financial_year": "int64"}).reset_index(drop=True)
