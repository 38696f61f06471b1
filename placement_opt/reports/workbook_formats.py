"""Finance-ready report workbooks: the number format of each report column, the headline figures
of the budget workbook, and one call that writes a set of report tables as Excel tables."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from placement_opt.io.atomic import write_with
from placement_opt.io.workbook import open_book

__all__ = ["FY_DESCRIPTIONS", "budget_headline", "integer_years", "report_formats", "write_tables"]

FY_DESCRIPTIONS = {
    "financial_year": "Financial year starting in April of this year (FY f = 5/12 of academic "
                      "year f - 1 + 7/12 of academic year f).",
    "financial_year_label": "The financial year as 2025-26.",
    "pupils": "Average pupils (places, for vacant_place_funding and capital) over the financial "
              "year.",
    "amount_gbp": "Cost in GBP for the financial year.",
    "estimated": "True for the first financial year: its April to August comes from the first "
                 "academic year, not the one before (not modelled).",
}
_PUPIL_NAMES = ("demand", "unmet", "surplus_deficit", "county_demand")
_PUPIL_PREFIXES = ("placed_", "places_", "pupils", "deficit", "added", "pupil_years")
_GBP_NAMES = ("capital", "saving", "net_saving", "objective", "alternative_cost",
              "revenue_cost")


def report_formats(frame: pd.DataFrame) -> dict[str, str]:
    """Formats (``placement_opt.io.workbook.FORMATS`` keys) of the numeric report columns whose
    names the generic rules miss: pupils (demand, unmet, placed_*, places_*, …), GBP (capital,
    costs, savings, shadow prices) and plain numbers (minutes, payback years)."""
    out: dict[str, str] = {}
    for column in frame.columns:
        name = str(column)
        if frame[column].dtype.kind not in "iuf":
            continue
        if name in _PUPIL_NAMES or name.startswith(_PUPIL_PREFIXES) or name == "places":
            out[name] = "pupils"
        elif name in _GBP_NAMES or "cost" in name or name.startswith("shadow_price"):
            out[name] = "gbp"
        elif name.endswith("_min") or name == "payback_years":
            out[name] = "number"
    return out


def integer_years(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with a text ``year`` column of whole numbers stored as integers (a column with
    other text, such as ``all``, is left as it is)."""
    if "year" not in frame.columns or frame["year"].dtype.kind in "iu":
        return frame
    years = pd.to_numeric(frame["year"], errors="coerce")
    if len(years) and years.notna().all() and (years % 1 == 0).all():
        return frame.assign(year=years.astype("int64"))
    return frame


def write_tables(target: Path, sheets: Mapping[str, pd.DataFrame], prefix: str,
                 notes: tuple[list[str], list[list[Any]]] | None = None,
                 describe: Mapping[str, str] | None = None) -> None:
    """Write each frame as a sheet holding one Excel table ``<prefix>_<sheet>``, a ``notes``
    table of (header, rows) when given, and a ``schema`` sheet; atomically."""

    def _book(tmp: Path) -> None:
        with open_book(tmp, tables=True) as book:
            for name, frame in sheets.items():
                frame = integer_years(frame)
                book.table(name, frame, f"{prefix}_{name}", formats=report_formats(frame),
                           describe=describe)
            if notes is not None:
                header, rows = notes
                book.table("notes", pd.DataFrame(rows, columns=header), f"{prefix}_notes",
                           widths={header[-1]: 100})
            book.schema(table=f"{prefix}_schema")

    write_with(target, _book)


def budget_headline(export: pd.DataFrame, fy: pd.DataFrame, version: str
                    ) -> list[tuple[str, str, Any, str]]:
    """The headline figures of the budget workbook: (defined name, label, value, format)."""
    cost = export[export["in_objective"].astype(bool)]
    lines = export.groupby("funding_line")["amount_gbp"].sum()
    unmet = export.loc[export["funding_line"] == "unmet_demand"].groupby("year")["pupils"].sum()
    rows: list[tuple[str, str, Any, str]] = [
        ("schema_version", "Budget-export schema version", version, ""),
        ("total_cost_gbp", "Total cost in the objective, whole horizon (GBP)",
         float(cost["amount_gbp"].sum()), "gbp"),
    ]
    by_ay = cost.groupby("year")["amount_gbp"].sum()
    for year, amount in zip(by_ay.index.astype(int), by_ay.to_numpy(float), strict=True):
        rows.append((f"total_cost_ay_{year}", f"Total cost in the objective, academic year "
                     f"{year}/{int(year) + 1 - 2000:02d} (GBP)", float(amount), "gbp"))
    fy_cost = fy[fy["in_objective"].astype(bool)].groupby(
        ["financial_year", "financial_year_label", "estimated"])["amount_gbp"].sum().reset_index()
    for year, label, estimated, amount in fy_cost.itertuples(index=False):
        note = ", estimated" if estimated else ""
        rows.append((f"total_cost_fy_{year}", f"Total cost in the objective, financial year "
                     f"{label}{note} (GBP)", float(amount), "gbp"))
    for line, label in (("place_funding", "Place funding"), ("top_up", "Top-up funding"),
                        ("mainstream_support", "Mainstream support"),
                        ("independent_placements", "Independent placements"),
                        ("transport", "Transport"), ("capital", "Capital"),
                        ("vacant_place_funding", "Vacant place funding (not in the objective)")):
        rows.append((f"{line}_gbp", f"{label}, whole horizon (GBP)",
                     float(lines.get(line, 0.0)), "gbp"))
    rows.append(("unmet_pupil_years", "Unmet pupils summed over the academic years",
                 float(unmet.sum()), "pupils"))
    last = max(export["year"]) if len(export) else None
    rows.append(("unmet_pupils_last_year", f"Unmet pupils in the last academic year ({last})",
                 float(unmet.get(last, 0.0)) if last is not None else 0.0, "pupils"))
    return rows
