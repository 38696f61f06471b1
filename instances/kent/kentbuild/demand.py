"""Demand: the in-scope Jan 2025 plans shared out over the small-area zones, grown by need and
phase (``kentbuild.growth``), and split into the levels of the continuum (``models/continuum.md``).

Rules (the data card's names):

* **D1** base year: each need × phase count (``kentbuild.scope``) is shared over the zones by the
  zone's share of Kent's residents: its district's 2020 population share (S3) × the zone's
  share of its district's LSOAs (R1; ONS draws LSOAs to hold roughly equal populations).
  Largest remainder, so counts are whole and add up.
* **D2** later years: the need × phase total is grown at its fitted rate and shared over that
  need × phase's base-year cells in proportion (largest remainder).
* **L1/L2** levels: each county need × phase count is split by the need's Jan 2025 setting
  shares before it is shared over the zones.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
import pandas as pd

from kentbuild.common import (
    BASE_YEAR,
    LEVEL_ROWS,
    LEVELS,
    NEED_CODES,
    NO_SRP_PHASES,
    PACK_NEED,
    PHASE_CODES,
    YEARS,
    apportion,
)
from kentbuild.pack import Pack

__all__ = ["DEMAND_BASE_NOTE", "LEVEL_NOTE", "GrowthRates", "demand_provenance", "demand_table",
           "level_shares", "levels_table", "systematic_round", "zone_shares"]


class GrowthRates(Protocol):
    """What the demand rules need of the growth model: an annual rate by need and phase."""

    def rate(self, need: str, phase: str) -> float: ...


def zone_shares(zones: pd.DataFrame, district_population: pd.Series) -> pd.Series:
    """Each zone's share of Kent's residents (rule D1), indexed by zone, in zone order."""
    pop = district_population / district_population.sum()
    share = zones["district"].map(pop).to_numpy(float) * zones["weight"].to_numpy(float)
    return pd.Series(share / share.sum(), index=zones["zone"].to_numpy())


def demand_table(split: pd.DataFrame, shares: pd.Series, levels: pd.DataFrame,
                 growth: GrowthRates, years: Sequence[int] = YEARS) -> pd.DataFrame:
    """Demand rows (zone × need × phase × level × year), whole pupils (rules D1, D2, L1, L2).

    The county's need × phase count is split into levels first (largest remainder), so the
    level totals are exact; each need × phase × level count is then shared over the zones by
    systematic rounding with a seeded offset per cell (:func:`systematic_round`), so small
    counts do not always fall to the same largest zones. Later years keep each cell's zones and
    grow its total at the need × phase rate.
    """
    zones = shares.index.to_numpy()
    frames = []
    cell = 0
    for _, row in split.iterrows():
        need = str(row["need"])
        for phase in PHASE_CODES:
            group = levels[levels["phases"].str.split(";").map(lambda ps, h=phase: h in ps)]
            weights = group[group["need"] == need].set_index("level")["share"]
            for level, n in zip(weights.index, apportion(int(row[phase]), weights.to_numpy()),
                                strict=True):
                cell += 1
                if n == 0:
                    continue
                offset = float(np.random.default_rng([SPREAD_SEED, cell]).random())
                base = systematic_round(int(n), shares.to_numpy(), offset)
                keep = base > 0
                rate = growth.rate(need, phase)
                for year in years:
                    total = round(int(n) * (1 + rate) ** (year - BASE_YEAR))
                    frames.append(pd.DataFrame({
                        "zone": zones[keep], "need": need, "phase": phase, "year": year,
                        "pupils": systematic_round(total, base[keep].astype(float), offset),
                        "level": level}))
    demand = pd.concat(frames, ignore_index=True)
    demand = demand[demand["pupils"] > 0]
    demand = demand.sort_values(["year", "zone", "need", "phase", "level"], kind="stable")
    return demand[["zone", "need", "phase", "year", "pupils", "level"]].reset_index(drop=True)


#: Seed of the offsets of :func:`systematic_round` (any fixed value; the build is reproducible).
SPREAD_SEED = 886


def systematic_round(total: int, weights: np.ndarray, offset: float) -> np.ndarray:
    """Whole parts of ``total`` in proportion to ``weights``: each part is the floor or the
    ceiling of its quota and they add up to ``total`` (cumulative rounding at ``offset`` in
    [0, 1), as in systematic sampling)."""
    cum = np.concatenate([[0.0], np.cumsum(total * weights / weights.sum())])
    cum[-1] = float(total)
    marks = np.floor(cum + offset + 1e-9)
    return np.diff(marks).astype(np.int64)


LEVEL_NOTE = ("; level ESTIMATE: rules L1/L2, the cell split by the need's Jan 2025 setting shares "
              "(provenance/level_shares.csv)")
DEMAND_BASE_NOTE = ("ESTIMATE: rule D1, in-scope Jan 2025 plans by need (S1) x need's phase share "
                    "x the zone's share of Kent residents (district 2020 population, S3, x the "
                    "zone's share of its district's LSOAs, R1); see provenance/demand_derivation.csv")


def demand_provenance(demand: pd.DataFrame, growth: GrowthRates) -> pd.DataFrame:
    """Provenance by need × phase × year (the rule is the same for every zone of a cell)."""
    cells = demand.groupby(["need", "phase", "year"], as_index=False)["pupils"].sum()
    method = [DEMAND_BASE_NOTE if y == BASE_YEAR else
              f"ESTIMATE: rule D2, the {BASE_YEAR} cells grown at {growth.rate(k, h):.6f} a year "
              f"(provenance/growth_rates.csv), total {n}"
              for k, h, y, n in zip(cells["need"], cells["phase"], cells["year"], cells["pupils"],
                                    strict=True)]
    return cells.assign(estimated=True, method_or_source=[m + LEVEL_NOTE for m in method])


def levels_table() -> pd.DataFrame:
    """levels.csv: the three levels of the Kent continuum used here."""
    return pd.DataFrame(LEVELS, columns=["level", "name", "order", "kinds"])


def level_shares(pack: Pack) -> pd.DataFrame:
    """Rule L1: each need's Jan 2025 plans by setting (S1), one row per need x level and phase
    group, with the share of the need's in-scope plans at that level (an ESTIMATE of the level
    split; Unknown need is left out of the shares). Rule L2: in phases without SRP places the L2
    plans are added to L1."""
    counts = pd.DataFrame({
        level: pack.placement(rows).drop("Unknown").rename(PACK_NEED).reindex(NEED_CODES)
        for level, rows in LEVEL_ROWS.items()}).fillna(0.0)
    frames = []
    for group, phases in (("with_srp", [p for p in PHASE_CODES if p not in NO_SRP_PHASES]),
                          ("no_srp", list(NO_SRP_PHASES))):
        c = counts.copy()
        if group == "no_srp":
            c["L1"] += c["L2"]
            c["L2"] = 0.0
        shares = c.div(c.sum(axis=1), axis=0)
        frame = c.stack().rename("plans_2025").reset_index()
        frame.columns = ["need", "level", "plans_2025"]
        frame["share"] = shares.stack().round(6).to_numpy()
        frame.insert(0, "phases", ";".join(phases))
        rule = ("rule L1: plans in " + ", ".join(LEVEL_ROWS[str(lv)]) for lv in frame["level"])
        frame["method_or_source"] = [
            f"ESTIMATE: {r} (S1 ehcp_by_need.csv, Jan 2025) / the need's in-scope plans"
            + (" ; rule L2: no SRP places in this phase, L2 plans counted at L1"
               if group == "no_srp" else "") for r in rule]
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    out["plans_2025"] = out["plans_2025"].astype(np.int64)
    return out
