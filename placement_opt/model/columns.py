"""The model's columns as typed blocks: each family (arc flows, unmet, openings ...) is a
:class:`ColumnBlock` with its own costs, bounds, integrality and keys; :func:`number_columns`
numbers every block once into a frozen :class:`ColumnLayout` (before any row is written, so rows
name their columns by ``layout.start(role)``) and :func:`join_columns` joins their arrays."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np
import numpy.typing as npt

__all__ = ["COLUMN_KEYS", "ROLES", "ColumnArrays", "ColumnBlock", "ColumnLayout", "ColumnSpan",
           "Role", "block", "join_columns", "number_columns"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


class Role(IntEnum):
    """Column roles, in the order their blocks are numbered; the value is the code in
    ``MatrixModel.column_keys['role']`` and ``label`` its name in ``labels['role']``."""

    ARC = 0  # placements on an eligible arc (models/allocation.md)
    UNMET = 1  # one per demand row
    OPEN = 2  # candidate open in a year (models/openings.md)
    SIZE = 3  # places at a candidate
    EXPAND = 4  # increments of an expansion option first in use in a year (models/planning.md)
    OVERSPEND = 5  # revenue overspend in a budget year
    SURPLUS = 6  # pupils in place beyond demand, with continuity
    CHANGE = 7  # closure/reduction/redesignation option taking effect (models/changes.md)
    TRANSFER = 8  # phase-transfer flows (models/transfers.md)
    BREAK = 9  # pathway breaks
    SHORTFALL = 10  # GBP the DSG balance falls short of a soft Safety Valve target (high_needs.md)
    COMMISSIONED = 11  # places commissioned at a funded candidate in a year (with a target)

    @property
    def label(self) -> str:
        """The role's name, as in the column table."""
        return self.name.lower()


#: Role labels by code (``labels['role']``).
ROLES: tuple[str, ...] = tuple(r.label for r in Role)
#: The keys of the column table besides ``role``, in order.
COLUMN_KEYS: tuple[str, ...] = ("year", "zone", "need", "phase", "provision", "demand_row")


@dataclass(frozen=True)
class ColumnBlock:
    """A family of ``size`` columns of one role; ``keys`` codes the column keys (year, zone,
    need, phase, provision ...) that apply to them. Where its columns sit in the model is the
    :class:`ColumnLayout`'s business."""

    role: Role
    cost: FloatArray
    upper: FloatArray
    integer: BoolArray
    keys: dict[str, IntArray] = field(default_factory=dict)

    @property
    def size(self) -> int:
        """Number of columns."""
        return int(self.cost.size)

    def key(self, name: str) -> IntArray:
        """Codes of key ``name`` (``-1`` where it does not apply)."""
        return self.keys.get(name, np.full(self.size, -1, dtype=np.int64))


def block(role: Role, cost: FloatArray, upper: FloatArray | float = np.inf,
          integer: BoolArray | bool = False, **keys: IntArray) -> ColumnBlock:
    """A :class:`ColumnBlock`; a scalar bound or integrality is broadcast to its size without
    allocating (a read-only view)."""
    n = int(cost.size)
    up = np.broadcast_to(np.float64(upper), (n,)) if isinstance(upper, float) else upper
    whole = np.broadcast_to(np.bool_(integer), (n,)) if isinstance(integer, bool) else integer
    return ColumnBlock(role, cost, up, whole, keys)


@dataclass(frozen=True)
class ColumnSpan:
    """Columns ``start .. start + size - 1`` hold the block of ``role``."""

    role: Role
    start: int
    size: int

    @property
    def stop(self) -> int:
        """One past the last column."""
        return self.start + self.size


@dataclass(frozen=True)
class ColumnLayout:
    """Where each role's block sits, numbered once by :func:`number_columns` (each role has
    at most one block; a role without one has no columns, at ``n_cols``)."""

    spans: tuple[ColumnSpan, ...]
    n_cols: int

    def span(self, role: Role) -> slice:
        """The columns of ``role`` as a slice (empty when the model has none)."""
        for s in self.spans:
            if s.role is role:
                return slice(s.start, s.stop)
        return slice(self.n_cols, self.n_cols)

    def start(self, role: Role) -> int:
        """First column of ``role``."""
        return int(self.span(role).start)

    def size(self, role: Role) -> int:
        """Number of columns of ``role``."""
        s = self.span(role)
        return int(s.stop - s.start)

    def index(self, role: Role) -> IntArray:
        """The column numbers of ``role``."""
        s = self.span(role)
        return np.arange(s.start, s.stop, dtype=np.int64)


def _ordered(blocks: Sequence[ColumnBlock]) -> list[ColumnBlock]:
    ordered = sorted(blocks, key=lambda b: int(b.role))
    roles = [b.role.label for b in ordered]
    if len(set(roles)) != len(roles):
        raise ValueError(f"one column block per role, got {roles}")
    return ordered


def number_columns(blocks: Sequence[ColumnBlock]) -> ColumnLayout:
    """Number ``blocks`` once, in the order of their roles (:class:`Role`)."""
    spans, start = [], 0
    for b in _ordered(blocks):
        spans.append(ColumnSpan(b.role, start, b.size))
        start += b.size
    return ColumnLayout(tuple(spans), start)


@dataclass(frozen=True)
class ColumnArrays:
    """The joined per-column arrays of every block, in :func:`number_columns` order."""

    cost: FloatArray
    upper: FloatArray
    integer: BoolArray
    keys: dict[str, IntArray]


def join_columns(blocks: Sequence[ColumnBlock]) -> ColumnArrays:
    """Costs, upper bounds, integrality, ``role`` and the :data:`COLUMN_KEYS` of every
    column (``-1`` where a key does not apply)."""
    ordered = _ordered(blocks)
    none = np.zeros(0, dtype=np.int64)
    keys = {"role": np.concatenate([none, *(np.full(b.size, int(b.role), dtype=np.int64)
                                            for b in ordered)])}
    for name in COLUMN_KEYS:
        keys[name] = np.concatenate([none, *(b.key(name) for b in ordered)])
    return ColumnArrays(
        np.concatenate([np.zeros(0), *(b.cost for b in ordered)]),
        np.concatenate([np.zeros(0), *(b.upper for b in ordered)]),
        np.concatenate([np.zeros(0, dtype=bool), *(b.integer for b in ordered)]), keys)
