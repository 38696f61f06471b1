"""Demand uncertainty: growth-rate distributions fitted to a trend, and seeded demand samples.

**The distribution** (``models/robust.md``, "Demand samples"). Annual log growth of demand for
need k in year t is the instance's own projection plus ``drift + sigma_k * e[k,t]``, with
``e[k,t] = sqrt(rho) * c[t] + sqrt(1 - rho) * u[k,t]`` and c, u independent standard normals:
a shock common to all needs and one of each need's own, correlation ``rho`` between needs.
``sigma`` is the sample standard deviation of the observed annual log growth of the county
total; ``sigma_k = sigma / sqrt(rho + (1 - rho) * H)`` with H the sum of squared need shares
of base-year demand, so that the county total's annual log growth keeps standard deviation
about ``sigma`` whatever ``rho``. Demand in year t is multiplied by ``exp`` of the shocks summed
over the years after the base year (a random walk in log demand): with ``drift = 0`` the
instance's projection is the median path.

The data give sigma (and the trend's mean, to set ``drift`` from); they cannot give rho: the
DfE SEN2 series by primary need exists for January 2025 only (data pack, Missing #6), so rho
is an assumption (default 0.5), labelled as one wherever it is reported.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from placement_opt.errors import InstanceError, Issue
from placement_opt.instance import Instance

__all__ = ["DEFAULT_CORRELATION", "DemandDistribution", "GrowthFit", "fit_growth",
           "fit_trend_csv", "sample_factors"]

#: Correlation of growth shocks between needs: an ASSUMPTION (no by-need history to fit it).
DEFAULT_CORRELATION = 0.5


@dataclass(frozen=True)
class GrowthFit:
    """Annual log growth of an observed series: mean and sample standard deviation."""

    years: tuple[int, ...]
    values: tuple[float, ...]
    mean: float
    sd: float
    source: str

    def as_dict(self) -> dict[str, Any]:
        """Plain values for JSON."""
        return asdict(self)


def fit_growth(years: Sequence[int], values: Sequence[float], source: str) -> GrowthFit:
    """Mean and sample standard deviation of ln(v[i+1] / v[i]) over consecutive years."""
    order = np.argsort(np.asarray(years))
    y = [int(years[i]) for i in order]
    v = [float(values[i]) for i in order]
    if len(v) < 3 or any(b - a != 1 for a, b in itertools.pairwise(y)) or min(v) <= 0:
        raise InstanceError([Issue(source, "cannot fit growth: need 3 or more consecutive years "
                                   "with positive values", value=f"years {y}")])
    logs = [math.log(b / a) for a, b in itertools.pairwise(v)]
    return GrowthFit(tuple(y), tuple(v), statistics.fmean(logs), statistics.stdev(logs), source)


def fit_trend_csv(path: Path, group: str = "Total", first: int = 2019, last: int = 2025) -> GrowthFit:
    """Fit the years ``first..last`` of a trend file: the data pack's ``ehcp_trend_kent.csv``
    (``establishment_group`` = ``group``, column ``statements_plus_ehc_plans``) or an instance's
    ``provenance/growth.csv`` (``kind = observed``, column ``all_plans``)."""
    try:
        frame = pd.read_csv(path)
    except (FileNotFoundError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InstanceError([Issue(str(path), f"cannot read the trend file: {exc}")]) from exc
    if {"census_january", "establishment_group", "statements_plus_ehc_plans"} <= set(frame.columns):
        rows = frame[frame["establishment_group"] == group]
        years, values = rows["census_january"], rows["statements_plus_ehc_plans"]
        what = f"{path} (establishment_group={group}, statements_plus_ehc_plans)"
    elif {"kind", "year", "all_plans"} <= set(frame.columns):
        rows = frame[frame["kind"] == "observed"]
        years, values = rows["year"], rows["all_plans"]
        what = f"{path} (observed, all_plans)"
    else:
        raise InstanceError([Issue(str(path), "not a trend file", expected="ehcp_trend_kent.csv "
                                   "of the data pack or an instance's provenance/growth.csv")])
    keep = (years >= first) & (years <= last) & values.notna()
    return fit_growth(years[keep].astype(int).tolist(), values[keep].astype(float).tolist(),
                      f"{what}, {first}-{last}")


@dataclass(frozen=True)
class DemandDistribution:
    """Growth shocks around the instance's projection (see the module docstring)."""

    sd: float
    correlation: float = DEFAULT_CORRELATION
    drift: float = 0.0
    source: str = "given"

    def __post_init__(self) -> None:
        if not (self.sd >= 0 and 0 <= self.correlation <= 1 and math.isfinite(self.drift)):
            raise ValueError("sd must be >= 0, correlation in [0, 1], drift finite")

    def need_sd(self, shares: np.ndarray) -> float:
        """sigma_k: each need's shock sd that keeps the county total's at ``sd``."""
        herfindahl = float(np.sum(np.square(shares)))
        rho = self.correlation
        return self.sd / math.sqrt(rho + (1 - rho) * herfindahl) if herfindahl > 0 else self.sd


def sample_factors(inst: Instance, dist: DemandDistribution, samples: int,
                   seed: int) -> list[dict[str, dict[int, float]]]:
    """``samples`` demand factors (need → year → factor; 1 in the first year), drawn with
    ``numpy.random.default_rng(seed)`` in one fixed order: the same seed gives the same samples."""
    years = inst.years
    needs = sorted(set(inst.demand["need"]))
    first = inst.demand[inst.demand["year"] == years[0]].groupby("need")["pupils"].sum()
    total = float(first.sum())
    shares = np.array([float(first.get(k, 0.0)) for k in needs]) / (total if total > 0 else 1.0)
    sigma = dist.need_sd(shares)
    rng = np.random.default_rng(seed)
    steps = len(years) - 1
    common = rng.standard_normal((samples, steps))
    own = rng.standard_normal((samples, steps, len(needs)))
    rho = dist.correlation
    shock = math.sqrt(rho) * common[:, :, None] + math.sqrt(1 - rho) * own
    gaps = np.diff(np.asarray(years, dtype=float))  # years between steps (1 when consecutive)
    log_step = dist.drift * gaps[None, :, None] + sigma * np.sqrt(gaps)[None, :, None] * shock
    log_factor = np.concatenate([np.zeros((samples, 1, len(needs))), np.cumsum(log_step, axis=1)],
                                axis=1)
    factor = np.exp(log_factor)
    return [{k: {int(t): float(factor[s, i, j]) for i, t in enumerate(years)}
             for j, k in enumerate(needs)} for s in range(samples)]
