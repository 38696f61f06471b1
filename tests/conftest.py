"""Shared fixtures. Each block is owned by the tests named in its comment; add new ones below."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from placement_opt import Instance, InstanceError, Issue, Severity

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


# --- Console width (test_cli_compare.py, test_cli_width.py) ----------------------------------

@pytest.fixture
def eighty_columns() -> Iterator[None]:
    """The CLI's consoles at 80 columns for one test, restored after it."""
    from placement_opt.cli import common as cli_common

    widths = cli_common.console.width, cli_common.err_console.width
    cli_common.console.width = cli_common.err_console.width = 80
    yield
    cli_common.console.width, cli_common.err_console.width = widths


# --- Demo files and located errors (test_input_formats.py, test_input_names.py) --------------

def demo_text(table: str) -> str:
    """The demo's ``table``.csv as text."""
    return (DEMO_PATH / f"{table}.csv").read_text(encoding="utf-8")


def load_errors(path: Path) -> list[Issue]:
    """The errors (not warnings) of loading the instance at ``path``, which must fail."""
    with pytest.raises(InstanceError) as info:
        Instance.from_path(path)
    return [i for i in info.value.issues if i.severity is Severity.ERROR]
