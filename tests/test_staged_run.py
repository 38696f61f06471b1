"""Run folders written as a whole (``placement_opt/io/staging.py``): an interrupted solve leaves
nothing that looks complete, and an existing run is replaced only with ``--overwrite``, keeping
files that are not the run's."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from placement_opt.cli import app
from placement_opt.errors import OutputError
from placement_opt.io.staging import MARKER, staged_folder

DEMO = str(Path(__file__).resolve().parent.parent / "instances" / "demo")


def test_a_new_folder_appears_only_when_complete(tmp_path: Path) -> None:
    target = tmp_path / "run"
    with staged_folder(target) as stage:
        (stage / "a.csv").write_text("x")
        assert not target.exists() and stage.parent == tmp_path and stage.name.startswith(".")
    assert sorted(p.name for p in target.iterdir()) == ["a.csv"]
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def test_a_failure_leaves_nothing_behind(tmp_path: Path) -> None:
    target = tmp_path / "run"
    with pytest.raises(RuntimeError), staged_folder(target) as stage:
        (stage / MARKER).write_text("{}")
        raise RuntimeError("killed while writing")
    assert list(tmp_path.iterdir()) == []


def test_overwrite_replaces_the_run_s_files_and_keeps_the_user_s(tmp_path: Path) -> None:
    target = tmp_path / "run"
    (target / "instance").mkdir(parents=True)
    (target / "instance" / "old.csv").write_text("old")
    (target / "a.csv").write_text("old")
    (target / MARKER).write_text("old")
    (target / "my notes.txt").write_text("mine")
    with pytest.raises(OutputError, match="not empty"), staged_folder(target):
        pass
    with staged_folder(target, overwrite=True) as stage:
        (stage / "instance").mkdir()
        (stage / "instance" / "new.csv").write_text("new")
        (stage / "a.csv").write_text("new")
        (stage / MARKER).write_text("new")
    assert (target / "a.csv").read_text() == "new" and (target / MARKER).read_text() == "new"
    assert [p.name for p in (target / "instance").iterdir()] == ["new.csv"]
    assert (target / "my notes.txt").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_a_solve_that_fails_while_writing_leaves_no_run(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Once a failure on the last file left 13 CSVs and a summary saying "optimal"."""
    import placement_opt.reports.html.run_page as run_page

    def fail(*args: object, **kwargs: object) -> Path:
        raise OutputError("disk full while writing report.html")

    monkeypatch.setattr(run_page, "write_html_report", fail)
    out = tmp_path / "run"
    res = CliRunner().invoke(app, ["solve", DEMO, "--out", str(out)])
    assert res.exit_code == 1 and "disk full" in res.output
    assert list(tmp_path.iterdir()) == []


def test_two_runs_of_the_same_input_give_byte_identical_files(tmp_path: Path) -> None:
    """Timings live in timings.json alone (once in summary.json, result.xlsx and report.html)."""
    runs = []
    for name in ("a", "b"):
        out = tmp_path / name
        assert CliRunner().invoke(app, ["solve", DEMO, "--out", str(out)]).exit_code == 0
        runs.append({p.relative_to(out).as_posix(): p.read_bytes()
                     for p in sorted(out.rglob("*")) if p.is_file()})
    assert runs[0].keys() == runs[1].keys() and len(runs[0]) > 20
    differ = [name for name in runs[0] if runs[0][name] != runs[1][name]]
    assert differ in ([], ["timings.json"])
    assert b"seconds" not in runs[0]["summary.json"]
