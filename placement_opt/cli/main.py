"""The instance and run commands: ``solve``, ``validate``, ``report``, ``pathways``, ``tariff``,
``solvers``, ``export-model`` and ``template``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from placement_opt.cli.common import (
    INSTANCES,
    PLANS,
    app,
    console,
    empty_run_folder,
    err_console,
    issues_table,
    load_instance,
    print_summary,
    reported,
)
from placement_opt.cli.tables import Col, print_fitted
from placement_opt.io.bundled import DEFAULT_INSTANCE
from placement_opt.options import SolveOptions
from placement_opt.reports.format import fmt_unit
from placement_opt.results.run import RunData

__all__ = ["export_model", "pathways", "report", "solve", "solvers", "tariff", "template",
           "validate"]


@app.command(rich_help_panel=INSTANCES)
def validate(path: Annotated[str, typer.Argument(help="CSV folder, .xlsx or .json.")]) -> None:
    """Check an instance and list every problem in it.

    Exit code 2 when there are errors."""
    from placement_opt.reports.high_needs import check_account

    inst = load_instance(path)
    with reported(f"Problems in the high-needs account of {path}"):
        check_account(inst)
    from placement_opt.model.arcs import eligible_arcs
    from placement_opt.model.checks import presolve_checks
    from placement_opt.model.data import ModelData

    data = ModelData.from_instance(inst)
    findings = list(inst.warnings) + presolve_checks(data, eligible_arcs(data))
    if findings:
        console.print(issues_table(findings, f"Warnings for {path}"))
    console.print(f"[green]{path}: valid[/] ({len(inst.zones)} zones, {len(inst.provisions)} "
                  f"provisions, {len(inst.demand)} demand rows, years {inst.years[0]}-"
                  f"{inst.years[-1]}; {len(findings)} warning(s))")


@app.command(rich_help_panel=PLANS)
def solve(
    path: Annotated[str, typer.Argument(help="Instance: CSV folder, .xlsx, .json or a bundled "
                                             "name.")] = DEFAULT_INSTANCE,
    out: Annotated[Path | None, typer.Option(help="Result folder (default: a new folder "
                                                  "under runs/).")] = None,
    overwrite: Annotated[bool, typer.Option(help="Allow writing into a non-empty --out.")] = False,
    time_limit: Annotated[float | None, typer.Option(help="Seconds.")] = None,
    gap: Annotated[float, typer.Option(help="Relative MIP gap.")] = 1e-4,
    threads: Annotated[int, typer.Option(help="Solver threads.")] = 1,
    seed: Annotated[int, typer.Option(help="Solver seed.")] = 0,
    log_file: Annotated[Path | None, typer.Option(help="Write the solver log here.")] = None,
    backend: Annotated[str, typer.Option(help="highs, ortools, pulp, flow, cpsat or auto.")] = "highs",
) -> None:
    """Solve an instance, print a summary, write the run folder.

    The result tables as CSV and xlsx, the reports and report.html."""
    from placement_opt.cli.progress import live_status, solve_clock
    from placement_opt.reports.high_needs import check_account
    from placement_opt.reports.run_folder import write_run
    from placement_opt.solve import solve as run_solve

    inst = load_instance(path)
    with reported(f"Problems in the high-needs account of {path}", outcome="nothing was solved."):
        check_account(inst)
    with reported(f"Problems in {path}"):
        options = SolveOptions(time_limit=time_limit, gap=gap, threads=threads, seed=seed,
                               log_file=log_file, backend=backend)
        folder = empty_run_folder(out, inst.name, overwrite)
        with live_status() as show:  # a status line on stderr, when it is a terminal
            result = run_solve(inst, options.model_copy(update={"progress": solve_clock(show)}))
            write_run(result, inst, folder, overwrite, progress=show)  # whole or not at all
    print_summary(result)
    if result.warnings:
        console.print(issues_table(result.warnings, "Warnings"))
    console.print(f"Results written to [bold]{folder}[/]")
    if not result.status.has_solution:
        raise typer.Exit(1)


def _load_run(run_dir: Path) -> RunData:
    """A run folder, or the problems with it as a table and exit code 2."""
    from placement_opt.results.run import load_run

    with reported(f"Cannot read {run_dir}"):
        run = load_run(run_dir)
    return run


@app.command(rich_help_panel=PLANS)
def report(
    run_dir: Annotated[Path, typer.Argument(help="A folder written by placement-opt solve.")],
    out: Annotated[Path | None, typer.Option(help="Where to write (default: RUN_DIR).")] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace report files already there, even "
                                                 "ones that differ from what solve wrote.")] = False,
) -> None:
    """Write a solved run's sufficiency report and budget export.

    solve writes them too: report writes them again (into RUN_DIR, replacing the report files
    solve wrote, or into --out)."""
    from placement_opt.cli.progress import live_status, working
    from placement_opt.cli.report_files import rewrite_reports
    from placement_opt.reports.files import write_reports
    from placement_opt.reports.sufficiency import rollup, sufficiency_table

    run = _load_run(run_dir)
    target = out or run_dir
    with reported(f"Problems with {run_dir}"), live_status() as show, \
            working(show, "reports", "writing the reports"):
        if out is None:  # solve wrote these files here: write them again in place
            written, replaced = rewrite_reports(run, run_dir, overwrite)
            console.print(f"Report files in {run_dir} written again" + (
                f" ({', '.join(replaced)} replaced with --overwrite)." if replaced else "."),
                markup=False)
        else:
            written = write_reports(run, target, overwrite=overwrite)
    county = rollup(sufficiency_table(run), ["year"])
    cols = {"year": "year", "demand": "demand", "places_local": "local places",
            "placed_locally": "placed locally", "placed_elsewhere": "placed elsewhere",
            "placed_independent": "independent", "unmet": "unmet",
            "surplus_deficit": "surplus", "share_met_locally": "met locally"}
    rows = [[str(int(row["year"])), *(fmt_unit(row[c], "share" if c.startswith("share")
                                               else "pupils") for c in list(cols)[1:])]
            for _, row in county.iterrows()]
    print_fitted(console, "County sufficiency by year (pupils)",
                 [Col(h, number=True) for h in cols.values()], rows,
                 caption="surplus: local places less demand (a deficit when negative); "
                         "independent: placed in the independent sector, in the district "
                         "or not.")
    console.print("Written: " + ", ".join(p.name for p in written) + f" in [bold]{target}[/]")


@app.command(rich_help_panel=PLANS)
def pathways(
    run_dir: Annotated[Path, typer.Argument(help="A folder written by placement-opt solve.")],
    kinds: Annotated[str, typer.Option(help="Kinds that make a pathway, ';'-separated.")] = (
        "special;srp"),
    exclude: Annotated[str, typer.Option(help="Provision ids to leave out, ';'-separated.")] = "",
    overwrite: Annotated[bool, typer.Option(help="Replace files already there.")] = False,
) -> None:
    """Primary to secondary pathways of a solved run, and gaps.

    Writes the network as GraphML and JSON and a gap table."""
    from placement_opt.reports.pathways import pathway_gaps, write_pathways
    from placement_opt.reports.plan import closed_sites
    from placement_opt.schema.names import option_names
    from placement_opt.schema.tables import KINDS

    run = _load_run(run_dir)
    with reported("Problems with the options of pathways", outcome="nothing was written."):
        # Kinds ignore case (Special is special); provision ids must be exact. Unknown names
        # are an error with the closest valid ones, not an empty gap table.
        kind_list = option_names(kinds, KINDS, "--kinds", "provision kind", required=True)
        named = option_names(exclude, run.instance.provisions["provision"].astype(str),
                             "--exclude", "provision id", respell=False)
    closed = closed_sites(run)  # candidate sites the plan leaves closed are no pathway
    excluded = named + closed
    with reported(f"Problems with {run_dir}"):
        written = write_pathways(run, run_dir, overwrite, kind_list, excluded)
    gaps = pathway_gaps(run, kinds=kind_list, exclude=excluded)
    open_gaps = gaps[gaps["gap_in_district"]]
    cols = [Col("district"), Col("need"), Col("primary provisions"), Col("in reach", True),
            Col("nearest secondary"), Col("leavers a year", True)]
    rows = [[str(r["district"]), str(r["need"]), str(r["primary_provisions"]).replace(";", "; "),
             str(r["secondary_in_reach"]), str(r["nearest_secondary"] or "-") + (
                 "" if pd.isna(r["nearest_secondary_min"])
                 else f" ({float(r['nearest_secondary_min']):.0f} min)"),
             f"{float(r['transfers_without_local_continuation']):.1f}"]
            for r in open_gaps.to_dict("records")]
    print_fitted(console, f"Pathway gaps: {len(open_gaps)} of {len(gaps)} district-needs with a "
                          "primary provision have no secondary continuation in the district",
                 cols, rows, caption="in reach: secondary provisions within the journey limit; "
                                     "leavers a year: pupils transferring with no continuation "
                                     "in the district.")
    if closed:
        console.print(f"{len(closed)} candidate site(s) the plan leaves closed are left out.")
    console.print("Written: " + ", ".join(p.name for p in written) + f" in [bold]{run_dir}[/]")


@app.command(rich_help_panel=PLANS)
def tariff(
    run_dir: Annotated[Path, typer.Argument(help="A folder written by placement-opt solve.")],
    proposed: Annotated[Path | None, typer.Option(help="A proposed tariffs CSV: what the same "
                                                       "placements would cost under it.")] = None,
    resolve: Annotated[bool, typer.Option(help="With --proposed: also re-solve with the proposed "
                                               "prices and report both.")] = False,
    overwrite: Annotated[bool, typer.Option(help="Replace tariff files already there.")] = False,
) -> None:
    """What a run's places cost by tariff line (or a proposed one).

    In total and by year; with --proposed, the same placements under a proposed tariff table;
    with --resolve, placements re-solved."""
    from placement_opt.reports.tariff import tariff_tables, with_tariff_file, write_tariff_report
    from placement_opt.solve import solve as run_solve

    if resolve and proposed is None:
        err_console.print("[red]--resolve needs --proposed TARIFF.csv[/]")
        raise typer.Exit(2)
    run = _load_run(run_dir)
    with reported(f"Problems in {proposed}"):
        new = with_tariff_file(run.instance, proposed) if proposed is not None else None
    again = None
    if new is not None and resolve:
        result = run_solve(new)
        if not result.status.has_solution:
            err_console.print(f"[red]re-solve with the proposed tariff: {result.status.value}[/]")
            raise typer.Exit(1)
        again = RunData.from_result(result, new)
    balance = None
    if new is not None:
        from placement_opt.reports.high_needs import run_account

        with reported(f"Problems in the high-needs account of {run_dir}"):
            balance = run_account(run).summary
    tables = tariff_tables(run, new, again, balance)
    with reported(f"Problems with {run_dir}"):
        written = write_tariff_report(tables, run_dir, overwrite)
    lines = tables["lines"]
    totals = lines[lines["year"].astype(str) != "all"].pivot_table(
        index="table", columns="year", values="cost_gbp", aggfunc="sum").rename(
        index={"proposed": "proposed, same placements"})
    if "compare" in tables:
        compare = tables["compare"]
        every = compare[compare["level"] == "all"].set_index("year")
        totals.loc["difference (same placements)"] = every["difference_gbp"]
        if again is not None:
            totals.loc["proposed, re-solved"] = every["resolved_gbp"]
            totals.loc["with transport: proposed, same placements"] = (
                every["proposed_same_placements_gbp"] + every["current_travel_gbp"])
            totals.loc["with transport: proposed, re-solved"] = (
                every["resolved_gbp"] + every["resolved_travel_gbp"])
    cols = [Col(""), *(Col(str(year), True) for year in totals.columns), Col("total", True)]
    print_fitted(console, "Place cost by tariff table and year (GBP)", cols,
                 [[str(name), *(f"{v:,.0f}" for v in row), f"{row.sum():,.0f}"]
                  for name, row in totals.iterrows()])
    if "deficit" in tables:
        _print_deficit(tables["deficit"])
    console.print("Written: " + ", ".join(p.name for p in written) + f" in [bold]{run_dir}[/]")


def _print_deficit(deficit: pd.DataFrame) -> None:
    """The tariff's effect on the high-needs balance by financial year (+ is a saving)."""
    cols = [Col(""), *(Col(row["financial_year_label"] + ("*" if row["estimated"] else ""), True)
                       for _, row in deficit.iterrows())]
    rows = []
    names = {"in_year_change_gbp": "in-year, same placements",
             "cumulative_change_gbp": "cumulative, same placements",
             "resolved_in_year_change_gbp": "in-year, re-solved",
             "resolved_cumulative_change_gbp": "cumulative, re-solved",
             "current_cumulative_balance_gbp": "balance at 31 March, current",
             "proposed_cumulative_balance_gbp": "balance at 31 March, proposed",
             "resolved_cumulative_balance_gbp": "balance at 31 March, re-solved"}
    for col, name in names.items():
        if col in deficit:
            rows.append([name, *(f"{v:+,.0f}" for v in deficit[col])])
    print_fitted(console, "Effect on the high-needs balance by financial year (GBP, + is a "
                          "saving)", cols, rows, caption="* April-August estimated.")


@app.command(rich_help_panel=INSTANCES)
def solvers() -> None:
    """The solver backends: installed or not, what each supports."""
    from placement_opt.solvers import all_backends

    rows, about = [], []
    for b in all_backends():
        caps = b.capabilities.as_dict()
        rows.append([b.name, b.version() or "not installed",
                     ", ".join(k.replace("_", " ") for k in ("integers", "duals", "time_limit",
                                                             "threads", "side_constraints")
                               if caps[k]) or "-"])
        about.append([b.name, b.description])
    print_fitted(console, "Solver backends", [Col("backend"), Col("version"), Col("supports")],
                 rows)
    print_fitted(console, "What each backend is", [Col("backend"), Col("what")], about)
    console.print("auto: min-cost flow when the model is a pure allocation (transportation) "
                  "problem with whole-number data, otherwise highs.")


@app.command("export-model", rich_help_panel=INSTANCES)
def export_model(
    path: Annotated[str, typer.Argument(help="Instance: CSV folder, .xlsx, .json or a bundled "
                                             "name.")],
    file: Annotated[Path, typer.Argument(help="Model file to write: .lp or .mps.")],
    force: Annotated[bool, typer.Option(help="Replace an existing file.")] = False,
) -> None:
    """Write an instance's model as .lp or .mps for any solver."""
    from placement_opt.model.build import build_allocation_model
    from placement_opt.solvers.pulp_cbc import write_model

    inst = load_instance(path)
    with reported(f"Problems in {path}"):
        write_model(build_allocation_model(inst), file, overwrite=force)
    console.print(f"Model written to [bold]{file}[/]")


@app.command(rich_help_panel=INSTANCES)
def template(
    file: Annotated[Path, typer.Argument(help="Workbook to write (.xlsx).")],
    force: Annotated[bool, typer.Option(help="Replace an existing file.")] = False,
) -> None:
    """Write an empty instance workbook to fill in.

    Headers, column notes, a README sheet and data validation."""
    from placement_opt.io.template import write_template

    if file.suffix.lower() != ".xlsx":
        err_console.print(f"[red]{file}: the template is an .xlsx workbook[/]")
        raise typer.Exit(2)
    with reported(f"Problems with {file}", hint=" (use --force to replace it)"):
        write_template(file, overwrite=force)
    console.print(f"Template written to [bold]{file}[/]")
