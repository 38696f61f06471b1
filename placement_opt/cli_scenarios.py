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
