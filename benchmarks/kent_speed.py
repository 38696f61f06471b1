"""Does the rebuilt Kent solve to a 0.1% gap in 10 s or less on 2 cores (issue 14)?

```bash
python benchmarks/kent_speed.py              # 3 runs of each case; results/kent_speed.json
python benchmarks/kent_speed.py --runs 1 --cases kent kent_features
```

Cases, each solved with ``solve(..., gap=1e-3, threads=2)`` and timed whole (model build,
solve, and the results; not the run folder or reports), medians of ``--runs``:

* ``kent`` — ``instances/kent`` as bundled (181 small-area zones, levels and tariff, road-time
  journeys, the calibrated transport model, independent growth limits, mainstream in the
  pupil's district);
* ``kent_features`` — the same with the local rules switched on as well: a 50% local share in
  every district and a cap of 12% on independent placements;
* ``kent_pathways`` — ``kent`` with phase-transfer pathway flows (primary → secondary) and a
  transfer cost per minute (``models/transfers.md``);
* ``kent_growth`` — ``instances/kent_growth`` (continuity, existing cohort, candidate SRPs,
  special-school expansions, the GBP 20m capital budget: a MIP), at district resolution.
"""

from __future__ import annotations

import argparse
import json
import statistics
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

from placement_opt import Instance, solve  # noqa: E402

DEFAULT_JSON = BENCH / "results" / "kent_speed.json"
TARGET_SECONDS = 10.0


def cases() -> dict[str, Instance]:
    """The instances measured (see the module docstring)."""
    kent = Instance.from_path(ROOT / "instances" / "kent")
    def with_policy(**update: object) -> Instance:
        policy = kent.policy.model_copy(update=update)
        return kent.replace(settings=kent.settings.model_copy(update={"policy": policy}))

    return {"kent": kent,
            "kent_features": with_policy(min_local_share=0.5, max_independent_share=0.12),
            "kent_pathways": with_policy(pathway_flows=True, transfer_cost_per_min=1.0),
            "kent_growth": Instance.from_path(ROOT / "instances" / "kent_growth")}


def measure(name: str, inst: Instance, runs: int) -> dict[str, Any]:
    """Medians of ``runs`` solves to a 0.1% gap on 2 threads."""
    seconds, last = [], None
    for _ in range(runs):
        began = time.perf_counter()
        last = solve(inst, gap=1e-3, threads=2, time_limit=600)
        seconds.append(time.perf_counter() - began)
    assert last is not None
    median = statistics.median(seconds)
    return {"case": name, "status": last.status.value, "gap": last.gap,
            "objective": last.objective, "model_size": last.model_size, "message": last.message,
            "seconds": seconds, "median_s": median, "within_target": median <= TARGET_SECONDS}


def main(argv: list[str] | None = None) -> None:
    """Command line (see the module docstring)."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cases", nargs="*", default=None, help="subset of the case names")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON)
    args = parser.parse_args(argv)
    chosen = {k: v for k, v in cases().items() if args.cases is None or k in args.cases}
    rows = []
    for name, inst in chosen.items():
        row = measure(name, inst, args.runs)
        rows.append(row)
        print(f"{name}: {row['status']} gap {row['gap']} median {row['median_s']:.1f} s "
              f"({row['model_size']}; {row['message']})", flush=True)
    report = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine(),
              "code": code_version(), "load_average": load_average(), "target_s": TARGET_SECONDS,
              "cases": rows}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
