"""The README's examples run as written: the Python one and every `placement-opt` command."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_readme_python_example_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks
    monkeypatch.chdir(ROOT)
    namespace: dict[str, object] = {}
    exec(compile(blocks[0], "README.md", "exec"), namespace)
    result = namespace["result"]
    assert result.status.value == "optimal"  # type: ignore[attr-defined]


def test_readme_names_every_table_column() -> None:
    from placement_opt.schema.tables import TABLES

    text = (ROOT / "README.md").read_text()
    for spec in TABLES.values():
        assert f"`{spec.name}`" in text
        for col in spec.columns:
            assert col.name in text, f"README does not document {spec.name}.{col.name}"


def _commands(slow: bool) -> list[list[str]]:
    """Every ``placement-opt`` command in the README's bash blocks, in order, as arguments
    (continuation lines joined, comments dropped); the blocks whose first line is ``# slow``
    when ``slow``, the others when not."""
    text = (ROOT / "README.md").read_text()
    out = []
    for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S):
        if block.lstrip().startswith("# slow") != slow:
            continue
        for line in block.replace("\\\n", " ").splitlines():
            args = shlex.split(line, comments=True)
            if args[:1] == ["placement-opt"]:
                out.append(args[1:])
    return out


def _short_limits(args: list[str], seconds: str) -> list[str]:
    """``args`` with every ``--time-limit`` cut to ``seconds``."""
    return [seconds if i and args[i - 1] == "--time-limit" else a for i, a in enumerate(args)]


def _run_all(commands: list[list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run ``commands`` in a fresh folder beside the repository's instances, as a user would
    from the repository's folder."""
    from typer.testing import CliRunner

    from placement_opt.cli import app

    (tmp_path / "instances").symlink_to(ROOT / "instances")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    for args in commands:
        res = runner.invoke(app, args, env={"COLUMNS": "80"})
        assert res.exit_code == 0, f"placement-opt {' '.join(args)}:\n{res.output}"


def test_readme_commands_run_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    commands = _commands(slow=False)
    names = {args[0] for args in commands if args and not args[0].startswith("-")}
    assert {"solve", "report", "compare", "sweep", "montecarlo", "robust"} <= names
    _run_all(commands, tmp_path, monkeypatch)
    assert (tmp_path / "runs" / "demo-compare" / "compare.html").exists()


@pytest.mark.long
def test_readme_slow_commands_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    commands = [_short_limits(a, "60") for a in _commands(slow=True)]
    assert any(a[0] == "frontier" for a in commands)
    _run_all(commands, tmp_path, monkeypatch)
