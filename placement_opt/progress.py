"""Progress of long steps (a solve, writing the reports, ``robust``, ``montecarlo``,
``sweep``): a :class:`ProgressEvent` handed to a :data:`Reporter`, any callable of one event.

Nothing is reported unless a reporter is given (``SolveOptions(progress=...)``, or the
``progress=`` argument of the step), so library calls and tests stay silent. Progress is
never written to any output file: the same input gives the same files with or without it.

Example::

    from placement_opt import solve
    solve(inst, progress=lambda e: print(e.text()))
"""

from __future__ import annotations

import math
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

__all__ = ["Clock", "ProgressEvent", "Reporter", "Steps", "emit", "heartbeat", "steps"]


@dataclass(frozen=True)
class ProgressEvent:
    """Where a long step is.

    ``stage``: the step (``solve``, ``reports``, ``robust``, ``montecarlo``, ``sweep``);
    ``elapsed``: seconds since the step began (never decreasing within one step);
    ``incumbent`` / ``bound`` / ``gap``: the best plan's objective so far, the proven lower
    bound and their relative gap (a solve; None when not known yet); ``done`` / ``total``:
    items finished and to do (samples, points, files); ``detail``: what it is doing now.
    """

    stage: str
    elapsed: float
    incumbent: float | None = None
    bound: float | None = None
    gap: float | None = None
    done: int | None = None
    total: int | None = None
    detail: str = ""

    def text(self) -> str:
        """One plain line, e.g. ``solve 12.3 s  branch and cut  incumbent 1,234,567  bound
        1,230,000  gap 0.35%``."""
        parts = [f"{self.stage} {self.elapsed:.1f} s"]
        if self.total is not None:
            parts.append(f"{self.done or 0}/{self.total}")
        if self.detail:
            parts.append(self.detail)
        for name, value in (("incumbent", self.incumbent), ("bound", self.bound)):
            if value is not None and math.isfinite(value):
                parts.append(f"{name} {value:,.0f}")
        if self.gap is not None and math.isfinite(self.gap):
            parts.append(f"gap {self.gap:.2%}")
        return "  ".join(parts)


#: Anything that takes a :class:`ProgressEvent` (``print``-like; its return value is ignored).
Reporter = Callable[[ProgressEvent], object]

#: At most this many updates a second pass a :class:`Clock` reporter.
MAX_RATE = 4.0


def emit(reporter: Reporter | None, event: ProgressEvent) -> None:
    """``reporter(event)``, or nothing without a reporter."""
    if reporter is not None:
        reporter(event)


class Clock:
    """``reporter`` behind a clock, a rate limit (:data:`MAX_RATE`) and the step's last
    figures: :meth:`event` stamps the seconds since ``origin`` (``time.perf_counter()``;
    default: now) and passes the event when the last one passed long enough ago, or when
    ``force`` is set (a milestone). Figures not given are the last ones known, so a
    heartbeat repeats the incumbent. A reporter that raises is switched off with a warning:
    a display fault never stops a solve. Safe to call from several threads."""

    def __init__(self, reporter: Reporter, stage: str, origin: float | None = None) -> None:
        self.reporter = reporter
        self.stage = stage
        self.origin = time.perf_counter() if origin is None else origin
        self._lock = threading.Lock()
        self._last = -math.inf
        self._failed = False
        self._detail = ""
        self._figures: tuple[float | None, float | None, float | None] = (None, None, None)
        self._count: tuple[int | None, int | None] = (None, None)

    def __call__(self, event: ProgressEvent) -> None:
        """A Clock is a reporter too: ``event``'s figures, re-stamped on this clock."""
        self.event(event.incumbent, event.bound, event.gap, event.done, event.total,
                   event.detail or None)

    def elapsed(self) -> float:
        """Seconds since the step began."""
        return time.perf_counter() - self.origin

    def figures(self) -> tuple[float | None, float | None, float | None]:
        """The last incumbent, bound and gap reported (None where not known)."""
        return self._figures

    def due(self) -> bool:
        """Whether an event now would pass the rate limit (cheap: for frequent callbacks)."""
        return time.perf_counter() - self._last >= 1.0 / MAX_RATE

    def phase(self, detail: str) -> None:
        """The step now does ``detail`` (reported at once)."""
        self.event(detail=detail, force=True)

    def event(self, incumbent: float | None = None, bound: float | None = None,
              gap: float | None = None, done: int | None = None, total: int | None = None,
              detail: str | None = None, force: bool = False, reset: bool = False) -> None:
        """Report where the step is (dropped when the last event passed under 1/MAX_RATE s
        ago, unless ``force``; the figures, counts and ``detail`` are kept either way;
        ``reset`` forgets the last figures first)."""
        now = time.perf_counter()
        with self._lock:
            if reset:
                self._figures = (None, None, None)
            if detail is not None:
                self._detail = detail
            if incumbent is not None or bound is not None or gap is not None:
                self._figures = (_finite(incumbent), _finite(bound), _finite(gap))
            if done is not None or total is not None:
                self._count = (done, total)
            if self._failed or (not force and now - self._last < 1.0 / MAX_RATE):
                return
            self._last = now
            event = ProgressEvent(self.stage, now - self.origin, *self._figures, *self._count,
                                  self._detail)
        try:
            self.reporter(event)
        except Exception as exc:  # a display fault: stop reporting, keep solving
            self._failed = True
            warnings.warn(f"progress reporter failed and was switched off: {exc!r}",
                          RuntimeWarning, stacklevel=2)


def _finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


@dataclass(frozen=True)
class Steps:
    """A step of ``total`` items: :meth:`advance` reports ``done`` of ``total`` (every item
    finished passes; the rate limit applies only to :meth:`note`)."""

    clock: Clock | None
    total: int

    def advance(self, done: int, detail: str | None = None) -> None:
        """``done`` of ``total`` items are finished (the last item's solver figures are
        forgotten)."""
        if self.clock is not None:
            self.clock.event(done=done, total=self.total, detail=detail, force=True, reset=True)

    def note(self, done: int, detail: str) -> None:
        """Say what the step is doing, ``done`` items in (rate-limited)."""
        if self.clock is not None:
            self.clock.event(done=done, total=self.total, detail=detail)


def steps(reporter: Reporter | None, stage: str, total: int) -> Steps:
    """A :class:`Steps` of ``total`` items for ``stage`` whose clock starts now (it reports
    nothing without a reporter)."""
    return Steps(None if reporter is None else Clock(reporter, stage), total)


@contextmanager
def heartbeat(clock: Clock | None, every: float = 1.0 / MAX_RATE) -> Iterator[None]:
    """While the block runs, report ``clock``'s elapsed time (with its last figures) every
    ``every`` seconds from a daemon thread: a step that has no events of its own, such as a
    simplex run (HiGHS releases the GIL while it solves, so this costs the solver nothing)."""
    if clock is None:
        yield
        return
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(every):
            clock.event()

    thread = threading.Thread(target=beat, daemon=True, name="progress-heartbeat")
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
