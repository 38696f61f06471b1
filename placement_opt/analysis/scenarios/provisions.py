"""Provision levers (``[provisions]``): closures, places, redesignations, new sites and
expansion options, as changes to the provisions, capacity and expansions tables."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from placement_opt.analysis.scenarios.locate import located
from placement_opt.analysis.scenarios.schema import Provisions
from placement_opt.errors import Issue
from placement_opt.schema.tables import LIST_SEPARATOR, TABLES

__all__ = ["append_rows", "apply_provisions", "closure_issues", "total_capacity"]


def append_rows(frame: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with ``rows`` below it, as untyped cells (the instance types them again)."""
    return pd.concat([frame.astype(object), rows.astype(object)], ignore_index=True)


def total_capacity(provisions: pd.DataFrame, capacity: pd.DataFrame, years: list[int]) -> np.ndarray:
    """P × T places (provisions in table order, ``years`` in order): the capacity table's total
    rows, else the provisions table's capacity column (NaN where neither gives one)."""
    default = provisions["capacity"].to_numpy(float)
    matrix = np.repeat(default[:, None], len(years), axis=1)
    rows = capacity[capacity["need"].isna() & capacity["year"].isin(years)]
    p_at = {pid: i for i, pid in enumerate(provisions["provision"])}
    t_at = {year: j for j, year in enumerate(years)}
    p = np.array([p_at[pid] for pid in rows["provision"]], dtype=np.int64)
    t = np.array([t_at[int(y)] for y in rows["year"]], dtype=np.int64)
    matrix[p, t] = rows["places"].to_numpy(float)
    return matrix


def apply_provisions(tables: dict[str, pd.DataFrame], lever: Provisions, years: list[int],
                     need_order: list[str]) -> dict[str, pd.DataFrame]:
    """New provisions, capacity and expansions tables (the others are returned unchanged).

    Order: new sites are added, places added, then closures (a closure wins), designations
    changed, expansion options appended.
    """
    out = dict(tables)
    prov = out["provisions"].copy()
    if lever.new_site:
        prov = append_rows(prov, pd.DataFrame([_site_row(s.model_dump()) for s in lever.new_site]))
    before = total_capacity(prov, out["capacity"], years)
    after = before.copy()
    row = {pid: i for i, pid in enumerate(prov["provision"])}
    year = np.asarray(years)
    for add in lever.add_places:
        cols = ((year >= (add.from_year or year[0])) & (year <= (add.until_year or year[-1])))
        after[row[add.provision], cols] += add.places
    for close in lever.close:
        after[row[close.provision], year >= close.from_year] = 0.0
    out["capacity"] = _capacity_rows(out["capacity"], list(prov["provision"]), year, before, after)
    for r in lever.redesignate:
        at = prov.index[prov["provision"] == r.provision]
        current = set(str(prov.loc[at[0], "needs"]).split(LIST_SEPARATOR))
        wanted = set(r.needs) if r.needs is not None else (current | set(r.add_needs)) - set(
            r.remove_needs)
        prov.loc[at, "needs"] = LIST_SEPARATOR.join(k for k in need_order if k in wanted) or None
    out["provisions"] = prov
    if lever.expansion:
        rows = pd.DataFrame([e.model_dump() for e in lever.expansion])
        out["expansions"] = append_rows(out["expansions"], rows)
    return out


def _site_row(site: dict[str, Any]) -> dict[str, Any]:
    """A provisions-table row for a new site (lists joined with ';')."""
    row = {k: v for k, v in site.items() if k in TABLES["provisions"].names}
    row["phases"] = LIST_SEPARATOR.join(site["phases"])
    row["needs"] = LIST_SEPARATOR.join(site["needs"])
    return row


def _capacity_rows(capacity: pd.DataFrame, pids: list[str], years: np.ndarray, before: np.ndarray,
                   after: np.ndarray) -> pd.DataFrame:
    """The capacity table with a total row for each provision-year whose places changed."""
    changed = ~np.isclose(before, after, equal_nan=True)
    p_idx, t_idx = np.nonzero(changed)
    if p_idx.size == 0:
        return capacity
    ids = np.asarray(pids, dtype=object)[p_idx]
    at = years[t_idx].astype("int64")
    touched = pd.MultiIndex.from_arrays([ids, at])
    own = pd.MultiIndex.from_arrays([capacity["provision"].to_numpy(object),
                                     capacity["year"].astype("int64").to_numpy()])
    keep = ~(own.isin(touched) & capacity["need"].isna().to_numpy())
    new = pd.DataFrame({"provision": ids, "year": at, "need": None, "places": after[p_idx, t_idx]})
    return append_rows(capacity[keep], new)


def closure_issues(lever: Provisions, existing: pd.DataFrame, phases: pd.DataFrame, years: list[int],
                   continuity: bool, source: str, text: str | None) -> list[Issue]:
    """A closure while pupils of the ``existing`` table are still placed there (they are never
    moved) would leave the instance infeasible: say so, with the numbers."""
    issues = []
    length = dict(zip(phases["phase"], (phases["max_age"] - phases["min_age"]).astype(float),
                      strict=True))
    for i, close in enumerate(lever.close):
        here = existing[existing["provision"] == close.provision]
        lag = close.from_year - years[0]
        if here.empty or lag < 0:
            continue
        share = [max(0.0, 1.0 - lag / max(length[h], 1.0)) if continuity else float(lag == 0)
                 for h in here["phase"]]
        still = float(np.dot(here["pupils"].to_numpy(float), share))
        if still > 1e-9:
            issues.append(located(
                source, text, ("provisions", "close", i, "from_year"),
                f"{still:g} pupils of the existing table are still placed at {close.provision} in "
                f"{close.from_year} and are never moved: closing it then leaves no feasible plan",
                close.from_year, "a later year, or those pupils moved in the existing table"))
    return issues
