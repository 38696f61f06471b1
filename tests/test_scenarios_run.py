"""scenario run: a run folder with a manifest that reproduces the run exactly."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from test_scenarios import base_instance
from typer.testing import CliRunner

from placement_opt.analysis.scenarios import ScenarioError, load_scenario
from placement_opt.analysis.scenarios.run import ScenarioRun, reproduce_run, run_scenario
from placement_opt.cli import app

SCENARIO = '''[scenario]
name = "grow"
base = "base"

[demand]
growth = 0.2

[[provisions.new_site]]
provision = "N1"
zone = "B"
phases = ["secondary"]
needs = ["ASD"]
capacity = 20
cost_per_place = 15000
opening_cost = 50000
'''


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    base_instance().to_path(tmp_path / "base")
    file = tmp_path / "grow.toml"
    file.write_text(SCENARIO, encoding="utf-8")
    return file


@pytest.fixture(scope="module")
def first(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ScenarioRun]:
    """One run of the scenario (module-wide: the tests only read it)."""
    root = tmp_path_factory.mktemp("run")
    base_instance().to_path(root / "base")
    (root / "grow.toml").write_text(SCENARIO, encoding="utf-8")
    return root, run_scenario(load_scenario(root / "grow.toml"), root / "run")


def test_run_writes_a_manifest(first: tuple[Path, ScenarioRun]) -> None:
    root, run = first
    manifest = json.loads((root / "run" / "manifest.json").read_text())
    assert manifest == run.manifest
    assert manifest["scenario"]["text"] == SCENARIO
    assert manifest["base"]["path"] == str((root / "base").resolve())
    assert manifest["instance_fingerprint"] == run.instance.fingerprint()
    assert manifest["status"] == "optimal" and manifest["objective"] == run.result.objective
    assert manifest["versions"]["solver:highs"] and manifest["options"]["backend"] == "highs"
    assert set(manifest["timings"]) >= {"load_base", "apply", "solve", "total"}
    assert (root / "run" / "kpis.csv").exists() and (root / "run" / "instance").is_dir()


def test_reproduce_from_the_manifest_alone(first: tuple[Path, ScenarioRun], tmp_path: Path) -> None:
    root, run = first
    (tmp_path / "only").mkdir()
    shutil.copy(root / "run" / "manifest.json", tmp_path / "only" / "manifest.json")
    again = reproduce_run(tmp_path / "only")
    assert again.result.objective == run.result.objective
    assert again.manifest["scenario"]["sha256"] == run.manifest["scenario"]["sha256"]
    assert again.result.allocations.equals(run.result.allocations)


def test_reproduce_refuses_a_changed_base(first: tuple[Path, ScenarioRun], tmp_path: Path) -> None:
    root, run = first
    shutil.copytree(root / "base", tmp_path / "base")
    demand = tmp_path / "base" / "demand.csv"
    demand.write_text(demand.read_text().replace(",10.0", ",11.0", 1))
    manifest = {**run.manifest, "base": {**run.manifest["base"], "path": str(tmp_path / "base")}}
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ScenarioError, match="base instance has changed"):
        reproduce_run(tmp_path / "run")


def test_reproduce_without_manifest(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="no manifest"):
        reproduce_run(tmp_path)


def test_cli_run_and_reproduce(scenario_file: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "cli-run"
    result = runner.invoke(app, ["scenario", "run", str(scenario_file), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "manifest.json").exists()
    again = runner.invoke(app, ["scenario", "reproduce", str(out)])
    assert again.exit_code == 0 and "same objective" in again.output


def test_cli_refuses_a_non_empty_out(scenario_file: Path, tmp_path: Path) -> None:
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "mine.txt").write_text("keep")
    result = CliRunner().invoke(app, ["scenario", "run", str(scenario_file), "--out",
                                      str(tmp_path / "busy")])
    assert result.exit_code == 1 and (tmp_path / "busy" / "mine.txt").read_text() == "keep"


def test_cli_bad_scenario_exits_2_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[scenario]\nname = "x"\nbase = "demo"\n[demand]\ngrowht = 1\n')
    result = CliRunner().invoke(app, ["scenario", "run", str(bad)], env={"COLUMNS": "300"})
    assert result.exit_code == 2 and "growht" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("file", sorted((ROOT / "instances").glob("*/scenarios/*.toml")),
                         ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_bundled_scenarios_apply(file: Path) -> None:
    from placement_opt import Instance
    from placement_opt.analysis.scenarios import apply_scenario
    from placement_opt.analysis.sweep.grid import load_sweep

    if "[sweep]" in file.read_text():
        assert load_sweep(file).points
        return
    loaded = load_scenario(file)
    assert apply_scenario(loaded, Instance.from_path(loaded.base_path())).name == loaded.name


def test_readme_scenario_example_applies_to_kent() -> None:
    import re

    from placement_opt import Instance
    from placement_opt.analysis.scenarios import apply_scenario, scenario_from_text

    text = (ROOT / "README.md").read_text()
    block = next(b for b in re.findall(r"```toml\n(.*?)```", text, flags=re.S) if "[scenario]" in b)
    loaded = scenario_from_text(block, "README.md")
    applied = apply_scenario(loaded, Instance.from_path(loaded.base_path()))
    assert "SRP-NEW-SWALE" in set(applied.provisions["provision"])
