"""Shared fixtures. Each block is owned by the tests named in its comment; add new ones below."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import pytest

# --- Instance files (test_validation_errors.py, test_formats.py) ------------------------------

DEMO_PATH = Path(__file__).resolve().parents[1] / "instances" / "demo"

#: ``write_csv_instance`` keyword naming the settings file rather than a table.
SETTINGS_KEY = "settings"

WriteCsvInstance = Callable[..., Path]


@pytest.fixture(scope="session")
def demo_path() -> Path:
    """The bundled demo instance (a CSV folder with ``instance.toml``)."""
    return DEMO_PATH


@pytest.fixture
def write_csv_instance() -> WriteCsvInstance:
    """``write_csv_instance(tmp_path, demand="...", settings=None)`` → a new CSV folder.

    The folder is a copy of the demo with each named table's file replaced by the given text
    (``settings=`` is ``instance.toml``); ``None`` leaves that file out. A table the demo lacks
    (``phases=``, ``journeys=``) is added. Each call makes a new folder under ``tmp_path``.
    """
    counter = itertools.count(1)

    def write(tmp_path: Path, **tables: str | None) -> Path:
        folder = tmp_path / f"instance{next(counter)}"
        folder.mkdir()
        for file in sorted(DEMO_PATH.iterdir()):
            if file.is_file():  # the demo's scenarios/ folder is not part of the instance
                (folder / file.name).write_bytes(file.read_bytes())
        for name, text in tables.items():
            file = folder / ("instance.toml" if name == SETTINGS_KEY else f"{name}.csv")
            if text is None:
                file.unlink(missing_ok=True)
            else:
                file.write_text(text, encoding="utf-8")
        return folder

    return write
