"""``placement-opt frontier``: cost against travel, local share or independent places by the
epsilon-constraint method (``models/frontier.md``), registered on the main app."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from placement_opt.cli.common import (
    PLANS,
    app,
    console,
    empty_run_folder,
    err_console,
    reported,
)

if TYPE_CHECKING:
    from placement_opt.analysis.frontier import Frontier

__all__ = ["frontier"]


def _refuse(option: str, value: str, message: str, expected: str) -> None:
    """An invalid option as a located message, exit code 2, before anything is read."""
    from rich.markup import escape

    err_console.print(f"[red]Invalid {option} {escape(repr(value))}:[/] {message}; expected "
                      f"{escape(expected)}. Nothing was solved.")
    raise typer.Exit(2)


@app.command(rich_help_panel=PLANS)
def frontier(
    path: Annotated[str, typer.Argument(help="Instance: CSV folder, .xlsx, .json or a bundled "
                                             "name.")],
    metric: Annotated[str, typer.Option(help="pupil_minutes, over_60, over_75, local_share or "
                                             "independent.")] = "pupil_minutes",
    points: Annotated[int, typer.Option(help="Points, both ends included (at least 2).")] = 5,
    gap: Annotated[float, typer.Option(help="Relative MIP gap of every solve.")] = 1e-3,
    time_limit: Annotated[float | None, typer.Option(help="Seconds per solve (a frontier is "
                                                          "points + 1 solves).")] = None,
    threads: Annotated[int, typer.Option(help="Solver threads.")] = 1,
    out: Annotated[Path | None, typer.Option(help="Run folder (default: a new folder under "
                                                  "runs/).")] = None,
    overwrite: Annotated[bool, typer.Option(help="Allow writing into a non-empty --out.")] = False,
) -> None:
    """Trace cost against travel, local share or independent places.

    The minimum-cost plan, the plan best on the metric and
    points evenly spaced in epsilon between them, each the least-cost plan within its epsilon;
    writes frontier.csv, the plan of each point, frontier.xlsx and frontier.html."""
    from placement_opt.analysis.frontier import METRICS, trace_frontier
    from placement_opt.analysis.frontier.write import write_frontier
    from placement_opt.instance import Instance
    from placement_opt.io.bundled import find_instance
    from placement_opt.options import SolveOptions

    if metric not in METRICS:
        _refuse("--metric", metric, "unknown metric", "one of " + ", ".join(METRICS))
    if points < 2:
        _refuse("--points", str(points), "too few points", "2 or more (the two ends)")
    note = find_instance(path).note()
    if note is not None:
        console.print(note, markup=False, highlight=False)
    with reported(f"Problems in {path}", outcome="nothing was solved."):
        inst = Instance.from_path(path)
    with reported(f"Problems with the frontier of {path}"):
        options = SolveOptions(gap=gap, time_limit=time_limit, threads=threads, mip_duals=False)
        folder = empty_run_folder(out, f"frontier-{inst.name}-{metric}", overwrite)
        with console.status("") as status:
            result = trace_frontier(inst, metric, points, options,
                                    on_point=lambda label: status.update(f"solving {label}"))
        write_frontier(result, folder, overwrite)
    print_frontier(result)
    console.print(f"Frontier written to [bold]{folder}[/]")


_ROLES = {"min_cost": "min cost", "epsilon": "epsilon", "best_metric": "best"}


def print_frontier(result: Frontier) -> None:
    """The points as a table that fits the console."""
    from placement_opt.analysis.frontier.page import dominance_note, metric_text
    from placement_opt.cli.tables import Col, print_fitted
    from placement_opt.reports.format import fmt_gbp, fmt_share

    pts = result.points
    cheapest = float(pts["objective"].iloc[0])
    rows = []
    for r in pts.to_dict("records"):
        cost = float(r["objective"])
        rise = "" if cost != cost or not cheapest else fmt_share((cost - cheapest) / cheapest, 2)
        status = str(r["status"]).replace("feasible_at_limit", "at limit")
        rows.append([f"{r['point']} {_ROLES.get(str(r['role']), r['role'])}",
                     metric_text(float(r["epsilon"]), result.unit),
                     metric_text(float(r["metric"]), result.unit), fmt_gbp(cost), rise,
                     fmt_share(float(r["gap"]), 2),
                     status + (" dominated" if r["dominated"] else "")])
    print_fitted(console, f"{result.instance_name}: cost against {result.metric} ({result.unit})",
                 [Col("point"), Col("epsilon", True), Col(result.metric, True), Col("cost", True),
                  Col("+cost", True), Col("gap", True), Col("status")], rows)
    console.print(dominance_note(result))
