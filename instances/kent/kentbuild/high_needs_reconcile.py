"""``provenance/high_needs_reconciliation.csv``: the pack's (and the Safety Valve agreement's)
high-needs figures beside what the instance holds, and the gap (instance - published)."""

from __future__ import annotations

import pandas as pd

from kentbuild.common import F_FIG, YEARS, pack_ref
from kentbuild.high_needs import R4, SAFETY_VALVE, SV_URL, SV_YEARS, HighNeeds
from kentbuild.pack import Pack

__all__ = ["COLUMNS", "reconciliation_table"]

COLUMNS = ["item", "financial_year", "published_gbp", "instance_gbp", "gap_gbp",
           "published_source", "instance_method"]


def reconciliation_table(pack: Pack, hn: HighNeeds, allocations: pd.DataFrame) -> pd.DataFrame:
    """Rows comparing published figures with the instance; ``allocations`` is the 2025 baseline
    (Jan 2025 pupils at 2024-25 unit costs), whose place costs are the model's DSG spend."""
    t = hn.table
    first = YEARS[0]
    back = 1 + hn.g

    def line(name: str, fy: int = first) -> float:
        rows = t[(t["line"] == name) & (t["financial_year"] == fy)]
        return float(rows["amount_gbp"].sum())

    budget = pack.figure("high_needs_block_budget", "2024-25") * 1e6
    forecast = pack.figure("high_needs_block_forecast_cost", "2024-25") * 1e6
    hnb_24 = line("hnb_allocation") / back
    outside = t[(t["financial_year"] == first) & (t["kind"] == "spend")]
    outside_24 = float(outside["amount_gbp"].sum()) / back
    model_24 = float(allocations["place_cost"].sum())
    spend_24 = model_24 + outside_24
    sv_in = float(t[t["line"].isin(list(SAFETY_VALVE))]["amount_gbp"].sum())
    sv_total = sum(v for v, _ in SAFETY_VALVE.values())
    in_horizon = [y for y in SV_YEARS if y >= first]
    closing_21 = float(hn.derivation.set_index("item").at["closing_balance_2021_22", "amount_gbp"])
    fig = pack_ref(F_FIG, "2024-25, news report of KCC scrutiny committee papers")
    rows = [
        ("hnb_budget", 2024, budget, hnb_24, fig + ": high_needs_block_budget",
         "high_needs.csv hnb_allocation 2025-26 / (1 + g): the anchor of the projection"),
        ("hnb_allocation_2023_24", 2023, float(hn.series[2023]), hnb_24 / back,
         pack_ref(R4, "high needs block before deductions 2023-24"),
         f"the 2024-25 anchor / (1 + g): g = {hn.g:.2%} against the recorded "
         f"{hn.series[2024] / hn.series[2023] - 1:.2%} of 2023-24 to 2024-25"),
        ("hnb_spend_forecast", 2024, forecast, spend_24, fig + ": high_needs_block_forecast_cost",
         f"model DSG spend of the 2025 baseline (place costs, GBP {model_24 / 1e6:.1f}m) + the "
         f"spend lines outside the model for 2025-26 / (1 + g) (GBP {outside_24 / 1e6:.1f}m)"),
        ("hnb_overspend", 2024, forecast - budget, spend_24 - hnb_24,
         fig + ": forecast 389 - budget 342.7 (overspend GBP 46.3m)",
         "the two rows above: spend - budget"),
        ("dsg_balance_2021", 2021, -pack.figure("high_needs_deficit", "2021") * 1e6, closing_21,
         pack_ref(F_FIG, "high_needs_deficit 2021 (Bureau of Investigative Journalism data)"),
         "R7 cumulative balance share x R6 total DSG, 31 March 2022 "
         "(provenance/high_needs_opening_balance.csv)"),
        ("safety_valve_in_horizon", first, sv_total * len(in_horizon) / len(SV_YEARS), sv_in,
         f"Safety Valve DfE GBP 140m + KCC GBP 82m, FY 2022-23..2027-28 (NOT in the data pack: "
         f"{SV_URL}); the horizon's {len(in_horizon)} of {len(SV_YEARS)} years",
         "high_needs.csv safety_valve_dfe + safety_valve_kcc, FY 2025-26..2027-28"),
    ]
    frame = pd.DataFrame(
        [(item, fy, pub, inst, inst - pub, src, how) for item, fy, pub, inst, src, how in rows],
        columns=COLUMNS)
    for col in ("published_gbp", "instance_gbp", "gap_gbp"):
        frame[col] = frame[col].round(0)
    return frame
