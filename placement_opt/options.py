"""Solver options in one frozen object (loadable from a mapping, e.g. a TOML table)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["SolveOptions"]


class SolveOptions(BaseModel):
    """How to solve: limits, tolerance, threads, seed and where to log."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    backend: str = Field("highs", description="Backend name (highs, ortools, pulp, flow) or auto.")
    time_limit: float | None = Field(None, gt=0, description="Seconds; None = no limit.")
    node_limit: int | None = Field(
        None, ge=0, description="MIP branch-and-bound nodes (a deterministic limit).")
    solution_limit: int | None = Field(
        None, ge=1, description="Stop after this many improving MIP solutions (deterministic).")
    gap: float = Field(1e-4, ge=0, le=1, description="Relative MIP gap at which to stop.")
    threads: int = Field(1, ge=1, description="Solver threads (1 keeps results reproducible).")
    seed: int = Field(0, ge=0, description="Solver random seed.")
    log_file: Path | None = Field(None, description="Write the solver log here.")
    verbose: bool = Field(False, description="Echo the solver log to the console.")
    diagnose: bool = Field(True, description="When infeasible, find which rules must give.")
    mip_duals: bool = Field(True, description="For a MIP, report duals of the LP with the opening "
                            "decisions fixed (marginal values at the optimum).")
    dive: bool = Field(True, description="HiGHS, MIP: dive on the LP relaxation first; stop "
                       "there when its solution is within the gap of the relaxation's bound, "
                       "else start branch and cut from it.")
    lp_method: Literal["auto", "simplex", "ipm", "pdlp"] = Field(
        "auto", description="LP algorithm (HiGHS: simplex, ipm, pdlp; OR-Tools: pdlp, else GLOP).")
    watchdog: Literal["auto", "on", "off"] = Field(
        "auto", description="Run HiGHS in a child process killed at the deadline (its presolve "
        "can overrun the time limit): on, off, or auto = when a time limit is set and the "
        "model has at least 1M nonzeros.")
    tie_break: bool = Field(True, description="Break ties between placements by the arcs' "
                            "labels (HiGHS; at most GBP 0.50 a pupil-year, taken off the objective "
                            "again), so unchanged data gives unchanged placements.")
    pricing: Literal["auto", "on", "off"] = Field(
        "auto", description="HiGHS on an LP: solve by column pricing (a restricted LP of the "
        "cheapest arcs, grown until no omitted arc has a negative reduced cost; the same "
        "optimum): on, off, or auto = with the simplex method from 50,000 arcs up.")
