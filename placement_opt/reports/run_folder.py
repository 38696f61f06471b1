"""A solved run's folder, written as a whole: the result tables, the reports and the HTML page
(``placement-opt solve`` and ``placement-opt firmness``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from placement_opt.instance import Instance
from placement_opt.io.staging import staged_folder
from placement_opt.progress import Reporter, heartbeat, steps
from placement_opt.reports.files import write_reports
from placement_opt.reports.html import run_page
from placement_opt.reports.html.run_firmness import FirmnessTables
from placement_opt.results.result import Result
from placement_opt.results.run import RunData, write_result

__all__ = ["write_run"]


def write_run(result: Result, instance: Instance, folder: Path, overwrite: bool = False,
              extra: Callable[[Path], object] | None = None,
              firmness: FirmnessTables | None = None,
              progress: Reporter | None = None) -> None:
    """Write the run into ``folder`` through a staged sibling (it appears whole or not at
    all): the result and instance copy, the reports when there is a plan, ``extra(stage)``
    (more files of the same run) and ``report.html`` (with ``firmness``, its section).
    ``progress`` hears each part begun (stage ``reports``, done of total parts)."""
    parts = ["result tables", *(["reports"] if result.status.has_solution else []),
             *(["more files"] if extra is not None else []), "report.html"]
    counter = steps(progress, "reports", len(parts))
    with staged_folder(folder, overwrite) as stage, heartbeat(counter.clock):
        counter.advance(0, parts[0])
        write_result(result, stage, instance=instance)
        if result.status.has_solution:
            counter.advance(parts.index("reports"), "reports")
            write_reports(RunData.from_result(result, instance), stage)
        if extra is not None:
            counter.advance(parts.index("more files"), "more files")
            extra(stage)
        counter.advance(len(parts) - 1, "report.html")
        run_page.write_html_report(result, instance, stage / "report.html", firmness=firmness)
        counter.advance(len(parts), "written")
