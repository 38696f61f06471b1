"""The firmness tables in a run folder: CSVs and ``firmness.xlsx`` (``models/decisions.md``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from placement_opt.analysis.firmness.run import Firmness
from placement_opt.io.atomic import neutralise_text, write_text_atomic
from placement_opt.io.workbook import write_workbook
from placement_opt.reports.html.run_firmness import FirmnessTables

__all__ = ["FIRMNESS_FILES", "firmness_frames", "html_tables", "write_firmness"]

#: The files :func:`write_firmness` writes, by table.
FIRMNESS_FILES = ("decisions", "decisions_by_year", "alternatives", "alternative_decisions",
                  "firm_decisions")


def firmness_frames(f: Firmness) -> dict[str, pd.DataFrame]:
    """The tables of ``f`` by file name (without ``.csv``)."""
    return {"decisions": f.costs.decisions, "decisions_by_year": f.costs.by_year,
            "alternatives": f.alternatives.plans,
            "alternative_decisions": f.alternatives.decisions,
            "firm_decisions": f.alternatives.firm}


def html_tables(f: Firmness) -> FirmnessTables:
    """What the run page's "How firm is this plan?" section shows."""
    return FirmnessTables(f.costs.decisions, f.alternatives.plans, f.alternatives.firm,
                          f.alternatives.within)


def write_firmness(f: Firmness, folder: Path) -> list[Path]:
    """Write the firmness CSVs and ``firmness.xlsx`` into ``folder`` (each file whole or not
    at all); the run's timings stay out of them (``timings.json``)."""
    written = []
    frames = firmness_frames(f)
    for name, frame in frames.items():
        target = folder / f"{name}.csv"
        write_text_atomic(target, neutralise_text(frame).to_csv(index=False))
        written.append(target)
    target = folder / "firmness.xlsx"
    write_workbook(target, frames)
    written.append(target)
    return written
