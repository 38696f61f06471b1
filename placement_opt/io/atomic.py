"""Atomic file writes (temporary file, then rename) and spreadsheet-safe cells."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from placement_opt.errors import OutputError

__all__ = ["FORMULA_PREFIXES", "atomic_path", "default_mode", "ensure_new_file", "neutralise_cell",
           "neutralise_text", "restore_cell", "write_text_atomic"]

#: Text starting with one of these is treated as a formula by spreadsheet programs.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` only on success."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    # mkstemp makes the file private (0600); give it the mode a plain write would have.
    tmp_path.chmod(target.stat().st_mode & 0o777 if target.exists() else default_mode())
    try:
        yield tmp_path
        tmp_path.replace(target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def default_mode(directory: bool = False) -> int:
    """0666 (a folder: 0777) less the process umask, as ``open()`` or ``mkdir`` would give."""
    umask = os.umask(0)
    os.umask(umask)
    return (0o777 if directory else 0o666) & ~umask


def write_text_atomic(target: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``target`` atomically."""
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="")  # line ends exactly as given


def write_with(target: Path, writer: Callable[[Path], None]) -> None:
    """Call ``writer(tmp)`` and move the temporary file onto ``target``."""
    with atomic_path(target) as tmp:
        writer(tmp)


def ensure_new_file(target: Path, overwrite: bool) -> None:
    """Refuse to replace an existing file unless ``overwrite`` is set."""
    if target.exists() and not overwrite:
        raise OutputError(f"{target} already exists; choose another name or allow overwriting")


def neutralise_cell(value: object) -> object:
    """``value`` with ``'`` put before a text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def restore_cell(text: str) -> str:
    """The inverse of :func:`neutralise_cell` for text read back from a file we wrote."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_PREFIXES) else text


def neutralise_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Copy of ``frame`` where text cells a spreadsheet would run as a formula start with ``'``
    (text, object and categorical columns; numbers are left as they are)."""
    out = frame.copy()
    for col in out.columns:
        series = out[col]
        if isinstance(series.dtype, pd.CategoricalDtype):
            names = [neutralise_cell(c) for c in series.cat.categories]
            if names != list(series.cat.categories):
                out[col] = (series.cat.rename_categories(names) if len(set(names)) == len(names)
                            else series.astype(object).map(neutralise_cell))
        elif series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
            out[col] = series.map(neutralise_cell)
    return out
