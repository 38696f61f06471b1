"""A solved run's folder, written as a whole: the result tables, the reports and the HTML page
(``placement-opt solve`` and ``placement-opt firmness``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from placement_opt.errors import OutputError, PlacementOptError
from placement_opt.instance import Instance
from placement_opt.io.staging import staged_folder
from placement_opt.progress import Reporter, heartbeat, steps
from placement_opt.reports.files import write_reports
from placement_opt.reports.html import run_page
from placement_opt.reports.html.run_firmness import FirmnessTables
from placement_opt.results.result import Result
from placement_opt.results.run import RunData, write_result

__all__ = ["write_run", "write_run_folder"]


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


def write_run_folder(result: Result, folder: str | Path, *, overwrite: bool = False,
                     instance: Instance | None = None, progress: Reporter | None = None) -> Path:
    """Write the run folder ``placement-opt solve --out FOLDER`` writes, byte for byte the
    same files: the result tables (CSV, ``result.xlsx``, ``summary.json``), a copy of the
    instance, the reports and ``report.html``. The folder appears whole or not at all.

    A folder that exists and is not empty is refused (:class:`OutputError`) unless
    ``overwrite=True`` (then files of the same name are replaced, others kept).
    ``instance``: the instance solved, when ``result`` does not hold it. ``progress``: a
    reporter for the steps of the write (:mod:`placement_opt.progress`). Returns the folder.
    """
    inst = instance if instance is not None else result.instance
    if inst is None:
        raise PlacementOptError("this Result does not hold its instance: pass "
                                "write_run_folder(result, folder, instance=...)")
    if inst.fingerprint() != result.instance_fingerprint:
        raise PlacementOptError(f"the instance given is not the one solved "
                                f"({result.instance_name}): its fingerprint differs")
    target = Path(folder)
    if target.exists() and target.is_dir() and any(target.iterdir()) and not overwrite:
        raise OutputError(f"{target} exists and is not empty: choose another folder or "
                          "pass overwrite=True")
    write_run(result, inst, target, overwrite, progress=progress)
    return target
