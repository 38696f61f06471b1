"""What every command shares: one failure-to-exit mapping and one run-folder default."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from placement_opt.cli import app
from placement_opt.cli import common as cli_app
from placement_opt.cli.common import empty_run_folder, reported, run_folder
from placement_opt.errors import InstanceError, Issue, OutputError, PlacementOptError, Severity
from placement_opt.options import SolveOptions

DEMO = Path(__file__).resolve().parents[1] / "instances" / "demo"
runner = CliRunner()


@pytest.fixture(autouse=True)
def _wide_console() -> Iterator[None]:
    """Wide consoles for these tests only (others check the 80-column layout)."""
    widths = cli_app.console.width, cli_app.err_console.width
    cli_app.console.width = 300
    cli_app.err_console.width = 300
    yield
    cli_app.console.width, cli_app.err_console.width = widths


def _exit_code(error: Exception, capsys: pytest.CaptureFixture[str], **kwargs: str) -> tuple[int, str]:
    with pytest.raises(typer.Exit) as caught, reported("Problems in x.csv", **kwargs):
        raise error
    return caught.value.exit_code, capsys.readouterr().err


def test_an_instance_error_is_a_table_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    issues = [Issue("demand.csv", "not a number", row=3, column="pupils", value="x"),
              Issue("zones.csv", "odd", severity=Severity.WARNING)]
    code, err = _exit_code(InstanceError(issues), capsys, outcome="nothing was solved.")
    assert code == 2
    assert "Problems in x.csv" in err and "demand.csv" in err and "pupils" in err
    assert "1 error(s): nothing was solved." in err


def test_an_instance_error_without_outcome_has_no_count(capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _exit_code(InstanceError([Issue("a.csv", "bad")]), capsys)
    assert code == 2 and "error(s)" not in err


def test_an_output_error_is_a_message_with_its_hint(capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _exit_code(OutputError("t.xlsx exists"), capsys, hint=" (use --force to replace it)")
    assert code == 1 and "t.xlsx exists (use --force to replace it)" in err


def test_any_other_package_error_is_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _exit_code(PlacementOptError("no backend [zzz]"), capsys)
    assert code == 1 and "no backend [zzz]" in err  # markup in a message is shown as written


def test_invalid_options_are_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(typer.Exit) as caught, reported("x"):
        SolveOptions(gap=2.0)
    assert caught.value.exit_code == 2 and "Invalid option" in capsys.readouterr().err


def test_other_exceptions_and_success_pass_through() -> None:
    with reported("x"):
        value = 1
    assert value == 1
    with pytest.raises(KeyError), reported("x"):
        raise KeyError("a bug stays a bug")


def test_run_folder_default_is_a_new_stamped_folder(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    first = run_folder(None, "demo run")
    assert first.parent == Path("runs") and first.name.startswith("demo-run-")
    stamp = first.name.removeprefix("demo-run-")
    datetime.strptime(stamp[:15], "%Y%m%d-%H%M%S")
    assert run_folder(tmp_path / "given", "demo") == tmp_path / "given"


def test_empty_run_folder_refuses_a_non_empty_out(tmp_path: Path) -> None:
    assert empty_run_folder(tmp_path / "new", "demo", overwrite=False) == tmp_path / "new"
    (tmp_path / "mine.txt").write_text("keep", encoding="utf-8")
    with pytest.raises(OutputError, match="not empty: choose another --out or add --overwrite"):
        empty_run_folder(tmp_path, "demo", overwrite=False)
    assert empty_run_folder(tmp_path, "demo", overwrite=True) == tmp_path
    assert (tmp_path / "mine.txt").read_text(encoding="utf-8") == "keep"


def test_solve_with_an_invalid_option_exits_2(tmp_path: Path) -> None:
    res = runner.invoke(app, ["solve", str(DEMO), "--gap", "2", "--out", str(tmp_path / "o")])
    assert res.exit_code == 2 and "Invalid option" in res.output
    assert not (tmp_path / "o").exists()


def test_template_refusal_keeps_its_hint(tmp_path: Path) -> None:
    target = tmp_path / "t.xlsx"
    assert runner.invoke(app, ["template", str(target)]).exit_code == 0
    again = runner.invoke(app, ["template", str(target)])
    assert again.exit_code == 1 and "(use --force to replace it)" in again.output


def test_export_model_refusal_is_exit_1(tmp_path: Path) -> None:
    target = tmp_path / "m.lp"
    target.write_text("mine", encoding="utf-8")
    res = runner.invoke(app, ["export-model", str(DEMO), str(target)])
    assert res.exit_code == 1 and target.read_text(encoding="utf-8") == "mine"


def test_compare_without_out_writes_a_new_folder_under_runs(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(app, ["solve", str(DEMO), "--out", "a"]).exit_code == 0
    res = runner.invoke(app, ["compare", "a", "a"])
    assert res.exit_code == 0, res.output
    (folder,) = (tmp_path / "runs").iterdir()
    assert folder.name.startswith("compare-") and (folder / "compare.html").exists()
