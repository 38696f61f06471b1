"""Variants of a built model with the same columns: rows added (an epsilon-constraint, a
no-good cut) or column bounds changed (a decision forced). New objects; the model given is
left as it was."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from placement_opt.model.matrix import MatrixModel
from placement_opt.model.rows import RowBlock

__all__ = ["with_bounds", "with_rows"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def with_rows(model: MatrixModel, family: str, coefficients: sp.spmatrix | FloatArray,
              lower: FloatArray, upper: FloatArray) -> MatrixModel:
    """``model`` with the rows ``lower <= coefficients @ x <= upper`` appended as the block
    ``family`` (keyed by ``index``, 0, 1, ...); every other block keeps its rows."""
    rows = sp.csr_matrix(np.atleast_2d(coefficients) if isinstance(coefficients, np.ndarray)
                         else coefficients, dtype=np.float64)
    if rows.shape[1] != model.n_cols:
        raise ValueError(f"{family}: {rows.shape[1]} coefficients for {model.n_cols} columns")
    n = rows.shape[0]
    lo, up = np.broadcast_to(lower, (n,)), np.broadcast_to(upper, (n,))
    if n != lo.size or n != up.size:
        raise ValueError(f"{family}: {n} rows, {lo.size} lower and {up.size} upper bounds")
    block = RowBlock(family, model.n_rows, {"index": np.arange(n, dtype=np.int64)})
    return replace(model, A=sp.vstack([model.A, rows], format="csr"),
                   row_lower=np.concatenate([model.row_lower, lo]),
                   row_upper=np.concatenate([model.row_upper, up]),
                   blocks=(*model.blocks, block))


def with_bounds(model: MatrixModel, columns: IntArray, lower: FloatArray | float,
                upper: FloatArray | float) -> MatrixModel:
    """``model`` with the bounds of ``columns`` set to ``lower`` and ``upper``."""
    lo, up = model.col_lower.copy(), model.col_upper.copy()
    lo[columns], up[columns] = lower, upper
    return replace(model, col_lower=lo, col_upper=up)
