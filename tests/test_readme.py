"""The README's Python example runs as written."""

from __future__ import annotations

import re
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
