"""Bundled instances: names -> folders shipped inside the package.

The instances live in the top-level ``instances/`` folder. ``placement_opt/instances`` is a
symbolic link to it, committed to git, and the package-data globs in ``pyproject.toml`` copy its
data files (not the build scripts) into the wheel. So there is one lookup path,
``importlib.resources.files("placement_opt") / "instances"``: the copied folder in an installed
wheel, the link in an editable install or a source checkout. The alternatives lack that: a
``package-dir`` mapping of ``placement_opt.instances`` onto ``instances/`` is found under a
second name in an editable install, and a ``setup.py`` copy step leaves the editable install
without the data.

A bare name (no folder part, no suffix) means a bundled instance only when no path of that name
exists; :class:`FoundInstance` records which was used so the command line can say so.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from placement_opt.errors import Issue

__all__ = [
    "DEFAULT_INSTANCE",
    "FoundInstance",
    "bundled_names",
    "bundled_root",
    "find_instance",
    "missing_instance",
    "resolve_instance_path",
]

#: The bundled instance `solve` uses when no path is given.
DEFAULT_INSTANCE = "kent"

#: What an instance path may be, for error messages.
_ACCEPTED = "a CSV folder, an .xlsx workbook or a .json file"


def bundled_root() -> Path:
    """The folder holding the bundled instances (inside the installed package)."""
    # An installed wheel is unpacked, so the package's resources are plain files.
    return Path(str(files("placement_opt") / "instances"))


def bundled_names() -> list[str]:
    """The bundled instances' names, sorted (each a folder with an ``instance.toml``)."""
    root = bundled_root()
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / "instance.toml").is_file())


def _is_bare(path: str | Path) -> bool:
    """True for a plain name such as ``kent``: no folder part and no suffix."""
    given = Path(path)
    return str(path) == given.name and not given.suffix and given.name not in {"", ".", ".."}


@dataclass(frozen=True)
class FoundInstance:
    """Where an instance argument led: ``path`` to read, and whether it is a bundled one."""

    given: str
    path: Path
    #: The bundled instance of that name.
    bundled: bool = False
    #: A bundled name, but a path of that name exists here and is used instead.
    shadows: bool = False

    def note(self) -> str | None:
        """The line saying which was used, when the argument names a bundled instance."""
        if self.bundled:
            return f"Using the bundled instance '{self.given}'"
        if self.shadows:
            kind = "folder" if self.path.is_dir() else "file"
            return f"Using ./{self.given} (a {kind} of that name here, not the bundled instance)"
        return None


def find_instance(path: str | Path) -> FoundInstance:
    """Resolve an instance argument: an existing path as given, else a bundled name.

    A path that neither exists nor names a bundled instance is returned as given; the reader
    reports it (see :func:`missing_instance`).
    """
    given = Path(path)
    bare = _is_bare(path)
    if given.exists():
        return FoundInstance(str(path), given, shadows=bare and str(path) in bundled_names())
    if bare and str(path) in bundled_names():
        return FoundInstance(str(path), bundled_root() / str(path), bundled=True)
    return FoundInstance(str(path), given)


def resolve_instance_path(path: str | Path) -> Path:
    """The path to read for an instance argument (see :func:`find_instance`)."""
    return find_instance(path).path


def missing_instance(path: str | Path) -> Issue:
    """The error for an instance argument that is neither a path nor a bundled name."""
    if not _is_bare(path):
        return Issue(str(path), "no such file or folder", expected=_ACCEPTED)
    names = ", ".join(bundled_names()) or "none found in this installation"
    return Issue(str(path), "no such file or folder, and no bundled instance of that name",
                 expected=f"{_ACCEPTED}, or a bundled instance: {names}")
