"""Does ``solve(time_limit=T)`` end within ``T × 1.1 + 5`` s? Every named size and a few
variants, each ``solve()`` in a fresh process.

```bash
python benchmarks/time_budget.py                       # T = 60 s, every case; JSON in results/
python benchmarks/time_budget.py --limits 60 20 --cases kent fine_kent --json OUT.json
python benchmarks/time_budget.py --overhead 7     # the watchdog's cost on kent: off vs on
```

Cases: the named multi-year MIPs of :mod:`named` (``kent``, ``region``, ``national``,
``fine_kent``) with the default options (HiGHS, MIP duals on); ``national`` with OR-Tools
(SCIP); ``kent_infeasible``, ``kent`` with a rule that cannot hold (open at least one
candidate with no capital), so the time goes to the MIP and then the diagnosis; and
``lp_1m``, the pure allocation LP at about 1M arcs (HiGHS's simplex needs minutes). Wall time
is measured around ``solve()`` alone (the instance is generated first, untimed); the child
process itself is given ``T × 3 + 120`` s before it is killed, and a kill is recorded as such.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
for _entry in (str(ROOT), str(BENCH)):
    if _entry not in sys.path:  # run as a script: import the repository's package and siblings
        sys.path.insert(0, _entry)

from machine import code_version, load_average, machine  # noqa: E402

#: Case name: (instance spec, solve options besides the time limit).
CASES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "kent": ({"kind": "named", "name": "kent"}, {}),
    "region": ({"kind": "named", "name": "region"}, {}),
    "national": ({"kind": "named", "name": "national"}, {}),
    "fine_kent": ({"kind": "named", "name": "fine_kent"}, {}),
    "national_ortools": ({"kind": "named", "name": "national"}, {"backend": "ortools"}),
    "kent_infeasible": ({"kind": "named", "name": "kent", "infeasible": True}, {}),
    "lp_1m": ({"kind": "lp", "target": 1_000_000}, {}),
}
DEFAULT_JSON = BENCH / "results" / "time_budget.json"


def make(spec: dict[str, Any]) -> Any:
    """The instance of a case spec."""
    if spec["kind"] == "lp":
        from generate import make_instance, sizes_for_arcs

        sizes = sizes_for_arcs(spec["target"], years=5, seed=0)
        return make_instance(sizes.n_zones, sizes.n_provisions, 5, 0, pure=True)
    from named import make_named

    inst = make_named(spec["name"])
    if spec.get("infeasible"):
        policy = inst.policy.model_copy(update={"min_openings": 1, "capital_budget_total": 0.0})
        inst = inst.replace(settings=inst.settings.model_copy(update={"policy": policy}))
    return inst


def run_one(case: str, limit: float) -> dict[str, Any]:
    """Child side: generate the instance, then time ``solve()`` under ``limit``."""
    from placement_opt import solve

    spec, options = CASES[case]
    inst = make(spec)
    start = time.perf_counter()
    result = solve(inst, time_limit=limit, **options)
    wall = time.perf_counter() - start
    return {"wall_s": wall, "build_s": result.build_seconds, "status": result.status.value,
            "gap": result.gap, "objective": result.objective, "backend": result.backend,
            "cut_short": list(result.cut_short),
            "stages": [s.as_dict() for s in result.stages], "message": result.message,
            "model_size": dict(result.model_size)}


def overhead(rounds: int, limit: float) -> dict[str, Any]:
    """Child side: ``kent`` solved ``rounds`` times with the watchdog off and on, alternating
    (after one warm-up of each); medians of ``solve()`` wall time and their ratio."""
    import statistics

    from placement_opt import solve

    inst = make(CASES["kent"][0])
    walls: dict[str, list[float]] = {"off": [], "on": []}
    for i in range(rounds + 1):
        for mode in ("off", "on"):
            start = time.perf_counter()
            result = solve(inst, time_limit=limit, watchdog=mode)
            if i:
                walls[mode].append(time.perf_counter() - start)
            assert result.status.value == "optimal"
    off, on = statistics.median(walls["off"]), statistics.median(walls["on"])
    return {"rounds": rounds, "limit": limit, "walls": walls, "median_off_s": off,
            "median_on_s": on, "on_over_off": on / off, "extra_s": on - off}


def run_case(case: str, limit: float) -> dict[str, Any]:
    """One case in a fresh interpreter (its own session, so a kill ends its solvers too)."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", case, str(limit)]
    timeout = limit * 3 + 120
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          cwd=ROOT, start_new_session=True) as child:
        try:
            stdout, stderr = child.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.communicate()
            return {"error": f"no answer within {timeout:.0f} s (killed)"}
    lines = stdout.strip().splitlines()
    if child.returncode != 0 or not lines:
        return {"error": f"exit code {child.returncode}: "
                         + " | ".join(stderr.strip().splitlines()[-3:])}
    answer: dict[str, Any] = json.loads(lines[-1])
    return answer


def within(wall: float, limit: float) -> bool:
    """The issue's bound: wall time at most ``limit × 1.1 + 5`` s."""
    return wall <= limit * 1.1 + 5.0


def table(records: list[dict[str, Any]]) -> str:
    """The Markdown table for ``benchmarks/README.md``."""
    lines = ["| case | limit s | bound s | wall s | within | status | cut short | stages (outcome, s) |",
             "| --- | ---: | ---: | ---: | --- | --- | --- | --- |"]
    for r in records:
        res = r["result"]
        bound = r["limit"] * 1.1 + 5
        if "error" in res:
            lines.append(f"| {r['case']} | {r['limit']:g} | {bound:g} | – | **no** | "
                         f"{res['error']} | | |")
            continue
        stages = "; ".join(f"{s['stage']} {s['outcome']} {s['seconds']:.1f}"
                           for s in res["stages"])
        lines.append(f"| {r['case']} | {r['limit']:g} | {bound:g} | {res['wall_s']:.1f} | "
                     f"{'yes' if r['within'] else '**no**'} | {res['status']} | "
                     f"{', '.join(res['cut_short']) or '–'} | build {res['build_s']:.1f}; "
                     f"{stages} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    """Run the cases at each limit, write the JSON and print the table."""
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    p.add_argument("--limits", type=float, nargs="+", default=[60.0], help="time limits (s)")
    p.add_argument("--cases", nargs="+", choices=list(CASES), default=list(CASES))
    p.add_argument("--json", type=Path, default=DEFAULT_JSON, help="results file")
    p.add_argument("--overhead", type=int, metavar="ROUNDS",
                   help="only measure the watchdog's cost on kent (JSON: results/watchdog_overhead.json)")
    p.add_argument("--child", nargs=2, metavar=("CASE", "LIMIT"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        answer = (overhead(int(args.child[1]), 60.0) if args.child[0] == "overhead"
                  else run_one(args.child[0], float(args.child[1])))
        print(json.dumps(answer))
        return
    if args.overhead:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--child", "overhead",
               str(args.overhead)]
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True)
        result = json.loads(done.stdout.strip().splitlines()[-1])
        out = {"command": f"python benchmarks/time_budget.py --overhead {args.overhead}",
               "machine": {k: v for k, v in machine().items() if k != "executable"},
               "code": code_version(), **result}
        target = BENCH / "results" / "watchdog_overhead.json"
        target.write_text(json.dumps(out, indent=2) + "\n")
        print(f"kent, solve() wall: watchdog off {result['median_off_s']:.2f} s, on "
              f"{result['median_on_s']:.2f} s (median of {args.overhead}), on / off "
              f"{result['on_over_off']:.2f}; wrote {target}")
        return
    started = datetime.now(UTC)
    info = {k: v for k, v in machine().items() if k != "executable"}
    records: list[dict[str, Any]] = []
    for limit in args.limits:
        for case in args.cases:
            load = load_average()
            print(f"{case} at {limit:g} s ...", flush=True)
            result = run_case(case, limit)
            ok = "error" not in result and within(result["wall_s"], limit)
            records.append({"case": case, "limit": limit, "load_before": load,
                            "within": ok, "result": result})
            print(f"    {result.get('wall_s', float('nan')):.1f} s, within: {ok}", flush=True)
    payload = {"command": " ".join(["python benchmarks/time_budget.py",
                                    *(sys.argv[1:] if argv is None else argv)]),
               "started": started.isoformat(timespec="seconds"), "machine": info,
               "load_average_end": load_average(), "code": code_version(),
               "all_within": all(r["within"] for r in records), "records": records}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(payload, indent=2) + "\n")
    print(table(records))
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
