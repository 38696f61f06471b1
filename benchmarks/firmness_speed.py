"""How firm is Kent's growth plan, and how long does it take to tell (issue 16)?

```bash
python benchmarks/firmness_speed.py              # 3 runs; results/firmness_speed.json
python benchmarks/firmness_speed.py --runs 1 --reoptimise full
python benchmarks/firmness_speed.py --runs 1 --improve 3 --json results/firmness_improve.json
```

Each run, in a fresh process: ``firmness(instances/kent_growth, gap=1e-3, workers=2,
alternatives=3, within=0.001)`` — the plan, every decision reversed (held and re-optimised,
``--reoptimise``), and the near-optimal alternatives — timed whole and by stage. The report
holds the medians and, from the first run (the same in every run: the solves are seeded and
single-threaded), the acceptance figures of issue 16: how many decisions cost less than 0.1%
of the objective to reverse, how many reversals find a cheaper plan, and the spread of the
alternatives.
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

DEFAULT_JSON = BENCH / "results" / "firmness_speed.json"
FIRM_SHARE = 0.001


def one_run(reoptimise: str, workers: int, improve: int, gap: float) -> dict[str, Any]:
    """One firmness analysis of kent_growth: seconds and figures."""
    from placement_opt import Instance, SolveOptions, firmness

    inst = Instance.from_path(ROOT / "instances" / "kent_growth")
    began = time.perf_counter()
    f = firmness(inst, SolveOptions(gap=gap), alternatives=3, within=0.001,
                 reoptimise=reoptimise, workers=workers,  # type: ignore[arg-type]
                 improve=improve)
    seconds = time.perf_counter() - began
    assert f.result.objective is not None
    objective = float(f.result.objective)
    d = f.costs.decisions
    cost = d["cost_to_reverse"].astype(float)
    plans = f.alternatives.plans
    return {
        "seconds": round(seconds, 2), "reversal_seconds": round(f.costs.seconds, 2),
        "objective": objective, "gap": f.result.gap, "decisions": len(d),
        "in_plan": int(d["in_plan"].sum()),
        "under_0_1pct": int((cost < FIRM_SHARE * abs(objective)).sum()),
        "cheaper_plan_found": int((cost < 0).sum()),
        "cheapest_reversal": float(cost.min()), "dearest_reversal": float(cost.max()),
        "held_infeasible": int(d["cost_held"].isna().sum()),
        "alternatives": len(plans) - 1,
        "alternative_above_best": [round(float(v), 2) for v in plans["above_best"]],
        "alternative_share": [float(v) for v in plans["share_above_best"]],
        "alternative_differing": [int(v) for v in plans["decisions_differing"]],
        "firm_decisions": len(f.alternatives.firm),
        "improved_rounds": f.improved, "improved_by": round(f.saving, 2),
        "decisions_taken": sorted(d.loc[d["in_plan"], "decision"].astype(str)),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--reoptimise", default="local", choices=("held", "local", "full"))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--improve", type=int, default=0)
    parser.add_argument("--gap", type=float, default=1e-3)
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(one_run(args.reoptimise, args.workers, args.improve, args.gap)))
        return
    runs = []
    for i in range(args.runs):
        out = subprocess.run([sys.executable, __file__, "--child", "--reoptimise",
                              args.reoptimise, "--workers", str(args.workers),
                              "--improve", str(args.improve), "--gap", str(args.gap)],
                             check=True, capture_output=True, text=True, cwd=ROOT)
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(f"run {i + 1}: {runs[-1]['seconds']:.1f} s", flush=True)
    report = {
        "benchmark": "firmness_speed", "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(), "code": code_version(), "load_average": load_average(),
        "reoptimise": args.reoptimise, "workers": args.workers, "improve": args.improve,
        "gap": args.gap, "runs": args.runs,
        "median_seconds": statistics.median(r["seconds"] for r in runs),
        "median_reversal_seconds": statistics.median(r["reversal_seconds"] for r in runs),
        "figures": {k: v for k, v in runs[0].items() if "seconds" not in k},
        "seconds": [r["seconds"] for r in runs],
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
