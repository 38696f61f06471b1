"""Column pricing vs the full LP with HiGHS: same optimum, how much faster?

```bash
python benchmarks/pricing.py                                  # Kent MSOA + generated, 3 runs
python benchmarks/pricing.py --kent instances/kent --arcs 300000 100000 --runs 3
```

Each case's model is built once (untimed); then ``solve_highs`` runs with ``pricing="off"``
and ``"on"`` alternately, ``--runs`` times each, 2 threads, and the medians are reported side
by side with both objectives and their relative difference (pricing is exact, so it should be
~1e-15). Results go to ``results/pricing.json``.
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

from generate import make_instance, sizes_for_arcs  # noqa: E402
from machine import code_version, load_average, machine  # noqa: E402

from placement_opt import Instance, build_allocation_model  # noqa: E402
from placement_opt.model.matrix import MatrixModel  # noqa: E402
from placement_opt.options import SolveOptions  # noqa: E402
from placement_opt.solvers.highs import solve_highs  # noqa: E402

DEFAULT_KENT = ROOT / "instances" / "kent"
DEFAULT_JSON = BENCH / "results" / "pricing.json"


def measure(name: str, model: MatrixModel, runs: int, threads: int) -> dict[str, Any]:
    """Medians of ``runs`` full and priced solves, alternating."""
    seconds: dict[str, list[float]] = {"off": [], "on": []}
    objective: dict[str, float | None] = {}
    message = ""
    for _ in range(runs):
        for mode in ("off", "on"):
            began = time.perf_counter()
            raw = solve_highs(model, SolveOptions(pricing=mode, threads=threads))
            seconds[mode].append(time.perf_counter() - began)
            objective[mode] = raw.objective
            message = raw.message if mode == "on" else message
    full, priced = objective["off"], objective["on"]
    rel = None if full is None or priced is None else abs(priced - full) / max(abs(full), 1e-10)
    assert model.layout is not None
    row = {"case": name, "columns": model.n_cols, "rows": model.n_rows,
           "arcs": model.layout.n_arcs, "full_s": statistics.median(seconds["off"]),
           "pricing_s": statistics.median(seconds["on"]), "full_runs": seconds["off"],
           "pricing_runs": seconds["on"], "full_objective": full, "pricing_objective": priced,
           "relative_difference": rel, "pricing_message": message}
    row["speedup"] = row["full_s"] / row["pricing_s"]
    print(f"{name}: {model.n_cols:,} cols, {row['arcs']:,} arcs: full {row['full_s']:.2f} s, "
          f"pricing {row['pricing_s']:.2f} s ({row['speedup']:.1f}x), rel diff {rel:.1e}; "
          f"{message}", flush=True)
    return row


def main() -> None:
    """Run the comparison and write the JSON."""
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    p.add_argument("--kent", type=Path, default=DEFAULT_KENT, help="Kent instance folder")
    p.add_argument("--arcs", type=int, nargs="*", default=[300_000],
                   help="generated instances with about this many arcs")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--json", type=Path, default=DEFAULT_JSON)
    args = p.parse_args()
    started = datetime.now(UTC).isoformat(timespec="seconds")
    load_start = load_average()
    rows = []
    if args.kent.exists():
        rows.append(measure(f"kent ({args.kent.name})",
                            build_allocation_model(Instance.from_path(args.kent)), args.runs,
                            args.threads))
    for target in args.arcs:
        s = sizes_for_arcs(target)
        inst = make_instance(s.n_zones, s.n_provisions, s.years, s.seed)
        rows.append(measure(f"generated {target:,}", build_allocation_model(inst), args.runs,
                            args.threads))
    out = {"started": started, "load_average_start": load_start,
           "load_average_end": load_average(), "machine": machine(), "code": code_version(),
           "runs": args.runs, "threads": args.threads, "cases": rows}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
