"""Backends by name, each declaring what it supports (after linopy's ``features`` and PuLP's
``listSolvers``)."""

from __future__ import annotations

from placement_opt.errors import PlacementOptError
from placement_opt.solvers.base import Backend, Capabilities

__all__ = ["Backend", "Capabilities", "available_backends", "get_backend", "register"]


#: The built-in backends, loaded on first use; custom ones registered by name.
_BUILTIN: dict[str, Backend] = {}
_CUSTOM: dict[str, Backend] = {}


def register(backend: Backend) -> Backend:
    """Add ``backend`` to the registry. A custom backend with a built-in's name replaces it for
    lookups; the other built-ins stay available whatever is registered, and in whatever order."""
    _CUSTOM[backend.name] = backend
    return backend


def _registry() -> dict[str, Backend]:
    """Built-ins (loaded once) with the custom backends over them, built-ins first."""
    if not _BUILTIN:
        from placement_opt.solvers import cpsat, flow, highs, ortools_mb, pulp_cbc

        for module in (highs, ortools_mb, pulp_cbc, flow, cpsat):
            _BUILTIN[module.BACKEND.name] = module.BACKEND
    return {**_BUILTIN, **_CUSTOM}


def all_backends() -> list[Backend]:
    """Every known backend, installed or not."""
    return list(_registry().values())


def available_backends() -> list[Backend]:
    """Backends whose solver is installed here."""
    return [b for b in all_backends() if b.available]


def get_backend(name: str) -> Backend:
    """The backend called ``name``; a clear error lists the choices."""
    registry = _registry()
    backend = registry.get(name)
    if backend is None:
        choices = ", ".join(["auto", *registry])
        raise PlacementOptError(f"unknown backend {name!r}; choose one of: {choices}")
    if not backend.available:
        raise PlacementOptError(f"backend {name!r} is not installed here")
    return backend
