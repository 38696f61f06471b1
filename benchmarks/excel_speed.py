"""Do the Excel outputs of a Kent solve take under 2 s (issue 15)?

```bash
python benchmarks/excel_speed.py                  # 5 runs; results/excel_speed.json
python benchmarks/excel_speed.py --base a82f546   # and that revision's writers, side by side
```

Solves ``instances/kent`` once, then times each report writer of the run folder (the
sufficiency, budget and plan workbooks with their CSVs, report tables included) into a fresh
folder, ``--runs`` times, and reports the medians and their sum against the 2 s target. Each
run is a fresh worker process (one untimed warm-up write first) given the solved run; with
``--base`` the workers of this tree and of the base revision (``git archive``) take turns, so
both meet the same load. The machine is shared: quote medians, their ratio and the load
average written beside them.
"""

from __future__ import annotations

import argparse
import json
import pickle
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

from machine import code_version, load_average, machine  # noqa: E402

DEFAULT_JSON = BENCH / "results" / "excel_speed.json"
TARGET_SECONDS = 2.0
WRITERS = ("sufficiency", "budget", "plan")


def _worker(tree: Path, run_file: Path) -> dict[str, float]:
    """Seconds of each writer of the ``placement_opt`` in ``tree``, after one warm-up write."""
    sys.path.insert(0, str(tree))
    from placement_opt.reports import files

    run = pickle.loads(run_file.read_bytes())
    writers = {name: getattr(files, f"write_{name}") for name in WRITERS}
    seconds: dict[str, float] = {}
    for timed in (False, True):
        with tempfile.TemporaryDirectory() as tmp:
            for name, write in writers.items():
                began = time.perf_counter()
                write(run, Path(tmp))
                if timed:
                    seconds[name] = time.perf_counter() - began
    return seconds


def _solved_run(folder: Path) -> Path:
    """The Kent run (solved by this tree), pickled into ``folder``."""
    sys.path.insert(0, str(ROOT))
    from placement_opt import Instance, solve
    from placement_opt.results.run import RunData

    inst = Instance.from_path(ROOT / "instances" / "kent")
    run = RunData.from_result(solve(inst, gap=1e-3, threads=2), inst)
    path = folder / "run.pickle"
    path.write_bytes(pickle.dumps(run))
    return path


def _export(revision: str, folder: Path) -> Path:
    """The ``placement_opt`` package of ``revision``, unpacked into ``folder``."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision, "placement_opt"],
                             check=True, capture_output=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    return folder


def _time(tree: Path, run_file: Path) -> dict[str, float]:
    done = subprocess.run([sys.executable, __file__, "--worker", str(tree), str(run_file)],
                          check=True, capture_output=True, text=True, cwd=tree)
    return {name: float(s) for name, s in json.loads(done.stdout.splitlines()[-1]).items()}


def _side(seconds: dict[str, list[float]]) -> dict[str, Any]:
    medians = {name: statistics.median(s) for name, s in seconds.items()}
    return {"seconds": seconds, "median_s": medians, "total_median_s": sum(medians.values())}


def main(argv: list[str] | None = None) -> None:
    """Command line (see the module docstring)."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--base", help="also time this git revision's writers (e.g. main)")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON)
    parser.add_argument("--worker", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(_worker(*args.worker)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        run_file = _solved_run(Path(tmp))
        trees = {"head": ROOT}
        if args.base:
            trees = {"base": _export(args.base, Path(tmp) / "base"), **trees}
        seconds = {side: {name: [] for name in WRITERS} for side in trees}
        for turn in range(args.runs):
            for side in (list(trees) if turn % 2 == 0 else list(trees)[::-1]):
                for name, s in _time(trees[side], run_file).items():
                    seconds[side][name].append(s)
    sides = {side: _side(s) for side, s in seconds.items()}
    head = sides["head"]
    report: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine(),
        "code": code_version(), "load_average": load_average(), "target_s": TARGET_SECONDS,
        "runs": args.runs, **head, "within_target": head["total_median_s"] <= TARGET_SECONDS}
    for name in WRITERS:
        line = f"{name}: median {head['median_s'][name]:.2f} s"
        if "base" in sides:
            line = f"{name}: base {sides['base']['median_s'][name]:.2f} s, " + line.split(": ")[1]
        print(line)
    if "base" in sides:
        base = sides["base"]
        report["base"] = {"revision": args.base, **base}
        report["speedup"] = {name: base["median_s"][name] / head["median_s"][name]
                             for name in WRITERS if head["median_s"][name] > 0}
        report["total_speedup"] = base["total_median_s"] / head["total_median_s"]
        print(f"base all Excel outputs: {base['total_median_s']:.2f} s")
    print(f"all Excel outputs: {head['total_median_s']:.2f} s (target {TARGET_SECONDS:.0f} s)"
          + (f", {report['total_speedup']:.1f}x the base" if "base" in sides else ""))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
