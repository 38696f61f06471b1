"""How long does a frontier of Kent's growth plan take, and what are its points (issue 16,
part 5)?

```bash
python benchmarks/frontier_speed.py              # 3 runs; results/frontier_speed.json and
                                                 # frontier_speed.md
python benchmarks/frontier_speed.py --runs 1 --metric over_60 --points 3
```

Each run traces ``placement_opt.frontier(Instance.from_path("instances/kent_growth"), metric,
points, gap=1e-3, threads=...)`` in a fresh process (no cache shared between runs), timed from
the model build to the last point's Result (the instance is read untimed; no files written).
The report gives the median of the runs' wall times, the median of each solve, and the points
(the same in every run: checked).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
for _entry in (str(ROOT), str(BENCH)):
    if _entry not in sys.path:
        sys.path.insert(0, _entry)

from machine import code_version, load_average, machine  # noqa: E402

DEFAULT_JSON = BENCH / "results" / "frontier_speed.json"
DEFAULT_REPORT = BENCH / "frontier_speed.md"
INSTANCE = ROOT / "instances" / "kent_growth"
SHOWN = ("point", "role", "epsilon", "metric", "objective", "total_cost", "capital_cost",
         "status", "gap", "dominated", "unmet", "mean_journey_min", "share_met_locally",
         "placed_independent", "over_60")


def child(metric: str, points: int, gap: float, threads: int,
          time_limit: float | None) -> dict[str, Any]:
    """One run in this process: the frontier's points and its times."""
    from placement_opt import Instance, frontier

    inst = Instance.from_path(INSTANCE)
    start = time.perf_counter()
    result = frontier(inst, metric, points, gap=gap, threads=threads, mip_duals=False,
                      time_limit=time_limit)
    wall = time.perf_counter() - start
    table = result.points[list(SHOWN)].astype(object).where(result.points[list(SHOWN)].notna())
    return {"wall_s": wall, "solves_s": result.seconds,
            "points": json.loads(table.to_json(orient="records"))}


def run_once(metric: str, points: int, gap: float, threads: int,
             time_limit: float | None) -> dict[str, Any]:
    """:func:`child` in a fresh process."""
    limit = [] if time_limit is None else ["--time-limit", str(time_limit)]
    out = subprocess.run([sys.executable, __file__, "--child", "--metric", metric, "--points",
                          str(points), "--gap", str(gap), "--threads", str(threads), *limit],
                         capture_output=True, text=True, check=True, cwd=ROOT)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def _comparable(points: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(p["point"], p["status"], round(p["objective"], 2), round(p["metric"], 4))
            for p in points]


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians over the runs, and whether every run found the same points."""
    stages = runs[0]["solves_s"].keys()
    return {"runs": len(runs), "wall_median_s": statistics.median(r["wall_s"] for r in runs),
            "wall_s": [r["wall_s"] for r in runs],
            "solve_median_s": {k: statistics.median(r["solves_s"][k] for r in runs)
                               for k in stages},
            "same_points": all(_comparable(r["points"]) == _comparable(runs[0]["points"])
                               for r in runs),
            "points": runs[0]["points"]}


def _cell(key: str, value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        if key in ("objective", "total_cost", "capital_cost"):
            return f"£{value:,.0f}"
        if key in ("gap", "share_met_locally"):
            return f"{value:.3%}"
        return f"{value:,.1f}"
    return str(value)


def markdown(report: dict[str, Any]) -> str:
    """The report as Markdown."""
    s = report["summary"]
    lines = [
        "# Frontier speed: `instances/kent_growth`", "",
        f"Measured {report['when']} by `benchmarks/frontier_speed.py` (code {report['code']}), "
        f"{report['machine'].get('cpu', '?')}, load average before "
        f"{report['load_average']}.", "",
        f"`placement_opt.frontier(kent_growth, {report['metric']!r}, points={report['points']}, "
        f"gap={report['gap']}, threads={report['threads']}, mip_duals=False, "
        f"time_limit={report['time_limit']})` (the limit is per solve): "
        f"{report['points'] + 1} solves (the minimum-cost plan, the two stages of the "
        "lexicographic end, the points between).", "",
        f"**Median wall time over {s['runs']} run(s): {s['wall_median_s']:.1f} s** "
        f"(runs: {', '.join(f'{w:.1f}' for w in s['wall_s'])} s); every run found the same "
        f"points: {'yes' if s['same_points'] else 'NO'}.", "",
        "| stage | median s |", "|---|---:|",
        *[f"| {k} | {v:.2f} |" for k, v in s["solve_median_s"].items()], "",
        "## Points", "",
        "| " + " | ".join(SHOWN) + " |", "|" + "---|" * len(SHOWN),
        *["| " + " | ".join(_cell(k, p[k]) for k in SHOWN) + " |" for p in s["points"]], "",
        "`metric` is the frontier's metric of the point's plan; `epsilon` its constraint "
        "(point 0: none; the last: the best value, held). Costs are the objective "
        "(placements, transport, capital, penalties) and the placement `total_cost`.", "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--metric", default="pupil_minutes")
    parser.add_argument("--points", type=int, default=5)
    parser.add_argument("--gap", type=float, default=1e-3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=60.0,
                        help="Seconds per solve (0: none).")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON)
    parser.add_argument("--report", type=Path, default=DEFAULT_REPORT)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.metric, args.points, args.gap, args.threads,
                               args.time_limit or None)))
        return
    before = load_average()
    runs = []
    for i in range(args.runs):
        runs.append(run_once(args.metric, args.points, args.gap, args.threads,
                             args.time_limit or None))
        print(f"run {i + 1}: {runs[-1]['wall_s']:.1f} s", flush=True)
    report = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine(),
              "code": code_version(), "load_average": before, "metric": args.metric,
              "points": args.points, "gap": args.gap, "threads": args.threads,
              "time_limit": args.time_limit or None,
              "summary": summarise(runs)}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    args.report.write_text(markdown(report), encoding="utf-8")
    print(markdown(report))


if __name__ == "__main__":
    main()
