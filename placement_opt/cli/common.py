"""What every command shares: the typer app, the consoles, issue tables and the run summary."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from placement_opt._version import __version__
from placement_opt.errors import Issue, Severity
from placement_opt.reports.format import fmt_gbp, fmt_share, fmt_unit
from placement_opt.results.result import Result

__all__ = ["app", "console", "err_console", "issues_table", "print_summary"]

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Specialist school place planning: solve, validate, template.")


console = Console()


err_console = Console(stderr=True)


def _version(value: bool) -> None:
    if value:
        console.print(f"placement-opt {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
) -> None:
    """placement_opt command line."""


def issues_table(issues: list[Issue] | tuple[Issue, ...], title: str) -> Table:
    """Issues as a rich table: severity, where, row, column, value, problem, expected."""
    table = Table(title=title, show_lines=False, header_style="bold")
    for name in ("", "where", "row", "column", "value", "problem", "expected"):
        table.add_column(name, overflow="fold")
    for i in issues:
        mark = "[red]error[/]" if i.severity is Severity.ERROR else "[yellow]warning[/]"
        table.add_row(mark, i.source, "" if i.row is None else str(i.row), i.column or "",
                      i.value or "", i.message, i.expected or "")
    return table


def print_summary(result: Result) -> None:
    head = Table(title=f"{result.instance_name}: {result.status.value}", header_style="bold")
    head.add_column("item")
    head.add_column("value", justify="right")
    head.add_row("objective", "-" if result.objective is None else fmt_gbp(result.objective))
    head.add_row("gap", "-" if result.gap is None else fmt_share(result.gap, 4))
    head.add_row("variables / constraints",
                 f"{result.model_size['columns']:,} / {result.model_size['rows']:,}")
    head.add_row("build + solve (s)", f"{result.build_seconds:.2f} + {result.solve_seconds:.2f}")
    console.print(head)
    if result.kpis.empty:
        return
    pivot = result.kpis.pivot(index="kpi", columns="year", values="value")
    pivot = pivot.reindex(index=list(dict.fromkeys(result.kpis["kpi"])))
    units = dict(zip(result.kpis["kpi"], result.kpis["unit"], strict=False))
    table = Table(title="KPIs by year", header_style="bold")
    table.add_column("kpi")
    for col in pivot.columns:
        table.add_column(str(col), justify="right")
    for kpi, row in pivot.iterrows():
        unit = units[str(kpi)]
        table.add_row(f"{kpi} ({unit})", *(fmt_unit(v, unit) for v in row))
    console.print(table)

