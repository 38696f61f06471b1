"""Reading the data pack: a missing file, column or value stops the build with one clear line."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

__all__ = ["PackError", "read_pack_csv"]


class PackError(SystemExit):
    """A data-pack file the build needs is missing or not what it expects (one line, no traceback)."""

    def __init__(self, path: Path, expected: str) -> None:
        super().__init__(f"data pack: {path}: {expected}")


def read_pack_csv(folder: Path, name: str, columns: Iterable[str],
                  dtype: dict[str, type] | None = None) -> pd.DataFrame:
    """Read ``folder / name``; stop with a :class:`PackError` if it is absent, unreadable or lacks
    one of ``columns``."""
    path = folder / name
    if not path.is_file():
        raise PackError(path, "file not found (point --data at the data pack folder, "
                        "shared/data/kent)")
    try:
        frame = pd.read_csv(path, dtype=dtype)  # type: ignore[arg-type]
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise PackError(path, f"cannot be read as CSV ({type(exc).__name__}: {exc})") from None
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise PackError(path, f"expected column(s) {', '.join(missing)}; it has "
                        f"{', '.join(map(str, frame.columns))}")
    return frame
