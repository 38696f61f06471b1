"""Progress of long steps: solve events with incumbents, monotone clocks, a rate limit, silence
without a reporter, the same answer with one, and done of total for robust, sweep, montecarlo."""

from __future__ import annotations

import math
import pickle
import threading
import time
from itertools import pairwise
from pathlib import Path

import pytest
from _tiny import facility_instance
from test_robust import worked
from test_scenarios import base_instance
from test_sweep import GRID
from typer.testing import CliRunner

from placement_opt import SolveOptions, solve
from placement_opt.analysis.robust.plan import robust_plan
from placement_opt.analysis.scenarios import scenario_from_mapping
from placement_opt.analysis.sweep.grid import load_sweep
from placement_opt.analysis.sweep.run import run_sweep
from placement_opt.analysis.uncertainty.distribution import DemandDistribution
from placement_opt.analysis.uncertainty.montecarlo import run_montecarlo
from placement_opt.cli import app
from placement_opt.model.build import build_allocation_model
from placement_opt.progress import MAX_RATE, Clock, ProgressEvent
from placement_opt.solvers.highs import solve_highs


def _monotone(events: list[ProgressEvent]) -> bool:
    return all(b.elapsed >= a.elapsed for a, b in pairwise(events))


@pytest.mark.parametrize("dive", [True, False])
def test_a_mip_solve_reports_a_finite_incumbent(dive: bool) -> None:
    events: list[ProgressEvent] = []
    result = solve(facility_instance(30, 10), progress=events.append, dive=dive)
    assert result.status.value == "optimal"
    solves = [e for e in events if e.stage == "solve"]
    assert solves and len(solves) == len(events)
    found = [e for e in solves if e.incumbent is not None]
    assert found and all(math.isfinite(e.incumbent) for e in found if e.incumbent is not None)
    assert found[-1].incumbent == pytest.approx(result.objective, rel=1e-6)
    assert all(e.elapsed >= 0 and math.isfinite(e.elapsed) for e in solves)
    # one run's events never go back in time (the LP for duals is a run of its own)
    runs: list[list[ProgressEvent]] = [[]]
    for e in solves:
        runs[-1].append(e)
        if e.detail == "optimal":
            runs.append([])
    assert all(_monotone(run) for run in runs)


def test_one_clock_for_the_whole_solve_is_monotone() -> None:
    events: list[ProgressEvent] = []
    solve(facility_instance(30, 10), progress=Clock(events.append, "solve"))
    assert len(events) >= 3 and _monotone(events)
    assert any(e.detail == "branch and cut" or e.detail.startswith("dive") for e in events)


def test_the_answer_is_the_same_with_progress() -> None:
    inst = facility_instance(30, 10)
    quiet = solve(inst)
    loud = solve(inst, progress=lambda e: None)
    assert loud.objective == quiet.objective
    assert loud.allocations.equals(quiet.allocations)
    assert loud.openings.equals(quiet.openings)


def test_no_output_and_no_thread_without_progress(capfd: pytest.CaptureFixture[str]) -> None:
    assert SolveOptions().progress is None
    solve(facility_instance(30, 10))
    out, err = capfd.readouterr()
    assert out == "" and err == ""
    assert not [t for t in threading.enumerate() if t.name == "progress-heartbeat"]


def test_progress_is_not_part_of_the_options_identity() -> None:
    def report(event: ProgressEvent) -> None:
        pass

    with_it, without = SolveOptions(progress=report, gap=0.01), SolveOptions(gap=0.01)
    assert with_it == without and hash(with_it) == hash(without)
    assert "progress" not in with_it.model_dump(mode="json")
    assert with_it.model_dump_json() == without.model_dump_json()
    assert "progress" not in without.model_dump()
    again = SolveOptions.model_validate({**with_it.model_dump(), "gap": 0.02})
    assert again.progress is report  # solve(options, **overrides) keeps the reporter
    assert pickle.loads(pickle.dumps(without)) == without
    with pytest.raises(ValueError, match="callable"):
        SolveOptions(progress="print")  # type: ignore[arg-type]


def test_the_clock_limits_the_rate_but_passes_milestones() -> None:
    events: list[ProgressEvent] = []
    clock = Clock(events.append, "solve")
    began = time.perf_counter()
    while time.perf_counter() - began < 0.6:
        clock.event(incumbent=10.0, bound=9.0, gap=0.1)
    assert 1 <= len(events) <= 0.6 * MAX_RATE + 2
    clock.event(detail="milestone", force=True)
    assert events[-1].detail == "milestone" and events[-1].incumbent == 10.0  # figures kept
    clock.event(incumbent=math.inf, bound=-math.inf, gap=math.nan, force=True, reset=True)
    assert (events[-1].incumbent, events[-1].bound, events[-1].gap) == (None, None, None)
    assert _monotone(events)


def test_a_failing_reporter_is_switched_off_not_fatal() -> None:
    calls = []

    def broken(event: ProgressEvent) -> None:
        calls.append(event)
        raise RuntimeError("display gone")

    with pytest.warns(RuntimeWarning, match="switched off"):
        result = solve(facility_instance(30, 10), progress=Clock(broken, "solve"))
    assert result.status.value == "optimal" and len(calls) == 1


def test_a_watched_solve_reports_its_time_and_answer() -> None:
    events: list[ProgressEvent] = []
    model = build_allocation_model(facility_instance(30, 10))
    # a closure: it need not pickle, it stays in this process
    raw = solve_highs(model, SolveOptions(time_limit=60, watchdog="on",
                                          progress=lambda e: events.append(e)))
    assert raw.status.value == "optimal"
    assert any("watched process" in e.detail for e in events)
    assert events[-1].incumbent == pytest.approx(raw.objective)
    assert _monotone(events)


def _counts(events: list[ProgressEvent], stage: str) -> list[tuple[int, int]]:
    got = [(e.done, e.total) for e in events if e.stage == stage and e.total is not None]
    return [(int(d or 0), int(t)) for d, t in got]


def test_robust_reports_done_of_total() -> None:
    events: list[ProgressEvent] = []
    samples = [worked(8.0), worked(12.0), worked(16.0)]
    res = robust_plan(samples, SolveOptions(gap=0.0), progress=events.append)  # type: ignore[arg-type]
    counts = _counts(events, "robust")
    total = 3 * len(samples) + 4
    assert counts[-1] == (total, total)
    assert {t for _, t in counts} == {total}
    done = [d for d, _ in counts]
    assert done == sorted(done) and set(range(total + 1)) <= set(done)
    assert _monotone([e for e in events if e.stage == "robust"])
    assert res.expected_robust <= res.expected_mean_plan + 1e-6
    quiet = robust_plan(samples, SolveOptions(gap=0.0))  # type: ignore[arg-type]
    assert quiet.decisions.equals(res.decisions) and quiet.costs.equals(res.costs)


def test_sweep_reports_points_done(tmp_path: Path) -> None:
    base_instance().to_path(tmp_path / "base")
    (tmp_path / "grid.toml").write_text(GRID, encoding="utf-8")
    plan = load_sweep(tmp_path / "grid.toml")
    events: list[ProgressEvent] = []
    run_sweep(plan, tmp_path / "out", executor="serial", progress=events.append)
    assert _counts(events, "sweep")[0] == (0, 2) and _counts(events, "sweep")[-1] == (2, 2)
    events.clear()
    again = run_sweep(plan, tmp_path / "out", executor="serial", progress=events.append)
    assert again.skipped == 2 and _counts(events, "sweep")[-1] == (2, 2)


def test_montecarlo_reports_samples_done(tmp_path: Path) -> None:
    base_instance().to_path(tmp_path / "base")
    loaded = scenario_from_mapping({"scenario": {"name": "b", "base": str(tmp_path / "base")}},
                                   "b")
    events: list[ProgressEvent] = []
    mc = run_montecarlo(loaded, DemandDistribution(0.1), 3, 0, tmp_path / "mc",
                        executor="serial", progress=events.append)
    counts = _counts(events, "montecarlo")
    assert mc.solved == 3 and counts[-1] == (3, 3)
    assert [d for d, _ in counts] == sorted(d for d, _ in counts)


def test_the_cli_shows_no_progress_when_stderr_is_not_a_terminal(tmp_path: Path) -> None:
    facility_instance(30, 10).to_path(tmp_path / "inst")
    run = CliRunner().invoke(app, ["solve", str(tmp_path / "inst"), "--out",
                                   str(tmp_path / "out")], env={"COLUMNS": "200"})
    assert run.exit_code == 0, run.output
    for fragment in ("branch and cut", "LP relaxation", "result tables", "report.html  "):
        assert fragment not in run.output
