"""Stacking per-sample models into one two-stage sample-average model (``models/robust.md``).

Generic over :class:`MatrixModel`: the first-stage columns are those whose ``role`` is one of
``roles`` (openings, sizes, expansions, closure/reduction options); everything else is second
stage. The sample models must come from one instance structure, so their first-stage columns
carry the same keys in the same order (checked). The stacked model has the first-stage columns
once, then each sample's second-stage columns; each sample's rows, with the rows that involve
first-stage columns only kept once (when every sample has the same ones). Objective: the
first-stage cost once plus each sample's second-stage cost times its weight (1/S by default).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from placement_opt.errors import PlacementOptError
from placement_opt.model.columns import Role
from placement_opt.model.matrix import MatrixModel, RowBlock

__all__ = ["FIRST_STAGE_ROLES", "StackedModel", "check_first_stage", "first_stage_mask",
           "stack_models"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: Column roles decided once, before demand is known.
FIRST_STAGE_ROLES: tuple[str, ...] = tuple(r.label for r in (Role.OPEN, Role.SIZE, Role.EXPAND,
                                                              Role.CHANGE))


def first_stage_mask(model: MatrixModel, roles: Sequence[str] = FIRST_STAGE_ROLES) -> BoolArray:
    """True for the columns whose role is in ``roles``."""
    names = model.labels.get("role", ())
    codes = [i for i, name in enumerate(names) if name in roles]
    return np.isin(model.column_keys["role"], codes)


@dataclass(frozen=True)
class StackedModel:
    """The stacked model; ``columns[s]`` maps sample s's columns to the stacked ones, whose
    first ``n_first`` columns are the shared first stage; ``weights[s]`` is sample s's weight
    in the objective. The stacked model has no :class:`~placement_opt.model.layout.ModelLayout`
    (its columns are not in role blocks): read it through these maps."""

    model: MatrixModel
    n_first: int
    columns: tuple[IntArray, ...]
    first: tuple[BoolArray, ...]
    weights: FloatArray


def check_first_stage(models: Sequence[MatrixModel], roles: Sequence[str] = FIRST_STAGE_ROLES) -> None:
    """Raise :class:`PlacementOptError` unless every model has the first-stage columns of the
    first (same keys, same order, same labels)."""
    _check_same_first_stage(models, [first_stage_mask(m, roles) for m in models])


def _check_same_first_stage(models: Sequence[MatrixModel], masks: Sequence[BoolArray]) -> None:
    ref, ref_mask = models[0], masks[0]
    for s, (m, mask) in enumerate(zip(models, masks, strict=True)):
        same = int(mask.sum()) == int(ref_mask.sum()) and all(
            np.array_equal(m.column_keys[k][mask], ref.column_keys[k][ref_mask])
            and m.labels.get(k) == ref.labels.get(k) for k in ref.column_keys)
        if not same:
            raise PlacementOptError(f"sample {s} has other first-stage decisions than sample 0: "
                                    "the samples must share one instance structure")


def stack_models(models: Sequence[MatrixModel], roles: Sequence[str] = FIRST_STAGE_ROLES,
                 weights: Sequence[float] | None = None) -> StackedModel:
    """The sample-average model of ``models`` (see the module docstring)."""
    if not models:
        raise PlacementOptError("no sample models to stack")
    w = np.full(len(models), 1.0 / len(models)) if weights is None else np.asarray(weights, float)
    masks = [first_stage_mask(m, roles) for m in models]
    _check_same_first_stage(models, masks)
    n_f = int(masks[0].sum())
    maps, offset = [], n_f
    for m, mask in zip(models, masks, strict=True):
        col = np.empty(m.n_cols, dtype=np.int64)
        col[mask] = np.arange(n_f)
        col[~mask] = offset + np.arange(int((~mask).sum()))
        offset += int((~mask).sum())
        maps.append(col)
    n = offset
    c, lower, upper = np.zeros(n), np.full(n, -np.inf), np.full(n, np.inf)
    integer = np.zeros(n, dtype=bool)
    keys = {k: np.full(n, -1, dtype=np.int64) for k in [*models[0].column_keys, "sample"]}
    for s, (m, col, mask) in enumerate(zip(models, maps, masks, strict=True)):
        second = ~mask
        c[col[second]] = w[s] * m.c[second]
        c[:n_f] += w[s] * m.c[mask]
        lower[col] = np.maximum(lower[col], m.col_lower)
        upper[col] = np.minimum(upper[col], m.col_upper)
        integer[col] |= m.integrality
        for k, codes in m.column_keys.items():
            keys[k][col] = codes
        keys["sample"][col[second]] = s
    a, lo, hi, blocks = _stack_rows(models, maps, masks)
    labels = {**models[0].labels, "sample": tuple(range(len(models)))}
    model = MatrixModel(
        formulation=f"models/robust.md over ({models[0].formulation})", c=c, A=a,
        row_lower=lo, row_upper=hi, col_lower=lower, col_upper=upper, integrality=integer,
        blocks=blocks, column_keys=keys, labels=labels,
        offset=float(np.dot(w, [m.offset for m in models])))
    return StackedModel(model, n_f, tuple(maps), tuple(masks), w)


def _first_only(m: MatrixModel, mask: BoolArray) -> BoolArray:
    """Rows whose every entry is in a first-stage column (empty rows included)."""
    csr = m.A.tocsr()
    row = np.repeat(np.arange(m.n_rows), np.diff(csr.indptr))
    second = np.bincount(row[~mask[csr.indices]], minlength=m.n_rows)
    return np.asarray(second == 0)


def _shared_rows(m: MatrixModel, only: BoolArray, col: IntArray) -> tuple[sp.csr_matrix, FloatArray,
                                                                          FloatArray]:
    sub = m.A.tocsr()[np.flatnonzero(only)].tocoo()
    n_f = int(col.max(initial=-1)) + 1
    return (sp.csr_matrix((sub.data, (sub.row, col[sub.col])), shape=(sub.shape[0], max(n_f, 1))),
            m.row_lower[only], m.row_upper[only])


def _stack_rows(models: Sequence[MatrixModel], maps: Sequence[IntArray],
                masks: Sequence[BoolArray]) -> tuple[sp.csr_matrix, FloatArray, FloatArray,
                                                     tuple[RowBlock, ...]]:
    """Every sample's rows, the first-stage-only rows once when all samples agree on them."""
    rows, cols, vals, lows, highs, blocks = [], [], [], [], [], []
    n_rows = 0
    ref = None
    for s, (m, col, mask) in enumerate(zip(models, maps, masks, strict=True)):
        only = _first_only(m, mask)
        keep = np.ones(m.n_rows, dtype=bool)
        shared = _shared_rows(m, only, np.where(mask, col, -1))
        if ref is None:
            ref = shared
        elif _same(shared, ref):
            keep &= ~only
        new_index = np.full(m.n_rows, -1, dtype=np.int64)
        new_index[keep] = n_rows + np.arange(int(keep.sum()))
        coo = m.A.tocoo()
        on = keep[coo.row]
        rows.append(new_index[coo.row[on]])
        cols.append(col[coo.col[on]])
        vals.append(coo.data[on])
        lows.append(m.row_lower[keep])
        highs.append(m.row_upper[keep])
        for b in m.blocks:
            kept = keep[b.start:b.stop]
            if kept.any():
                block_keys = {k: v[kept] for k, v in b.keys.items()}
                block_keys["sample"] = np.where(only[b.start:b.stop][kept], -1, s).astype(np.int64)
                blocks.append(RowBlock(b.family, int(new_index[b.start:b.stop][kept][0]),
                                       block_keys))
        n_rows += int(keep.sum())
    n_cols = max(int(c.max(initial=-1)) for c in maps) + 1
    a = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                      shape=(n_rows, n_cols))
    return a, np.concatenate(lows), np.concatenate(highs), tuple(blocks)


def _same(a: tuple[sp.csr_matrix, FloatArray, FloatArray],
          b: tuple[sp.csr_matrix, FloatArray, FloatArray]) -> bool:
    return (a[0].shape == b[0].shape and (a[0] != b[0]).nnz == 0
            and np.array_equal(a[1], b[1]) and np.array_equal(a[2], b[2]))
