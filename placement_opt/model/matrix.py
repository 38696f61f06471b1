"""MatrixModel: a linear model as arrays, with index tables mapping rows and columns to keys."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from placement_opt.model.layout import ModelLayout
from placement_opt.model.rows import RowBlock

__all__ = ["MatrixModel", "RowBlock"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class MatrixModel:
    """minimise ``c @ x + offset`` s.t. ``row_lower <= A @ x <= row_upper``,
    ``col_lower <= x <= col_upper``, ``x[j]`` integer where ``integrality[j]``.

    ``blocks`` locate each constraint family; ``column_keys`` hold one coded array per key of
    the columns (``-1`` where a key does not apply); ``labels`` decode the codes.
    """

    formulation: str
    c: FloatArray
    A: sp.csr_matrix
    row_lower: FloatArray
    row_upper: FloatArray
    col_lower: FloatArray
    col_upper: FloatArray
    integrality: BoolArray
    blocks: tuple[RowBlock, ...]
    column_keys: dict[str, IntArray]
    labels: dict[str, tuple[object, ...]]
    offset: float = 0.0
    #: Where each column family sits and how to decode a solution (models built by
    #: :func:`placement_opt.model.build.build_from_data`; ``None`` for derived models).
    layout: ModelLayout | None = None
    #: A second objective, minimised over the optimal face of an LP (HiGHS): the stable
    #: tie-break of ``placement_opt/model/tie_break.py``. ``None``: none.
    tie_break: FloatArray | None = None

    @property
    def n_cols(self) -> int:
        """Number of variables."""
        return int(self.c.size)

    @property
    def n_rows(self) -> int:
        """Number of constraints."""
        return int(self.row_lower.size)

    @property
    def is_mip(self) -> bool:
        """True when some variable must take whole values."""
        return bool(self.integrality.any())

    def block(self, family: str) -> RowBlock | None:
        """The constraint block called ``family``, if the model has it."""
        for b in self.blocks:
            if b.family == family:
                return b
        return None

    def _decode(self, keys: dict[str, IntArray]) -> pd.DataFrame:
        out: dict[str, object] = {}
        for name, codes in keys.items():
            labels = self.labels.get(name)
            if labels is None:
                out[name] = codes
                continue
            cats = pd.Categorical.from_codes(codes.tolist(), categories=pd.Index(list(labels)))
            out[name] = cats
        return pd.DataFrame(out)

    def column_table(self) -> pd.DataFrame:
        """One row per variable: its keys (decoded), bounds, cost and integrality."""
        table = self._decode(self.column_keys)
        table["cost"] = self.c
        table["lower"] = self.col_lower
        table["upper"] = self.col_upper
        table["integer"] = self.integrality
        return table

    def row_table(self) -> pd.DataFrame:
        """One row per constraint: family, keys (decoded) and bounds."""
        parts = []
        for b in self.blocks:
            frame = self._decode(b.keys)
            frame.insert(0, "family", b.family)
            parts.append(frame)
        table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame({"family": []})
        table["lower"] = self.row_lower
        table["upper"] = self.row_upper
        return table
