"""One time budget per ``solve()``: a deadline fixed at entry, and a record of each stage.

``solve(time_limit=T)`` starts the clock before the model is built, so build time counts. Each
stage (the main solve, the fixed-decision LP for MIP duals, the elastic re-solves of a
diagnosis) is handed the time left as its own ``time_limit``; a stage with no time left is
skipped, and every stage says how it ended (:class:`Stage`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal

from placement_opt.options import SolveOptions

__all__ = ["Deadline", "Outcome", "Stage"]

#: How a stage ended: ran to its end (or to a node/solution limit of its own), stopped by the
#: time budget, or never started because no time was left.
Outcome = Literal["done", "cut_short", "skipped"]

#: Below this many seconds left, a stage is not started (no solver does useful work in it).
MIN_STAGE_SECONDS = 0.05


@dataclass(frozen=True)
class Stage:
    """One stage of a ``solve()``: its name, how it ended and the seconds it was given (None:
    no limit) and took."""

    name: str
    outcome: Outcome
    given: float | None
    seconds: float

    def as_dict(self) -> dict[str, object]:
        """Plain JSON values (seconds rounded to milliseconds)."""
        return {"stage": self.name, "outcome": self.outcome,
                "given": None if self.given is None else round(self.given, 3),
                "seconds": round(self.seconds, 3)}


@dataclass(frozen=True)
class Deadline:
    """A point on the monotonic clock (None: no limit)."""

    at: float | None

    @classmethod
    def after(cls, seconds: float | None) -> Deadline:
        """The deadline ``seconds`` from now."""
        return cls(None if seconds is None else time.monotonic() + seconds)

    def remaining(self) -> float | None:
        """Seconds left, never negative (None: no limit)."""
        return None if self.at is None else max(0.0, self.at - time.monotonic())

    def expired(self) -> bool:
        """True when fewer than :data:`MIN_STAGE_SECONDS` are left."""
        left = self.remaining()
        return left is not None and left < MIN_STAGE_SECONDS

    def options_for(self, options: SolveOptions) -> SolveOptions:
        """``options`` with ``time_limit`` set to the time left (unchanged without a limit)."""
        left = self.remaining()
        if left is None:
            return options
        return options.model_copy(update={"time_limit": max(left, MIN_STAGE_SECONDS)})

    def ran_out(self, given: float | None) -> bool:
        """True when a stage given ``given`` seconds ended with the budget (all but a second
        and 2% of it) spent: a solver stopping at a limit then was stopped by the budget, not
        by a node or solution limit of its own."""
        left = self.remaining()
        if left is None or given is None:
            return False
        return left <= 1.0 + 0.02 * given
