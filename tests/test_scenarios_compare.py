"""compare: KPIs side by side, differences by district × need, xlsx, CSV and offline HTML."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from test_scenarios import base_instance
from typer.testing import CliRunner

from placement_opt.analysis.scenarios import scenario_from_text
from placement_opt.analysis.scenarios.run import run_scenario
from placement_opt.cli import app
from placement_opt.errors import InstanceError, OutputError
from placement_opt.reports.compare import PARTITION, compare_runs
from placement_opt.reports.files import write_comparison
from placement_opt.reports.html.compare_page import render_comparison

CLOSE_P2 = ('[scenario]\nname = "no-P2"\nbase = "{base}"\n[[provisions.close]]\nprovision = "P2"\n'
            "from_year = 2027\n[demand]\ngrowth_by_need = {{ SLD = 0.1 }}\n")


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("cmp")
    base_instance().to_path(root / "base")
    plain = scenario_from_text(f'[scenario]\nname = "base"\nbase = "{root / "base"}"\n', "a.toml")
    closed = scenario_from_text(CLOSE_P2.format(base=root / "base"), "b.toml")
    run_scenario(plain, root / "run-a")
    run_scenario(closed, root / "run-b")
    return root / "run-a", root / "run-b"


def test_kpis_side_by_side(runs: tuple[Path, Path]) -> None:
    comp = compare_runs(list(runs))
    assert comp.names == ("base", "no-P2")
    for name, folder in zip(comp.names, runs, strict=True):
        own = pd.read_csv(folder / "kpis.csv")
        total = own[own["year"] == "all"].set_index("kpi")["value"]
        assert comp.kpis.set_index("kpi")[name].to_dict() == pytest.approx(total.to_dict())
        by_year = own[own["year"] == "2027"].set_index("kpi")["value"]
        mine = comp.kpis_by_year[comp.kpis_by_year["year"] == "2027"].set_index("kpi")[name]
        assert mine.to_dict() == pytest.approx(by_year.to_dict())


def test_outcomes_add_up_to_demand(runs: tuple[Path, Path]) -> None:
    comp = compare_runs(list(runs))
    dn = comp.district_need
    assert (dn[list(PARTITION)].sum(axis=1) - dn["demand"]).abs().max() < 1e-6
    diff = comp.differences
    outcome_change = diff[[f"delta_{c}" for c in PARTITION]].sum(axis=1)
    assert (outcome_change - diff["delta_demand"]).abs().max() < 1e-6


def test_differences_largest_first_and_add_up_to_the_kpis(runs: tuple[Path, Path]) -> None:
    comp = compare_runs(list(runs))
    diff = comp.differences
    assert list(diff.columns[:3]) == ["run", "district", "need"]
    assert diff["change"].is_monotonic_decreasing and (diff["run"] == "no-P2").all()
    kpi = comp.kpis.set_index("kpi")
    gained = kpi.loc["total_cost", "no-P2"] - kpi.loc["total_cost", "base"]
    assert diff["delta_cost"].sum() == pytest.approx(gained)
    more = kpi.loc["placed_independent", "no-P2"] - kpi.loc["placed_independent", "base"]
    assert diff["delta_placed_independent"].sum() == pytest.approx(more)
    assert more > 0  # closing the SRP sends pupils to the independent school


def test_files_and_offline_html(runs: tuple[Path, Path], tmp_path: Path) -> None:
    comp = compare_runs(list(runs))
    written = write_comparison(comp, tmp_path)
    assert sorted(p.name for p in written) == ["compare.html", "compare.xlsx",
                                                "compare_differences.csv",
                                                "compare_high_needs.csv", "compare_kpis.csv"]
    html = (tmp_path / "compare.html").read_text()
    assert "<script" not in html and "http://" not in html and "https://" not in html
    assert html.count("<svg") == 6 and "no-P2" in html
    assert render_comparison(comp) == html
    with pytest.raises(OutputError):
        write_comparison(comp, tmp_path)


def test_not_a_run_folder(tmp_path: Path) -> None:
    with pytest.raises(InstanceError, match="no such run folder"):
        compare_runs([tmp_path / "missing"])


def test_cli_compare(runs: tuple[Path, Path], tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["compare", str(runs[0]), str(runs[1]), "--out",
                                      str(tmp_path / "c")], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Biggest differences from base" in result.output and (tmp_path / "c" / "compare.html").exists()
    bad = CliRunner().invoke(app, ["compare", str(tmp_path / "nope")])
    assert bad.exit_code == 2


def test_ties_are_told_apart_from_real_changes() -> None:
    """District A: 5 pupils placed elsewhere for £2 more (under £1 a pupil moved): a tie.
    District B: 2 pupils moved for £50,000: real, listed first. District C: demand grew:
    never a tie."""
    from placement_opt.reports.compare import _differences

    def rows(run: str, a: tuple[float, float, float], b: tuple[float, float, float],
             c: tuple[float, float, float]) -> list[dict[str, object]]:
        return [{"run": run, "district": d, "need": "ASD", "demand": dem,
                 "placed_locally": loc, "placed_elsewhere": dem - loc,
                 "placed_independent": 0.0, "unmet": 0.0, "cost": cost}
                for d, (dem, loc, cost) in zip("ABC", (a, b, c), strict=True)]

    dn = pd.DataFrame(rows("base", (10, 10, 100_000), (8, 8, 80_000), (4, 4, 40_000))
                      + rows("s", (10, 5, 100_002), (8, 6, 130_000), (5, 5, 40_000.5)))
    diff = _differences(dn, ("base", "s"))
    assert diff["district"].tolist() == ["B", "C", "A"]
    assert diff.set_index("district")["tie"].to_dict() == {"A": True, "B": False, "C": False}
