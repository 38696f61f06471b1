"""Did a change help? One benchmark case from two revisions, side by side in one run.

``python benchmarks/compare_revisions.py --base REV [--target 1000000] [--method project]
[--rounds 5] [--json OUT]`` checks ``REV`` out into a temporary git worktree, then runs the
``build`` case of ``cases.py`` (each run a fresh process, 3 timed repeats inside it) from the
base and from this working tree in turn, ``--rounds`` times, alternating so that both see the
same machine load. It prints and writes the medians of each side's peak memory (``VmHWM``) and
stage times, and the after/before ratios. The worktree is removed afterwards.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

from machine import code_version, load_average, machine  # noqa: E402
from run import arc_spec  # noqa: E402

__all__ = ["compare", "main", "summarise"]

#: What is compared: the peak and the stage medians of one ``cases.py`` build record.
FIELDS = ("peak_rss_mb", "rss_ready_mb", "data", "arcs", "build", "handoff", "total")


def _case(target: int, method: str) -> dict[str, Any]:
    return {"case": "build", "method": method, "repeats": 3, "spec": arc_spec(target)}


def _run(root: Path, case: dict[str, Any]) -> dict[str, float]:
    """One fresh-process build case from the checkout at ``root``."""
    done = subprocess.run([sys.executable, str(root / "benchmarks" / "cases.py"), json.dumps(case)],
                          capture_output=True, text=True, cwd=root, check=False)
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = " | ".join(done.stderr.strip().splitlines()[-3:])
        raise SystemExit(f"compare_revisions.py: the case failed in {root}: {tail}")
    record = json.loads(lines[-1])
    return {"peak_rss_mb": record["peak_rss_mb"], "rss_ready_mb": record["rss_ready_mb"],
            **{k: record["median_s"][k] for k in ("data", "arcs", "build", "handoff", "total")}}


def summarise(runs: dict[str, list[dict[str, float]]]) -> dict[str, Any]:
    """Medians of each side and the after/before ratio of each field."""
    med = {side: {f: statistics.median(r[f] for r in rs) for f in FIELDS}
           for side, rs in runs.items()}
    ratio = {f: (med["after"][f] / med["before"][f] if med["before"][f] else None) for f in FIELDS}
    return {"median": med, "after_over_before": ratio}


def compare(base: str, target: int, method: str, rounds: int) -> dict[str, Any]:
    """Run the case from ``base`` and from this working tree, alternating, ``rounds`` times."""
    case = _case(target, method)
    runs: dict[str, list[dict[str, float]]] = {"before": [], "after": []}
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "base"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(tree), base],
                       check=True)
        try:
            for _ in range(rounds):
                runs["before"].append(_run(tree, case))
                runs["after"].append(_run(ROOT, case))
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)],
                           check=False)
    return {"base": base, "code": code_version(), "case": case, "rounds": rounds,
            "machine": machine(), "load_average_end": load_average(),
            "finished": datetime.now(UTC).isoformat(timespec="seconds"), "runs": runs,
            **summarise(runs)}


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Command line: compare, print the medians, write the JSON when asked."""
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    p.add_argument("--base", required=True, help="the revision before the change (git rev)")
    p.add_argument("--target", type=int, default=1_000_000, help="eligible arcs (default 1M)")
    p.add_argument("--method", default="project", choices=("project", "raw", "pulp"))
    p.add_argument("--rounds", type=int, default=5, help="alternating rounds (default 5)")
    p.add_argument("--json", type=Path, help="write the record here")
    args = p.parse_args(argv)
    out = compare(args.base, args.target, args.method, args.rounds)
    for side in ("before", "after"):
        m = out["median"][side]
        print(f"{side:6} peak {m['peak_rss_mb']:.0f} MB (ready {m['rss_ready_mb']:.0f} MB), "
              f"build {m['build']:.3f} s, hand-off {m['handoff']:.3f} s, total {m['total']:.3f} s")
    r = out["after_over_before"]
    print(f"after/before: peak {r['peak_rss_mb']:.3f}, total {r['total']:.3f}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(out, indent=2) + "\n")
        print(f"wrote {args.json}")
    return out


if __name__ == "__main__":
    main()
