"""The metrics a frontier trades against cost (``models/frontier.md``), each as a coefficient
vector over the model's columns plus the existing cohort's constant part, so that its value
over the horizon is ``(coefficients @ x + offset) / divisor``, exactly the KPI a Result's
tables give (:func:`metric_from_result`).

Every placement column counts in each year it holds a place (``occupancy``: with continuity a
pupil placed in year t is still there, with a weight, in later years), as in the allocations
table; the existing cohort's pupils are never moved, so their part is a constant.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from placement_opt.model.data import ModelData
from placement_opt.model.locality import is_local
from placement_opt.model.matrix import MatrixModel
from placement_opt.model.occupancy import existing_occupancy
from placement_opt.results.result import Result
from placement_opt.schema.tables import KINDS

__all__ = ["METRICS", "Metric", "MetricSpec", "metric_for", "metric_from_result"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
#: The per-pupil value of a (home zone, provision) pair: the metric counts it per pupil-year.
PerPupil = Callable[[ModelData, IntArray, IntArray], FloatArray]
Sense = Literal["min", "max"]


@dataclass(frozen=True)
class MetricSpec:
    """What a metric counts: its per-pupil value, unit, sense and whether it is a share of
    demand."""

    name: str
    description: str
    unit: str
    sense: Sense
    per_pupil: PerPupil
    share_of_demand: bool = False


def _minutes(data: ModelData, z: IntArray, p: IntArray) -> FloatArray:
    return np.asarray(data.minutes[z, p], dtype=np.float64)


def _over(limit: float) -> PerPupil:
    def over(data: ModelData, z: IntArray, p: IntArray) -> FloatArray:
        return np.asarray(data.minutes[z, p] > limit, dtype=np.float64)
    return over


def _local(data: ModelData, z: IntArray, p: IntArray) -> FloatArray:
    return is_local(data, z, p).astype(np.float64)  # the one definition of met locally


def _independent(data: ModelData, z: IntArray, p: IntArray) -> FloatArray:
    return np.asarray(data.kind[p] == KINDS.index("independent"), dtype=np.float64)


#: The metrics by name, in the order the CLI lists them.
METRICS: dict[str, MetricSpec] = {s.name: s for s in (
    MetricSpec("pupil_minutes", "journey minutes x pupils over the horizon", "pupil-min", "min",
               _minutes),
    MetricSpec("over_60", "pupils (pupil-years) whose journey is over 60 minutes", "pupils",
               "min", _over(60.0)),
    MetricSpec("over_75", "pupils (pupil-years) whose journey is over 75 minutes", "pupils",
               "min", _over(75.0)),
    MetricSpec("local_share", "share of demand met in the pupils' own district "
               "(share_met_locally)", "share", "max", _local, share_of_demand=True),
    MetricSpec("independent", "pupils (pupil-years) placed in the independent sector "
               "(placed_independent)", "pupils", "min", _independent),
)}


@dataclass(frozen=True)
class Metric:
    """A metric over one model: value = ``(coefficients @ x + offset) / divisor``."""

    spec: MetricSpec
    coefficients: FloatArray
    offset: float
    divisor: float

    @property
    def name(self) -> str:
        """The metric's name."""
        return self.spec.name

    @property
    def minimised(self) -> bool:
        """True when less is better (all but ``local_share``)."""
        return self.spec.sense == "min"

    def value(self, x: FloatArray) -> float:
        """The metric of a solution ``x``."""
        return (float(self.coefficients @ x) + self.offset) / self.divisor

    def bounds(self, epsilon: float) -> tuple[float, float]:
        """(lower, upper) on ``coefficients @ x`` for metric <= epsilon (>= when maximised)."""
        rhs = epsilon * self.divisor - self.offset
        return (-np.inf, rhs) if self.minimised else (rhs, np.inf)

    def better(self, a: float, b: float) -> bool:
        """True when ``a`` is strictly better than ``b``."""
        return a < b if self.minimised else a > b


def metric_for(name: str, data: ModelData, model: MatrixModel) -> Metric:
    """The metric ``name`` over the columns of ``model`` (built from ``data``); a ``KeyError``
    names the known metrics."""
    spec = METRICS.get(name)
    if spec is None:
        raise KeyError(f"unknown metric {name!r}: one of {', '.join(METRICS)}")
    layout = model.layout
    if layout is None:
        raise ValueError("the model has no layout: metrics read models from build_from_data")
    n_a = layout.n_arcs
    occ = layout.occupancy
    held = np.bincount(occ.arc, weights=occ.weight, minlength=n_a)  # pupil-years per pupil
    z = model.column_keys["zone"][:n_a]
    p = model.column_keys["provision"][:n_a]
    coefficients = np.zeros(model.n_cols)
    coefficients[:n_a] = held * spec.per_pupil(data, z, p)
    e_row, _, e_n = existing_occupancy(data, layout.continuity)
    offset = float(np.dot(e_n, spec.per_pupil(data, data.e_zone[e_row], data.e_prov[e_row])))
    divisor = float(data.d_pupils.sum()) if spec.share_of_demand else 1.0
    return Metric(spec, coefficients, offset, divisor if divisor > 0 else 1.0)


def metric_from_result(name: str, result: Result) -> float:
    """The metric ``name`` of a solved Result, from its tables and KPIs (the definitions
    :func:`metric_for` matches)."""
    a = result.allocations
    if name == "pupil_minutes":
        return float((a["journey_min"] * a["pupils"]).sum())
    if name in ("over_60", "over_75"):
        return float(a.loc[a["journey_min"] > float(name[-2:]), "pupils"].sum())
    if name == "local_share":
        return result.kpi("share_met_locally")
    if name == "independent":
        return result.kpi("placed_independent")
    raise KeyError(f"unknown metric {name!r}: one of {', '.join(METRICS)}")
