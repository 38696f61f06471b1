"""The error a scenario raises: every problem found, each located in its file and line."""

from __future__ import annotations

from collections.abc import Sequence

from placement_opt.errors import InstanceError, Issue, PlacementOptError, Severity, format_issues

__all__ = ["ScenarioError"]


class ScenarioError(InstanceError):
    """A scenario (or sweep grid) could not be read, checked or applied; ``issues`` lists why.

    A subclass of :class:`InstanceError`, so whatever reports instance problems reports these.
    """

    def __init__(self, issues: Sequence[Issue]) -> None:
        self.issues = tuple(issues)
        errors = [i for i in self.issues if i.severity is Severity.ERROR]
        PlacementOptError.__init__(self, f"{len(errors)} problem(s) in the scenario:\n"
                                         f"{format_issues(errors)}")
