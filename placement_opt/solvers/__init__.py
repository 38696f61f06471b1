"""Solver backends over the one MatrixModel."""

from placement_opt.solvers.base import RawSolution
from placement_opt.solvers.highs import solve_highs

__all__ = ["RawSolution", "solve_highs"]
