"""Solver backends over the one MatrixModel, chosen by name from a registry."""

from placement_opt.solvers.base import RawSolution
from placement_opt.solvers.registry import (
    Backend,
    Capabilities,
    all_backends,
    available_backends,
    get_backend,
)

__all__ = ["Backend", "Capabilities", "RawSolution", "all_backends", "available_backends",
           "get_backend"]
