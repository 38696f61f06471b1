"""Command line for scenarios: ``scenario run | reproduce``, ``compare``, ``sweep``,
``montecarlo`` and ``robust`` (registered on the main ``placement-opt`` app)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from placement_opt.cli.common import (
    RUNS,
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

scenario_app = typer.Typer(no_args_is_help=True, help="Run a scenario file; reproduce a run.")
app.add_typer(scenario_app, name="scenario")


@scenario_app.command("run")
def scenario_run(
    scenario: Annotated[Path, typer.Argument(help="Scenario file (.toml).")],
    out: Annotated[Path | None, typer.Option(help="Run folder (default: a new folder under "
                                                  "runs/).")] = None,
    overwrite: Annotated[bool, typer.Option(help="Allow writing into a non-empty --out.")] = False,
) -> None:
    """Apply a scenario to its base instance, solve, and write a run folder with manifest.json."""
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
    """Solve again from a run's manifest (same scenario, base and options) and compare objectives."""
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


@app.command()
def sweep(
    grid: Annotated[Path, typer.Argument(help="Sweep file (.toml): [sweep], [grid], [solve].")],
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
    """Run every point of a sweep file and collect the KPIs in one table."""
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
    import pandas as pd
    from rich.table import Table

    assert isinstance(table, pd.DataFrame)
    shown = [c for c in ("name", "status", "objective", "total_cost", "capital_cost", "unmet",
                         "share_met_locally", "placed_independent", "places_added")
             if c in table.columns]
    view = Table(title="Sweep", header_style="bold")
    for col in shown:
        view.add_column(col, justify="left" if col in ("name", "status") else "right")
    for row in table[shown].head(50).itertuples(index=False):
        view.add_row(*(_cell(col, value) for col, value in zip(shown, row, strict=True)))
    console.print(view)


def _cell(col: str, value: object) -> str:
    if isinstance(value, float):
        if value != value:  # NaN
            return "-"
        return fmt_unit(value, "share" if col.startswith("share") else "")
    return str(value)


@app.command()
def compare(
    run_dirs: Annotated[list[Path], typer.Argument(help="Run folders (the first is the baseline).")],
    out: Annotated[Path | None, typer.Option(help="Where to write compare.xlsx, compare.html and "
                                                  "the CSVs (default: a new folder under runs/).")] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace comparison files already there.")] = False,
    top: Annotated[int, typer.Option(help="Differences to print.")] = 10,
) -> None:
    """KPIs of solved runs side by side and the biggest differences by district and need."""
    from rich.table import Table

    from placement_opt.reports.compare import compare_runs
    from placement_opt.reports.files import write_comparison

    with reported("Problems with the run folders"):
        comp = compare_runs(run_dirs)
        folder = run_folder(out, "compare")
        written = write_comparison(comp, folder, overwrite)
    view = Table(title="KPIs over the horizon", header_style="bold")
    view.add_column("kpi")
    for name in comp.names:
        view.add_column(name, justify="right")
    for r in comp.kpis.to_dict("records"):
        unit = str(r["unit"])
        view.add_row(f"{r['kpi']} ({unit})", *(_kpi_cell(r[n], unit) for n in comp.names))
    console.print(view)
    if len(comp.differences):
        diff = Table(title=f"Biggest differences from {comp.names[0]} (pupil-years, GBP)",
                     header_style="bold")
        cols = ["run", "district", "need", "delta_placed_locally", "delta_placed_elsewhere",
                "delta_placed_independent", "delta_unmet", "delta_cost", "change"]
        for col in cols:
            diff.add_column(col.removeprefix("delta_").replace("_", " "),
                            justify="left" if col in cols[:3] else "right")
        for r in comp.differences.head(top).to_dict("records"):
            diff.add_row(*(str(r[c]) if c in cols[:3] else f"{float(r[c]):+,.1f}" for c in cols))
        console.print(diff)
    console.print("Written: " + ", ".join(p.name for p in written) + f" in [bold]{folder}[/]")


def _kpi_cell(value: object, unit: str) -> str:
    number = float(value) if isinstance(value, int | float) else float("nan")
    return "-" if number != number else fmt_unit(number, unit)


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
                                       expected="--trend FILE (ehcp_trend_kent.csv of the data "
                                                "pack) or --sd")])
        fit = fit_trend_csv(file, group)
        sd = fit.sd
    try:
        dist = DemandDistribution(sd, correlation, drift,
                                  fit.source if fit is not None else "given (--sd)")
    except ValueError as exc:
        raise ScenarioError([Issue("montecarlo options", str(exc))]) from exc
    return dist, fit


@app.command()
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
    """Monte Carlo over demand growth by need: shortfall probabilities and the cost distribution."""
    from rich.table import Table

    from placement_opt.analysis.uncertainty.montecarlo import run_montecarlo

    with reported(f"Problems with {target}"):
        loaded = _target(target)
        dist, fit = _distribution(loaded, sd, trend, trend_group, correlation, drift)
        folder = out or RUNS / f"montecarlo-{loaded.name}-s{seed}"  # the same again resumes
        console.print(f"Demand shocks: sd {dist.sd:.4f} a year ({dist.source}), correlation "
                      f"{dist.correlation} between needs (assumption), drift {dist.drift}.")
        with _progress(f"{samples} samples", samples) as done:
            mc = run_montecarlo(loaded, dist, samples, seed, folder, executor, workers, scheduler,
                                fit=fit, on_done=done)
    short = mc.shortfall[mc.shortfall["p_shortfall"] > 0].head(15)
    table = Table(title="Highest probability of a shortfall of local places", header_style="bold")
    for col in ("district", "need", "phase", "year", "p_shortfall", "p_unmet", "surplus_mean"):
        table.add_column(col.replace("_", " "), justify="right" if col[0] in "ps" else "left")
    for r in short.to_dict("records"):
        table.add_row(str(r["district"]), str(r["need"]), str(r["phase"]), str(r["year"]),
                      f"{r['p_shortfall']:.0%}", f"{r['p_unmet']:.0%}", f"{r['surplus_mean']:,.1f}")
    console.print(table)
    costs = mc.cost_summary[mc.cost_summary["year"] == "all"]
    view = Table(title="Distribution over the samples (horizon)", header_style="bold")
    for col in ("kpi", "mean", "sd", "p5", "p50", "p95"):
        view.add_column(col, justify="left" if col == "kpi" else "right")
    for r in costs.to_dict("records"):
        view.add_row(str(r["kpi"]), *(f"{float(r[c]):,.0f}" for c in ("mean", "sd", "p5", "p50",
                                                                        "p95")))
    console.print(view)
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


@app.command()
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
    """Robust plan: investments decided once for every demand sample (sample average), against
    the plan for mean demand, both evaluated on the same samples."""
    from rich.table import Table

    from placement_opt.analysis.robust.plan import robust_plan, write_robust
    from placement_opt.analysis.scenarios.check import solve_options
    from placement_opt.analysis.uncertainty.montecarlo import scenario_samples
    from placement_opt.cli.progress import live_status

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
    view = Table(title=f"Robust plan over {samples} samples", header_style="bold")
    view.add_column("")
    view.add_column("GBP", justify="right")
    for label, value in (("expected cost, robust plan", res.expected_robust),
                         ("expected cost, mean-demand plan", res.expected_mean_plan),
                         ("value of the stochastic solution", res.value_of_stochastic_solution)):
        view.add_row(label, f"{value:,.0f}")
    console.print(view)
    changed = res.decisions[res.decisions["difference"].abs() > 1e-6]
    if len(changed):
        diff = Table(title="Where the plans differ", header_style="bold")
        for col in ("role", "provision", "year", "robust", "mean_plan"):
            diff.add_column(col)
        for r in changed.head(30).to_dict("records"):
            diff.add_row(*(str(r[c]) for c in ("role", "provision", "year", "robust", "mean_plan")))
        console.print(diff)
    else:
        console.print("The robust plan takes the same decisions as the mean-demand plan.")
    console.print("Written: " + ", ".join(p.name for p in written) + f" in [bold]{folder}[/]")
