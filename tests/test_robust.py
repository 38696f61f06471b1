"""The robust plan (models/robust.md): the worked example, the stacked model's structure, and
never worse in expectation than the mean-demand plan."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _tiny import tiny
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from placement_opt import Instance, SolveOptions
from placement_opt.analysis.robust.plan import (
    evaluate_plan,
    fix_first_stage,
    mean_instance,
    robust_plan,
    write_robust,
)
from placement_opt.analysis.robust.stack import first_stage_mask, stack_models
from placement_opt.cli import app
from placement_opt.errors import OutputError, PlacementOptError
from placement_opt.model.build import build_allocation_model
from placement_opt.solvers.registry import get_backend

EXACT = SolveOptions(gap=0.0)


def worked(pupils: float, opening_cost: float = 60_000.0) -> Instance:
    """models/robust.md, worked example: S (10 places), I (independent), candidate SRP C."""
    return tiny([
        {"provision": "S", "kind": "special", "zone": "A", "capacity": 10.0,
         "cost_per_place": 24_000.0},
        {"provision": "I", "kind": "independent", "zone": "A", "capacity": 100.0,
         "cost_per_place": 50_000.0},
        {"provision": "C", "kind": "srp", "zone": "A", "capacity": 10.0, "cost_per_place": 24_000.0,
         "candidate": True, "opening_cost": opening_cost, "capital_per_place": 1_000.0},
    ], [("A", pupils)], policy={"unmet_penalty": 1e6})


def test_worked_example() -> None:
    res = robust_plan([worked(8.0), worked(16.0)], EXACT)
    assert res.objective == pytest.approx(354_000.0)
    assert res.costs["robust"].tolist() == pytest.approx([258_000.0, 450_000.0])
    assert res.costs["mean_plan"].tolist() == pytest.approx([192_000.0, 540_000.0])
    assert res.expected_robust == pytest.approx(354_000.0)
    assert res.expected_mean_plan == pytest.approx(366_000.0)
    assert res.value_of_stochastic_solution == pytest.approx(12_000.0)
    decisions = res.decisions.set_index("role")
    assert decisions.loc["open", "robust"] == 1.0 and decisions.loc["open", "mean_plan"] == 0.0
    assert decisions.loc["size", "robust"] == pytest.approx(6.0)
    opened = res.robust.openings.set_index("provision")
    assert bool(opened.loc["C", "opened"]) and opened.loc["C", "places"] == pytest.approx(6.0)
    assert not bool(res.mean.openings.set_index("provision").loc["C", "opened"])
    assert res.mean.objective == pytest.approx(340_000.0)  # mean demand 12, C closed


def test_stacked_structure() -> None:
    models = [build_allocation_model(worked(p)) for p in (8.0, 12.0, 16.0)]
    stacked = stack_models(models)
    m = stacked.model
    first = first_stage_mask(models[0])
    assert stacked.n_first == int(first.sum()) == 2  # open 2026, size
    assert m.n_cols == 2 + sum(int((~first_stage_mask(x)).sum()) for x in models)
    rows = m.row_table()
    assert len(rows) == m.n_rows
    shared = rows[rows["sample"].isna()]
    assert sorted(shared["family"]) == ["size_max", "size_min"]  # kept once
    per_sample = rows.dropna(subset=["sample"]).groupby("sample", observed=True).size()
    assert per_sample.tolist() == [models[0].n_rows - 2] * 3
    assert m.c[:2] == pytest.approx(models[0].c[first])
    second = m.column_keys["sample"] == 1
    assert m.c[second] == pytest.approx(models[1].c[~first] / 3)


def test_stacked_objective_is_the_mean_of_the_samples() -> None:
    """With the first stage fixed, the stacked optimum is the mean of the samples' optima."""
    samples = [worked(p) for p in (5.0, 11.0, 17.0)]
    models = [build_allocation_model(s) for s in samples]
    stacked = stack_models(models)
    plan = np.array([1.0, 7.0])
    together = get_backend("highs").run(fix_first_stage(stacked.model, plan), EXACT)
    alone = evaluate_plan(models, plan, EXACT)
    assert together.objective == pytest.approx(alone.mean())


def test_different_structures_are_refused() -> None:
    other = tiny([{"provision": "S", "kind": "special", "zone": "A", "capacity": 10.0,
                   "cost_per_place": 24_000.0}], [("A", 5.0)])
    with pytest.raises(PlacementOptError, match="other first-stage decisions"):
        robust_plan([worked(8.0), other])


def test_mean_instance_averages_demand() -> None:
    mean = mean_instance([worked(8.0), worked(16.0), worked(3.0)])
    assert mean.demand["pupils"].tolist() == [9.0]


def planning_instance(pupils: list[float], opening: float, expansion: float) -> Instance:
    """Two zones, a candidate SRP in B and an expansion option at A's special school."""
    provisions = [
        {"provision": "SA", "kind": "special", "zone": "A", "capacity": 6.0,
         "cost_per_place": 20_000.0},
        {"provision": "IND", "kind": "independent", "zone": "A", "capacity": 100.0,
         "cost_per_place": 45_000.0},
        {"provision": "CB", "kind": "srp", "zone": "B", "capacity": 12.0, "cost_per_place": 15_000.0,
         "candidate": True, "opening_cost": opening, "capital_per_place": 500.0, "min_places": 4.0},
    ]
    inst = tiny(provisions, [("A", pupils[0]), ("B", pupils[1])],
                journeys={(z, p): (10.0, 5.0) for z in "AB" for p in ("SA", "IND", "CB")},
                policy={"unmet_penalty": 1e6, "transport_cost_per_km": 100.0})
    expansions = pd.DataFrame([{"provision": "SA", "increment": 4.0, "capital_cost": expansion,
                                "max_increments": 2}])
    return inst.replace(expansions=expansions)


@settings(derandomize=True, max_examples=8, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 20), st.integers(0, 15)), min_size=2, max_size=3),
       st.sampled_from([20_000.0, 80_000.0, 200_000.0]),
       st.sampled_from([30_000.0, 90_000.0]))
def test_never_worse_in_expectation_than_the_mean_plan(
        demands: list[tuple[int, int]], opening: float, expansion: float) -> None:
    samples = [planning_instance([float(a), float(b)], opening, expansion) for a, b in demands]
    res = robust_plan(samples, EXACT)
    assert res.expected_robust <= res.expected_mean_plan + 1e-6 * max(1.0, res.expected_mean_plan)
    assert res.objective == pytest.approx(res.expected_robust, rel=1e-7)


def test_write_and_cli(tmp_path: Path) -> None:
    res = robust_plan([worked(8.0), worked(16.0)], EXACT)
    written = write_robust(res, tmp_path / "r", {"seed": 0})
    summary = json.loads((tmp_path / "r" / "robust_summary.json").read_text())
    assert summary["value_of_stochastic_solution"] == pytest.approx(12_000.0)
    assert {p.name for p in written} >= {"robust_decisions.csv", "robust_openings.csv",
                                         "robust.xlsx"}
    with pytest.raises(OutputError):
        write_robust(res, tmp_path / "r", {})
    worked(12.0).to_path(tmp_path / "inst")
    result = CliRunner().invoke(app, ["robust", str(tmp_path / "inst"), "--samples", "3", "--sd",
                                      "0.3", "--out", str(tmp_path / "cli")], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "value of the stochastic solution" in result.output
    assert (tmp_path / "cli" / "robust_costs.csv").exists()
