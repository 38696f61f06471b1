"""Solve status as an enum, never a bare string or integer."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Status"]


class Status(StrEnum):
    """Outcome of a solve.

    ``OPTIMAL`` means proven optimal within the requested gap; ``FEASIBLE_AT_LIMIT`` means a
    limit (time, iterations) stopped the solver with an incumbent whose gap is reported;
    ``NO_SOLUTION_AT_LIMIT`` means a limit stopped it before any feasible solution was found.
    """

    OPTIMAL = "optimal"
    FEASIBLE_AT_LIMIT = "feasible_at_limit"
    NO_SOLUTION_AT_LIMIT = "no_solution_at_limit"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    ERROR = "error"

    @property
    def has_solution(self) -> bool:
        """True when there are placements to report."""
        return self in (Status.OPTIMAL, Status.FEASIBLE_AT_LIMIT)
