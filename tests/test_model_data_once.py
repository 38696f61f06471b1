"""A run's reports share one ModelData: the instance is coded once, not once per report."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
from test_plan_report import _instance as plan_instance
from typer.testing import CliRunner

from placement_opt import Instance, solve
from placement_opt.cli import app
from placement_opt.model.data import ModelData
from placement_opt.reports.files import write_reports
from placement_opt.reports.html.run_page import write_html_report
from placement_opt.reports.pathways import pathway_gaps, pathway_graph
from placement_opt.results import model_cache
from placement_opt.results.model_cache import model_data_of
from placement_opt.results.run import RunData, load_run, write_result

DEMO = Path(__file__).resolve().parents[1] / "instances" / "demo"
runner = CliRunner()


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[Instance]:
    """Every instance ``ModelData.from_instance`` codes from now on, in order."""
    seen: list[Instance] = []
    original = ModelData.from_instance

    def counting(inst: Instance) -> ModelData:
        seen.append(inst)
        return original(inst)

    monkeypatch.setattr(ModelData, "from_instance", counting)
    return seen


def test_a_solve_and_its_reports_code_the_instance_once(tmp_path: Path,
                                                      builds: list[Instance]) -> None:
    inst = Instance.from_path(DEMO)
    result = solve(inst)  # the solve codes it; the reports reuse that
    write_result(result, tmp_path, instance=inst)
    write_reports(RunData.from_result(result, inst), tmp_path)
    write_html_report(result, inst, tmp_path / "report.html")
    run = RunData.from_result(result, inst)
    pathway_gaps(run)
    pathway_graph(run)
    assert builds == [inst]


def test_a_plan_solve_and_its_reports_code_the_instance_once(tmp_path: Path, builds: list[Instance]) -> None:
    inst = plan_instance()
    result = solve(inst)
    written = write_reports(RunData.from_result(result, inst), tmp_path)
    assert "plan.xlsx" in {p.name for p in written}
    write_html_report(result, inst, tmp_path / "report.html")
    assert builds == [inst]


def test_a_loaded_run_codes_its_instance_once(tmp_path: Path, builds: list[Instance]) -> None:
    inst = Instance.from_path(DEMO)
    write_result(solve(inst), tmp_path / "run", instance=inst)
    run = load_run(tmp_path / "run")
    builds.clear()
    write_reports(run, tmp_path / "reports")
    pathway_gaps(run)
    assert builds == [run.instance]
    assert run.data is run.data


@pytest.mark.parametrize("command", ["report", "pathways"])
def test_report_commands_code_the_run_once(tmp_path: Path, builds: list[Instance],
                                           command: str) -> None:
    inst = Instance.from_path(DEMO)
    write_result(solve(inst), tmp_path / "run", instance=inst)
    builds.clear()
    res = runner.invoke(app, [command, str(tmp_path / "run")])
    assert res.exit_code == 0, res.output
    assert len(builds) == 1


def test_each_instance_object_has_its_own_data(builds: list[Instance]) -> None:
    inst = Instance.from_path(DEMO)
    other = inst.replace(demand=inst.demand.assign(pupils=inst.demand["pupils"] * 2))
    assert model_data_of(inst) is model_data_of(inst)
    assert model_data_of(other) is not model_data_of(inst)
    assert model_data_of(other).d_pupils.sum() == pytest.approx(
        2 * model_data_of(inst).d_pupils.sum())
    assert builds == [inst, other]


def test_the_cache_forgets_an_instance_that_is_gone(builds: list[Instance]) -> None:
    inst = Instance.from_path(DEMO)
    model_data_of(inst)
    key = id(inst)
    assert key in model_cache._CACHE
    builds.clear()
    del inst
    gc.collect()
    assert key not in model_cache._CACHE
