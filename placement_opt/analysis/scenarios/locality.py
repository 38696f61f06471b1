"""The Locality-Model lever (``[locality]``): a share of the demand at levels of need that need
a special school is met at a level mainstream or SRP can serve, ramping over the years.

Levels (the instance's ``levels`` table, ``models/continuum.md``): by default the levels moved
**from** are those served by special schools and by neither SRPs nor mainstream; the level moved
**to** is the highest on the continuum served by mainstream or SRPs and not by special schools.
The share of a year between two given years is interpolated linearly; before the first given
year it is 0, after the last it is held. Pupils move within the same district, need, phase and
year, so demand is conserved; the existing cohort is left where it is.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from placement_opt.analysis.scenarios.load import LoadedScenario
from placement_opt.analysis.scenarios.locate import located
from placement_opt.analysis.scenarios.provisions import append_rows
from placement_opt.analysis.scenarios.schema import Locality
from placement_opt.errors import Issue
from placement_opt.instance import Instance
from placement_opt.schema.tables import LIST_SEPARATOR

__all__ = ["apply_locality", "locality_issues", "locality_levels", "ramp"]

_SPECIAL = {"special"}
_LOCAL = {"mainstream", "srp"}


def _kinds(levels: pd.DataFrame) -> dict[str, set[str]]:
    return {str(level): set(str(kinds).split(LIST_SEPARATOR))
            for level, kinds in zip(levels["level"], levels["kinds"], strict=True)}


def locality_levels(lever: Locality, levels: pd.DataFrame) -> tuple[list[str], str | None]:
    """(levels moved from, level moved to): the lever's, or the defaults (module docstring)."""
    kinds = _kinds(levels)
    order = dict(zip(levels["level"].astype(str), levels["order"].astype(int), strict=True))
    source = lever.from_levels if lever.from_levels is not None else [
        level for level, k in kinds.items() if k & _SPECIAL and not k & _LOCAL]
    if lever.to_level is not None:
        return list(source), lever.to_level
    targets = [level for level, k in kinds.items() if k & _LOCAL and not k & _SPECIAL]
    return list(source), max(targets, key=lambda level: order[level]) if targets else None


def ramp(share: dict[int, float], years: list[int]) -> dict[int, float]:
    """The share in each of ``years``: interpolated between the given years, 0 before the first,
    held after the last."""
    given = sorted(share)
    values = np.interp(years, given, [share[y] for y in given], left=0.0, right=share[given[-1]])
    return {y: float(v) for y, v in zip(years, values, strict=True)}


def locality_issues(loaded: LoadedScenario, inst: Instance) -> list[Issue]:
    """Problems with the ``[locality]`` table against ``inst`` (none when it can be applied)."""
    lever = loaded.scenario.locality
    if lever is None:
        return []

    def at(path: tuple[str | int, ...], message: str, value: object, expected: str) -> Issue:
        return located(loaded.source, loaded.text, ("locality", *path), message, value, expected)

    if len(inst.levels) == 0:
        return [at((), "the instance has no levels of need", inst.source,
                   "an instance with a levels table (models/continuum.md)")]
    issues = [at(("share", str(year)), "share outside 0..1", value, "a share from 0 to 1")
              for year, value in lever.share.items() if not 0 <= value <= 1]
    known = set(inst.levels["level"].astype(str))
    source, target = locality_levels(lever, inst.levels)
    for i, level in enumerate(lever.from_levels or []):
        if level not in known:
            issues.append(at(("from_levels", i), "unknown level", level,
                             "one of " + ", ".join(sorted(known))))
    if not source:
        issues.append(at(("from_levels",), "no level needs a special school", None,
                         "from_levels naming the levels to move from"))
    if target is None:
        issues.append(at(("to_level",), "no level is served by mainstream or SRPs alone", None,
                         "to_level naming the level to move to"))
    elif target not in known:
        issues.append(at(("to_level",), "unknown level", target,
                         "one of " + ", ".join(sorted(known))))
    elif target in source:
        issues.append(at(("to_level",), "the level moved to is also moved from", target,
                         "a level not in from_levels"))
    return issues


def apply_locality(demand: pd.DataFrame, lever: Locality, inst: Instance) -> pd.DataFrame:
    """A new demand table with the lever's share moved, district by district (vectorised)."""
    source, target = locality_levels(lever, inst.levels)
    years = sorted(int(y) for y in demand["year"].unique())
    share = demand["year"].astype("int64").map(ramp(lever.share, years)).to_numpy(float)
    moving = demand["level"].isin(source).to_numpy() & (share > 0)
    out = demand.copy()
    moved = np.where(moving, out["pupils"].to_numpy(float) * share, 0.0)
    out["pupils"] = out["pupils"].to_numpy(float) - moved
    keys = ["zone", "need", "phase", "year"]
    arriving = out.loc[moving, keys].assign(pupils=moved[moving]).groupby(
        keys, as_index=False)["pupils"].sum()
    if arriving.empty:
        return out
    at_target = out["level"] == target
    index = out[at_target].reset_index().merge(arriving, on=keys, how="inner",
                                               suffixes=("", "_in"))
    out.loc[index["index"].to_numpy(), "pupils"] += index["pupils_in"].to_numpy(float)
    new = arriving.merge(out.loc[at_target, keys], on=keys, how="left", indicator=True)
    new = new[new["_merge"] == "left_only"].drop(columns="_merge").assign(level=target)
    return append_rows(out, new[list(out.columns)]) if len(new) else out
