"""A tariff grid (``models/continuum.md``): the ``tariffs`` table resolved into the line in
effect for every level of need, provision kind, need and year. It prices placements in the
model; independent placements, and placements no line matches, keep their provision's
``cost_per_place``."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from placement_opt.schema.continuum import Continuum
from placement_opt.schema.tables import KINDS

__all__ = ["OWN_COST", "TariffGrid"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

#: The ``line`` label of placements no tariff line matches (they keep cost_per_place).
OWN_COST = "own cost_per_place"


@dataclass(frozen=True)
class TariffGrid:
    """``line[l, j, k, t]``: the row of the tariffs table in effect for level l, kind
    ``KINDS[j]``, need k and year t (``-1``: none); each row's place funding and top-up."""

    line: IntArray
    place_funding: FloatArray
    top_up: FloatArray

    @classmethod
    def from_table(cls, tariffs: pd.DataFrame, continuum: Continuum, needs: tuple[str, ...],
                   years: tuple[int, ...]) -> TariffGrid:
        """Resolve a validated ``tariffs`` table.

        Where several lines match, the most specific wins (a need-specific line over one for
        every need, then a level-specific line over one for every level), then the latest
        effective year not after the year. The loop is over tariff lines, not variables.
        """
        n_l, n_k, n_t = len(continuum.levels), len(needs), len(years)
        grid = np.full((n_l, len(KINDS), n_k, n_t), -1, dtype=np.int64)
        if len(tariffs) == 0:
            return cls(grid, np.zeros(0), np.zeros(0))
        level_code = {lv: i for i, lv in enumerate(continuum.levels)}
        need_code = {k: i for i, k in enumerate(needs)}
        level_of = tariffs["level"].to_numpy(object)
        need_of = tariffs["need"].to_numpy(object)
        year_arr = np.asarray(years, dtype=float)
        has_need = tariffs["need"].notna().to_numpy()
        has_level = tariffs["level"].notna().to_numpy()
        effective = tariffs["effective_year"].astype("float").fillna(-np.inf).to_numpy()
        order = np.lexsort((effective, has_level, has_need))  # least specific, earliest first
        for row in order.tolist():
            l_idx = (np.arange(n_l) if not has_level[row]
                     else np.array([level_code[str(level_of[row])]]))
            k_idx = (np.arange(n_k) if not has_need[row]
                     else np.array([need_code[str(need_of[row])]]))
            kind = np.array([KINDS.index(tariffs["kind"].iat[row])])
            t_idx = np.flatnonzero(year_arr >= effective[row])
            grid[np.ix_(l_idx, kind, k_idx, t_idx)] = row
        return cls(grid, tariffs["place_funding"].to_numpy(float),
                   tariffs["top_up"].to_numpy(float))

    def lines(self, level: IntArray, kind: IntArray, need: IntArray, year: IntArray) -> IntArray:
        """Element-wise: the tariff row in effect (``-1`` where none)."""
        return np.asarray(self.line[level, kind, need, year], dtype=np.int64)

    def price(self, lines: IntArray, own: FloatArray) -> FloatArray:
        """GBP per pupil-year: the line's place funding + top-up, or ``own`` where no line."""
        if self.place_funding.size == 0:
            return np.asarray(own, dtype=float)
        safe = np.maximum(lines, 0)
        return np.where(lines >= 0, self.place_funding[safe] + self.top_up[safe], own)

    def funding(self, lines: IntArray, own: FloatArray) -> FloatArray:
        """GBP place funding per pupil-year: the line's, or ``own`` where no line."""
        if self.place_funding.size == 0:
            return np.asarray(own, dtype=float)
        return np.where(lines >= 0, self.place_funding[np.maximum(lines, 0)], own)
