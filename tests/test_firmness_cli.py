"""``placement-opt firmness``: the run folder, the report section, the errors."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from test_decision_costs import _two_candidates
from typer.testing import CliRunner

from placement_opt.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def two_sites(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The worked example of models/decisions.md as a CSV folder."""
    folder = tmp_path_factory.mktemp("inst") / "two_sites"
    _two_candidates().to_path(folder)
    return folder


def test_writes_the_firmness_tables_and_section(two_sites: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    res = runner.invoke(app, ["firmness", str(two_sites), "--within", "0.1", "--workers", "1",
                              "--out", str(out)])
    assert res.exit_code == 0, res.output
    for name in ("decisions", "decisions_by_year", "alternatives", "alternative_decisions",
                 "firm_decisions"):
        assert (out / f"{name}.csv").is_file()
    assert (out / "firmness.xlsx").is_file() and (out / "summary.json").is_file()
    decisions = pd.read_csv(out / "decisions.csv").set_index("decision")
    assert decisions.loc["open C1", "cost_to_reverse"] == pytest.approx(50_000)
    alternatives = pd.read_csv(out / "alternatives.csv")
    assert alternatives["objective"].tolist() == pytest.approx([565_000, 615_000])
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "How firm is this plan?" in html and 'href="#firmness"' in html
    assert "0 of 2 decisions cost less than 0.1%" in html
    assert "Cost to reverse" in res.output and "Alternatives within 10.00%" in res.output


def test_same_input_same_files(two_sites: Path, tmp_path: Path) -> None:
    """Two runs: every file but timings.json byte for byte the same."""
    outs = [tmp_path / "a", tmp_path / "b"]
    for out in outs:
        assert runner.invoke(app, ["firmness", str(two_sites), "--workers", "1", "--out",
                                   str(out)]).exit_code == 0
    names = sorted(p.name for p in outs[0].iterdir() if p.is_file() and p.suffix == ".csv")
    assert "decisions.csv" in names
    for name in [*names, "report.html", "firmness.xlsx"]:
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name


def test_bad_reoptimise_is_refused(two_sites: Path, tmp_path: Path) -> None:
    res = runner.invoke(app, ["firmness", str(two_sites), "--reoptimise", "most", "--out",
                              str(tmp_path / "r")])
    assert res.exit_code == 2 and "held, local, full" in res.output
    assert not (tmp_path / "r").exists()


def test_existing_folder_is_not_touched(two_sites: Path, tmp_path: Path) -> None:
    out = tmp_path / "taken"
    out.mkdir()
    (out / "mine.txt").write_text("keep", encoding="utf-8")
    res = runner.invoke(app, ["firmness", str(two_sites), "--out", str(out)])
    assert res.exit_code == 1 and "--overwrite" in res.output
    assert (out / "mine.txt").read_text(encoding="utf-8") == "keep"


def test_no_plan_is_a_clear_error(tmp_path: Path) -> None:
    folder = tmp_path / "bad"
    _two_candidates(min_openings=3).to_path(folder)
    res = runner.invoke(app, ["firmness", str(folder), "--out", str(tmp_path / "r")])
    assert res.exit_code == 1 and "no plan to test" in res.output
    assert "Traceback" not in res.output
