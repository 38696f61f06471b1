"""Model building: coded instance data, the eligible-arc table and the MatrixModel."""

from placement_opt.model.build import build_allocation_model
from placement_opt.model.matrix import MatrixModel

__all__ = ["MatrixModel", "build_allocation_model"]
