"""The frontier's run folder, written whole (``placement_opt.io.staging``): ``frontier.csv``
(the points), ``points/point_<n>/`` (the plan behind each: openings, expansions, allocations,
KPIs), ``frontier.xlsx``, ``frontier.html``, ``timings.json`` and ``summary.json`` last. Same
frontier, same bytes in every file but ``timings.json``."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from placement_opt.analysis.frontier.metrics import METRICS
from placement_opt.analysis.frontier.page import render_frontier
from placement_opt.analysis.frontier.trace import Frontier
from placement_opt.io.staging import MARKER, staged_folder

__all__ = ["PLAN_TABLES", "write_frontier"]

#: The tables of each point's plan written to its folder (and, with a ``point`` column, to
#: the workbook).
PLAN_TABLES = ("openings", "expansions", "allocations", "kpis")


def _csv(frame: pd.DataFrame) -> str:
    from placement_opt.io.atomic import neutralise_text

    return str(neutralise_text(frame).to_csv(index=False, lineterminator="\n"))


def write_frontier(frontier: Frontier, folder: Path, overwrite: bool = False) -> list[Path]:
    """Write the folder (refused when ``folder`` is not empty, unless ``overwrite``); the
    files written, relative to ``folder``."""
    from placement_opt.analysis.scenarios.manifest import versions
    from placement_opt.io.workbook import write_workbook

    written: list[Path] = []
    with staged_folder(folder, overwrite) as stage:
        def text(name: str, body: str) -> None:
            target = stage / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(body, encoding="utf-8", newline="")
            written.append(Path(name))

        text("frontier.csv", _csv(frontier.points))
        for i, result in enumerate(frontier.results):
            for table in PLAN_TABLES:
                text(f"points/point_{i}/{table}.csv", _csv(getattr(result, table)))
        sheets = {"frontier": frontier.points,
                  **{t: frontier.plan(t) for t in PLAN_TABLES}}
        write_workbook(stage / "frontier.xlsx", sheets)
        written.append(Path("frontier.xlsx"))
        text("frontier.html", render_frontier(frontier))
        text("timings.json", json.dumps({k: round(v, 3) for k, v in frontier.seconds.items()},
                                        indent=2) + "\n")
        spec = METRICS[frontier.metric]
        summary = {
            "instance": frontier.instance_name,
            "instance_fingerprint": frontier.instance_fingerprint,
            "metric": frontier.metric, "unit": spec.unit, "sense": spec.sense,
            "description": spec.description, "points": len(frontier.points),
            "dominated": [int(p) for p in frontier.points.loc[frontier.points["dominated"],
                                                               "point"]],
            "best_metric_first_stage": frontier.first_stage,
            "options": frontier.options.model_dump(mode="json", exclude={"log_file", "verbose"}),
            "formulation": "models/frontier.md",
            "versions": {k: v for k, v in versions().items() if k != "platform"},
        }
        text(MARKER, json.dumps(summary, indent=2) + "\n")
    return written
