"""A proposed tariff's effect on the high-needs balance by financial year
(``placement_opt/reports/tariff_deficit.py``), by hand and through the ``tariff`` command."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from placement_opt import Instance, solve
from placement_opt.cli import app
from placement_opt.reports.tariff import tariff_tables
from placement_opt.reports.tariff_deficit import DEFICIT_COLUMNS, deficit_effect
from placement_opt.results.run import RunData

ROOT = Path(__file__).resolve().parent.parent
WORKED = ROOT / "models" / "examples" / "continuum_worked"
EXPECTED = json.loads((WORKED / "expected.json").read_text())


def _spend(by_year: dict[int, float]) -> pd.DataFrame:
    return pd.DataFrame({"year": list(by_year), "place_cost": list(by_year.values())})


def test_savings_by_financial_year_by_hand() -> None:
    """Saving 120 in academic year 2025 and 240 in 2026. Financial year 2025-26: 7/12 x 120 +
    5/12 x 120 (April-August 2025 estimated at 2025's figures) = 120; 2026-27: 5/12 x 120 +
    7/12 x 240 = 50 + 140 = 190; cumulative 120, 310. Re-solved, saving 60 a year: 60, 60."""
    current = _spend({2025: 1_200.0, 2026: 2_400.0})
    proposed = pd.concat([_spend({2025: 1_080.0}), _spend({2026: 2_160.0})])
    resolved = _spend({2025: 1_140.0, 2026: 2_340.0})
    out = deficit_effect(current, proposed, resolved)
    assert list(out.columns) == [c for c in DEFICIT_COLUMNS if "balance" not in c]
    assert out["financial_year"].tolist() == [2025, 2026]
    assert out["financial_year_label"].tolist() == ["2025-26", "2026-27"]
    assert out["in_year_change_gbp"].tolist() == pytest.approx([120.0, 190.0])
    assert out["cumulative_change_gbp"].tolist() == pytest.approx([120.0, 310.0])
    assert out["resolved_in_year_change_gbp"].tolist() == pytest.approx([60.0, 60.0])
    assert out["resolved_cumulative_change_gbp"].tolist() == pytest.approx([60.0, 120.0])
    assert out["current_spend_gbp"].tolist() == pytest.approx([1_200.0, 1_900.0])
    assert out["estimated"].tolist() == [True, False]


def test_balance_levels_beside_the_changes_by_hand() -> None:
    """The current plan ends 2025-26 at -500 and 2026-27 at -700; the proposal saves 120 then 190
    (cumulative 120, 310), so its balances are -380 and -390; re-solved (60, 120): -440, -580."""
    current = _spend({2025: 1_200.0, 2026: 2_400.0})
    proposed = _spend({2025: 1_080.0, 2026: 2_160.0})
    resolved = _spend({2025: 1_140.0, 2026: 2_340.0})
    balance = pd.DataFrame({"financial_year": [2025, 2026],
                            "cumulative_balance_gbp": [-500.0, -700.0]})
    out = deficit_effect(current, proposed, resolved, balance)
    assert list(out.columns) == list(DEFICIT_COLUMNS)
    assert out["current_cumulative_balance_gbp"].tolist() == pytest.approx([-500.0, -700.0])
    assert out["proposed_cumulative_balance_gbp"].tolist() == pytest.approx([-380.0, -390.0])
    assert out["resolved_cumulative_balance_gbp"].tolist() == pytest.approx([-440.0, -580.0])


def test_without_resolve_there_are_no_resolved_columns() -> None:
    out = deficit_effect(_spend({2025: 10.0}), _spend({2025: 14.0}))
    assert "resolved_spend_gbp" not in out
    assert out["in_year_change_gbp"].tolist() == pytest.approx([-4.0])


def test_the_worked_proposal_saves_21000_in_its_one_year() -> None:
    """models/continuum.md: the L3 special top-up falls by 3,000 for 7 pupils: 21,000 less in the
    one academic year, so 21,000 better in its financial year (April-August estimated)."""
    worked = Instance.from_path(WORKED)
    run = RunData.from_result(solve(worked), worked)
    proposed = worked.replace(tariffs=pd.DataFrame(EXPECTED["proposed_tariffs"]))
    deficit = tariff_tables(run, proposed)["deficit"]
    assert deficit["in_year_change_gbp"].tolist() == pytest.approx([21_000.0])
    assert deficit["cumulative_change_gbp"].tolist() == pytest.approx([21_000.0])
    assert deficit["estimated"].tolist() == [True]


def test_the_tariff_command_writes_and_prints_the_deficit(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "run"
    assert runner.invoke(app, ["solve", str(WORKED), "--out", str(out)]).exit_code == 0
    file = tmp_path / "proposed.csv"
    pd.DataFrame(EXPECTED["proposed_tariffs"]).to_csv(file, index=False)
    res = runner.invoke(app, ["tariff", str(out), "--proposed", str(file)])
    assert res.exit_code == 0, res.output
    written = pd.read_csv(out / "tariff_deficit.csv")
    assert written["in_year_change_gbp"].tolist() == pytest.approx([21_000.0])
    assert "high-needs balance" in res.output and "+21,000" in res.output
    # The worked example has no income: its balance is minus its DSG spend, better by 21,000.
    level = written["current_cumulative_balance_gbp"].iloc[0]
    assert level < 0
    assert written["proposed_cumulative_balance_gbp"].iloc[0] == pytest.approx(level + 21_000.0)
    assert "balance at 31 March, proposed" in res.output


def test_a_bad_high_needs_line_stops_the_tariff_command_with_its_location(
        tmp_path: Path) -> None:
    """A high_needs row outside the horizon is named by table, row, column and value."""
    import shutil

    folder = tmp_path / "worked"
    shutil.copytree(WORKED, folder)
    pd.DataFrame({"financial_year": [2040], "line": ["hnb_allocation"], "kind": ["income"],
                  "amount_gbp": [1_000.0]}).to_csv(folder / "high_needs.csv", index=False)
    runner = CliRunner()
    out = tmp_path / "run"
    res = runner.invoke(app, ["solve", str(folder), "--out", str(out)])
    if res.exit_code != 0:  # the solve itself may refuse it first: then it is located there
        assert "high_needs" in res.output and "2040" in res.output
        return
    file = tmp_path / "proposed.csv"
    pd.DataFrame(EXPECTED["proposed_tariffs"]).to_csv(file, index=False)
    res = runner.invoke(app, ["tariff", str(out), "--proposed", str(file)],
                        env={"COLUMNS": "200"})
    assert res.exit_code == 2
    assert "high_needs" in res.output and "financial_year" in res.output and "2040" in res.output
