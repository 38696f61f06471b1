"""The Python API's run folder (``write_run_folder``: the files of ``solve --out``, byte for byte)
and how a Result shows itself (``repr``, ``_repr_html_``)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from _tiny import facility_instance
from typer.testing import CliRunner

from placement_opt import Instance, solve, write_run_folder
from placement_opt.cli import app
from placement_opt.errors import OutputError, PlacementOptError
from placement_opt.progress import ProgressEvent

#: The one file that may differ from the CLI's: the run's timings (kept apart for that).
TIMINGS = "timings.json"


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def solved(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Instance]:
    folder = tmp_path_factory.mktemp("inst") / "facility"
    facility_instance(30, 10).to_path(folder)
    return folder, Instance.from_path(folder)


def test_write_gives_the_files_of_solve_out(solved: tuple[Path, Instance], tmp_path: Path) -> None:
    source, inst = solved
    cli = tmp_path / "cli"
    run = CliRunner().invoke(app, ["solve", str(source), "--out", str(cli)],
                             env={"COLUMNS": "200"})
    assert run.exit_code == 0, run.output
    result = solve(inst)
    events: list[ProgressEvent] = []
    api = write_run_folder(result, tmp_path / "api", progress=events.append)
    assert api == tmp_path / "api"
    assert _files(api) == _files(cli) and "report.html" in _files(api)
    for name in _files(api):
        if name != TIMINGS:
            assert (api / name).read_bytes() == (cli / name).read_bytes(), name
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging left
    parts = [(e.done, e.total) for e in events]
    assert parts[-1] == (3, 3) and all(e.stage == "reports" for e in events)
    quiet = write_run_folder(result, tmp_path / "quiet")  # progress never reaches the files
    for name in _files(api):
        if name != TIMINGS:
            assert (quiet / name).read_bytes() == (api / name).read_bytes(), name


def test_write_refuses_a_folder_with_files_unless_told(solved: tuple[Path, Instance],
                                                       tmp_path: Path) -> None:
    _, inst = solved
    result = solve(inst)
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(OutputError, match="overwrite=True"):
        write_run_folder(result, busy)
    assert _files(busy) == ["notes.txt"]
    write_run_folder(result, busy, overwrite=True)
    assert (busy / "notes.txt").read_text(encoding="utf-8") == "mine"  # kept
    assert (busy / "summary.json").exists() and (busy / "report.html").exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    write_run_folder(result, str(empty))  # an empty folder is fine, and a str path too
    assert (empty / "summary.json").exists()


def test_write_needs_the_instance_solved(solved: tuple[Path, Instance], tmp_path: Path) -> None:
    _, inst = solved
    result = solve(inst)
    bare = replace(result, instance=None)
    with pytest.raises(PlacementOptError, match="instance="):
        write_run_folder(bare, tmp_path / "a")
    with pytest.raises(PlacementOptError, match="fingerprint"):
        write_run_folder(bare, tmp_path / "b", instance=facility_instance(30, 11))
    write_run_folder(bare, tmp_path / "c", instance=inst)
    assert (tmp_path / "c" / "summary.json").exists()
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_a_result_shows_itself(solved: tuple[Path, Instance]) -> None:
    _, inst = solved
    result = solve(inst)
    assert result.objective is not None
    text = repr(result)
    assert "\n" not in text and len(text) < 200
    assert text.startswith(f"Result({inst.name}: optimal") and f"{result.objective:,.0f}" in text
    html = result._repr_html_()
    assert html.startswith("<table") and html.endswith("</table>")
    assert f"£{result.objective:,.0f}" in html
    assert "optimal" in html and "total_cost (GBP)" in html and "unmet (pupils)" in html


def test_html_is_escaped() -> None:
    inst = facility_instance(30, 10)
    result = replace(solve(inst), instance_name="<b>x & y</b>")
    html = result._repr_html_()
    assert "<b>x" not in html and "&lt;b&gt;x &amp; y&lt;/b&gt;" in html
