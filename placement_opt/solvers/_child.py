"""The watchdog's child process (``python -m placement_opt.solvers._child``): read
(runner, model, options, ends) pickled on stdin, run with the time left until ``ends`` (on
the system-wide monotonic clock) and answer a pickled RawSolution on stdout; the solver's
console output goes to stderr."""

from __future__ import annotations

import os
import pickle
import sys
import time


def main() -> None:
    """Run one pickled solve and send its answer back."""
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    runner, model, options, ends = pickle.load(sys.stdin.buffer)
    left = max(0.05, ends - time.monotonic())
    raw = runner(model, options.model_copy(update={"time_limit": left}))
    with out:
        pickle.dump(raw, out, protocol=pickle.HIGHEST_PROTOCOL)


if __name__ == "__main__":
    main()
