"""What every backend returns: arrays, not objects tied to a solver."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from placement_opt.status import Status

__all__ = ["RawSolution", "relative_gap"]


def relative_gap(objective: float, bound: float | None) -> float | None:
    """|objective - bound| / max(|objective|, 1e-10): HiGHS's definition of the MIP gap."""
    if bound is None or not np.isfinite(bound):
        return None
    return abs(objective - bound) / max(abs(objective), 1e-10)


@dataclass(frozen=True)
class RawSolution:
    """A backend's answer. ``x`` is None without a solution; ``row_dual`` only for LPs.

    ``row_dual[i]`` is d(objective)/d(rhs of row i) at the optimum (minimisation).
    """

    status: Status
    x: npt.NDArray[np.float64] | None
    objective: float | None
    bound: float | None
    gap: float | None
    row_dual: npt.NDArray[np.float64] | None
    seconds: float
    backend: str
    message: str = ""
