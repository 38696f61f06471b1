"""Sweeps: the grid's points, executors that agree, failures recorded, re-runs that skip."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_scenarios import base_instance
from typer.testing import CliRunner

from placement_opt.analysis.scenarios import ScenarioError
from placement_opt.analysis.sweep.grid import load_sweep, set_dotted
from placement_opt.analysis.sweep.run import run_sweep
from placement_opt.cli import app
from placement_opt.errors import OutputError

GRID = '''[sweep]
name = "g"
base = "base"

[grid]
"demand.growth" = [0.0, 0.5]
"policy.unmet_penalty" = [1e6]
'''


@pytest.fixture
def grid_file(tmp_path: Path) -> Path:
    base_instance().to_path(tmp_path / "base")
    file = tmp_path / "grid.toml"
    file.write_text(GRID, encoding="utf-8")
    return file


def comparable(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Records without timings (the only field that may differ between executors)."""
    return [{k: v for k, v in r.items() if k != "seconds"} for r in records]


def test_set_dotted_makes_tables() -> None:
    mapping: dict[str, Any] = {"demand": {"growth": 0.1}}
    set_dotted(mapping, "demand.growth_by_need.ASD", 0.2)
    set_dotted(mapping, "policy.unmet_penalty", 5.0)
    assert mapping == {"demand": {"growth": 0.1, "growth_by_need": {"ASD": 0.2}},
                       "policy": {"unmet_penalty": 5.0}}


def test_grid_product_in_file_order(grid_file: Path) -> None:
    plan = load_sweep(grid_file)
    assert [p.name for p in plan.points] == ["001-growth=0,unmet_penalty=1e+06",
                                             "002-growth=0.5,unmet_penalty=1e+06"]
    assert plan.points[1].params == {"demand.growth": 0.5, "policy.unmet_penalty": 1e6}
    assert plan.points[1].loaded.scenario.demand.growth == 0.5


def test_grid_in_nested_tables(tmp_path: Path, grid_file: Path) -> None:
    nested = grid_file.read_text().replace('"policy.unmet_penalty" = [1e6]',
                                           "[grid.policy]\nunmet_penalty = [1e6, 2e6]")
    (tmp_path / "nested.toml").write_text(nested)
    assert len(load_sweep(tmp_path / "nested.toml").points) == 4


def test_local_and_dask_give_the_same_records(grid_file: Path, tmp_path: Path) -> None:
    plan = load_sweep(grid_file)
    local = run_sweep(plan, tmp_path / "local", executor="local", workers=1)
    dask = run_sweep(plan, tmp_path / "dask", executor="dask", workers=1)
    assert comparable(local.records) == comparable(dask.records)
    assert [r["status"] for r in local.records] == ["optimal", "optimal"]
    assert local.records[1]["objective"] > local.records[0]["objective"]
    assert (tmp_path / "dask" / "kpis.csv").read_text() == (tmp_path / "local" / "kpis.csv").read_text()


def test_a_failing_scenario_is_recorded_not_fatal(tmp_path: Path, grid_file: Path) -> None:
    good = tmp_path / "good.toml"
    good.write_text('[scenario]\nname = "good"\nbase = "base"\n')
    bad = tmp_path / "bad.toml"
    bad.write_text('[scenario]\nname = "bad"\nbase = "base"\n[[provisions.close]]\n'
                   'provision = "NOPE"\nfrom_year = 2027\n')
    sweep = tmp_path / "list.toml"
    sweep.write_text('[sweep]\nname = "l"\nscenarios = ["bad.toml", "good.toml"]\n')
    outcome = run_sweep(load_sweep(sweep), tmp_path / "out", executor="serial")
    by_name = {r["name"]: r for r in outcome.records}
    assert by_name["002-good"]["status"] == "optimal"
    assert by_name["001-bad"]["status"] == "error"
    assert "ScenarioError" in by_name["001-bad"]["error"] and "NOPE" in by_name["001-bad"]["error"]
    assert len(outcome.failed) == 1
    table = (tmp_path / "out" / "sweep.csv").read_text()
    assert "error" in table and "NOPE" in table


def test_rerun_skips_solved_points_and_retries_failed(tmp_path: Path, grid_file: Path) -> None:
    plan = load_sweep(grid_file)
    first = run_sweep(plan, tmp_path / "out", executor="serial")
    seen: list[bool] = []
    again = run_sweep(plan, tmp_path / "out", executor="serial",
                      on_done=lambda record, skipped: seen.append(skipped))
    assert again.skipped == 2 and seen == [True, True]
    assert comparable(again.records) == comparable(first.records)
    # A failed record is tried again; other solver options are other points.
    failed = tmp_path / "out" / "records" / f"{first.records[0]['key']}.json"
    failed.write_text(json.dumps({**first.records[0], "status": "error"}))
    assert run_sweep(plan, tmp_path / "out", executor="serial").skipped == 1
    assert run_sweep(plan, tmp_path / "out", executor="serial", options={"gap": 0.01}).skipped == 0


def test_refuses_a_folder_it_did_not_write(tmp_path: Path, grid_file: Path) -> None:
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    with pytest.raises(OutputError, match=r"sweep\.json"):
        run_sweep(load_sweep(grid_file), tmp_path / "busy", executor="serial")


@pytest.mark.parametrize(("text", "line", "fragment"), [
    ('[sweep]\nname = "x"\nbase = "base"\n[grid]\n"demand.growth" = []\n', 5, "no values"),
    ('[sweep]\nname = "x"\nbase = "base"\nscenario = "a.toml"\n', 1, "exactly one of"),
    ('[sweep]\nname = "x"\nbase = "base"\n[grid]\n"demand.growht" = [1.0]\n', 5, "unknown key"),
    ('[sweep]\nname = "x"\nbase = "base"\nextra = 1\n', 4, "unknown key"),
    ('[sweep]\nname = "x"\nscenarios = ["none.toml"]\n', 3, "no such scenario file"),
    # [solve] options are checked when the file is read, at their line (once a pydantic error
    # naming no file, or unnoticed when --time-limit was given):
    ('[sweep]\nname = "x"\nbase = "base"\n[solve]\nthreads = 0\n', 5, "greater than or equal"),
    ('[sweep]\nname = "x"\nbase = "base"\n[solve]\nthraeds = 2\n', 5, "unknown key"),
    ('[sweep]\nname = "x"\nbase = "base"\n[solve]\ntime_limit = "x"\n', 5, "number"),
    ('[sweep]\nname = "x"\nbase = "base"\n[solve]\nlog_file = "/tmp/l"\n', 5,
     "cannot be set in a scenario or sweep file"),
    # the name becomes a folder under runs/: nothing may be written outside it
    ('[sweep]\nname = "x/../../../out"\nbase = "base"\n', 2, "folder name"),
    ('[sweep]\nname = ".."\nbase = "base"\n', 2, "folder name"),
])
def test_located_sweep_errors(tmp_path: Path, text: str, line: int, fragment: str) -> None:
    file = tmp_path / "g.toml"
    file.write_text(text)
    with pytest.raises(ScenarioError) as err:
        load_sweep(file)
    assert any(f"g.toml, line {line}" in str(i) and fragment in str(i) for i in err.value.issues), \
        [str(i) for i in err.value.issues]


def test_cli_sweep_writes_tables_and_run_folders(grid_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "cli"
    result = CliRunner().invoke(app, ["sweep", str(grid_file), "--out", str(out), "--executor",
                                      "serial", "--write-runs"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for name in ("sweep.csv", "kpis.csv", "sweep.xlsx", "sweep.json"):
        assert (out / name).exists()
    runs = sorted(p.name for p in (out / "runs").iterdir())
    assert len(runs) == 2 and (out / "runs" / runs[0] / "manifest.json").exists()
    assert "2 point(s), 0 already solved, 0 failed" in result.output


def test_an_unreachable_scheduler_is_a_clear_error() -> None:
    from placement_opt.analysis.sweep.executors import run_tasks
    from placement_opt.errors import PlacementOptError

    with pytest.raises(PlacementOptError, match="cannot connect to the Dask scheduler"):
        list(run_tasks(abs, [1], lambda task, exc: None, "dask", 1, "nosuchscheme://host:1"))


def test_unknown_executor(tmp_path: Path, grid_file: Path) -> None:
    result = CliRunner().invoke(app, ["sweep", str(grid_file), "--executor", "threads"])
    assert result.exit_code == 2 and "Unknown executor" in result.output
