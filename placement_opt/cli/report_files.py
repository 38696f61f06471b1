"""``placement-opt report`` into the run folder itself: the report files solve wrote there are
written again in place, and a file that differs from what solve wrote (edited by hand, or from
another version) is kept unless ``--overwrite``."""

from __future__ import annotations

import tempfile
from pathlib import Path

from placement_opt.errors import OutputError
from placement_opt.reports.files import write_reports
from placement_opt.results.run import RunData

__all__ = ["rewrite_reports"]


def rewrite_reports(run: RunData, run_dir: Path, overwrite: bool) -> tuple[list[Path], list[str]]:
    """Write the reports of ``run`` into ``run_dir``; (the files written, the names of those
    already there that were replaced with different bytes). The reports are written beside the
    folder first, so a refusal leaves every file as it was: a file already there whose bytes
    differ from the new ones was not the one solve wrote (the same run always gives the same
    bytes), and is replaced only with ``overwrite`` (:class:`OutputError` otherwise)."""
    with tempfile.TemporaryDirectory(dir=run_dir, prefix=".report-") as tmp:
        fresh = write_reports(run, Path(tmp), overwrite=True)
        differ = [p.name for p in fresh if (run_dir / p.name).is_file()
                  and (run_dir / p.name).read_bytes() != p.read_bytes()]
        if differ and not overwrite:
            raise OutputError(
                f"{run_dir}: {', '.join(differ)} differ from what solve wrote (edited since?); "
                "nothing was replaced. Add --overwrite to replace them, or write the reports "
                "elsewhere with --out DIR")
        written = []
        for p in fresh:
            p.replace(run_dir / p.name)
            written.append(run_dir / p.name)
    return written, differ
