"""Write the reports as CSV files and workbooks: sufficiency, the budget export, the plan, and a
comparison of runs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from placement_opt.errors import OutputError
from placement_opt.io.atomic import ensure_new_file, neutralise_text, write_text_atomic, write_with
from placement_opt.io.workbook import Book, open_book
from placement_opt.reports.budget import (
    BUDGET_SCHEMA,
    SCHEMA_VERSION,
    budget_export,
    budget_fy,
    budget_summary,
    fy_summary,
)
from placement_opt.reports.clusters import CLUSTER_SCHEMA, cluster_budgets, cluster_summary
from placement_opt.reports.compare import Comparison
from placement_opt.reports.html.compare_page import render_comparison
from placement_opt.reports.plan import has_investments, plan_report
from placement_opt.reports.sufficiency import sufficiency_report
from placement_opt.reports.workbook_formats import (
    FY_DESCRIPTIONS,
    budget_headline,
    write_tables,
)
from placement_opt.results.run import RunData

__all__ = ["BUDGET_FILES", "PLAN_FILES", "SUFFICIENCY_FILES", "write_budget", "write_comparison",
           "write_plan", "write_reports", "write_sufficiency"]

SUFFICIENCY_FILES = ("sufficiency.xlsx", "sufficiency.csv", "sufficiency_county.csv")
BUDGET_FILES = ("budget_export.xlsx", "budget_export.csv", "budget_clusters.csv")
PLAN_FILES = ("plan.xlsx", "plan_investments.csv", "plan_places.csv")

_NOTES = [
    ["demand", "Projected pupils with EHC plans (the instance's demand)."],
    ["places_special / _srp / _mainstream", "Places located in the district in state-funded "
     "provisions of that kind, apportioned to need and phase (see below)."],
    ["places_local", "Sum of the three."],
    ["placed_locally", "Pupils placed in a provision of any kind (the independent sector "
     "included) in their own district: the one definition of met locally "
     "(models/allocation.md)."],
    ["placed_elsewhere", "Pupils placed outside their own district (another district or out of "
     "county). placed_locally + placed_elsewhere + unmet = demand."],
    ["placed_independent", "Pupils placed in the independent or non-maintained sector, in or "
     "outside their district."],
    ["unmet", "Pupils with no eligible place."],
    ["placed_special / _srp / _mainstream", "Pupils placed in provisions of that kind."],
    ["surplus_deficit", "places_local - demand (negative = deficit)."],
    ["share_met_locally", "placed_locally / demand."],
    ["mean_journey_min", "Pupil-weighted mean one-way journey of placed pupils."],
    ["apportionment", "A provision's places go first to the need and phase of the pupils placed "
     "there; its spare places are shared among the groups it may serve in proportion to the "
     "demand for each in its district. The apportioned places add up to its capacity."],
]


def _refuse_existing(folder: Path, names: tuple[str, ...], overwrite: bool) -> None:
    taken = [n for n in names if (folder / n).exists()]
    if taken and not overwrite:
        raise OutputError(f"{folder} already has {', '.join(taken)}; use --overwrite to replace")


def write_sufficiency(run: RunData, folder: Path, overwrite: bool = False) -> list[Path]:
    """Sufficiency workbook (one sheet per table, plus notes) and the detail and county CSVs."""
    _refuse_existing(folder, SUFFICIENCY_FILES, overwrite)
    tables = sufficiency_report(run)

    out = [folder / SUFFICIENCY_FILES[0], folder / SUFFICIENCY_FILES[1], folder / SUFFICIENCY_FILES[2]]
    write_tables(out[0], tables, "tbl", (["column", "meaning"], _NOTES),
                 describe=dict(_NOTES))
    write_text_atomic(out[1], neutralise_text(tables["detail"]).to_csv(index=False))
    write_text_atomic(out[2], neutralise_text(tables["county"]).to_csv(index=False))
    return out


def write_budget(run: RunData, folder: Path, overwrite: bool = False) -> list[Path]:
    """Budget export: the long table and the cluster budgets as CSV, and a workbook of Excel
    tables (budget, summary, budget_fy, summary_fy, clusters, cluster_summary), a headline sheet
    of named cells and a schema sheet (README, Outputs)."""
    _refuse_existing(folder, BUDGET_FILES, overwrite)
    export = budget_export(run)
    clusters = cluster_budgets(run)
    fy = budget_fy(export)
    summary, summary_fy = budget_summary(export), fy_summary(fy)

    def _pivot(book: Book, sheet: str, frame: pd.DataFrame, table: str, what: str) -> None:
        cols = frame.columns[1:]
        book.table(sheet, frame, table, formats=dict.fromkeys(cols, "gbp"),
                   describe={frame.columns[0]: "Funding line (a total row last).",
                             **{c: f"GBP in {what} {c}" for c in cols},
                             "total": "GBP over the horizon."})

    def _book(tmp: Path) -> None:
        with open_book(tmp, tables=True) as book:
            book.table("budget", export, "tbl_budget",
                       describe={c: d for c, (_, d) in BUDGET_SCHEMA.items()})
            _pivot(book, "summary", summary, "tbl_summary", "academic year")
            book.table("budget_fy", fy, "tbl_budget_fy",
                       describe={**{c: d for c, (_, d) in BUDGET_SCHEMA.items()},
                                 **FY_DESCRIPTIONS})
            _pivot(book, "summary_fy", summary_fy, "tbl_summary_fy", "financial year")
            book.table("clusters", clusters, "tbl_clusters",
                       describe={c: d for c, (_, d) in CLUSTER_SCHEMA.items()},
                       formats={"demand": "pupils", "county_demand": "pupils",
                                "places_in_cluster": "pupils"})
            _pivot(book, "cluster_summary", cluster_summary(clusters), "tbl_cluster_summary",
                   "academic year")
            book.headline("headline", budget_headline(export, fy, SCHEMA_VERSION))
            book.schema()

    out = [folder / name for name in BUDGET_FILES]
    write_with(out[0], _book)
    write_text_atomic(out[1], neutralise_text(export).to_csv(index=False))
    write_text_atomic(out[2], neutralise_text(clusters).to_csv(index=False))
    return out


_PLAN_NOTES = [
    ["investments", "One row per candidate site opened and per provision expanded: capital, places, "
     "pupils in the added places and where they come from, their place and transport cost, the cost "
     "of the same pupil-years in the cheapest eligible place with room at another provision "
     "(alternative, alternative_cost; where none has room, the place's marginal value), saving, "
     "net_saving (less capital), payback_years (capital / the last year's saving) and the "
     "shadow price of one more place (a marginal value at the optimum)."],
    ["places_added", "District x need x phase x year: demand, state places located in the district "
     "without the investments and with them, places added, deficit (demand above places, clipped "
     "at 0 per need and phase) without the investment and after it."],
    ["apportionment", "Places are split over need and phase as in the sufficiency report; an added "
     "place takes its provision's added share (all of a new site, added / capacity of an "
     "expanded school). Pupils of an expanded school count in its added places in the same share."],
]


def write_plan(run: RunData, folder: Path, overwrite: bool = False) -> list[Path]:
    """The plan (``placement_opt.reports.plan``): a workbook and two CSVs; nothing when the
    instance offers no candidate sites or expansions."""
    if not has_investments(run):
        return []
    _refuse_existing(folder, PLAN_FILES, overwrite)
    tables = plan_report(run)

    out = [folder / name for name in PLAN_FILES]
    write_tables(out[0], tables, "tbl_plan", (["table", "meaning"], _PLAN_NOTES))
    write_text_atomic(out[1], neutralise_text(tables["investments"]).to_csv(index=False))
    write_text_atomic(out[2], neutralise_text(tables["places_added"]).to_csv(index=False))
    return out


def write_reports(run: RunData, folder: Path, overwrite: bool = False) -> list[Path]:
    """The sufficiency report, the budget export and (with investments) the plan into ``folder``."""
    return (write_sufficiency(run, folder, overwrite) + write_budget(run, folder, overwrite)
            + write_plan(run, folder, overwrite))


def write_comparison(comp: Comparison, folder: Path, overwrite: bool = False) -> list[Path]:
    """A comparison of runs as ``compare.xlsx`` (every table), ``compare_kpis.csv``,
    ``compare_differences.csv`` and ``compare.html``; refuses existing files unless ``overwrite``."""

    targets = [folder / n for n in ("compare.xlsx", "compare_kpis.csv", "compare_differences.csv",
                                    "compare.html")]
    for target in targets:
        ensure_new_file(target, overwrite)
    folder.mkdir(parents=True, exist_ok=True)
    sheets = {"runs": comp.runs, "kpis": comp.kpis, "kpis_by_year": comp.kpis_by_year,
              "district_need": comp.district_need, "differences": comp.differences}

    write_tables(targets[0], sheets, "tbl_compare")
    write_text_atomic(targets[1], neutralise_text(
        pd.concat([comp.kpis.assign(year="all"), comp.kpis_by_year], ignore_index=True)
    ).to_csv(index=False))
    write_text_atomic(targets[2], neutralise_text(comp.differences).to_csv(index=False))
    write_text_atomic(targets[3], render_comparison(comp))
    return targets
