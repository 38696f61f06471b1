"""Bundled instance names -> paths."""

from __future__ import annotations

from pathlib import Path

__all__ = ["BUNDLED", "DEFAULT_INSTANCE", "resolve_instance_path"]

#: The bundled instance `solve` uses when no path is given.
DEFAULT_INSTANCE = "kent"


BUNDLED = Path(__file__).resolve().parents[2] / "instances"


def resolve_instance_path(path: str) -> Path:
    """A path as given, or the name of a bundled instance under ``instances/``."""
    given = Path(path)
    if given.exists() or given.suffix:
        return given
    bundled = BUNDLED / path
    return bundled if bundled.exists() else given

