"""Benchmarks at scale, side by side (issue 7): ``python benchmarks/run.py [--quick]``.

Runs every case of the plan in its own fresh process (``cases.py``), one after another, then
writes the results as JSON and regenerates the tables of ``benchmarks/README.md`` between its
markers (``report.py``). Sections:

* ``build``: build + hand-off of the package's model vs an object-per-variable PuLP build of the
  same model vs bare numpy → CSR → highspy, at 10k, 100k, 1M (and 10M) arcs;
* ``backends``: ``placement_opt.solve`` with HiGHS, OR-Tools (SCIP) and PuLP (CBC) on the named
  sizes, with the gap each reached;
* ``flow``: the min-cost-flow backend vs HiGHS (default and interior point) on pure allocation
  models, same optimum;
* ``kent_multi_year``: the bundled Kent multi-year instance to 0.1% gap on 2 threads;
* ``national``: the national size to 1% gap on 2 threads;
* ``scaling`` (computed): log-log slopes of time and memory against arcs.

The full run takes a while (PuLP at 1M arcs alone takes minutes) and is not run by CI;
``--quick`` (small sizes, 1-2 repeats, under a minute) writes to ``results/quick/`` unless
``--json``/``--readme`` say otherwise, so the committed results stay.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"
for _entry in (str(ROOT), str(BENCH)):
    if _entry not in sys.path:  # run as a script: import the repository's package and siblings
        sys.path.insert(0, _entry)

from analysis import goals, ratios, scaling  # noqa: E402
from generate import sizes_for_arcs  # noqa: E402
from machine import code_version, load_average, machine, mem_available_mb  # noqa: E402
from report import update_readme  # noqa: E402

from placement_opt import Instance  # noqa: E402
from placement_opt.errors import PlacementOptError  # noqa: E402

__all__ = ["SCHEMA", "SECTIONS", "arc_spec", "main", "plan"]

SCHEMA = 1
SECTIONS = ("build", "backends", "flow", "kent_multi_year", "national")
FULL_JSON = BENCH / "results" / "latest.json"
FULL_README = BENCH / "README.md"
QUICK_DIR = BENCH / "results" / "quick"
#: Arc-target instances: 5 years of demand, seed 0 (``generate.sizes_for_arcs``).
YEARS, SEED = 5, 0
#: 10M arcs needs about 10× the 1M peak (~0.5 GB project, ~0.35 GB raw): run it only when this
#: much memory is free (MB).
TEN_MILLION_NEEDS_MB = 12_000.0
#: The PuLP build is not run above this many arcs (minutes and GBs at 1M already).
PULP_MAX_ARCS = 2_000_000
KENT_GROWTH = "instances/kent_growth"


def _settings(quick: bool) -> dict[str, Any]:
    """Sizes, repeats and limits of the full and the quick plan."""
    if quick:
        return {"build_targets": [2_000, 10_000], "build_repeats": 2,
                "backend_sizes": [], "backend_arcs": [2_000], "backend_repeats": 1,
                "backend_limit": 60.0, "flow_targets": [2_000, 10_000], "flow_repeats": 1,
                "flow_ipm": False, "kent_repeats": 1, "kent_limit": 30.0, "national": False}
    return {"build_targets": [10_000, 100_000, 1_000_000, 10_000_000], "build_repeats": 3,
            "backend_sizes": ["kent", "region", "national", "fine_kent"], "backend_arcs": [],
            "backend_repeats": {"kent": 3, "region": 2, "national": 1, "fine_kent": 1},
            "backend_limit": 300.0, "flow_targets": [10_000, 100_000, 1_000_000],
            "flow_repeats": 3, "flow_ipm": True, "kent_repeats": 3, "kent_limit": 600.0,
            "national": True, "national_repeats": 2, "national_limit": 900.0}


def arc_spec(target: int, pure: bool = False) -> dict[str, Any]:
    """A ``cases.py`` spec of the seeded arc-target instance of about ``target`` arcs."""
    sizes = sizes_for_arcs(target, years=YEARS, seed=SEED)
    return {"kind": "arcs", "n_zones": sizes.n_zones, "n_provisions": sizes.n_provisions,
            "years": YEARS, "seed": SEED, "pure": pure, "target": target}


def _kent_spec() -> tuple[dict[str, Any], str]:
    """The bundled multi-year Kent instance, or Kent with continuity until it exists."""
    path = ROOT / KENT_GROWTH
    if (path / "instance.toml").exists():
        try:
            Instance.from_path(path)
            return {"kind": "path", "path": KENT_GROWTH}, f"{KENT_GROWTH} (bundled)"
        except PlacementOptError as err:
            reason = f"{KENT_GROWTH} does not load yet ({str(err).splitlines()[0][:120]})"
    else:
        reason = f"{KENT_GROWTH} does not exist yet"
    return ({"kind": "path", "path": "instances/kent", "continuity": True},
            f"FALLBACK: instances/kent with continuity = true, because {reason}")


def plan(quick: bool, sections: Sequence[str]) -> list[dict[str, Any]]:
    """Every case to run, in order: ``id``, ``section``, ``params`` (for ``cases.py``),
    ``timeout`` and, for skipped cases, ``skipped`` (why)."""
    cfg = _settings(quick)
    out: list[dict[str, Any]] = []

    def add(section: str, case_id: str, params: dict[str, Any], timeout: float,
            skipped: str | None = None, **extra: Any) -> None:
        if section in sections:
            out.append({"id": case_id, "section": section, "params": params, "timeout": timeout,
                        "skipped": skipped, **extra})

    if "build" in sections:
        for target in cfg["build_targets"]:
            free = mem_available_mb()
            big = target >= 10_000_000
            if big and (free is None or free < TEN_MILLION_NEEDS_MB):
                skip: str | None = (f"needs about {TEN_MILLION_NEEDS_MB / 1000:.0f} GB free, "
                                    f"{(free or 0) / 1000:.1f} GB available")
                spec: dict[str, Any] = {"kind": "arcs", "target": target}
            else:
                skip, spec = None, arc_spec(target)
            for method in ("project", "raw", "pulp"):
                why = skip
                if method == "pulp" and target > PULP_MAX_ARCS:
                    why = (f"PuLP is not run above {PULP_MAX_ARCS:,} arcs (minutes and GBs at "
                           "1M already; see the slopes for the trend, not an extrapolation)")
                add("build", f"build/{method}/{target}",
                    {"case": "build", "method": method, "repeats": cfg["build_repeats"],
                     "spec": spec}, 3600.0, why, target=target, method=method)
    for name in cfg["backend_sizes"]:
        reps = cfg["backend_repeats"][name]
        for backend in ("highs", "ortools", "pulp"):
            opts = {"backend": backend, "time_limit": cfg["backend_limit"], "threads": 1,
                    "mip_duals": False}
            add("backends", f"backends/{name}/{backend}",
                {"case": "solve", "repeats": reps, "spec": {"kind": "named", "name": name,
                                                            "seed": SEED}, "options": opts},
                reps * (cfg["backend_limit"] + 600), instance=name, backend=backend)
    for target in cfg["backend_arcs"]:
        spec = arc_spec(target) if "backends" in sections else {}
        for backend in ("highs", "ortools", "pulp"):
            opts = {"backend": backend, "time_limit": cfg["backend_limit"], "threads": 1}
            add("backends", f"backends/arcs{target}/{backend}",
                {"case": "solve", "repeats": cfg["backend_repeats"], "spec": spec,
                 "options": opts}, 600.0, instance=f"{target:,} arcs (allocation LP)",
                backend=backend)
    for target in cfg["flow_targets"]:
        spec = arc_spec(target, pure=True) if "flow" in sections else {}
        variants = [("flow", {"backend": "flow"}), ("highs", {"backend": "highs"})]
        if cfg["flow_ipm"]:
            variants.append(("highs_ipm", {"backend": "highs", "lp_method": "ipm"}))
        for label, opts in variants:
            add("flow", f"flow/{label}/{target}",
                {"case": "solve", "repeats": cfg["flow_repeats"], "spec": spec,
                 "options": {**opts, "time_limit": 600.0, "threads": 1}},
                cfg["flow_repeats"] * 1800.0, target=target, variant=label)
    if "kent_multi_year" in sections:
        spec, note = _kent_spec()
        add("kent_multi_year", "kent_multi_year",
            {"case": "solve", "repeats": cfg["kent_repeats"], "spec": spec,
             "options": {"backend": "highs", "gap": 1e-3, "threads": 2,
                         "time_limit": cfg["kent_limit"]}},
            cfg["kent_repeats"] * (cfg["kent_limit"] + 600), note=note)
    if cfg["national"]:
        add("national", "national",
            {"case": "solve", "repeats": cfg["national_repeats"],
             "spec": {"kind": "named", "name": "national", "seed": SEED},
             "options": {"backend": "highs", "gap": 1e-2, "threads": 2,
                         "time_limit": cfg["national_limit"]}},
            cfg["national_repeats"] * (cfg["national_limit"] + 900))
    elif "national" in sections:
        add("national", "national", {}, 0.0, "not run by --quick (minutes)")
    return out


def run_case(case: dict[str, Any]) -> dict[str, Any]:
    """Run one case in a fresh interpreter; its last line of output is the result."""
    cmd = [sys.executable, str(BENCH / "cases.py"), json.dumps(case["params"])]
    start = time.perf_counter()
    # A session of its own, so a timeout also ends the solvers it started (CBC runs as a child).
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          cwd=ROOT, start_new_session=True) as child:
        try:
            stdout, stderr = child.communicate(timeout=case["timeout"])
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.communicate()
            return {"error": f"no answer within {case['timeout']:.0f} s (killed)"}
    wall = time.perf_counter() - start
    lines = stdout.strip().splitlines()
    if child.returncode != 0 or not lines:
        tail = " | ".join(stderr.strip().splitlines()[-3:])
        return {"error": f"exit code {child.returncode}: {tail}"}
    result: dict[str, Any] = json.loads(lines[-1])
    result["process_s"] = wall
    return result


def _flow_scale(message: str) -> float | None:
    found = re.search(r"scaled by (\d+)", message or "")
    return float(found.group(1)) if found else None


def execute(cases: list[dict[str, Any]], echo: Callable[[str], None]) -> list[dict[str, Any]]:
    """Run the cases one after another (skipped ones are recorded, not run)."""
    done: list[dict[str, Any]] = []
    for i, case in enumerate(cases, 1):
        record = {k: v for k, v in case.items() if k != "timeout"}
        if case["skipped"]:
            record["result"] = None
            echo(f"[{i}/{len(cases)}] {case['id']}: skipped ({case['skipped']})")
        else:
            echo(f"[{i}/{len(cases)}] {case['id']} ...")
            record["load_before"] = load_average()
            record["result"] = run_case(case)
            if "error" in record["result"]:
                echo(f"    error: {record['result']['error']}")
            if case["section"] == "flow" and record["result"].get("runs"):
                record["result"]["flow_scale"] = _flow_scale(record["result"]["runs"][-1]["message"])
        done.append(record)
    return done


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options."""
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    p.add_argument("--quick", action="store_true",
                   help="small sizes, 1-2 repeats, under a minute (writes to results/quick/)")
    p.add_argument("--json", type=Path, help="results file (default results/latest.json, "
                   "or results/quick/latest.json with --quick)")
    p.add_argument("--readme", type=Path, help="README whose generated section is replaced "
                   "(default benchmarks/README.md, or results/quick/README.md with --quick)")
    p.add_argument("--sections", nargs="+", choices=SECTIONS, default=list(SECTIONS),
                   help="run only these sections")
    p.add_argument("--render-only", action="store_true",
                   help="run nothing: regenerate the README section from the JSON file")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None, echo: Callable[[str], None] = print) -> dict[str, Any]:
    """Plan, run, analyse, write the JSON and regenerate the README section."""
    args = parse_args(argv)
    json_path = args.json or (QUICK_DIR / "latest.json" if args.quick else FULL_JSON)
    readme = args.readme or (QUICK_DIR / "README.md" if args.quick else FULL_README)
    if args.render_only:
        if not json_path.is_file():
            raise SystemExit(f"run.py: --render-only needs a results file; {json_path} does not exist")
        payload: dict[str, Any] = json.loads(json_path.read_text())
        update_readme(readme, payload)
        echo(f"regenerated {readme} from {json_path}")
        return payload
    started = datetime.now(UTC)
    t0 = time.perf_counter()
    info = machine()
    cases = plan(args.quick, args.sections)
    records = execute(cases, echo)
    payload = {
        "schema": SCHEMA, "mode": "quick" if args.quick else "full",
        "command": " ".join(["python benchmarks/run.py", *(sys.argv[1:] if argv is None else argv)]),
        "started": started.isoformat(timespec="seconds"),
        "wall_s": None, "machine": info, "load_average_end": None, "code": code_version(),
        "sections": list(args.sections), "cases": records,
    }
    payload["ratios"] = ratios(records)
    payload["scaling"] = scaling(records)
    payload["goals"] = goals(records, payload["ratios"])
    payload["wall_s"] = time.perf_counter() - t0
    payload["load_average_end"] = load_average()
    payload["code_end"] = code_version()
    _write_json(json_path, payload)
    update_readme(readme, payload)
    echo(f"wrote {json_path} and {readme}")
    return payload


def _write_json(path: Path, payload: dict[str, Any]) -> None:
    """Write atomically (a ``.tmp`` file renamed over the target)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(_finite(payload), indent=2, allow_nan=False) + "\n")
    tmp.replace(path)


def _finite(value: Any) -> Any:
    """``value`` with every infinite or NaN float replaced by None (strict JSON)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


if __name__ == "__main__":
    main()
