"""The command line, run in-process through typer's runner."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from placement_opt import Instance
from placement_opt.cli import app
from placement_opt.cli import common as cli_app

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "instances" / "demo"
runner = CliRunner()


@pytest.fixture(autouse=True)
def _wide_console() -> Iterator[None]:
    """Wide enough that messages are not folded across lines in the captured output; the
    consoles' widths are restored after (other tests check the 80-column layout)."""
    widths = cli_app.console.width, cli_app.err_console.width
    cli_app.console.width = 300
    cli_app.err_console.width = 300
    yield
    cli_app.console.width, cli_app.err_console.width = widths


def test_version() -> None:
    out = runner.invoke(app, ["--version"])
    assert out.exit_code == 0
    assert "placement-opt" in out.output


def test_solve_writes_every_output(tmp_path: Path) -> None:
    out_dir = tmp_path / "run"
    res = runner.invoke(app, ["solve", str(DEMO), "--out", str(out_dir)])
    assert res.exit_code == 0, res.output
    assert "optimal" in res.output
    names = {p.name for p in out_dir.iterdir()}
    assert names == {"allocations.csv", "utilisation.csv", "unmet.csv", "kpis.csv",
                     "warnings.csv", "duals.csv", "openings.csv", "expansions.csv", "capital.csv",
                     "budget_use.csv", "diagnosis.csv", "transfers.csv", "changes.csv",
                     "summary.json", "timings.json",
                     "result.xlsx", "instance",
                     "sufficiency.xlsx", "sufficiency.csv", "sufficiency_county.csv",
                     "budget_export.xlsx", "budget_export.csv", "budget_clusters.csv",
                     "high_needs_account.csv", "high_needs_lines.csv", "report.html"}
    summary = json.loads((out_dir / "summary.json").read_text())
    assert summary["status"] == "optimal"
    alloc = pd.read_csv(out_dir / "allocations.csv")
    assert alloc["cost"].sum() == pytest.approx(summary["objective"])
    book = load_workbook(out_dir / "result.xlsx", read_only=True)
    assert {"summary", "allocations", "utilisation", "unmet", "kpis"} <= set(book.sheetnames)
    book.close()


def test_solve_default_is_the_bundled_instance(tmp_path: Path) -> None:
    res = runner.invoke(app, ["solve", "--out", str(tmp_path / "r")])
    assert res.exit_code == 0, res.output
    assert "kent: optimal" in res.output


def test_solve_refuses_a_non_empty_out_folder(tmp_path: Path) -> None:
    keep = tmp_path / "keep.txt"
    keep.write_text("mine")
    res = runner.invoke(app, ["solve", str(DEMO), "--out", str(tmp_path)])
    assert res.exit_code == 1
    assert "not empty" in res.output
    assert keep.read_text() == "mine"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_solve_without_out_makes_a_new_folder_each_run(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for _ in range(2):
        assert runner.invoke(app, ["solve", str(DEMO)]).exit_code == 0
    runs = sorted(p.name for p in (tmp_path / "runs").iterdir())
    assert len(runs) == 2
    assert all(r.startswith("demo-") for r in runs)


def test_solve_bad_instance_prints_issues_not_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    Instance.from_path(DEMO).to_path(bad)
    text = (bad / "demand.csv").read_text().replace("Thanet,ASD,primary,2026",
                                                    "Thanet,ASD,primary,twenty")
    (bad / "demand.csv").write_text(text)
    res = runner.invoke(app, ["solve", str(bad), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2
    assert "Traceback" not in res.output
    assert "twenty" in res.output
    assert not (tmp_path / "o").exists()


def test_validate_ok_and_bad(tmp_path: Path) -> None:
    ok = runner.invoke(app, ["validate", str(DEMO)])
    assert ok.exit_code == 0
    assert "valid" in ok.output
    missing = runner.invoke(app, ["validate", str(tmp_path / "nope")])
    assert missing.exit_code == 2
    assert "no such file or folder" in missing.output


def test_template_writes_and_never_overwrites(tmp_path: Path) -> None:
    target = tmp_path / "t.xlsx"
    assert runner.invoke(app, ["template", str(target)]).exit_code == 0
    book = load_workbook(target)
    assert {"README", "settings", "zones", "provisions", "demand", "capacity"} <= set(
        book.sheetnames)
    assert book["provisions"].data_validations.dataValidation
    assert book["zones"]["A1"].value == "zone"
    book.close()
    before = target.read_bytes()
    again = runner.invoke(app, ["template", str(target)])
    assert again.exit_code == 1
    assert target.read_bytes() == before
    assert runner.invoke(app, ["template", str(tmp_path / "t.csv")]).exit_code == 2


def test_filled_template_loads(tmp_path: Path) -> None:
    """A planner fills the template's sheets; the workbook then loads as an instance."""
    target = tmp_path / "t.xlsx"
    runner.invoke(app, ["template", str(target)])
    book = load_workbook(target)
    book["zones"].append(["Thanet", "Thanet", 51.35, 1.34])
    book["provisions"].append(["FFS", "Foreland Fields", "special", "Thanet", 51.35, 1.41,
                               "primary", None, None, "ASD", 40, 24252])
    book["demand"].append(["Thanet", "ASD", "primary", 2026, 12])
    book.save(target)
    inst = Instance.from_path(target)
    assert inst.years == [2026]
    assert inst.policy.unmet_penalty == 1_000_000


def test_infeasible_solve_explains_itself(tmp_path: Path) -> None:
    """A local-share rule no district can meet: exit 1, the diagnosis file and report exist."""
    inst = Instance.from_path(DEMO)
    zones = inst.zones.assign(min_local_share=[float("nan"), 1.0, float("nan")])
    src = tmp_path / "strict"
    inst.replace(zones=zones).to_path(src)
    res = runner.invoke(app, ["solve", str(src), "--out", str(tmp_path / "o")])
    assert res.exit_code == 1
    assert "infeasible" in res.output
    assert "minimum local share for Thanet" in res.output
    diag = pd.read_csv(tmp_path / "o" / "diagnosis.csv")
    assert diag["family"].unique().tolist() == ["local_share"]
    assert (tmp_path / "o" / "report.html").exists()
