"""Typed errors and the validation issue record shared by every reader and check."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "InstanceError",
    "Issue",
    "OutputError",
    "PlacementOptError",
    "Severity",
    "format_issues",
]


class Severity(StrEnum):
    """How serious a validation finding is."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Issue:
    """One finding about the input, located as precisely as the source allows.

    ``source`` is the file or sheet (``"demand.csv"``, ``"kent.xlsx: sheet demand"``), ``row`` the
    1-based row as a spreadsheet user sees it (the header is row 1), ``column`` the column or
    setting key, ``value`` what was found and ``expected`` what would be accepted.
    """

    source: str
    message: str
    row: int | None = None
    column: str | None = None
    value: str | None = None
    expected: str | None = None
    severity: Severity = Severity.ERROR

    def location(self) -> str:
        """``file, row N, column C`` in the form a user can find."""
        parts = [self.source]
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column {self.column!r}")
        return ", ".join(parts)

    def __str__(self) -> str:
        text = f"{self.location()}: {self.message}"
        if self.value is not None:
            text += f" (found {self.value!r}"
            text += f"; expected {self.expected})" if self.expected else ")"
        elif self.expected:
            text += f" (expected {self.expected})"
        return text


def format_issues(issues: Iterable[Issue], limit: int = 50) -> str:
    """Render issues one per line, at most ``limit`` of them."""
    items = list(issues)
    lines = [f"- {issue}" for issue in items[:limit]]
    if len(items) > limit:
        lines.append(f"- ... and {len(items) - limit} more")
    return "\n".join(lines)


class PlacementOptError(Exception):
    """Base class of every error this package raises on purpose."""


class InstanceError(PlacementOptError):
    """The instance could not be read or is not valid; ``issues`` lists every problem found."""

    def __init__(self, issues: Sequence[Issue]) -> None:
        self.issues: tuple[Issue, ...] = tuple(issues)
        errors = [i for i in self.issues if i.severity is Severity.ERROR]
        head = f"{len(errors)} problem(s) in the instance"
        super().__init__(f"{head}:\n{format_issues(errors)}")


class OutputError(PlacementOptError):
    """Results could not be written where asked (for example, the folder exists)."""
