"""Every case of the malformed-input fuzz (``tests/fuzz_inputs.py``; issue "Reliability").

```bash
python benchmarks/fuzz_inputs.py                 # seed 20, one row per column; ~5 min
python benchmarks/fuzz_inputs.py --seed 7 --rows 3
```

Writes ``results/fuzz_inputs.json``: the count of each outcome (located, accepted, and the
failures: unlocated, crash, accepted_wrongly) and every failure. Exits 1 on any failure.
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
for _entry in (str(ROOT), str(ROOT / "tests")):
    if _entry not in sys.path:
        sys.path.insert(0, _entry)

from fuzz_inputs import all_cases, run_case  # noqa: E402

DEFAULT_JSON = BENCH / "results" / "fuzz_inputs.json"
FAILURES = ("unlocated", "crash", "accepted_wrongly")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=20)
    parser.add_argument("--rows", type=int, default=1, help="rows drawn per column and value")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON)
    args = parser.parse_args(argv)
    cases = all_cases(args.seed, rows_per_column=args.rows)
    counts: collections.Counter[str] = collections.Counter()
    failures = []
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for case in cases:
            outcome = run_case(case, Path(tmp) / "case")
            counts[outcome.kind] += 1
            if outcome.kind in FAILURES:
                failures.append({"case": outcome.case, "kind": outcome.kind,
                                 "detail": outcome.detail})
    report = {"seed": args.seed, "rows_per_column": args.rows, "cases": len(cases),
              "seconds": round(time.perf_counter() - start, 1), "outcomes": dict(counts),
              "failures": failures}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in report.items() if k != "failures"}))
    for failure in failures:
        print(f"{failure['kind']}: {failure['case']}: {failure['detail'][:200]}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
