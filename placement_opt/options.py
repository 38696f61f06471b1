"""Solver options in one frozen object (loadable from a mapping, e.g. a TOML table)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    field_serializer,
    model_serializer,
)

from placement_opt.progress import Reporter

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
    progress: Reporter | None = Field(
        None, description="Called with a placement_opt.progress.ProgressEvent as the solve goes "
        "(elapsed, incumbent, bound, gap; at most 4 a second); None = silent. Not part of the "
        "options' identity: left out of equality, hashing and JSON.")

    @field_serializer("progress", when_used="json")
    def _no_json(self, value: Reporter | None) -> None:
        return None

    @model_serializer(mode="wrap")
    def _without_progress(self, handler: SerializerFunctionWrapHandler,
                          info: SerializationInfo) -> dict[str, Any]:
        """``progress`` only in a Python-mode dump, and only when set (so that
        ``model_validate(model_dump())`` keeps it); never in JSON (hashes, manifests)."""
        data: dict[str, Any] = handler(self)
        if info.mode_is_json() or self.progress is None:
            data.pop("progress", None)
        return data

    def _identity(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "progress"}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SolveOptions):
            return NotImplemented
        return self._identity() == other._identity()

    def __hash__(self) -> int:
        return hash(tuple(sorted((k, repr(v)) for k, v in self._identity().items())))
