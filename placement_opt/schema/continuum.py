"""The continuum of need (``models/continuum.md``): ordered levels and the provision kinds that
may serve each, and the documented default that splits demand into levels by setting shares.

Without a ``levels`` table an instance has one level, :data:`DEFAULT_LEVEL`, that every kind
may serve: eligibility and costs are then exactly those of ``models/allocation.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from placement_opt.schema.tables import KINDS, LIST_SEPARATOR

__all__ = ["DEFAULT_LEVEL", "Continuum", "apportion_rows", "split_by_shares"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: The one level of an instance without a ``levels`` table.
DEFAULT_LEVEL = "all"


@dataclass(frozen=True)
class Continuum:
    """Levels in continuum order and ``kinds_ok[l, j]``: may kind ``KINDS[j]`` serve level l."""

    levels: tuple[str, ...]
    names: tuple[str, ...]
    kinds_ok: BoolArray
    declared: bool = True  # False: no levels table, the single default level

    @classmethod
    def from_table(cls, levels: pd.DataFrame) -> Continuum:
        """From a validated ``levels`` table (empty: the single default level)."""
        if len(levels) == 0:
            return cls((DEFAULT_LEVEL,), ("every level (no levels table)",),
                       np.ones((1, len(KINDS)), dtype=bool), declared=False)
        table = levels.sort_values(["order", "level"], kind="stable")
        ok = np.zeros((len(table), len(KINDS)), dtype=bool)
        for i, cell in enumerate(table["kinds"]):
            ok[i, [KINDS.index(k) for k in str(cell).split(LIST_SEPARATOR)]] = True
        names = table["name"].fillna(table["level"]).astype(str)
        return cls(tuple(str(v) for v in table["level"]), tuple(names), ok)

    def codes(self, values: pd.Series) -> IntArray:
        """Level codes of a validated ``level`` column (blank cells: the default level)."""
        if not self.declared:
            return np.zeros(len(values), dtype=np.int64)
        index = {level: i for i, level in enumerate(self.levels)}
        return np.asarray(values.map(index).to_numpy(), dtype=np.int64)

    def allowed(self, level: IntArray, kind: IntArray) -> BoolArray:
        """Element-wise: may a provision of kind code ``kind`` serve level code ``level``."""
        return np.asarray(self.kinds_ok[level, kind], dtype=bool)


def apportion_rows(pupils: FloatArray, weights: FloatArray) -> FloatArray:
    """Split each row's ``pupils`` over the columns of ``weights`` (rows x levels).

    Whole-number rows are split by largest remainder (ties to the earlier column), so every
    part is whole and the parts add up to the row exactly; other rows are split in proportion.
    A row whose weights are all 0 goes to its last column.
    """
    w = np.asarray(weights, dtype=float)
    total = w.sum(axis=1, keepdims=True)
    last = np.zeros_like(w)
    last[:, -1] = 1.0
    share = np.where(total > 0, w / np.where(total > 0, total, 1.0), last)
    quota = pupils[:, None] * share
    whole = np.isclose(pupils, np.round(pupils))
    base = np.floor(quota + 1e-9)
    short = np.round(pupils - base.sum(axis=1)).astype(np.int64)
    rank = np.argsort(np.argsort(-(quota - base), axis=1, kind="stable"), axis=1, kind="stable")
    rounded = base + (rank < short[:, None])
    return np.where(whole[:, None], rounded, quota)


def split_by_shares(frame: pd.DataFrame, shares: pd.DataFrame) -> pd.DataFrame:
    """Demand (or existing) rows split into levels by each need's level shares.

    ``shares`` has columns ``need``, ``level``, ``share`` (shares of a need need not add up to
    1: they are normalised). Each row becomes one row per level with pupils > 0, with a
    ``level`` column; whole-number rows stay whole (:func:`apportion_rows`). This is the
    default rule of ``models/continuum.md`` for a council without a level split: an ESTIMATE.
    """
    levels = list(dict.fromkeys(shares["level"]))
    grid = shares.pivot_table(index="need", columns="level", values="share", aggfunc="sum",
                              fill_value=0.0).reindex(columns=levels, fill_value=0.0)
    missing = sorted(set(frame["need"]) - set(grid.index))
    if missing:
        raise ValueError(f"no level shares for need(s) {', '.join(map(str, missing))}")
    weights = grid.loc[frame["need"]].to_numpy(float)
    parts = apportion_rows(frame["pupils"].to_numpy(float), weights)
    rows = np.repeat(np.arange(len(frame)), len(levels))
    out = frame.iloc[rows].reset_index(drop=True).copy()
    out["level"] = np.tile(np.asarray(levels, dtype=object), len(frame))
    out["pupils"] = parts.reshape(-1)
    return out[out["pupils"] > 0].reset_index(drop=True)
