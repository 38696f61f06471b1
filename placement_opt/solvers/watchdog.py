"""A watchdog that can really stop HiGHS: the solve runs in a child process that is killed at
the deadline.

HiGHS 1.16 polls its time limit and its interrupt callbacks (``cancelSolve``) in simplex, IPM
and branch and bound, but not everywhere in MIP presolve: on ``fine_kent`` (1.5M columns) the
dominated-column search ran 900 s under a 300 s limit, and neither the limit nor a
``cancelSolve`` from another thread stopped it (``benchmarks/README.md``). A child process can
always be killed. The child is a fresh interpreter (``python -m
placement_opt.solvers._child``: no solver threads or ``__main__`` of the caller inherited);
the model goes over its stdin as bare arrays (pickled) and the :class:`RawSolution` comes back
over its stdout, while the solver's own console output goes to its stderr.
"""

from __future__ import annotations

import os
import pickle
import selectors
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import IO

from placement_opt.model.matrix import MatrixModel
from placement_opt.options import SolveOptions
from placement_opt.solvers.base import RawSolution
from placement_opt.status import Status

__all__ = ["grace_seconds", "no_time", "run_watched", "slim_model"]

Runner = Callable[[MatrixModel, SolveOptions], RawSolution]


def grace_seconds(time_limit: float) -> float:
    """How long past its own time limit a solver may run before it is killed."""
    return 2.0 + 0.02 * time_limit


def slim_model(model: MatrixModel) -> MatrixModel:
    """The arrays a solver needs, without the keys, labels and plans (less to send)."""
    return MatrixModel(formulation=model.formulation, c=model.c, A=model.A,
                       row_lower=model.row_lower, row_upper=model.row_upper,
                       col_lower=model.col_lower, col_upper=model.col_upper,
                       integrality=model.integrality, blocks=(), column_keys={}, labels={},
                       offset=model.offset)


def no_time(backend: str) -> RawSolution:
    """The answer of a stage that never started."""
    return RawSolution(Status.NO_SOLUTION_AT_LIMIT, None, None, None, None, None, 0.0, backend,
                       "not started: the time budget was spent")


def run_watched(runner: Runner, model: MatrixModel, options: SolveOptions, backend: str
                ) -> RawSolution:
    """``runner(model, options)`` in a child process, killed ``grace_seconds`` after
    ``options.time_limit``; a killed run has no solution (``no_solution_at_limit``)."""
    if options.time_limit is None:
        return runner(model, options)
    start = time.perf_counter()
    wait = float(options.time_limit) + grace_seconds(float(options.time_limit))
    # The child's own limit runs to the same point on the system-wide monotonic clock, so its
    # start-up (imports, reading the model) comes out of the solver's time, not the grace.
    ends = time.monotonic() + float(options.time_limit)
    payload = pickle.dumps((runner, slim_model(model), options, ends),
                           protocol=pickle.HIGHEST_PROTOCOL)
    child = subprocess.Popen([sys.executable, "-m", "placement_opt.solvers._child"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert child.stdin is not None and child.stdout is not None
    # Written from a thread: a child that never reads must not hold the caller past the deadline.
    writer = threading.Thread(target=_send, args=(child.stdin, payload), daemon=True)
    writer.start()
    try:
        answer = _read_until(child.stdout, start + wait)
        if answer is None:
            return RawSolution(Status.NO_SOLUTION_AT_LIMIT, None, None, None, None, None,
                               time.perf_counter() - start, backend,
                               f"stopped by the watchdog {wait:.1f} s after the start: the "
                               f"solver did not return within its time limit of "
                               f"{options.time_limit:.1f} s")
        child.wait()
        if child.returncode != 0 or not answer:
            return RawSolution(Status.ERROR, None, None, None, None, None,
                               time.perf_counter() - start, backend,
                               f"solver process ended without an answer (exit code "
                               f"{child.returncode})")
        raw: RawSolution = pickle.loads(answer)
        return replace(raw, seconds=time.perf_counter() - start)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stdout.close()


def _send(stream: IO[bytes], payload: bytes) -> None:
    try:
        stream.write(payload)
        stream.close()
    except (BrokenPipeError, ValueError):
        pass


def _read_until(stream: object, deadline: float) -> bytes | None:
    """Everything ``stream`` sends until it closes, or None when ``deadline`` comes first."""
    fd = stream.fileno()  # type: ignore[attr-defined]
    chunks: list[bytes] = []
    with selectors.DefaultSelector() as sel:
        sel.register(fd, selectors.EVENT_READ)
        while True:
            left = deadline - time.perf_counter()
            if left <= 0 or not sel.select(left):
                return None
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
