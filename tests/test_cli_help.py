"""Every command's help: listed at the top, reachable with -h, free of markup artefacts, and
within 80 columns."""

from __future__ import annotations

import re

import pytest
import typer
from typer.testing import CliRunner

from placement_opt.cli import app
from placement_opt.cli.common import _width

runner = CliRunner()
ENV = {"COLUMNS": "80", "TERMINAL_WIDTH": "80"}


def _commands(group: object, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command path below ``group`` (a click group: typer's, which may be vendored),
    groups included."""
    out: list[tuple[str, ...]] = []
    for name, cmd in sorted(getattr(group, "commands", {}).items()):
        out.append((*path, name))
        out += _commands(cmd, (*path, name))
    return out


COMMANDS = _commands(typer.main.get_command(app))


def test_every_command_is_in_the_top_level_help_with_a_description() -> None:
    res = runner.invoke(app, ["--help"], env=ENV)
    assert res.exit_code == 0, res.output
    top = [p[0] for p in COMMANDS if len(p) == 1]
    assert len(top) >= 14
    for name in top:
        line = next((ln for ln in res.output.splitlines() if re.search(rf"│ {name}\s", ln)), None)
        assert line is not None, f"{name} is not listed in --help"
        assert len(line.split(name, 1)[1].strip(" │")) > 10, f"{name} has no description"


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_help_of_every_command(path: tuple[str, ...]) -> None:
    short = runner.invoke(app, [*path, "-h"], env=ENV)
    assert short.exit_code == 0, short.output
    assert short.output == runner.invoke(app, [*path, "--help"], env=ENV).output
    text = short.output
    assert "Usage:" in text
    for line in text.splitlines():
        assert len(line) <= 80, line
    # rich markup eats [bracketed] words: "Sweep file (.toml): , , ." was the symptom
    assert not re.search(r"[,:]\s*,|\(\s*\)|,\s*\.(\s|$)", text), text
    assert "…" not in text


def test_top_level_help_short_option() -> None:
    res = runner.invoke(app, ["-h"], env=ENV)
    assert res.exit_code == 0
    assert "sweep" in res.output and "-h" in res.output


@pytest.mark.parametrize(("environ", "tty", "width"), [
    ({}, False, 80), ({}, True, None), ({"COLUMNS": "120"}, False, 120),
    ({"COLUMNS": "100"}, True, 100), ({"COLUMNS": "wide"}, False, 80)])
def test_console_width(environ: dict[str, str], tty: bool, width: int | None) -> None:
    """A pipe is 80 columns unless COLUMNS says otherwise; a terminal is its own width."""
    assert _width(environ, tty) == width
