"""ModelLayout: what a solution of the allocation model needs to be read back, typed and frozen
(the column blocks' places, the occupancy, and the feature plans)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from placement_opt.model.changes import ChangePlan
from placement_opt.model.columns import ColumnLayout, Role
from placement_opt.model.occupancy import Occupancy
from placement_opt.model.safety_valve import SafetyValve
from placement_opt.model.transfer_cells import CellPlan
from placement_opt.model.transfers import TransferPlan

__all__ = ["ModelLayout"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class ModelLayout:
    """The allocation model's layout: ``columns`` numbers every column block; ``occupancy``
    says where each arc's placements hold a place; ``budget_years`` are the years with an
    ``overspend`` column, in column order; ``changes`` and ``transfers`` decode those
    features' columns and ``safety_valve`` the Safety Valve row's terms (``None`` when the
    model has none)."""

    columns: ColumnLayout
    n_demand_rows: int
    occupancy: Occupancy
    continuity: bool
    budget_years: IntArray
    changes: ChangePlan | None = None
    transfers: TransferPlan | CellPlan | None = None
    safety_valve: SafetyValve | None = None

    @property
    def n_arcs(self) -> int:
        """Number of arc columns (the first columns of the model)."""
        return self.columns.size(Role.ARC)

    def values(self, x: FloatArray, role: Role) -> FloatArray:
        """The values of ``role``'s columns in a solution ``x``."""
        return x[self.columns.span(role)]
