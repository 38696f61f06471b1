"""Command line for scenarios: ``scenario run | reproduce``, ``compare``, ``sweep``,
``montecarlo`` and ``robust`` (registered on the main ``placement-opt`` app)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from placement_opt.cli.common import (
    CONTEXT,
    RUNS,
    SCENARIOS,
    app,
    console,
    empty_run_folder,
    err_console,
    print_summary,
    reported,
    run_folder,
)
from placement_opt.reports.format import fmt_unit

if TYPE_CHECKING:
    from placement_opt.analysis.scenarios import LoadedScenario
    from placement_opt.analysis.uncertainty.distribution import DemandDistribution, GrowthFit

__all__ = ["scenario_app"]

scenario_app = typer.Typer(no_args_is_help=True, context_settings=CONTEXT,
                           help="Run a scenario file (a what-if); reproduce a run.")
app.add_typer(scenario_app, name="scenario", rich_help_panel=SCENARIOS)


@scenario_app.command("run")
def scenario_run(
    scenario: Annotated[Path, typer.Argument(help="Scenario file (.toml).")],
    out: Annotated[Path | None, typer.Option(help="Run folder (default: a new folder under "
                                                  "runs/).")] = None,
    overwrite: Annotated[bool, typer.Option(help="Allow writing into a non-empty --out.")] = False,
) -> None:
    """Apply a scenario to its base instance, solve, write a run folder."""
    from placement_opt.analysis.scenarios import load_scenario
    from placement_opt.analysis.scenarios.run import run_scenario

    with reported(f"Problems with {scenario}"):
        loaded = load_scenario(scenario)
        folder = empty_run_folder(out, loaded.name, overwrite)
        run = run_scenario(loaded, folder, overwrite=overwrite)
    print_summary(run.result)
    console.print(f"Results and manifest written to [bold]{folder}[/]")
    if not run.result.status.has_solution:
        raise typer.Exit(1)


@scenario_app.command("reproduce")
def scenario_reproduce(
    run_dir: Annotated[Path, typer.Argument(help="A folder written by scenario run.")],
    out: Annotated[Path | None, typer.Option(help="Write the new run here too.")] = None,
    overwrite: Annotated[bool, typer.Option(help="Allow writing into a non-empty --out.")] = False,
) -> None:
    """Solve a scenario run again from its manifest; check the objective."""
    from placement_opt.analysis.scenarios.manifest import read_manifest
    from placement_opt.analysis.scenarios.run import reproduce_run

    with reported(f"Problems with {run_dir}"):
        recorded = read_manifest(run_dir).get("objective")
        folder = None if out is None else empty_run_folder(out, "reproduced", overwrite)
        run = reproduce_run(run_dir, folder, overwrite)
    now = run.result.objective
    console.print(f"recorded objective {recorded!r}; reproduced {now!r}")
    if recorded is None or now is None or abs(float(recorded) - now) > 1e-6 * max(1.0, abs(now)):
        err_console.print("[red]The reproduced objective differs from the recorded one.[/]")
        raise typer.Exit(1)
    console.print("[green]Reproduced: same objective.[/]")


@app.command(rich_help_panel=SCENARIOS)
def sweep(
    grid: Annotated[Path, typer.Argument(help="Sweep file (.toml) with sweep, grid and solve "
                                                "tables.")],
    out: Annotated[Path | None, typer.Option(help="Sweep folder (default runs/sweep-<name>; "
                                                  "re-running skips solved points).")] = None,
    executor: Annotated[str, typer.Option(help="local (process pool), dask or serial.")] = "local",
    workers: Annotated[int, typer.Option(min=1, help="Worker processes (local pool or "
                                                     "LocalCluster).")] = 2,
    scheduler: Annotated[str | None, typer.Option(help="Dask scheduler address, e.g. "
                                                       "tcp://host:8786 (dask only).")] = None,
    write_runs: Annotated[bool, typer.Option(help="Also write each point's run folder under "
                                                  "OUT/runs (for compare).")] = False,
    time_limit: Annotated[float | None, typer.Option(help="Seconds per point.")] = None,
    gap: Annotated[float | None, typer.Option(help="Relative MIP gap.")] = None,
) -> None:
    """Solve every point of a sweep file; the KPIs in one table."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from placement_opt.analysis.sweep.executors import EXECUTORS
    from placement_opt.analysis.sweep.grid import load_sweep
    from placement_opt.analysis.sweep.run import run_sweep, sweep_tables

    if executor not in EXECUTORS:
        err_console.print(f"[red]Unknown executor {executor!r}[/]: one of {', '.join(EXECUTORS)}.")
        raise typer.Exit(2)
    options = {k: v for k, v in (("time_limit", time_limit), ("gap", gap)) if v is not None}
    with reported(f"Problems with {grid}"):
        plan = load_sweep(grid)
        folder = out or RUNS / f"sweep-{plan.name}"  # the same folder again resumes the sweep
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("{task.fields[failed]} failed, {task.fields[skipped]} skipped"),
                   TimeElapsedColumn())
        with Progress(*columns, console=console) as progress:
            bar = progress.add_task(plan.name, total=len(plan.points), failed=0, skipped=0)
            counts = {"failed": 0, "skipped": 0}

            def done(record: dict[str, object], skipped: bool) -> None:
                counts["skipped"] += skipped
                counts["failed"] += record["status"] == "error"
                progress.update(bar, advance=1, failed=counts["failed"],
                                skipped=counts["skipped"])

            outcome = run_sweep(plan, folder, executor, workers, scheduler, options, write_runs,
                                done)
    table, _ = sweep_tables(outcome.records)
    _print_sweep(table)
    for record in outcome.failed:
        err_console.print(f"[red]{record['name']}[/]: {record['error']}")
    console.print(f"{len(outcome.records)} point(s), {outcome.skipped} already solved, "
                  f"{len(outcome.failed)} failed. Written to [bold]{folder}[/]")


def _print_sweep(table: object) -> None:
    """The points' status and headline KPIs, as many tables as fit the console."""
    import pandas as pd

    from placement_opt.cli.tables import Col, print_fitted

    assert isinstance(table, pd.DataFrame)
    heads = {"name": "point", "status": "status", "objective": "objective",
             "total_cost": "total cost", "capital_cost": "capital cost", "unmet": "unmet",
             "share_met_locally": "met locally", "placed_independent": "independent",
             "places_added": "places added"}
    shown = [c for c in heads if c in table.columns]
    rows = [[_cell(col, value) for col, value in zip(shown, row, strict=True)]
            for row in table[shown].head(50).itertuples(index=False)]
    print_fitted(console, "Sweep" + (f" (the first 50 of {len(table)} points)"
                                     if len(table) > 50 else ""),
                 [Col(heads[c], number=c not in ("name", "status")) for c in shown], rows,
                 caption="Every point and KPI in sweep.csv.")


def _cell(col: str, value: object) -> str:
    if isinstance(value, float):
        if value != value:  # NaN
            return "-"
        if col in ("objective", "total_cost", "capital_cost"):
            return fmt_unit(value, "GBP")
        return fmt_unit(value, "share" if col.startswith("share") else "")
    return str(value)


@app.command(rich_help_panel=SCENARIOS)
def compare(
    run_dirs: Annotated[list[Path], typer.Argument(help="Run folders (the first is the baseline).")],
    out: Annotated[Path | None, typer.Option(help="Where to write compare.xlsx, compare.html and "
                                                  "the CSVs (default: a new folder under runs/).")] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace comparison files already there.")] = False,
    top: Annotated[int, typer.Option(help="Differences to print for each run.")] = 10,
) -> None:
    """Solved runs side by side: KPIs and the biggest differences.

    By district and need; the first run is the baseline."""
    from placement_opt.cli.compare_print import print_comparison
    from placement_opt.reports.compare import compare_runs
    from placement_opt.reports.files import write_comparison

    with reported("Problems with the run folders"):
        comp = compare_runs(run_dirs)
        folder = run_folder(out, "compare")
        written = write_comparison(comp, folder, overwrite)
    print_comparison(comp, top)
    console.print("Written: " + ", ".join(p.name for p in written) + f" in [bold]{folder}[/]")


def _target(target: str) -> LoadedScenario:
    """A scenario file, or an instance (path or bundled name) as a scenario without levers."""
    from placement_opt.analysis.scenarios import load_scenario, scenario_from_mapping
    from placement_opt.io.bundled import resolve_instance_path

    path = Path(target)
    if path.suffix == ".toml" and path.name != "instance.toml":
        return load_scenario(path)
    base = resolve_instance_path(target).resolve()
    name = base.stem if base.suffix else base.name
    return scenario_from_mapping({"scenario": {"name": name, "base": str(base)}}, target)


def _trend_hint() -> str:
    """What to give instead of a missing trend file: --sd, or --trend with a bundled
    instance's growth.csv (a file that exists), or the data pack's trend file."""
    import os

    from placement_opt.io.bundled import bundled_names, bundled_root

    files = [bundled_root().resolve() / n / "provenance" / "growth.csv" for n in bundled_names()]
    found = [f for f in files if f.is_file()]
    if not found:
        return "--sd 0.05 (an annual log-growth sd) or --trend FILE (the data pack's " \
               "ehcp_trend_kent.csv)"
    shown = os.path.relpath(found[0]) if not os.path.relpath(found[0]).startswith("..") \
        else str(found[0])
    return f"--sd X (an annual log-growth sd, e.g. 0.05), or --trend {shown} (Kent's EHCP trend)"


def _distribution(loaded: LoadedScenario, sd: float | None, trend: Path | None, group: str,
                  correlation: float, drift: float) -> tuple[DemandDistribution, GrowthFit | None]:
    """The demand distribution (and the fit it came from): --sd, --trend, or the base
    instance's provenance/growth.csv."""
    from placement_opt.analysis.scenarios import ScenarioError
    from placement_opt.analysis.uncertainty.distribution import DemandDistribution, fit_trend_csv
    from placement_opt.errors import Issue

    fit = None
    if sd is None:
        file = trend or loaded.base_path() / "provenance" / "growth.csv"
        if not file.exists():
            raise ScenarioError([Issue(str(file), "no trend to fit the growth distribution to",
                                       expected=_trend_hint())])
        fit = fit_trend_csv(file, group)
        sd = fit.sd
    try:
        dist = DemandDistribution(sd, correlation, drift,
                                  fit.source if fit is not None else "given (--sd)")
    except ValueError as exc:
        raise ScenarioError([Issue("montecarlo options", str(exc))]) from exc
    return dist, fit


@app.command(rich_help_panel=SCENARIOS)
def montecarlo(
    target: Annotated[str, typer.Argument(help="Scenario .toml, or an instance path or bundled "
                                               "name.")] = "kent",
    samples: Annotated[int, typer.Option(min=1, help="Demand samples to solve.")] = 20,
    seed: Annotated[int, typer.Option(min=0, help="Random seed (same seed, same samples).")] = 0,
    sd: Annotated[float | None, typer.Option(help="Annual log-growth sd (default: fitted).")] = None,
    trend: Annotated[Path | None, typer.Option(help="Trend file to fit sd to (default: the base's "
                                                    "provenance/growth.csv).")] = None,
    trend_group: Annotated[str, typer.Option(help="establishment_group of the data pack's trend "
                                                  "file.")] = "Total",
    correlation: Annotated[float, typer.Option(help="Correlation of shocks between needs "
                                                    "(an assumption).")] = 0.5,
    drift: Annotated[float, typer.Option(help="Mean annual log growth added to the "
                                              "projection.")] = 0.0,
    out: Annotated[Path | None, typer.Option(help="Folder (re-running skips solved samples).")] = None,
    executor: Annotated[str, typer.Option(help="local, dask or serial.")] = "local",
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 2,
    scheduler: Annotated[str | None, typer.Option(help="Dask scheduler address.")] = None,
) -> None:
    """Monte Carlo over demand growth: shortfall odds, cost spread."""
    from placement_opt.analysis.uncertainty.montecarlo import run_montecarlo
    from placement_opt.cli.uncertainty_print import print_costs, print_shortfall

    with reported(f"Problems with {target}"):
        loaded = _target(target)
        dist, fit = _distribution(loaded, sd, trend, trend_group, correlation, drift)
        folder = out or RUNS / f"montecarlo-{loaded.name}-s{seed}"  # the same again resumes
        console.print(f"Demand shocks: sd {dist.sd:.4f} a year ({dist.source}), correlation "
                      f"{dist.correlation} between needs (assumption), drift {dist.drift}.")
        with _progress(f"{samples} samples", samples) as done:
            mc = run_montecarlo(loaded, dist, samples, seed, folder, executor, workers, scheduler,
                                fit=fit, on_done=done)
    print_shortfall(mc.shortfall)
    print_costs(mc.cost_summary)
    console.print(f"{mc.solved} of {len(mc.records)} samples solved. Written to [bold]{folder}[/]")


@contextmanager
def _progress(label: str, total: int) -> Iterator[Callable[[dict[str, Any], bool], None]]:
    """A rich progress bar; yields the ``on_done(record, skipped)`` callback that advances it."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    with Progress(label, BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console) as progress:
        bar = progress.add_task(label, total=total)

        def done(record: dict[str, Any], skipped: bool) -> None:
            progress.update(bar, advance=1)

        yield done


@app.command(rich_help_panel=SCENARIOS)
def robust(
    target: Annotated[str, typer.Argument(help="Scenario .toml, or an instance path or bundled "
                                               "name.")],
    samples: Annotated[int, typer.Option(min=1, help="Demand samples (the model grows with "
                                                     "them).")] = 5,
    seed: Annotated[int, typer.Option(min=0, help="Random seed (same seed, same samples).")] = 0,
    sd: Annotated[float | None, typer.Option(help="Annual log-growth sd (default: fitted).")] = None,
    trend: Annotated[Path | None, typer.Option(help="Trend file to fit sd to.")] = None,
    trend_group: Annotated[str, typer.Option(help="establishment_group of the trend file.")] = "Total",
    correlation: Annotated[float, typer.Option(help="Correlation of shocks between needs "
                                                    "(an assumption).")] = 0.5,
    drift: Annotated[float, typer.Option(help="Mean annual log growth added.")] = 0.0,
    time_limit: Annotated[float | None, typer.Option(help="Seconds per solve.")] = None,
    gap: Annotated[float | None, typer.Option(help="Relative MIP gap (default: the "
                                                   "scenario's, else 1e-4).")] = None,
    threads: Annotated[int | None, typer.Option(help="Solver threads.")] = None,
    out: Annotated[Path | None, typer.Option(help="Folder (default: a new folder under runs/).")] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace robust files already there.")] = False,
) -> None:
    """A plan robust to demand growth, against the mean-demand plan.

    Investments decided once for every demand sample (sample average), against the plan for
    mean demand, both evaluated on the same samples."""

    from placement_opt.analysis.robust.plan import robust_plan, write_robust
    from placement_opt.analysis.scenarios.check import solve_options
    from placement_opt.analysis.uncertainty.montecarlo import scenario_samples
    from placement_opt.cli.progress import live_status
    from placement_opt.cli.uncertainty_print import print_robust, print_robust_decisions

    with reported(f"Problems with {target}"):
        loaded = _target(target)
        dist, fit = _distribution(loaded, sd, trend, trend_group, correlation, drift)
        options = solve_options(loaded, time_limit=time_limit, gap=gap, threads=threads)
        folder = run_folder(out, f"robust-{loaded.name}")
        instances = scenario_samples(loaded, dist, samples, seed)
        console.print(f"Solving the sample-average model over {samples} samples ...")
        with live_status() as show:  # a status line on stderr, when it is a terminal
            res = robust_plan(instances, options, progress=show)
        about = {"target": target, "scenario": loaded.name, "seed": seed,
                 "distribution": dist.__dict__, "fit": None if fit is None else fit.as_dict()}
        written = write_robust(res, folder, about, overwrite)
    print_robust(res.expected_robust, res.expected_mean_plan, res.value_of_stochastic_solution,
                 samples)
    print_robust_decisions(res.decisions)
    console.print("Written: " + ", ".join(p.name for p in written) + f" in [bold]{folder}[/]")
