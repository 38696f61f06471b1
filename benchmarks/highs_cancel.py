"""Can HiGHS's stuck MIP presolve on ``fine_kent`` be stopped in-process?

```bash
python benchmarks/highs_cancel.py --limit 20 --cancel-after 25 --give-up 200
```

Builds ``fine_kent``, hands it to HiGHS with ``time_limit = --limit``, turns on highspy's
user interrupt (``HandleUserInterrupt``: the simplex, IPM and MIP interrupt callbacks) and
calls ``cancelSolve()`` from another thread after ``--cancel-after`` s. Prints the HiGHS log
and, if ``run`` returns, how long it took; when neither the limit nor the cancel stops it, the
script gives up after ``--give-up`` s and says so (the process exits with HiGHS still inside
presolve, which is why ``solvers/watchdog.py`` runs large models in a killable child).
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
for _entry in (str(BENCH.parent), str(BENCH)):
    if _entry not in sys.path:
        sys.path.insert(0, _entry)

from named import make_named  # noqa: E402

from placement_opt.model.arcs import eligible_arcs  # noqa: E402
from placement_opt.model.build import build_from_data  # noqa: E402
from placement_opt.model.data import ModelData  # noqa: E402
from placement_opt.solvers.highs_core import _new_highs, pass_model  # noqa: E402


def main() -> None:
    """Run the experiment."""
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    p.add_argument("--limit", type=float, default=20.0)
    p.add_argument("--cancel-after", type=float, default=25.0)
    p.add_argument("--give-up", type=float, default=200.0)
    args = p.parse_args()
    t0 = time.perf_counter()
    inst = make_named("fine_kent")
    data = ModelData.from_instance(inst)
    arcs = eligible_arcs(data)
    model = build_from_data(data, arcs, inst)
    print(f"built in {time.perf_counter() - t0:.1f} s: {model.n_cols} columns, "
          f"{model.n_rows} rows", flush=True)
    h = _new_highs()
    h.setOptionValue("time_limit", args.limit)
    h.setOptionValue("output_flag", True)
    h.setOptionValue("threads", 1)
    pass_model(h, model)
    h.HandleUserInterrupt = True
    start = time.perf_counter()

    def cancel() -> None:
        time.sleep(args.cancel_after)
        print(f"cancelSolve() at {time.perf_counter() - start:.1f} s", flush=True)
        h.cancelSolve()

    def give_up() -> None:
        time.sleep(args.give_up)
        print(f"GAVE UP: run() had not returned {time.perf_counter() - start:.1f} s after the "
              f"start (time limit {args.limit} s, cancel at {args.cancel_after} s)", flush=True)
        os._exit(2)

    threading.Thread(target=cancel, daemon=True).start()
    threading.Thread(target=give_up, daemon=True).start()
    h.solve()
    print(f"run() returned after {time.perf_counter() - start:.1f} s: "
          f"{h.modelStatusToString(h.getModelStatus())}", flush=True)


if __name__ == "__main__":
    main()
