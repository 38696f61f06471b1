"""Model build speed: time each stage of building the allocation model, and the hand-off to
HiGHS, for Kent-like instances with about 10k, 100k and 1M eligible arcs.

Usage (from the repository root)::

    python benchmarks/build_speed.py [--arcs 10000 100000 1000000] [--repeats 5] [--json OUT]

For each target size the parent picks zones and provisions with
:func:`generate.sizes_for_arcs`, then runs one worker subprocess (so peak memory is measured
per size, in a fresh process). The worker generates the instance once (not timed with the
build) and, ``--repeats`` times, times:

* ``data``   – ``ModelData.from_instance``
* ``arcs``   – ``eligible_arcs``
* ``build``  – ``build_from_data``
* ``total``  – the three above, end to end (what ``build_allocation_model`` does)
* ``checks`` – ``presolve_checks`` (``solve`` counts it in ``build_seconds`` too)
* ``highs``  – the hand-off: ``placement_opt.solvers.highs.pass_model`` (CSC conversion and
  one array call of ``Highs.passModel``; creating the ``Highs`` object is not counted).

Medians are reported. Memory: ``peak_rss_mb`` is the process's peak resident set during the
timed repeats (``VmHWM`` after resetting it through ``/proc/self/clear_refs``; where that is
unavailable, the whole-process ``ru_maxrss``), ``rss_before_mb`` the resident set just before
them, and ``traced_peak_mb`` the peak of Python/numpy allocations (``tracemalloc``) during one
extra, untimed build.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import os
import platform
import pstats
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for _entry in (str(ROOT), str(ROOT / "benchmarks")):
    if _entry not in sys.path:  # run as a script: import the repository's package and generate
        sys.path.insert(0, _entry)

import highspy  # noqa: E402
import numpy as np  # noqa: E402
import scipy  # noqa: E402
from generate import make_instance, sizes_for_arcs  # noqa: E402

from placement_opt import Instance  # noqa: E402
from placement_opt.model.arcs import eligible_arcs  # noqa: E402
from placement_opt.model.build import build_from_data  # noqa: E402
from placement_opt.model.checks import presolve_checks  # noqa: E402
from placement_opt.model.data import ModelData  # noqa: E402
from placement_opt.model.matrix import MatrixModel  # noqa: E402
from placement_opt.solvers.highs_core import _new_highs, pass_model  # noqa: E402

DEFAULT_ARCS = (10_000, 100_000, 1_000_000)
DEFAULT_JSON = ROOT / "benchmarks" / "results" / "build_speed.json"
STAGES = ("data", "arcs", "build", "total", "checks", "highs")


# --------------------------------------------------------------------------- HiGHS hand-off
def new_highs() -> highspy.Highs:
    """A silent Highs object (created outside the timed hand-off)."""
    h = _new_highs()
    h.setOptionValue("output_flag", False)
    return h


# --------------------------------------------------------------------------- memory probes
def _status_kb(field: str) -> int | None:
    """A ``/proc/self/status`` field in kB (None off Linux)."""
    try:
        with Path("/proc/self/status").open() as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS mark (``VmHWM``); False where that is not possible."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _maxrss_mb() -> float:
    """Whole-process peak resident set in MiB (``ru_maxrss`` is kB on Linux, bytes on macOS)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


# --------------------------------------------------------------------------- timing
def _time_once(instance: Instance) -> tuple[dict[str, float], MatrixModel]:
    """One timed pass over every stage; returns seconds by stage and the model built."""
    gc.collect()
    t0 = time.perf_counter()
    data = ModelData.from_instance(instance)
    t1 = time.perf_counter()
    arcs = eligible_arcs(data)
    t2 = time.perf_counter()
    model = build_from_data(data, arcs, instance)
    t3 = time.perf_counter()
    presolve_checks(data, arcs)
    t4 = time.perf_counter()
    h = new_highs()
    t5 = time.perf_counter()
    pass_model(h, model)
    t6 = time.perf_counter()
    del h
    times = {"data": t1 - t0, "arcs": t2 - t1, "build": t3 - t2, "total": t3 - t0,
             "checks": t4 - t3, "highs": t6 - t5}
    return times, model


def _traced_peak_mb(instance: Instance) -> float:
    """Peak of traced (Python and numpy) allocations during one full build, in MiB."""
    gc.collect()
    tracemalloc.start()
    data = ModelData.from_instance(instance)
    build_from_data(data, eligible_arcs(data), instance)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def _profile(instance: Instance, top: int = 20) -> str:
    """cProfile of one full build (data, arcs, build), top functions by cumulative time."""
    profiler = cProfile.Profile()
    profiler.enable()
    data = ModelData.from_instance(instance)
    build_from_data(data, eligible_arcs(data), instance)
    profiler.disable()
    buffer = io.StringIO()
    pstats.Stats(profiler, stream=buffer).sort_stats("cumulative").print_stats(top)
    return buffer.getvalue()


def run_worker(n_zones: int, n_provisions: int, years: int, seed: int, repeats: int,
               profile: bool) -> dict[str, Any]:
    """Generate one instance and time every stage ``repeats`` times (run in a subprocess)."""
    t0 = time.perf_counter()
    instance = make_instance(n_zones, n_provisions, years, seed)
    generate_s = time.perf_counter() - t0
    _time_once(instance)  # warm-up: imports, caches, first HiGHS construction
    gc.collect()
    rss_before = _status_kb("VmRSS")
    hwm_ok = _reset_peak_rss()
    runs: list[dict[str, float]] = []
    for _ in range(repeats):
        times, model = _time_once(instance)
        runs.append(times)
    peak_kb = _status_kb("VmHWM") if hwm_ok else None
    out: dict[str, Any] = {
        "n_zones": n_zones, "n_provisions": n_provisions, "years": years, "seed": seed,
        "demand_rows": model.layout.n_demand_rows if model.layout else 0,
        "arcs": model.layout.n_arcs if model.layout else 0,
        "columns": model.n_cols, "rows": model.n_rows, "nonzeros": int(model.A.nnz),
        "generate_s": generate_s,
        "median_s": {s: statistics.median(r[s] for r in runs) for s in STAGES},
        "min_s": {s: min(r[s] for r in runs) for s in STAGES},
        "runs_s": runs,
        "rss_before_mb": None if rss_before is None else rss_before / 1024,
        "peak_rss_mb": peak_kb / 1024 if peak_kb is not None else _maxrss_mb(),
        "peak_rss_source": "VmHWM (reset before the timed repeats)" if peak_kb is not None
        else "ru_maxrss (whole process)",
        "process_maxrss_mb": _maxrss_mb(),
    }
    del model
    out["traced_peak_mb"] = _traced_peak_mb(instance)
    if profile:
        out["profile"] = _profile(instance)
    return out


# --------------------------------------------------------------------------- parent side
def measure(target: int, years: int, seed: int, repeats: int, profile: bool) -> dict[str, Any]:
    """Pick sizes for ``target`` arcs, then time them in a fresh worker process."""
    sizes = sizes_for_arcs(target, years=years, seed=seed)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker",
           "--zones", str(sizes.n_zones), "--provisions", str(sizes.n_provisions),
           "--years", str(years), "--seed", str(seed), "--repeats", str(repeats)]
    if profile:
        cmd.append("--profile")
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["target_arcs"] = target
    return result


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu, "cores": os.cpu_count(), "platform": platform.platform(),
        "python": platform.python_version(), "numpy": np.__version__,
        "scipy": scipy.__version__, "highspy": _highs_version(),
    }


def code_version() -> dict[str, Any]:
    """The repository's HEAD and whether ``placement_opt`` has uncommitted edits (read-only
    git commands; empty when git is unavailable)."""
    def git(*args: str) -> str:
        done = subprocess.run(["git", "--no-optional-locks", *args], cwd=ROOT, check=True,
                              capture_output=True, text=True)
        return done.stdout.strip()

    try:
        head = git("rev-parse", "--short", "HEAD")
        edited = git("status", "--porcelain", "--untracked-files=no", "--", "placement_opt")
    except (OSError, subprocess.CalledProcessError):
        return {}
    return {"git_head": head, "placement_opt_edited": bool(edited)}


def _highs_version() -> str:
    h = _new_highs()
    return f"{h.versionMajor()}.{h.versionMinor()}.{h.versionPatch()}"


def format_table(results: Sequence[dict[str, Any]]) -> str:
    """Plain-text table of medians (seconds) and sizes, one line per size."""
    head = (f"{'arcs':>9} {'rows':>7} {'nonzeros':>9} {'data':>7} {'arcs_s':>7} {'build':>7} "
            f"{'total':>7} {'checks':>7} {'highs':>7} {'peakMB':>7} "
            f"{'tracedMB':>8}")
    lines = [head, "-" * len(head)]
    for r in results:
        m = r["median_s"]
        lines.append(
            f"{r['arcs']:>9,} {r['rows']:>7,} {r['nonzeros']:>9,} {m['data']:>7.3f} "
            f"{m['arcs']:>7.3f} {m['build']:>7.3f} {m['total']:>7.3f} {m['checks']:>7.3f} "
            f"{m['highs']:>7.3f} "
            f"{r['peak_rss_mb']:>7.0f} {r['traced_peak_mb']:>8.0f}"
        )
    return "\n".join(lines)


def write_json(path: Path, payload: dict[str, Any]) -> None:
    """Write ``payload`` atomically (a ``.tmp`` file renamed over the target)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(payload, indent=2) + "\n")
    tmp.replace(path)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options (``--worker`` and its size options are internal)."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--arcs", type=int, nargs="+", default=list(DEFAULT_ARCS),
                   help="target numbers of eligible arcs (default: 10000 100000 1000000)")
    p.add_argument("--repeats", type=int, default=5, help="timed repeats per size (median)")
    p.add_argument("--json", type=Path, default=DEFAULT_JSON, help="where to write the results")
    p.add_argument("--years", type=int, default=5, help="years of demand (default 5)")
    p.add_argument("--seed", type=int, default=0, help="generator seed (default 0)")
    p.add_argument("--profile", action="store_true", help="print a cProfile of one build")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--zones", type=int, help=argparse.SUPPRESS)
    p.add_argument("--provisions", type=int, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.repeats < 1:
        p.error("--repeats must be >= 1")
    return args


def main(argv: Sequence[str] | None = None,
         echo: Callable[[str], None] = print) -> dict[str, Any]:
    """Run the benchmark (or, with ``--worker``, one size) and return the results."""
    args = parse_args(argv)
    if args.worker:
        out = run_worker(args.zones, args.provisions, args.years, args.seed, args.repeats,
                         args.profile)
        echo(json.dumps(out))
        return out
    results = []
    for target in args.arcs:
        results.append(measure(target, args.years, args.seed, args.repeats, args.profile))
        echo(f"measured ~{target:,} arcs")
    payload = {
        "command": " ".join(["python benchmarks/build_speed.py", *(argv or sys.argv[1:])]),
        "repeats": args.repeats, "unit": "seconds (median of repeats)",
        "machine": machine(), "code": code_version(), "results": results,
    }
    echo(format_table(results))
    for r in results:
        if "profile" in r:
            echo(f"\n--- cProfile, {r['arcs']:,} arcs ---\n{r['profile']}")
    write_json(args.json, payload)
    echo(f"wrote {args.json}")
    return payload


if __name__ == "__main__":
    main()
