"""Sweep throughput: scenarios solved per minute on the Kent instance, by executor.

Usage (from the repository root)::

    python benchmarks/sweep_throughput.py [--points 8] [--workers 1 2] [--executors serial local dask]
                                          [--json benchmarks/results/sweep_throughput.json]

The sweep is a grid over Kent (transport cost per km × extra demand growth, ``--points``
combinations). Each executor and worker count runs the whole sweep into a fresh folder (nothing
skipped), timed from submission to the last record written, so pool or cluster start-up is
counted: that is what a planner waits for. ``scenarios_per_minute = points / wall × 60``.
``solve_median_s`` is the median of the points' own times in the workers (load cached, apply,
build, solve, KPIs). Every executor's records are checked to carry the same KPIs.

On a shared machine the figures move with the load; they are measurements of this machine,
not of the method.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from placement_opt.analysis.sweep.grid import load_sweep  # noqa: E402
from placement_opt.analysis.sweep.run import run_sweep  # noqa: E402

RATES = [300.0, 425.0, 570.0, 700.0]
GROWTH = [-0.02, 0.0, 0.02, 0.04, 0.06]


def grid_text(points: int) -> str:
    """A grid of at least ``points`` combinations (transport rates × growth), trimmed by
    choosing how many of each."""
    n_rates = min(len(RATES), max(1, points // 2))
    n_growth = -(-points // n_rates)
    return ("[sweep]\nname = \"throughput\"\n"
            f"base = \"{ROOT / 'instances' / 'kent'}\"\n\n[grid]\n"
            f"\"costs.transport_cost_per_km\" = {RATES[:n_rates]}\n"
            f"\"demand.growth\" = {GROWTH[:n_growth]}\n")


def comparable(records: list[dict[str, Any]]) -> list[tuple[str, str, list[Any]]]:
    return [(r["name"], r["status"], r["kpis"]) for r in records]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--points", type=int, default=8)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--executors", nargs="+", default=["serial", "local", "dask"])
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        grid = Path(tmp) / "grid.toml"
        grid.write_text(grid_text(args.points), encoding="utf-8")
        plan = load_sweep(grid)
        runs: list[dict[str, Any]] = []
        reference = None
        for executor in args.executors:
            for workers in ([1] if executor == "serial" else args.workers):
                folder = Path(tmp) / f"{executor}-{workers}"
                start = time.perf_counter()
                outcome = run_sweep(plan, folder, executor=executor, workers=workers)
                wall = time.perf_counter() - start
                same = comparable(outcome.records)
                reference = reference or same
                row = {"executor": executor, "workers": workers, "points": len(plan.points),
                       "failed": len(outcome.failed), "wall_s": round(wall, 2),
                       "scenarios_per_minute": round(len(plan.points) / wall * 60, 1),
                       "solve_median_s": round(statistics.median(
                           r["seconds"] for r in outcome.records if r["seconds"]), 3),
                       "same_kpis_as_first": same == reference}
                runs.append(row)
                print(json.dumps(row))
    result = {"benchmark": "sweep_throughput", "instance": "kent", "grid": grid_text(args.points),
              "machine": {"platform": platform.platform(), "python": platform.python_version(),
                          "cpus": os.cpu_count(), "load_average_1_5_15": os.getloadavg()},
              "runs": runs}
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"{'executor':8} {'workers':>7} {'points':>6} {'wall s':>8} {'per min':>8} "
          f"{'solve s':>8} same")
    for r in runs:
        print(f"{r['executor']:8} {r['workers']:>7} {r['points']:>6} {r['wall_s']:>8} "
              f"{r['scenarios_per_minute']:>8} {r['solve_median_s']:>8} {r['same_kpis_as_first']}")


if __name__ == "__main__":
    main()
