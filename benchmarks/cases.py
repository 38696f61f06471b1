"""One benchmark case, run in a fresh process by ``run.py``: ``python benchmarks/cases.py JSON``.

The JSON names the case (``build`` or ``solve``), the instance and the repeats; the last line
printed is the result as JSON. Peak memory is this process's own high-water mark (``VmHWM``,
which ``exec`` resets; ``ru_maxrss`` does not: on Linux a child's includes its parent's peak at
the fork, measured here at 789 MB for a child of an 800 MB parent), so every case starts clean.

Instances (``spec``): ``{"kind": "arcs", "n_zones", "n_provisions", "years", "seed", "pure"}``
(:func:`generate.make_instance`), ``{"kind": "named", "name", "seed"}``
(:func:`named.make_named`) or ``{"kind": "path", "path", "continuity"}`` (a bundled instance,
with continuity switched on when asked).

``build`` times, for one ``method``, every stage from the Instance to a model inside a solver:
``data`` (``ModelData.from_instance``) and ``arcs`` (``eligible_arcs``), shared by all methods,
then ``build`` and ``handoff``: ``project`` = ``build_from_data`` + ``solvers.highs.pass_model``;
``raw`` = ``raw_model.build_raw`` + ``handoff_raw``; ``pulp`` = ``pulp_model.build_pulp`` +
``writeMPS`` (what PuLP's CBC call does first). A warm-up on a tiny instance comes first.

``solve`` times ``placement_opt.solve(instance, backend=..., ...)`` end to end (wall clock).
"""

from __future__ import annotations

import gc
import json
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for _entry in (str(ROOT), str(ROOT / "benchmarks")):
    if _entry not in sys.path:  # run as a script: import the repository's package and siblings
        sys.path.insert(0, _entry)

from generate import make_instance  # noqa: E402
from named import make_named  # noqa: E402
from pulp_model import build_pulp, handoff_pulp, pulp_size  # noqa: E402
from raw_model import build_raw, handoff_raw  # noqa: E402

from placement_opt import Instance, solve  # noqa: E402
from placement_opt.model.arcs import eligible_arcs  # noqa: E402
from placement_opt.model.build import build_from_data  # noqa: E402
from placement_opt.model.data import ModelData  # noqa: E402
from placement_opt.solvers.highs_core import _new_highs, pass_model  # noqa: E402

__all__ = ["METHODS", "make", "run_build", "run_case", "run_solve"]

STAGES = ("data", "arcs", "build", "handoff")


def _rss_mb(field: str) -> float | None:
    """A ``/proc/self/status`` memory field in MB (None off Linux)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024 / 1e6
    except OSError:
        return None
    return None


def _maxrss_mb() -> float:
    """``ru_maxrss`` in MB (KiB on Linux, bytes on macOS). On Linux it survives ``exec``: a child
    started by a large parent reports at least the parent's peak at the fork."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 1e6 if sys.platform == "darwin" else rss * 1024 / 1e6


def _peak() -> dict[str, Any]:
    """This process's own peak resident set: ``VmHWM`` (reset by ``exec``), else ``ru_maxrss``."""
    hwm = _rss_mb("VmHWM")
    return {"peak_rss_mb": hwm if hwm is not None else _maxrss_mb(),
            "peak_source": "VmHWM" if hwm is not None else "ru_maxrss",
            "ru_maxrss_mb": _maxrss_mb()}


def make(spec: dict[str, Any]) -> Instance:
    """The instance a case's ``spec`` describes."""
    if spec["kind"] == "arcs":
        return make_instance(spec["n_zones"], spec["n_provisions"], spec["years"], spec["seed"],
                             pure=bool(spec.get("pure", False)))
    if spec["kind"] == "named":
        return make_named(spec["name"], spec["seed"])
    if spec["kind"] == "path":
        inst = Instance.from_path(ROOT / spec["path"])
        if spec.get("continuity") and not inst.policy.continuity:
            settings = inst.settings.model_copy(
                update={"policy": inst.policy.model_copy(update={"continuity": True})})
            inst = inst.replace(settings=settings)
        return inst
    raise ValueError(f"unknown instance kind {spec['kind']!r}")


def _silent_highs() -> Any:
    h = _new_highs()
    h.setOptionValue("output_flag", False)
    return h


Built = tuple[Any, Callable[[], Any]]


def _project(inst: Instance, data: ModelData, arcs: Any, folder: Path, h: Any) -> Built:
    model = build_from_data(data, arcs, inst)
    return (model, h), lambda: pass_model(h, model)


def _raw(inst: Instance, data: ModelData, arcs: Any, folder: Path, h: Any) -> Built:
    model = build_raw(inst, data, arcs)
    return (model, h), lambda: handoff_raw(h, model)


def _pulp(inst: Instance, data: ModelData, arcs: Any, folder: Path, h: Any) -> Built:
    prob, variables = build_pulp(inst, data, arcs)
    return (prob, variables), lambda: handoff_pulp(prob, folder)


#: Build methods: each returns what it built and the hand-off still to do (into ``h``, a silent
#: Highs made before the clock starts, or an MPS file in ``folder``).
METHODS: dict[str, Callable[[Instance, ModelData, Any, Path, Any], Built]] = {
    "project": _project, "raw": _raw, "pulp": _pulp,
}


def _sizes(method: str, built: Any, arcs: int) -> dict[str, int]:
    """Columns, rows and nonzeros of what a method built."""
    if method == "pulp":
        prob, variables = built
        rows, nonzeros = pulp_size(prob)
        return {"arcs": arcs, "columns": len(variables), "rows": rows, "nonzeros": nonzeros}
    model = built[0]
    rows, cols = model.A.shape
    return {"arcs": arcs, "columns": int(cols), "rows": int(rows), "nonzeros": int(model.A.nnz)}


def _time_build(method: str, inst: Instance, folder: Path) -> tuple[dict[str, float], Any, int]:
    h = _silent_highs()
    gc.collect()
    t0 = time.perf_counter()
    data = ModelData.from_instance(inst)
    t1 = time.perf_counter()
    arcs = eligible_arcs(data)
    t2 = time.perf_counter()
    built, handoff = METHODS[method](inst, data, arcs, folder, h)
    t3 = time.perf_counter()
    handoff()
    t4 = time.perf_counter()
    return {"data": t1 - t0, "arcs": t2 - t1, "build": t3 - t2, "handoff": t4 - t3}, built, len(arcs)


def run_build(params: dict[str, Any]) -> dict[str, Any]:
    """Time one build method ``repeats`` times on one instance (medians by stage)."""
    method = params["method"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        _time_build(method, make_instance(6, 4, 1, 0), folder)  # warm-up
        gc.collect()
        rss_start = _rss_mb("VmRSS")
        inst = make(params["spec"])
        rss_ready = _rss_mb("VmRSS")
        runs: list[dict[str, float]] = []
        sizes: dict[str, int] = {}
        for _ in range(params["repeats"]):
            times, built, n_arcs = _time_build(method, inst, folder)
            times["total"] = sum(times.values())
            times["model"] = times["build"] + times["handoff"]
            runs.append(times)
            sizes = _sizes(method, built, n_arcs)
            del built
    return {
        **sizes, "runs": runs,
        "median_s": {k: statistics.median(r[k] for r in runs) for k in runs[0]},
        "rss_start_mb": rss_start, "rss_ready_mb": rss_ready, **_peak(),
    }


def run_solve(params: dict[str, Any]) -> dict[str, Any]:
    """``placement_opt.solve`` with one backend ``repeats`` times (median wall time)."""
    inst = make(params["spec"])
    rss_ready = _rss_mb("VmRSS")
    options = params["options"]
    runs: list[dict[str, Any]] = []
    for _ in range(params["repeats"]):
        gc.collect()
        start = time.perf_counter()
        result = solve(inst, **options)
        wall = time.perf_counter() - start
        runs.append({
            "wall_s": wall, "build_s": result.build_seconds, "solver_s": result.solve_seconds,
            "status": result.status.value, "objective": result.objective, "bound": result.bound,
            "gap": result.gap, "message": result.message,
        })
        size = dict(result.model_size)
        total_demand = float(inst.demand["pupils"].sum())
        del result
    walls = [r["wall_s"] for r in runs]
    last = runs[-1]
    return {
        **size, "runs": runs, "median_s": statistics.median(walls), "min_s": min(walls),
        "status": last["status"], "objective": last["objective"], "bound": last["bound"],
        "gap": last["gap"], "total_demand": total_demand, "instance_name": inst.name,
        "fingerprint": inst.fingerprint(), "rss_ready_mb": rss_ready, **_peak(),
    }


def run_case(params: dict[str, Any]) -> dict[str, Any]:
    """Dispatch on ``params["case"]``."""
    cases: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
        "build": run_build, "solve": run_solve}
    return cases[params["case"]](params)


if __name__ == "__main__":
    print(json.dumps(run_case(json.loads(sys.argv[1]))))
