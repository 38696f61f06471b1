"""The watchdog's child process (``python -m placement_opt.solvers._child``): read
(runner, model, options) pickled on stdin, run, and answer a pickled RawSolution on stdout;
the solver's console output goes to stderr."""

from __future__ import annotations

import os
import pickle
import sys


def main() -> None:
    """Run one pickled solve and send its answer back."""
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    runner, model, options = pickle.load(sys.stdin.buffer)
    raw = runner(model, options)
    with out:
        pickle.dump(raw, out, protocol=pickle.HIGHEST_PROTOCOL)


if __name__ == "__main__":
    main()
