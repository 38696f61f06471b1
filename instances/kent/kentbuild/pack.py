"""The data-pack tables the build uses, read through :mod:`kentbuild.packfiles`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from kentbuild.common import F_DIST, F_FIG, F_NEED, F_PROV, F_TREND
from kentbuild.packfiles import PackError, read_pack_csv

#: provisions.csv columns the build reads.
PROVISION_COLUMNS = ("urn", "name", "provision_kind", "phase", "low_age", "high_age", "age_source",
                     "district", "district_source", "town", "postcode", "urn_postcode_source",
                     "lat", "lon", "coord_quality", "coord_source", "designated_places",
                     "designated_places_year", "designated_places_source", "on_roll",
                     "on_roll_date", "on_roll_source", "sen_designation",
                     "sen_designation_detail", "designation_source", "notes", "type_source")


@dataclass(frozen=True)
class Pack:
    """The data-pack tables the build uses."""

    by_need: pd.DataFrame
    trend: pd.DataFrame
    figures: pd.DataFrame
    districts: pd.DataFrame
    provisions: pd.DataFrame
    folder: Path

    @classmethod
    def read(cls, folder: Path) -> Pack:
        """Read the pack's CSV files from ``folder``."""
        if not folder.is_dir():
            raise PackError(folder, "data pack folder not found (use --data)")
        need = read_pack_csv(folder, F_NEED, ["geography", "breakdown_topic", "breakdown",
                                              "primary_need", "ehc_plans",
                                              "total_ehc_plans_in_breakdown"])
        return cls(
            by_need=need[need["geography"] == "Kent"].copy(),
            trend=read_pack_csv(folder, F_TREND, ["census_january", "establishment_group",
                                                  "statements_plus_ehc_plans"]),
            figures=read_pack_csv(folder, F_FIG, ["metric", "value", "period"]),
            districts=read_pack_csv(folder, F_DIST, ["district", "lat", "lon",
                                                     "population_2020"]),
            provisions=read_pack_csv(folder, F_PROV, PROVISION_COLUMNS, dtype={"urn": str}),
            folder=folder,
        )

    def figure(self, metric: str, period: str | None = None) -> float:
        """One value of kent_figures.csv."""
        rows = self.figures[self.figures["metric"] == metric]
        if period is not None:
            rows = rows[rows["period"] == period]
        if len(rows) != 1:
            raise PackError(self.folder / F_FIG, f"expected one {metric!r} row"
                            + (f" for {period!r}" if period else "") + f", found {len(rows)}")
        return float(rows["value"].iloc[0])

    def placement(self, breakdowns: Iterable[str]) -> pd.Series:
        """EHC plans by pack primary need, summed over the listed placement breakdowns."""
        rows = self.by_need[(self.by_need["breakdown_topic"] == "Type of placement")
                            & self.by_need["breakdown"].isin(list(breakdowns))]
        return rows.groupby("primary_need")["ehc_plans"].sum().astype(float)

    def ages(self, low: int, high: int) -> pd.Series:
        """EHC plans by pack primary need for ages ``low`` to ``high - 1``."""
        topic = self.by_need[self.by_need["breakdown_topic"] == "Child or young persons age"]
        labels = [f"age {a}" for a in range(low, high)]
        return topic[topic["breakdown"].isin(labels)].groupby("primary_need")["ehc_plans"].sum()

    def placement_total(self, breakdown: str) -> int:
        """The pack's ``total_ehc_plans_in_breakdown`` of one placement row."""
        rows = self.by_need[(self.by_need["breakdown_topic"] == "Type of placement")
                            & (self.by_need["breakdown"] == breakdown)]
        return int(rows["total_ehc_plans_in_breakdown"].iloc[0])

