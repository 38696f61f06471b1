"""The command line's live status line: a long step's progress (:mod:`placement_opt.progress`)
as one line on stderr, redrawn in place and cleared when the step ends.

Shown only when stderr is a terminal: piped or redirected output, logs and test runners get
no progress lines at all (the results and tables on stdout are the same either way).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from placement_opt.cli.common import err_console
from placement_opt.progress import Clock, ProgressEvent, Reporter, heartbeat

__all__ = ["live_status", "shows_progress", "solve_clock", "working"]


def shows_progress() -> bool:
    """Whether the status line is shown: stderr is a terminal."""
    isatty = getattr(sys.stderr, "isatty", None)
    return bool(err_console.is_terminal and isatty is not None and isatty())


@contextmanager
def live_status() -> Iterator[Reporter | None]:
    """A reporter that draws each event as the status line on stderr (``None`` when stderr
    is not a terminal); the line is cleared when the block ends."""
    if not shows_progress():
        yield None
        return
    from rich.live import Live
    from rich.text import Text

    with Live(Text(""), console=err_console, transient=True, refresh_per_second=4,
              redirect_stdout=False, redirect_stderr=False) as live:

        def show(event: ProgressEvent) -> None:
            live.update(Text(event.text(), overflow="ellipsis", no_wrap=True))

        yield show


def solve_clock(show: Reporter | None) -> Clock | None:
    """A solve's clock for ``SolveOptions(progress=...)``: every pass of the solve (dive,
    branch and cut, the LP for duals) on one clock started now."""
    return None if show is None else Clock(show, "solve")


@contextmanager
def working(show: Reporter | None, stage: str, detail: str) -> Iterator[None]:
    """The status line says ``stage`` ``detail`` and its elapsed time while the block runs (a
    step with no progress events of its own)."""
    clock = None if show is None else Clock(show, stage)
    if clock is not None:
        clock.phase(detail)
    with heartbeat(clock):
        yield
