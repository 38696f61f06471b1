"""Folders written as a whole: a run folder is written into a hidden sibling and appears
under its name only when every file is in it, so an interrupted solve leaves nothing that looks
complete (``summary.json`` is the marker every reader checks)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from placement_opt.errors import OutputError
from placement_opt.io.atomic import default_mode

__all__ = ["MARKER", "staged_folder"]

#: The file whose presence says a run folder is complete; moved in last.
MARKER = "summary.json"


@contextmanager
def staged_folder(target: Path, overwrite: bool = False) -> Iterator[Path]:
    """Yield an empty hidden folder beside ``target`` to write into; on success it becomes
    ``target``. A non-empty ``target`` is refused without ``overwrite``; with it, the new files
    replace those of the same name (the marker last, after the old one is removed first) and
    any other file there is kept. On failure the staged files are removed and ``target`` is
    as it was."""
    if target.exists() and not target.is_dir():
        raise OutputError(f"{target} exists and is not a folder; choose another --out")
    busy = target.exists() and any(target.iterdir())
    if busy and not overwrite:
        raise OutputError(f"{target} exists and is not empty: choose another --out or add "
                          "--overwrite")
    target.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=target.parent))
    stage.chmod(default_mode(directory=True))  # mkdtemp's folder is private
    try:
        yield stage
        if busy:
            _merge_into(stage, target)
        else:
            if target.exists():
                target.rmdir()  # empty
            stage.replace(target)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _merge_into(stage: Path, target: Path) -> None:
    """Move every entry of ``stage`` into ``target``, replacing same-named ones, the marker
    last (and the old marker first, so the folder never looks complete half-replaced)."""
    (target / MARKER).unlink(missing_ok=True)
    entries = sorted(stage.iterdir(), key=lambda p: (p.name == MARKER, p.name))
    for entry in entries:
        dest = target / entry.name
        if dest.is_dir() and not dest.is_symlink():
            shutil.rmtree(dest)
        entry.replace(dest)
