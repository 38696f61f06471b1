"""What every command shares: the typer app, the consoles, how a failure becomes an exit code,
the run-folder default, issue tables and the run summary."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from placement_opt._version import __version__
from placement_opt.cli.tables import Col, fitted, print_fitted
from placement_opt.errors import InstanceError, Issue, OutputError, PlacementOptError, Severity
from placement_opt.instance import Instance
from placement_opt.io.bundled import find_instance
from placement_opt.reports.format import fmt_gbp, fmt_gbp_m, fmt_share, fmt_unit
from placement_opt.results.result import Result

__all__ = ["CONTEXT", "INSTANCES", "PLANS", "RUNS", "SCENARIOS", "app", "console",
           "empty_run_folder", "err_console", "issues_table", "kpi_label", "load_instance",
           "print_kpis", "print_summary", "reported", "run_folder"]

#: ``-h`` as well as ``--help``, on every command (click passes it down to subcommands).
CONTEXT = {"help_option_names": ["-h", "--help"]}

app = typer.Typer(add_completion=False, no_args_is_help=True, context_settings=CONTEXT,
                  help="Special school place planning: check an instance, solve it, report on "
                       "the plan and ask what-if questions. Every command has -h for its "
                       "options; start with: placement-opt solve demo.")

#: Help panels grouping the commands in ``placement-opt -h``.
INSTANCES, PLANS, SCENARIOS = "Instances", "Plans and reports", "Scenarios and uncertainty"


def _width(environ: Mapping[str, str], is_tty: bool) -> int | None:
    """The console width: ``COLUMNS`` when set, the terminal's own on a terminal (None: rich
    asks it), else 80 (a pipe or file has no width, and 80 reads everywhere)."""
    columns = environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    return None if is_tty else 80


console = Console(width=_width(os.environ, sys.stdout.isatty()))


err_console = Console(stderr=True, width=_width(os.environ, sys.stderr.isatty()))


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


@contextmanager
def reported(title: str, hint: str = "", outcome: str = "") -> Iterator[None]:
    """A failure as the user sees it, never a traceback: an :class:`InstanceError` as an issues
    table headed ``title`` (then ``"<n> error(s): <outcome>"`` when ``outcome`` is given),
    exit 2; an :class:`OutputError` or other :class:`PlacementOptError` as a red message followed
    by ``hint``, exit 1; invalid options (pydantic), exit 2."""
    try:
        yield
    except InstanceError as exc:
        err_console.print(issues_table(exc.issues, title))
        if outcome:
            n = sum(1 for i in exc.issues if i.severity is Severity.ERROR)
            err_console.print(f"[red]{n} error(s): {outcome}[/]")
        raise typer.Exit(2) from exc
    except PlacementOptError as exc:  # OutputError included
        err_console.print(f"[red]{escape(str(exc))}[/]{hint}")
        raise typer.Exit(1) from exc
    except ValidationError as exc:  # solver options from the command line
        err_console.print(f"[red]Invalid option:[/] {exc}")
        raise typer.Exit(2) from exc


#: Where a command writes when it is given no ``--out``.
RUNS = Path("runs")


def run_folder(out: Path | None, name: str) -> Path:
    """``--out``, or a new folder ``runs/<name>-<YYYYmmdd-HHMMSS>``."""
    from placement_opt.results.run import new_run_dir

    return out if out is not None else new_run_dir(RUNS, name)


def empty_run_folder(out: Path | None, name: str, overwrite: bool) -> Path:
    """:func:`run_folder` for a command that writes a whole run: a non-empty ``--out`` is
    refused (:class:`OutputError`) unless ``overwrite``, before anything is solved."""
    if out is not None and out.exists() and any(out.iterdir()) and not overwrite:
        raise OutputError(f"{out} exists and is not empty: choose another --out or add "
                          "--overwrite. Nothing was solved.")
    return run_folder(out, name)


def _where(source: str) -> str:
    """A long path with its file name on a line of its own, so the name is never broken."""
    head, _, tail = source.rpartition("/")
    return source if len(source) <= 20 or not head else f"{head}/\n{tail}"


def issues_table(issues: list[Issue] | tuple[Issue, ...], title: str) -> Table:
    """Issues as a rich table: severity, where, row, column, value, problem, expected."""
    rows = [["[red]error[/]" if i.severity is Severity.ERROR else "[yellow]warning[/]",
             escape(_where(i.source)), "" if i.row is None else str(i.row), escape(i.column or ""),
             escape(i.value or ""), escape(i.message), escape(i.expected or "")] for i in issues]
    names = ("", "where", "row", "column", "value", "problem", "expected")
    keep = [k for k, name in enumerate(names) if name in ("", "where", "problem")
            or any(r[k] for r in rows)]  # a column empty for every issue is left out
    table = Table(title=title, show_lines=False, header_style="bold")
    for k in keep:  # short fields (row, column, value) are kept whole up to 20 characters
        short = names[k] in ("row", "column", "value")
        table.add_column(names[k], overflow="fold", min_width=min(
            20, max(len(r[k]) for r in rows)) if short and rows else None)
    for r in rows:
        table.add_row(*(r[k] for k in keep))
    return table


def print_summary(result: Result) -> None:
    """Status, objective and size, then the KPIs by year in as many tables as fit the console."""
    head = Table(title=f"{result.instance_name}: {result.status.value}", header_style="bold")
    head.add_column("item")
    head.add_column("value", justify="right", no_wrap=True)
    head.add_row("objective", "-" if result.objective is None else fmt_gbp(result.objective))
    head.add_row("gap", "-" if result.gap is None else fmt_share(result.gap, 4))
    head.add_row("variables / constraints",
                 f"{result.model_size['columns']:,} / {result.model_size['rows']:,}")
    head.add_row("build + solve (s)", f"{result.build_seconds:.2f} + {result.solve_seconds:.2f}")
    console.print(head)
    if not result.kpis.empty:
        print_kpis(result.kpis, "KPIs by year")


def kpi_label(kpi: str, unit: str) -> str:
    """A KPI's name to read: ``places added``, ``openings (sites)``; the unit only when the
    value does not show it (GBP and shares do), it is not pupils and the name does not say it."""
    name = kpi.replace("_whole", " (whole)").replace("_", " ")
    shown = unit in ("GBP", "share", "pupils", "") or unit in name
    return name if shown else f"{name} ({unit})"


def print_kpis(kpis: pd.DataFrame, title: str) -> None:
    """``kpis`` (kpi, year, value, unit) as KPIs by year that fit the console: a ``*_whole`` KPI
    equal to its fractional one left out, KPIs zero in every year named in one line, pounds in
    millions when whole pounds would need a second table."""
    pivot = kpis.pivot(index="kpi", columns="year", values="value")
    pivot = pivot.reindex(index=list(dict.fromkeys(kpis["kpi"])))
    units = dict(zip(kpis["kpi"], kpis["unit"], strict=False))
    values = {str(k): [float(v) for v in row] for k, row in zip(pivot.index, pivot.to_numpy(),
                                                                strict=True)}
    same = {k for k in values if k.endswith("_whole") and values[k] == values.get(k[:-6])}
    zero = [k for k in values if k not in same and all(v == 0 or v != v for v in values[k])]
    shown = [k for k in values if k not in same and k not in zero]
    cols = [Col("kpi"), *(Col(str(y), number=True) for y in pivot.columns)]
    caption = "Zero in every year: " + ", ".join(kpi_label(k, "") for k in zero) if zero else None

    def rows(money: Callable[[float], str]) -> list[list[str]]:
        return [[kpi_label(k, units[k]), *(money(v) if units[k] == "GBP" else fmt_unit(v, units[k])
                                            for v in values[k])] for k in shown]

    full = rows(fmt_gbp)
    if sum(isinstance(t, Table) for t in fitted(title, cols, full, console.width)) == 1:
        print_fitted(console, title, cols, full, caption=caption)
    else:
        print_fitted(console, title + " (GBP in millions)", cols, rows(fmt_gbp_m),
                     caption=caption)


def load_instance(path: str) -> Instance:
    """The instance ``path`` names (saying when that is a bundled one), or its problems as a table
    and exit code 2."""
    note = find_instance(path).note()
    if note is not None:
        console.print(note, markup=False, highlight=False)
    with reported(f"Problems in {path}", outcome="nothing was solved."):
        inst = Instance.from_path(path)
    return inst
