"""Does the rebuilt Kent solve to a 0.1% gap in 10 s or less on 2 cores (issue 14)?

```bash
python benchmarks/kent_speed.py              # 3 runs of each case; results/kent_speed.json
python benchmarks/kent_speed.py --runs 1 --cases kent kent_features
python benchmarks/kent_speed.py --base REV   # before (REV) and after (this tree), side by side
```

With ``--base REV`` the revision is exported (``git archive``, no worktree) to a temporary
folder and each of ``--runs`` rounds runs every case once from the base and once from this
tree, each side in a fresh process, alternating so that both see the same machine load (the
machine is shared); the report then holds both sides' medians (``before``) and whether their
objectives agree.

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
import os
import statistics
import subprocess
import sys
import tempfile
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
CASES = ("kent", "kent_features", "kent_pathways", "kent_growth")


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


def _one_round(root: Path, names: list[str], out: Path) -> dict[str, dict[str, Any]]:
    """One run of each case from the checkout at ``root``, in a fresh process."""
    done = subprocess.run([sys.executable, str(root / "benchmarks" / "kent_speed.py"), "--runs",
                           "1", "--cases", *names, "--json", str(out)],
                          capture_output=True, text=True, cwd=root, check=False,
                          env={**os.environ, "PYTHONPATH": str(root)})
    if done.returncode != 0:
        tail = " | ".join(done.stderr.strip().splitlines()[-3:])
        raise SystemExit(f"kent_speed.py: the cases failed in {root}: {tail}")
    return {row["case"]: row for row in json.loads(out.read_text(encoding="utf-8"))["cases"]}


def _merge(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """One case's runs (one each) as one row with their median."""
    seconds = [r["seconds"][0] for r in rows]
    median = statistics.median(seconds)
    return {**rows[-1], "seconds": seconds, "median_s": median,
            "within_target": median <= TARGET_SECONDS}


def side_by_side(base: str, names: list[str], runs: int) -> dict[str, Any]:
    """Each case from ``base`` and from this tree, alternating, ``runs`` rounds."""
    got: dict[str, dict[str, list[dict[str, Any]]]] = {"before": {}, "after": {}}
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "base"
        tree.mkdir()
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", base], check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
        for i in range(runs):
            for side, root in (("before", tree), ("after", ROOT)):
                for name, row in _one_round(root, names, Path(tmp) / f"{side}{i}.json").items():
                    got[side].setdefault(name, []).append(row)
    after = [_merge(got["after"][n]) for n in names]
    before = {n: _merge(got["before"][n]) for n in names}
    for row in after:
        was = before[row["case"]]
        row["before"] = {k: was[k] for k in ("median_s", "seconds", "objective", "model_size",
                                             "message")}
        row["objective_matches_before"] = bool(
            row["objective"] is not None and was["objective"] is not None
            and abs(row["objective"] - was["objective"]) <= 1e-6 * max(1.0, abs(was["objective"])))
    return {"base": base, "cases": after}


def main(argv: list[str] | None = None) -> None:
    """Command line (see the module docstring)."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cases", nargs="*", default=None, help="subset of the case names")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON)
    parser.add_argument("--base", help="also run the cases from this git revision (before)")
    args = parser.parse_args(argv)
    names = [k for k in CASES if args.cases is None or k in args.cases]
    began = load_average()
    if args.base:
        report = side_by_side(args.base, names, args.runs)
        for row in report["cases"]:
            print(f"{row['case']}: before {row['before']['median_s']:.1f} s, after "
                  f"{row['median_s']:.1f} s (objective {row['objective']}, same as before: "
                  f"{row['objective_matches_before']}; {row['message']})", flush=True)
    else:
        chosen = cases()
        rows = []
        for name in names:
            row = measure(name, chosen[name], args.runs)
            rows.append(row)
            print(f"{name}: {row['status']} gap {row['gap']} median {row['median_s']:.1f} s "
                  f"({row['model_size']}; {row['message']})", flush=True)
        report = {"cases": rows}
    report = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine(),
              "code": code_version(), "load_average_start": began,
              "load_average": load_average(), "target_s": TARGET_SECONDS, **report}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
