"""Backends by name, each declaring what it supports (after linopy's ``features`` and PuLP's
``listSolvers``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from placement_opt.errors import PlacementOptError
from placement_opt.model.matrix import MatrixModel
from placement_opt.options import SolveOptions
from placement_opt.solvers.base import RawSolution

__all__ = ["Backend", "Capabilities", "available_backends", "get_backend", "register"]


@dataclass(frozen=True)
class Capabilities:
    """What a backend can do."""

    integers: bool
    duals: bool
    time_limit: bool
    threads: bool
    side_constraints: bool = True

    def as_dict(self) -> dict[str, bool]:
        """Flags by name (for listings)."""
        return {"integers": self.integers, "duals": self.duals, "time_limit": self.time_limit,
                "threads": self.threads, "side_constraints": self.side_constraints}


@dataclass(frozen=True)
class Backend:
    """A solver adapter over the one MatrixModel."""

    name: str
    description: str
    capabilities: Capabilities
    run: Callable[[MatrixModel, SolveOptions], RawSolution]
    version: Callable[[], str | None]
    applicable: Callable[[MatrixModel], str | None] | None = None

    @property
    def available(self) -> bool:
        """True when the solver behind it can be imported here."""
        return self.version() is not None

    def supports(self, model: MatrixModel) -> str | None:
        """Why this backend cannot solve ``model``, or None when it can."""
        if model.is_mip and not self.capabilities.integers:
            return f"{self.name} does not solve models with integer variables"
        return None if self.applicable is None else self.applicable(model)


_REGISTRY: dict[str, Backend] = {}


def register(backend: Backend) -> Backend:
    """Add ``backend`` to the registry (a later one with the same name replaces it)."""
    _REGISTRY[backend.name] = backend
    return backend


def _load() -> None:
    if _REGISTRY:
        return
    from placement_opt.solvers import cpsat, flow, highs, ortools_mb, pulp_cbc

    for module in (highs, ortools_mb, pulp_cbc, flow, cpsat):
        register(module.BACKEND)


def all_backends() -> list[Backend]:
    """Every known backend, installed or not."""
    _load()
    return list(_REGISTRY.values())


def available_backends() -> list[Backend]:
    """Backends whose solver is installed here."""
    return [b for b in all_backends() if b.available]


def get_backend(name: str) -> Backend:
    """The backend called ``name``; a clear error lists the choices."""
    _load()
    backend = _REGISTRY.get(name)
    if backend is None:
        choices = ", ".join(["auto", *_REGISTRY])
        raise PlacementOptError(f"unknown backend {name!r}; choose one of: {choices}")
    if not backend.available:
        raise PlacementOptError(f"backend {name!r} is not installed here")
    return backend
