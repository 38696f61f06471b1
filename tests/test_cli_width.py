"""Every command that prints a table reads at 80 columns: no line longer, nothing cut to '…',
every number whole; and the fixes that came with it (report after solve, montecarlo's
headline, the trend hint)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd
import pytest
from rich.console import Console
from typer.testing import CliRunner

from placement_opt.cli import app
from placement_opt.cli.tables import Col, fitted

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "instances" / "demo"
runner = CliRunner()

pytestmark = pytest.mark.usefixtures("eighty_columns")


def _run(*args: str, code: int = 0) -> str:
    res = runner.invoke(app, list(args), env={"COLUMNS": "80"})
    assert res.exit_code == code, res.output
    assert "…" not in res.output, res.output
    long = [line for line in res.output.splitlines() if len(line) > 80]
    assert not long, "\n".join(long)
    return res.output


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("w") / "run"
    assert runner.invoke(app, ["solve", str(DEMO), "--out", str(folder)]).exit_code == 0
    return folder


def test_fitted_never_cuts_a_number() -> None:
    numbers = [f"£{n:,}" for n in range(3_000_000_001, 3_000_000_011)]
    cols = [Col("kpi"), *(Col(f"year {y}", number=True) for y in range(10))]
    console = Console(width=80, record=True, file=io.StringIO())
    for part in fitted("t", cols, [["a long kpi name here", *numbers]], 80):
        console.print(part)
    text = console.export_text()
    assert all(len(line) <= 80 for line in text.splitlines())
    for n in numbers:
        assert n in text
    assert "…" not in text and "(1 of" in text


def test_solve_and_run_commands(run_dir: Path, tmp_path: Path) -> None:
    out = _run("solve", str(DEMO), "--out", str(tmp_path / "s"))
    assert "place cost" in out and "£10,871,673" in out
    _run("validate", str(DEMO))
    _run("solvers")
    _run("pathways", str(run_dir), "--overwrite")
    _run("tariff", str(run_dir), "--overwrite")
    _run("scenario", "run", str(DEMO / "scenarios" / "close-orchard.toml"), "--out",
         str(tmp_path / "sc"))


def test_report_straight_after_solve(run_dir: Path) -> None:
    """The README's flow: solve, then report on the same folder."""
    out = _run("report", str(run_dir))
    assert "written again" in out
    again = _run("report", str(run_dir))
    assert "written again" in again
    (run_dir / "sufficiency.csv").write_text("edited by hand\n")
    refused = runner.invoke(app, ["report", str(run_dir)])
    assert refused.exit_code == 1 and "--overwrite" in refused.output
    assert (run_dir / "sufficiency.csv").read_text() == "edited by hand\n"  # kept
    _run("report", str(run_dir), "--overwrite")
    assert (run_dir / "sufficiency.csv").read_text() != "edited by hand\n"


def test_uncertainty_commands(tmp_path: Path) -> None:
    _run("montecarlo", "demo", "--sd", "0.05", "--samples", "3", "--executor", "serial",
         "--out", str(tmp_path / "mc"))
    _run("robust", "demo", "--sd", "0.05", "--samples", "2", "--out", str(tmp_path / "rb"))
    _run("sweep", str(DEMO / "scenarios" / "sweep.toml"), "--executor", "serial", "--out",
         str(tmp_path / "sw"))


def test_trend_hint_names_a_file_that_exists() -> None:
    from placement_opt.cli.scenarios import _trend_hint

    res = runner.invoke(app, ["robust", "kent_growth", "--samples", "1"])
    assert res.exit_code == 2
    assert "--trend" in res.output and "--sd" in res.output
    path = re.search(r"--trend (\S+)", _trend_hint())
    assert path is not None
    assert Path(path.group(1)).is_file() or (ROOT / path.group(1)).is_file()


def test_montecarlo_headline_ranks_and_collapses_ties(capsys: pytest.CaptureFixture[str]) -> None:
    from placement_opt.cli.uncertainty_print import print_shortfall, shortfall_headline

    rows = [{"district": f"D{i:02d}", "need": "ASD", "phase": "primary", "year": 2027,
             "p_shortfall": 1.0, "p_unmet": 0.0, "surplus_mean": -2.0} for i in range(15)]
    rows.append({"district": "Zeta", "need": "SEMH", "phase": "secondary", "year": 2027,
                 "p_shortfall": 1.0, "p_unmet": 0.0, "surplus_mean": -40.0})
    frame = pd.DataFrame(rows)
    head = shortfall_headline(frame)
    assert head.iloc[0]["where"] == "Zeta SEMH secondary"  # furthest short first, not by name
    print_shortfall(frame)
    out = capsys.readouterr().out
    assert "15 district-needs at these figures" in out
    assert out.count("D0") <= 2
