"""``placement-opt frontier``: the table, the run folder (same input, same bytes), and every
error as a located message with exit code 2, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from test_frontier import example
from typer.testing import CliRunner

from placement_opt.cli import app

runner = CliRunner()


def _instance(tmp_path: Path, name: str = "tiny") -> Path:
    folder = tmp_path / "inst"
    example().to_path(folder)
    toml = folder / "instance.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('name = "tiny"', f"name = {json.dumps(name)}"),
                    encoding="utf-8")
    return folder


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != "timings.json"}


def test_frontier_writes_the_run_folder(tmp_path: Path) -> None:
    inst = _instance(tmp_path)
    out = tmp_path / "run"
    res = runner.invoke(app, ["frontier", str(inst), "--points", "5", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert all(len(line) <= 80 for line in res.output.splitlines())
    for figure in ("£92,000", "£97,000", "£120,000", "No point is dominated"):
        assert figure in res.output
    points = pd.read_csv(out / "frontier.csv")
    assert points["objective"].tolist() == pytest.approx([92_000, 97_000, 102_000, 107_000,
                                                          120_000])
    for i in range(5):
        for table in ("openings", "expansions", "allocations", "kpis"):
            assert (out / "points" / f"point_{i}" / f"{table}.csv").exists()
    alloc = pd.read_csv(out / "points" / "point_1" / "allocations.csv").set_index("provision")
    assert alloc.loc["P3", "pupils"] == pytest.approx(2.75)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["metric"] == "pupil_minutes" and summary["points"] == 5
    assert summary["formulation"] == "models/frontier.md"
    assert "total" in json.loads((out / "timings.json").read_text())
    html = (out / "frontier.html").read_text()
    assert "<svg" in html and "<script" not in html and "http" not in html.split("<body>")[1]
    assert pd.read_excel(out / "frontier.xlsx", sheet_name="frontier")["point"].tolist() == [
        0, 1, 2, 3, 4]
    assert set(pd.read_excel(out / "frontier.xlsx", sheet_name="allocations")["point"]) == {
        0, 1, 2, 3, 4}


def test_same_input_same_bytes_and_overwrite(tmp_path: Path) -> None:
    inst = _instance(tmp_path)
    a, b = tmp_path / "a", tmp_path / "b"
    for out in (a, b):
        res = runner.invoke(app, ["frontier", str(inst), "--metric", "local_share",
                                  "--points", "3", "--out", str(out)])
        assert res.exit_code == 0, res.output
    assert _files(a) == _files(b)
    again = runner.invoke(app, ["frontier", str(inst), "--points", "3", "--out", str(a)])
    assert again.exit_code == 1 and "--overwrite" in again.output
    assert _files(a) == _files(b)  # left as it was
    res = runner.invoke(app, ["frontier", str(inst), "--points", "3", "--out", str(a),
                              "--overwrite"])
    assert res.exit_code == 0
    assert json.loads((a / "summary.json").read_text())["metric"] == "pupil_minutes"


def test_text_is_escaped_in_the_page(tmp_path: Path) -> None:
    inst = _instance(tmp_path, name="<b>Tiny & co</b>")
    out = tmp_path / "run"
    assert runner.invoke(app, ["frontier", str(inst), "--points", "2", "--out",
                               str(out)]).exit_code == 0
    html = (out / "frontier.html").read_text()
    assert "<b>Tiny" not in html and "&lt;b&gt;Tiny &amp; co&lt;/b&gt;" in html


def test_unknown_metric(tmp_path: Path) -> None:
    res = runner.invoke(app, ["frontier", str(_instance(tmp_path)), "--metric", "travel",
                              "--out", str(tmp_path / "o")])
    assert res.exit_code == 2
    assert "Traceback" not in res.output and "--metric" in res.output
    assert "travel" in res.output and "pupil_minutes" in res.output
    assert not (tmp_path / "o").exists()


def test_too_few_points(tmp_path: Path) -> None:
    res = runner.invoke(app, ["frontier", str(_instance(tmp_path)), "--points", "1",
                              "--out", str(tmp_path / "o")])
    assert res.exit_code == 2
    assert "--points" in res.output and "2 or more" in res.output
    assert not (tmp_path / "o").exists()


def test_bad_instance(tmp_path: Path) -> None:
    inst = _instance(tmp_path)
    text = (inst / "demand.csv").read_text().replace("2026", "twenty", 1)
    (inst / "demand.csv").write_text(text)
    res = runner.invoke(app, ["frontier", str(inst), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2
    assert "Traceback" not in res.output and "twenty" in res.output and "demand" in res.output
    assert not (tmp_path / "o").exists()
    missing = runner.invoke(app, ["frontier", str(tmp_path / "nowhere")])
    assert missing.exit_code == 2 and "Problems in" in missing.output
    assert "Traceback" not in missing.output
