"""A family of extra columns appended to the model by an optional feature (its costs, bounds,
integrality and keys), so feature modules need not know the core column layout."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

__all__ = ["ColumnBlock"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

@dataclass(frozen=True)
class ColumnBlock:
    """Columns ``offset .. offset + size - 1`` of role ``role``; ``keys`` codes the model's column
    keys (year, zone, need, phase, provision ...) that apply to them."""

    role: str
    offset: int
    cost: FloatArray
    upper: FloatArray
    integer: BoolArray
    keys: dict[str, IntArray] = field(default_factory=dict)

    @property
    def size(self) -> int:
        """Number of columns."""
        return int(self.cost.size)

    @property
    def stop(self) -> int:
        """One past the last column."""
        return self.offset + self.size

    def key(self, name: str) -> IntArray:
        """Codes of key ``name`` (``-1`` where it does not apply)."""
        return self.keys.get(name, np.full(self.size, -1, dtype=np.int64))
