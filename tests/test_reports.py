"""Sufficiency report and budget-model export."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from _tiny import tiny
from openpyxl import load_workbook
from typer.testing import CliRunner

from placement_opt import Instance, solve
from placement_opt.cli import app
from placement_opt.cli import common as cli_app
from placement_opt.reports.budget import BUDGET_COLUMNS, SCHEMA_VERSION, budget_export, budget_summary
from placement_opt.reports.sufficiency import place_apportionment, sufficiency_report
from placement_opt.results.run import RunData, load_run

DEMO = Path(__file__).resolve().parent.parent / "instances" / "demo"
runner = CliRunner()


@pytest.fixture(scope="module")
def demo_run() -> RunData:
    inst = Instance.from_path(DEMO)
    return RunData.from_result(solve(inst), inst)


def _crafted() -> RunData:
    """Zone A: 10 ASD primary pupils. A's special school has 6 places (£20,000); B's special
    school 2 places (£20,000, 30 min away); an independent school in A (£50,000, 1 place).
    Optimum: 6 in SA, 2 in B, 1 independent, 1 unmet (penalty £100,000). The independent school
    stands in A, so 7 are met locally (models/allocation.md, *Met locally*)."""
    inst = tiny(
        [{"provision": "SA", "kind": "special", "zone": "A", "capacity": 6, "cost_per_place": 20_000},
         {"provision": "SB", "kind": "special", "zone": "B", "capacity": 2, "cost_per_place": 20_000},
         {"provision": "IA", "kind": "independent", "zone": "A", "capacity": 1,
          "cost_per_place": 50_000}],
        [("A", 10)], journeys={("A", "SB"): (30, 0)}, zones=["A", "B"])
    return RunData.from_result(solve(inst), inst)


def test_crafted_sufficiency_row() -> None:
    detail = sufficiency_report(_crafted())["detail"].set_index(["district", "need", "phase",
                                                                  "year"])
    a = detail.loc[("A", "ASD", "primary", 2026)]
    assert a["demand"] == 10
    assert a["places_special"] == pytest.approx(6)
    assert a["placed_locally"] == pytest.approx(7)
    assert a["placed_elsewhere"] == pytest.approx(2)
    assert a["placed_independent"] == pytest.approx(1)
    assert a["unmet"] == pytest.approx(1)
    assert a["surplus_deficit"] == pytest.approx(-4)
    assert a["share_met_locally"] == pytest.approx(0.7)
    assert a["mean_journey_min"] == pytest.approx((6 * 10 + 2 * 30 + 1 * 10) / 9)
    b = detail.loc[("B", "ASD", "primary", 2026)]
    assert b["demand"] == 0
    assert b["places_special"] == pytest.approx(2)


def test_every_row_partitions_its_demand(demo_run: RunData) -> None:
    detail = sufficiency_report(demo_run)["detail"]
    total = detail["placed_locally"] + detail["placed_elsewhere"] + detail["unmet"]
    assert (total - detail["demand"]).abs().max() < 1e-6


def test_apportioned_places_add_up_to_capacity(demo_run: RunData) -> None:
    places = place_apportionment(demo_run).groupby(["provision", "year"])["places"].sum()
    cap = demo_run.utilisation.set_index(["provision", "year"])["capacity"]
    pd.testing.assert_series_equal(places.sort_index(), cap.sort_index(), check_names=False)


def test_rollups_agree_with_detail(demo_run: RunData) -> None:
    rep = sufficiency_report(demo_run)
    for name in ("by_district", "by_need", "by_phase", "county"):
        assert rep[name]["demand"].sum() == pytest.approx(demo_run.instance.demand["pupils"].sum())
        assert rep[name]["unmet"].sum() == pytest.approx(rep["detail"]["unmet"].sum())
    county = rep["county"].set_index("year")
    placed = demo_run.allocations.groupby("year")["pupils"].sum()
    where = county["placed_locally"] + county["placed_elsewhere"]
    assert where.to_dict() == pytest.approx(placed.to_dict())
    bench = rep["district_benchmarks"]
    assert set(bench["district"]) == {"Canterbury", "Thanet", "Swale"}
    row = bench.iloc[0]
    assert row["share_met_locally_vs_county"] == pytest.approx(
        row["share_met_locally"] - row["share_met_locally_county"])


def test_budget_reconciles_to_the_objective(demo_run: RunData) -> None:
    export = budget_export(demo_run)
    by_year = export[export["in_objective"]].groupby("year")["amount_gbp"].sum()
    for year, amount in by_year.items():
        kpis = demo_run.kpis
        this_year = kpis[kpis["year"] == str(year)].set_index("kpi")["value"]
        total = this_year["total_cost"] + this_year["capital_cost"]
        assert amount == pytest.approx(total, abs=0.01)
    summary = budget_summary(export).set_index("funding_line")
    assert summary.loc["total (in objective)", "total"] == pytest.approx(by_year.sum(), abs=0.01)


def test_budget_schema_is_pinned(demo_run: RunData) -> None:
    """Changing these columns breaks finance's import: bump SCHEMA_VERSION and say so.
    1.1 added the alternative_provision funding line and the clusters sheet."""
    assert SCHEMA_VERSION == "1.1"
    assert BUDGET_COLUMNS == ["schema_version", "year", "funding_line", "district",
                              "provision_kind", "pupils", "amount_gbp", "in_objective"]
    export = budget_export(demo_run)
    assert list(export.columns) == BUDGET_COLUMNS
    assert str(export["year"].dtype) == "int64"
    assert export["in_objective"].dtype == bool


def test_place_funding_and_vacant_places() -> None:
    """Crafted run: 8 special pupils × £10,000 place funding, top-up 8 × £10,000; SB is full and
    SA is full, so no vacant places; 1 independent placement at £50,000."""
    export = budget_export(_crafted()).set_index(["funding_line", "district", "provision_kind"])
    assert export.loc[("place_funding", "A", "special"), "amount_gbp"] == pytest.approx(80_000)
    assert export.loc[("top_up", "A", "special"), "amount_gbp"] == pytest.approx(80_000)
    assert export.loc[("independent_placements", "A", "independent"), "amount_gbp"] == 50_000
    assert export.loc[("unmet_demand", "A", ""), "pupils"] == pytest.approx(1)
    assert "vacant_place_funding" not in export.index.get_level_values(0)


def test_report_command_round_trip(tmp_path: Path) -> None:
    cli_app.console.width = 300
    cli_app.err_console.width = 300
    run_dir = tmp_path / "run"
    assert runner.invoke(app, ["solve", str(DEMO), "--out", str(run_dir)]).exit_code == 0
    for name in ("sufficiency.xlsx", "sufficiency.csv", "budget_export.xlsx", "budget_export.csv"):
        assert (run_dir / name).exists()
    before = (run_dir / "budget_export.csv").read_bytes()
    in_place = runner.invoke(app, ["report", str(run_dir)])  # solve's own files, written again
    assert in_place.exit_code == 0, in_place.output
    assert "written again" in in_place.output
    assert (run_dir / "budget_export.csv").read_bytes() == before
    again = runner.invoke(app, ["report", str(run_dir), "--out", str(tmp_path / "rep")])
    assert again.exit_code == 0, again.output
    assert (tmp_path / "rep" / "budget_export.csv").read_bytes() == before
    book = load_workbook(run_dir / "budget_export.xlsx", read_only=True)
    assert book.sheetnames == ["budget", "summary", "budget_fy", "summary_fy", "clusters",
                               "cluster_summary", "high_needs", "high_needs_lines", "headline",
                               "schema"]
    book.close()
    run = load_run(run_dir)
    assert run.instance.name == "demo"


def test_report_on_a_missing_or_partial_run(tmp_path: Path) -> None:
    cli_app.err_console.width = 300
    missing = runner.invoke(app, ["report", str(tmp_path / "none")])
    assert missing.exit_code == 2
    assert "no such run folder" in missing.output
    (tmp_path / "partial").mkdir()
    (tmp_path / "partial" / "allocations.csv").write_text("year\n")
    partial = runner.invoke(app, ["report", str(tmp_path / "partial")])
    assert partial.exit_code == 2
    assert "missing result file" in partial.output


def test_county_against_published_benchmarks() -> None:
    """Kent's baseline reproduces the published 39.0% of all plans in special schools (DfE,
    Jan 2025) within 0.5 points; England's 30% is set beside it. (39.4% with the estimated
    levels of need, 39.05% without them: the Kent data card, "Baseline check", says why.)"""
    inst = Instance.from_path(DEMO.parent / "kent")
    run = RunData.from_result(solve(inst), inst)
    table = sufficiency_report(run)["county_vs_benchmarks"]
    row = table[(table["year"] == 2025) & (table["indicator"] == "share_special_of_all_plans")]
    by_geo = row.set_index("geography")
    assert by_geo.loc["Kent", "model_value"] == pytest.approx(0.390, abs=0.005)
    assert by_geo.loc["England", "benchmark_value"] == pytest.approx(0.30)
    assert by_geo.loc["England", "difference"] == pytest.approx(
        by_geo.loc["England", "model_value"] - 0.30)


def test_no_benchmarks_gives_an_empty_comparison(demo_run: RunData) -> None:
    assert sufficiency_report(demo_run)["county_vs_benchmarks"].empty
