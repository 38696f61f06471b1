"""The high-needs block (DSG) outside the model: ``high_needs.csv`` (income and the S251 lines
the model does not place), the opening DSG balance of ``[finance]``, and their reconciliation
with the pack's 2024-25 figures.

Rules (data card, *High-needs block (DSG)*):

* H1 income ``hnb_allocation``: Kent's high-needs block before deductions (R4, 2020-21 to
  2023-24) and the 2024-25 budget (``kent_figures.csv``); FY 2025..2030 = the 2024-25 budget
  grown by ``g``, the compound mean annual growth of that series (ESTIMATE).
* H2 Safety Valve: DfE GBP 140m + KCC GBP 82m over FY 2022-23..2027-28 (not in the pack; cited
  below), spread evenly over the six years (ESTIMATE; the per-year profile is not public here).
  The horizon's years go in the table; earlier ones into the opening balance.
* H3 spend outside the model: the S251 2021-22 budget lines (R5) for provision the model does not
  place (AP/PRU and hospital, post-school/FE, SEN support services, therapies), grown by ``g``.
* H4 opening balance (1 April 2025, ESTIMATE): the 31 March 2022 balance (R7 share x R6 total
  DSG), less the in-year deficits of 2022-23..2024-25, plus the Safety Valve received by then.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from kentbuild.common import F_FIG, YEARS, fmt_num, pack_ref
from kentbuild.pack import Pack
from kentbuild.packfiles import PackError, read_pack_csv

__all__ = ["S251_LINES", "SAFETY_VALVE", "HighNeeds", "finance_toml", "high_needs", "hnb_series"]

R4 = "raw/dsg_allocations_kent_neighbours.csv"
R5 = "raw/high_needs_benchmarking_2021_22_kent_neighbours.csv"
R6 = "raw/dsg_total_allocation_by_year_kent_neighbours.csv"
R7 = "raw/dsg_cumulative_balance_pct_kent_neighbours.csv"
KENT = "886"
#: Header of R4's high-needs block before deductions (the model pays academies' place funding
#: too, so income is before the ESFA deductions for directly funded places).
HNB_HEADER = "High needs block (£s) | [C]"
S251_YEAR = 2021
#: The Safety Valve agreement (NOT in the data pack): line, GBP, payer.
SV_URL = ("https://www.kent.gov.uk/about-the-council/strategies-and-policies/service-specific-"
          "policies/education-policies/send-strategies-and-policies/safety-valve-agreement")
SAFETY_VALVE: dict[str, tuple[float, str]] = {
    "safety_valve_dfe": (140e6, "DfE contribution"),
    "safety_valve_kcc": (82e6, "KCC contribution from its own budget"),
}
SV_YEARS = tuple(range(2022, 2028))  # FY 2022-23 .. 2027-28
#: S251 2021-22 budget lines (R5 column_index: expected header start) outside the model, by line.
#: The model places school pupils (mainstream, SRP, special, independent special: place funding
#: and top-ups of the primary, secondary and special-school columns 17-19, 24-26, 32-34); early
#: years (16, 23, 31) are 0 for Kent. ``income`` (29, 37) is top-up income, netted in S251.
S251_LINES: dict[str, tuple[str, dict[int, str], str]] = {
    "alternative_provision_outside": ("spend", {
        20: "PRUs and AP academies |", 27: "PRUs and AP academies (1)",
        35: "PRUs and AP academies (2)", 39: "Alternative provision services",
        40: "Hospital education services"},
        "PRU/AP place funding and top-ups, AP and hospital education services (no AP in the model)"),
    "post16_fe": ("spend", {
        21: "Post School |", 28: "Post School (1)", 36: "Post School (2)"},
        "post-school place funding and top-ups: FE colleges and specialist post-16 institutions "
        "(FE is out of scope)"),
    "outreach_support": ("spend", {38: "SEN support and inclusion services"},
                         "SEN support and inclusion services (outreach, advisory teams)"),
    "therapies": ("spend", {41: "Therapies and other health related services"},
                  "therapies and other health-related services"),
    "top_up_income": ("income", {29: "Income (1)", 37: "Income (2)"},
                      "top-up income (S251 nets it off the top-up lines)"),
}
COLUMNS = ["financial_year", "line", "kind", "amount_gbp", "estimate", "source"]


@dataclass(frozen=True)
class HighNeeds:
    """The step's results: ``table`` (high_needs.csv), ``opening`` (GBP, 1 April 2025), the
    growth rate ``g``, the HNB series (FY -> GBP) and the derivation rows of the opening."""

    table: pd.DataFrame
    opening: float
    g: float
    series: pd.Series
    derivation: pd.DataFrame


def _fy(title: str) -> int:
    """``"Dedicated schools grant: 2020 to 2021 ..."`` -> 2020."""
    words = title.split()
    i = words.index("to")
    return int(words[i - 1])


def hnb_series(data: Path, pack: Pack) -> pd.Series:
    """Kent's high-needs block by financial year: R4 before deductions, then the 2024-25 budget."""
    r4 = read_pack_csv(data, R4, ["sheet", "sheet_title", "la_code", "column_header", "value"],
                       dtype={"la_code": str})
    rows = r4[(r4["la_code"] == KENT) & (r4["sheet"] == "Allocations_summary")
              & (r4["column_header"] == HNB_HEADER)]
    if rows.empty:
        raise PackError(data / R4, f"expected Kent rows with column_header {HNB_HEADER!r}")
    series = pd.Series({_fy(t): float(v) for t, v in zip(rows["sheet_title"], rows["value"],
                                                         strict=True)}).sort_index()
    series[2024] = pack.figure("high_needs_block_budget", "2024-25") * 1e6
    return series.sort_index()


def growth_rate(series: pd.Series) -> float:
    """Compound mean annual growth, first recorded year to last."""
    first, last = int(series.index[0]), int(series.index[-1])
    return float((series[last] / series[first]) ** (1 / (last - first)) - 1)


def s251_lines(data: Path) -> dict[str, float]:
    """The S251 2021-22 budget total (GBP) of each line of :data:`S251_LINES` for Kent."""
    r5 = read_pack_csv(data, R5, ["la_code", "column_index", "column_header", "value"],
                       dtype={"la_code": str})
    kent = r5[r5["la_code"] == KENT].set_index("column_index")
    out = {}
    for line, (_, cols, _) in S251_LINES.items():
        for col, start in cols.items():
            if col not in kent.index or not str(kent.at[col, "column_header"]).startswith(start):
                raise PackError(data / R5, f"expected Kent column_index {col} headed {start!r}")
        out[line] = float(sum(float(kent.at[c, "value"]) for c in cols))
    return out


def _sv_share(line: str) -> float:
    return SAFETY_VALVE[line][0] / len(SV_YEARS)


def _table(series: pd.Series, g: float, s251: dict[str, float]) -> pd.DataFrame:
    rate = f"g = {g:.4%} a year, the compound mean annual growth of Kent's high-needs block " \
           f"{series.index[0]}-{series.index[0] + 1 - 2000:02d} to 2024-25 (H1)"
    base = series[2024]
    rows = []
    for fy in YEARS:
        rows.append((fy, "hnb_allocation", "income", base * (1 + g) ** (fy - 2024), True,
                     f"ESTIMATE: {pack_ref(F_FIG, 'high_needs_block_budget 2024-25, GBP 342.7m')}"
                     f" x (1 + g)^{fy - 2024}; {rate}; recorded: {pack_ref(R4)} 'High needs "
                     "block' before deductions 2020-21..2023-24"))
        if fy in SV_YEARS:
            for line, (total, who) in SAFETY_VALVE.items():
                rows.append((fy, line, "income", _sv_share(line), True,
                             f"ESTIMATE: Safety Valve agreement {who} GBP {total / 1e6:.0f}m over "
                             f"FY 2022-23..2027-28 (NOT in the data pack: {SV_URL}), spread evenly "
                             f"over its {len(SV_YEARS)} financial years (profile not available, "
                             "H2)"))
        for line, (kind, cols, what) in S251_LINES.items():
            rows.append((fy, line, kind, s251[line] * (1 + g) ** (fy - S251_YEAR), True,
                         f"ESTIMATE: {what}: S251 budget 2021-22 GBP {fmt_num(round(s251[line]))} "
                         f"({pack_ref(R5, 'Kent column_index ' + '+'.join(map(str, cols)))}) "
                         f"x (1 + g)^{fy - S251_YEAR}; {rate}"))
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame["amount_gbp"] = frame["amount_gbp"].round(0)
    return frame.sort_values(["financial_year", "kind", "line"]).reset_index(drop=True)


def _kent_value(path: Path, frame: pd.DataFrame, column: str, where: dict[str, str]) -> float:
    rows = frame
    for key, value in where.items():
        rows = rows[rows[key].astype(str) == value]
    if len(rows) != 1:
        raise PackError(path, f"expected one Kent row for {where}, found {len(rows)}")
    return float(rows[column].iloc[0])


def opening_balance(data: Path, pack: Pack, series: pd.Series) -> tuple[float, pd.DataFrame]:
    """The cumulative DSG balance at 1 April 2025 (rule H4, ESTIMATE) and its derivation rows."""
    r6 = read_pack_csv(data, R6, ["la_code", "Total DSG allocation (£s)", "time_period"],
                       dtype={"la_code": str})
    r7 = read_pack_csv(data, R7, ["la_name", "DSG cumulative balance as a % of the total income",
                                  "financial_year"])
    pct = "DSG cumulative balance as a % of the total income"
    dsg = {y: _kent_value(data / R6, r6, "Total DSG allocation (£s)",
                          {"la_code": KENT, "time_period": f"{y}{(y + 1) % 100:02d}"})
           for y in (2020, 2021)}
    share = {y: _kent_value(data / R7, r7, pct,
                            {"la_name": "Kent", "financial_year": f"{y}-{(y + 1) % 100:02d}"})
             for y in (2020, 2021)}
    closing = {y: share[y] / 100 * dsg[y] for y in (2020, 2021)}
    deficit_21 = closing[2020] - closing[2021]
    spend_21 = series[2021] + deficit_21
    spend_24 = pack.figure("high_needs_block_forecast_cost", "2024-25") * 1e6
    step = (spend_24 / spend_21) ** (1 / 3)
    spend = {2022: spend_21 * step, 2023: spend_21 * step ** 2, 2024: spend_24}
    deficits = {y: spend[y] - series[y] for y in (2022, 2023, 2024)}
    before = [y for y in SV_YEARS if y < YEARS[0]]
    received = sum(_sv_share(line) for line in SAFETY_VALVE) * len(before)
    opening = closing[2021] - sum(deficits.values()) + received
    r67 = f"{pack_ref(R7, 'Kent 2021-22')} x {pack_ref(R6, 'Kent 202122')}"
    rows = [
        ("closing_balance_2021_22", 2021, closing[2021], False,
         f"{share[2021]:.2f}% x total DSG GBP {fmt_num(round(dsg[2021]))}: {r67}"),
        ("in_year_deficit_2021_22", 2021, deficit_21, True,
         f"ESTIMATE: change of the R7 balance 2020-21 ({share[2020]:.2f}% x GBP "
         f"{fmt_num(round(dsg[2020]))}) to 2021-22, all of it taken as high-needs"),
        ("hnb_spend_2021_22", 2021, spend_21, True,
         "ESTIMATE: R4 high-needs block 2021-22 + the in-year deficit"),
        *[(f"in_year_deficit_{y}_{(y + 1) % 100:02d}", y, deficits[y], True,
           f"ESTIMATE: spend GBP {fmt_num(round(spend[y]))} (geometric interpolation between "
           "the 2021-22 spend and the 2024-25 forecast GBP 389m) - high-needs block "
           f"GBP {fmt_num(round(series[y]))} ({pack_ref(R4)})") for y in (2022, 2023)],
        ("in_year_deficit_2024_25", 2024, deficits[2024], False,
         pack_ref(F_FIG, "high_needs_block_forecast_cost 389 - high_needs_block_budget 342.7, "
                  "2024-25 (GBP 46.3m overspend)")),
        ("safety_valve_received_before_2025", 2024, received, True,
         f"ESTIMATE: DfE + KCC Safety Valve shares of FY {before[0]}-{before[-1]} "
         f"({len(before)} of {len(SV_YEARS)} even years, H2; NOT in the data pack: {SV_URL})"),
        ("opening_balance_1_april_2025", 2025, round(opening, -5), True,
         "ESTIMATE: closing 2021-22 - in-year deficits 2022-23..2024-25 + Safety Valve "
         "received, rounded to GBP 0.1m (negative: a deficit)"),
    ]
    frame = pd.DataFrame(rows, columns=["item", "financial_year", "amount_gbp", "estimated",
                                        "method_or_source"])
    frame["amount_gbp"] = frame["amount_gbp"].round(0)
    frame["estimated"] = frame["estimated"].map(lambda b: "true" if b else "false")
    return round(opening, -5), frame


def high_needs(data: Path, pack: Pack) -> HighNeeds:
    """Rules H1-H4 from the pack."""
    series = hnb_series(data, pack)
    g = growth_rate(series)
    table = _table(series, g, s251_lines(data))
    opening, derivation = opening_balance(data, pack, series)
    return HighNeeds(table, opening, g, series, derivation)


def finance_toml(opening: float) -> str:
    """The ``[finance]`` section of instance.toml (no Safety Valve target in the baseline)."""
    return "\n".join([
        "[finance]",
        f"opening_balance = {opening:.1f}  # ESTIMATE: cumulative DSG balance at 1 April 2025 = "
        "31 March 2022 balance (R7 x R6) - in-year deficits 2022-23..2024-25 + Safety Valve "
        "received; see provenance/high_needs_opening_balance.csv",
        "",
    ])
