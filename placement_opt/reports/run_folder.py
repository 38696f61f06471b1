"""A solved run's folder, written as a whole: the result tables, the reports and the HTML page
(``placement-opt solve`` and ``placement-opt firmness``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from placement_opt.instance import Instance
from placement_opt.io.staging import staged_folder
from placement_opt.reports.files import write_reports
from placement_opt.reports.html import run_page
from placement_opt.reports.html.run_firmness import FirmnessTables
from placement_opt.results.result import Result
from placement_opt.results.run import RunData, write_result

__all__ = ["write_run"]


def write_run(result: Result, instance: Instance, folder: Path, overwrite: bool = False,
              extra: Callable[[Path], object] | None = None,
              firmness: FirmnessTables | None = None) -> None:
    """Write the run into ``folder`` through a staged sibling (it appears whole or not at
    all): the result and instance copy, the reports when there is a plan, ``extra(stage)``
    (more files of the same run) and ``report.html`` (with ``firmness``, its section)."""
    with staged_folder(folder, overwrite) as stage:
        write_result(result, stage, instance=instance)
        if result.status.has_solution:
            write_reports(RunData.from_result(result, instance), stage)
        if extra is not None:
            extra(stage)
        run_page.write_html_report(result, instance, stage / "report.html", firmness=firmness)
