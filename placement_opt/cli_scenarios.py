"""Command line for scenarios: ``scenario run | reproduce``, ``compare``, ``sweep``,
``montecarlo`` and ``robust`` (registered on the main ``placement-opt`` app)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from placement_opt.cli import _print_summary, app, console, err_console, issues_table
from placement_opt.errors import InstanceError, OutputError, PlacementOptError

__all__ = ["scenario_app"]

scenario_app = typer.Typer(no_args_is_help=True, help="Run a scenario file; reproduce a run.")
app.add_typer(scenario_app, name="scenario")


@contextmanager
def _reported(what: str) -> Iterator[None]:
    """Problems as a table (exit 2) or a message (exit 1), never a traceback."""
    try:
        yield
    except InstanceError as exc:
        err_console.print(issues_table(exc.issues, f"Problems with {what}"))
        raise typer.Exit(2) from exc
    except (OutputError, PlacementOptError) as exc:
        err_console.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from exc


def _out_dir(out: Path | None, name: str, overwrite: bool) -> Path:
    """``--out`` (refused when non-empty unless ``--overwrite``) or a new folder under runs/."""
    from placement_opt.io.results import new_run_dir

    if out is None:
        return new_run_dir(Path("runs"), name)
    if out.exists() and any(out.iterdir()) and not overwrite:
        err_console.print(f"[red]{out} exists and is not empty[/]: choose another --out or add "
                          "--overwrite. Nothing was solved.")
        raise typer.Exit(1)
    return out


@scenario_app.command("run")
def scenario_run(
    scenario: Annotated[Path, typer.Argument(help="Scenario file (.toml).")],
    out: Annotated[Path | None, typer.Option(help="Run folder (default: a new folder under "
                                                  "runs/).")] = None,
    overwrite: Annotated[bool, typer.Option(help="Allow writing into a non-empty --out.")] = False,
) -> None:
    """Apply a scenario to its base instance, solve, and write a run folder with manifest.json."""
    from placement_opt.scenarios import load_scenario
    from placement_opt.scenarios.run import run_scenario

    with _reported(str(scenario)):
        loaded = load_scenario(scenario)
        folder = _out_dir(out, loaded.name, overwrite)
        run = run_scenario(loaded, folder, overwrite=overwrite)
    _print_summary(run.result)
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
    from placement_opt.scenarios.manifest import read_manifest
    from placement_opt.scenarios.run import reproduce_run

    with _reported(str(run_dir)):
        recorded = read_manifest(run_dir).get("objective")
        folder = None if out is None else _out_dir(out, "reproduced", overwrite)
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
    workers: Annotated[int, typer.Option(help="Worker processes (local pool or LocalCluster).")] = 2,
    scheduler: Annotated[str | None, typer.Option(help="Dask scheduler address, e.g. "
                                                       "tcp://host:8786 (dask only).")] = None,
    write_runs: Annotated[bool, typer.Option(help="Also write each point's run folder under "
                                                  "OUT/runs (for compare).")] = False,
    time_limit: Annotated[float | None, typer.Option(help="Seconds per point.")] = None,
    gap: Annotated[float | None, typer.Option(help="Relative MIP gap.")] = None,
) -> None:
    """Run every point of a sweep file and collect the KPIs in one table."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from placement_opt.sweep import run_sweep, sweep_tables
    from placement_opt.sweep_executors import EXECUTORS
    from placement_opt.sweep_grid import load_sweep

    if executor not in EXECUTORS:
        err_console.print(f"[red]Unknown executor {executor!r}[/]: one of {', '.join(EXECUTORS)}.")
        raise typer.Exit(2)
    options = {k: v for k, v in (("time_limit", time_limit), ("gap", gap)) if v is not None}
    with _reported(str(grid)):
        plan = load_sweep(grid)
        folder = out or Path("runs") / f"sweep-{plan.name}"
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
        return f"{value:.1%}" if col.startswith("share") else f"{value:,.0f}"
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

    from placement_opt.compare import compare_runs, write_comparison
    from placement_opt.io.results import new_run_dir

    with _reported("the run folders"):
        comp = compare_runs(run_dirs)
        folder = out or new_run_dir(Path("runs"), "compare")
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
    if number != number:
        return "-"
    if unit == "share":
        return f"{number:.1%}"
    if unit == "min":
        return f"{number:.1f}"
    return f"{number:,.0f}"
