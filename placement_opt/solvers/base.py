"""The backend contract: what a backend can do (`Capabilities`), the adapter (`Backend`) and
what it returns (`RawSolution`: arrays, not objects tied to a solver)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from placement_opt.status import Status

if TYPE_CHECKING:
    from placement_opt.model.matrix import MatrixModel
    from placement_opt.options import SolveOptions

__all__ = ["Backend", "Capabilities", "RawSolution", "relative_gap"]


def relative_gap(objective: float, bound: float | None) -> float | None:
    """|objective - bound| / max(|objective|, 1e-10): HiGHS's definition of the MIP gap."""
    if bound is None or not np.isfinite(bound):
        return None
    return abs(objective - bound) / max(abs(objective), 1e-10)


@dataclass(frozen=True)
class RawSolution:
    """A backend's answer. ``x`` is None without a solution; ``row_dual`` for LPs, and for a
    MIP only when the backend found them with its integers fixed (HiGHS's dive).

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


@dataclass(frozen=True)
class Capabilities:
    """What a backend can do."""

    integers: bool
    duals: bool
    time_limit: bool
    threads: bool
    side_constraints: bool = True

    def as_dict(self) -> dict[str, bool]:
        """Flags by name (for listings)."""
        return {"integers": self.integers, "duals": self.duals, "time_limit": self.time_limit,
                "threads": self.threads, "side_constraints": self.side_constraints}


@dataclass(frozen=True)
class Backend:
    """A solver adapter over the one MatrixModel."""

    name: str
    description: str
    capabilities: Capabilities
    run: Callable[[MatrixModel, SolveOptions], RawSolution]
    version: Callable[[], str | None]
    applicable: Callable[[MatrixModel], str | None] | None = None

    @property
    def available(self) -> bool:
        """True when the solver behind it can be imported here."""
        return self.version() is not None

    def supports(self, model: MatrixModel) -> str | None:
        """Why this backend cannot solve ``model``, or None when it can."""
        if model.is_mip and not self.capabilities.integers:
            return f"{self.name} does not solve models with integer variables"
        return None if self.applicable is None else self.applicable(model)
