"""Stand-in solvers for the time-budget tests: importable by name, so the watchdog's child
process can run them too."""

from __future__ import annotations

import os
import time

from placement_opt.model.matrix import MatrixModel
from placement_opt.options import SolveOptions
from placement_opt.solvers.base import RawSolution
from placement_opt.status import Status


def sleep_past_limit(model: MatrixModel, options: SolveOptions) -> RawSolution:
    """A solver stuck where it does not check its limit (HiGHS's presolve on fine_kent)."""
    time.sleep(600)
    raise AssertionError("not reached")


def exit_without_answer(model: MatrixModel, options: SolveOptions) -> RawSolution:
    """A solver process that dies."""
    os._exit(3)


def uses_its_limit(status: Status) -> object:
    """A backend run that spends its whole time limit, then answers ``status`` (with a
    solution of zeros when the status has one); it records the limits it was given."""
    given: list[float | None] = []

    def run(model: MatrixModel, options: SolveOptions) -> RawSolution:
        import numpy as np

        given.append(options.time_limit)
        time.sleep(options.time_limit or 0.0)
        x = np.zeros(model.n_cols) if status.has_solution else None
        objective = 0.0 if status.has_solution else None
        return RawSolution(status, x, objective, None, None, None, 0.0, "slow", "slow")

    run.given = given  # type: ignore[attr-defined]
    return run


def report_limit(model: MatrixModel, options: SolveOptions) -> RawSolution:
    """Answers at once, with the time limit it was given as its message."""
    return RawSolution(Status.NO_SOLUTION_AT_LIMIT, None, None, None, None, None, 0.0, "slow",
                       repr(options.time_limit))
