"""Do the Excel outputs of a Kent solve take under 2 s (issue 15)?

```bash
python benchmarks/excel_speed.py            # 3 runs; results/excel_speed.json
python benchmarks/excel_speed.py --runs 5
```

Solves ``instances/kent`` once, then times each report writer of the run folder (the
sufficiency, budget and plan workbooks with their CSVs) into a fresh folder, ``--runs`` times,
and reports the medians and their sum against the 2 s target. The machine is shared: quote
medians, and the load average written beside them.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
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
from placement_opt.reports.files import write_budget, write_plan, write_sufficiency  # noqa: E402
from placement_opt.results.run import RunData  # noqa: E402

DEFAULT_JSON = BENCH / "results" / "excel_speed.json"
TARGET_SECONDS = 2.0
WRITERS: dict[str, Callable[[RunData, Path], list[Path]]] = {
    "sufficiency": write_sufficiency, "budget": write_budget, "plan": write_plan}


def main(argv: list[str] | None = None) -> None:
    """Command line (see the module docstring)."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON)
    args = parser.parse_args(argv)
    inst = Instance.from_path(ROOT / "instances" / "kent")
    run = RunData.from_result(solve(inst, gap=1e-3, threads=2), inst)
    seconds: dict[str, list[float]] = {name: [] for name in WRITERS}
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            for name, write in WRITERS.items():
                began = time.perf_counter()
                write(run, Path(tmp))
                seconds[name].append(time.perf_counter() - began)
    medians = {name: statistics.median(s) for name, s in seconds.items()}
    total = sum(medians.values())
    for name, median in medians.items():
        print(f"{name}: median {median:.2f} s")
    print(f"all Excel outputs: {total:.2f} s (target {TARGET_SECONDS:.0f} s)")
    report: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine(),
        "code": code_version(), "load_average": load_average(), "target_s": TARGET_SECONDS,
        "seconds": seconds, "median_s": medians, "total_median_s": total,
        "within_target": total <= TARGET_SECONDS}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
