"""One time budget per ``solve()``: stages get the time left, are skipped without it, say how
they ended; the watchdog stops a solver that ignores its limit."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from _slow import exit_without_answer, report_limit, sleep_past_limit, uses_its_limit
from _tiny import facility_instance, tiny

from placement_opt import Instance, SolveOptions, Status, build_allocation_model, solve
from placement_opt.budget import Deadline
from placement_opt.results.run import write_result
from placement_opt.solve import run_stage
from placement_opt.solvers import registry
from placement_opt.solvers.base import Backend, Capabilities
from placement_opt.solvers.diagnose import diagnose_within
from placement_opt.solvers.highs import WATCHDOG_NNZ, uses_watchdog
from placement_opt.solvers.watchdog import run_watched

TESTS = Path(__file__).resolve().parent


def _infeasible() -> Instance:
    """A candidate that must open with no capital for it (infeasible; tests/test_planning.py)."""
    inst = tiny([{"provision": "S", "kind": "special", "zone": "A", "capacity": 10,
                  "cost_per_place": 25_000}], [("A", 15)])
    provisions = pd.concat([inst.provisions, pd.DataFrame([{
        "provision": "C", "kind": "srp", "zone": "A", "phases": "primary", "needs": "ASD",
        "capacity": 10, "cost_per_place": 16_000, "candidate": True, "opening_cost": 50_000}])],
        ignore_index=True)
    policy = inst.policy.model_copy(update={"min_openings": 1, "capital_budget_total": 0.0})
    return inst.replace(provisions=provisions,
                        settings=inst.settings.model_copy(update={"policy": policy}))


@pytest.fixture
def slow_backend(request: pytest.FixtureRequest) -> Iterator[object]:
    """A custom backend ``slow`` that spends its whole limit, then answers the given status."""
    run = uses_its_limit(request.param)
    registry.register(Backend("slow", "test", Capabilities(True, False, True, False), run,  # type: ignore[arg-type]
                              lambda: "1"))
    yield run
    registry._CUSTOM.pop("slow")


def test_time_left_is_never_negative() -> None:
    past = Deadline(time.monotonic() - 5.0)
    assert past.remaining() == 0.0 and past.expired()
    assert Deadline.after(None).remaining() is None and not Deadline.after(None).expired()
    opts = past.options_for(SolveOptions(time_limit=60))
    assert opts.time_limit is not None and opts.time_limit > 0
    assert Deadline.after(None).options_for(SolveOptions()).time_limit is None


def test_a_stage_without_time_is_skipped_and_not_run() -> None:
    calls: list[SolveOptions] = []
    raw, stage = run_stage("solve", Deadline(time.monotonic() - 1.0), SolveOptions(), "highs",
                           lambda o: calls.append(o))  # type: ignore[func-returns-value]
    assert calls == []
    assert stage.outcome == "skipped" and stage.given == 0.0
    assert raw.status is Status.NO_SOLUTION_AT_LIMIT and raw.x is None


def test_no_limit_means_no_stage_is_cut() -> None:
    r = solve(facility_instance(20, 6))
    assert r.status is Status.OPTIMAL
    # the MIP's duals come from a "duals" stage, or from the solve itself when HiGHS's dive
    # ended it (solvers/dive.py: the same LP with the integers fixed)
    assert r.stages[0].name == "solve"
    assert all((s.outcome, s.given) == ("done", None) for s in r.stages)
    assert not r.duals.empty
    assert r.cut_short == ()
    plain = solve(facility_instance(20, 6), dive=False)
    assert [(s.name, s.outcome, s.given) for s in plain.stages] == [("solve", "done", None),
                                                                    ("duals", "done", None)]


def test_build_time_counts_so_a_spent_budget_skips_the_solve() -> None:
    r = solve(facility_instance(20, 6), time_limit=1e-3)
    # no solver plan: the trivial one (every pupil unmet), still an answer (solvers/fallback.py)
    assert r.status is Status.FEASIBLE_AT_LIMIT and "trivial plan" in r.message
    assert r.kpi("unmet") == pytest.approx(float(facility_instance(20, 6).demand["pupils"].sum()))
    assert r.cut_short == ("solve",) and r.stages[0].outcome == "skipped"


@pytest.mark.parametrize("slow_backend", [Status.FEASIBLE_AT_LIMIT], indirect=True)
def test_a_mip_cut_short_leaves_no_time_for_duals(slow_backend: object) -> None:
    r = solve(facility_instance(20, 6), backend="slow", time_limit=0.5)
    assert r.status is Status.FEASIBLE_AT_LIMIT
    assert [(s.name, s.outcome) for s in r.stages] == [("solve", "cut_short"),
                                                       ("duals", "skipped")]
    assert r.cut_short == ("solve", "duals")
    given = slow_backend.given  # type: ignore[attr-defined]
    assert len(given) == 1 and 0 < given[0] <= 0.5


@pytest.mark.parametrize("slow_backend", [Status.INFEASIBLE], indirect=True)
def test_a_diagnosis_with_no_time_left_is_skipped(slow_backend: object) -> None:
    r = solve(_infeasible(), backend="slow", time_limit=0.3)
    assert r.status is Status.INFEASIBLE
    assert [(s.name, s.outcome) for s in r.stages] == [("solve", "done"), ("diagnosis", "skipped")]
    assert r.diagnosis.empty


def test_a_diagnosis_within_time_finds_the_rules() -> None:
    r = solve(_infeasible(), time_limit=60)
    assert [(s.name, s.outcome) for s in r.stages] == [("solve", "done"), ("diagnosis", "done")]
    assert set(r.diagnosis["option"]) == {"capital_total", "openings"}
    model = build_allocation_model(_infeasible())
    frame, outcome = diagnose_within(model, SolveOptions(), Deadline(time.monotonic() - 1.0))
    assert outcome == "skipped" and frame.empty


def test_the_summary_says_what_was_cut_short(tmp_path: Path) -> None:
    write_result(solve(facility_instance(20, 6), time_limit=1e-3), tmp_path / "run")
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["status"] == "feasible_at_limit"  # the trivial plan
    assert summary["cut_short"] == ["solve"]
    assert summary["stages"][0]["outcome"] == "skipped"


def test_the_watchdog_answers_as_highs_does_in_process() -> None:
    inst = facility_instance(20, 6)
    here = solve(inst, time_limit=60, watchdog="off")
    child = solve(inst, time_limit=60, watchdog="on")
    assert child.status is Status.OPTIMAL and child.objective == here.objective
    assert child.duals["dual"].tolist() == here.duals["dual"].tolist()


def test_the_watchdog_is_used_for_large_models_with_a_limit_only() -> None:
    model = build_allocation_model(facility_instance(20, 6))
    assert model.A.nnz < WATCHDOG_NNZ
    assert not uses_watchdog(model, SolveOptions(time_limit=10))
    assert uses_watchdog(model, SolveOptions(time_limit=10, watchdog="on"))
    assert not uses_watchdog(model, SolveOptions(watchdog="on"))


@pytest.fixture
def child_finds_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    """The watchdog's child imports the stand-in solvers from this folder."""
    path = os.environ.get("PYTHONPATH")
    monkeypatch.setenv("PYTHONPATH", str(TESTS) + (os.pathsep + path if path else ""))


def test_the_watchdog_stops_a_solver_that_ignores_its_limit(child_finds_tests: None) -> None:
    model = build_allocation_model(facility_instance(20, 6))
    began = time.perf_counter()
    raw = run_watched(sleep_past_limit, model, SolveOptions(time_limit=0.5), "highs")
    assert time.perf_counter() - began < 60  # sanity only: the stand-in sleeps 600 s
    assert raw.status is Status.NO_SOLUTION_AT_LIMIT and raw.x is None
    assert "stopped by the watchdog" in raw.message


def test_the_childs_start_up_comes_out_of_the_solvers_time(child_finds_tests: None) -> None:
    """The child solves until the caller's deadline, not for a full limit after its imports."""
    model = build_allocation_model(facility_instance(20, 6))
    raw = run_watched(report_limit, model, SolveOptions(time_limit=30), "highs")
    assert 0 < float(raw.message) < 30


def test_a_solver_process_that_dies_is_an_error(child_finds_tests: None) -> None:
    model = build_allocation_model(facility_instance(20, 6))
    raw = run_watched(exit_without_answer, model, SolveOptions(time_limit=30), "highs")
    assert raw.status is Status.ERROR and "exit code 3" in raw.message


def test_registering_a_custom_backend_first_never_hides_the_builtins() -> None:
    """Item 4 of issue 13: a custom backend registered before the built-ins are loaded."""
    saved = dict(registry._BUILTIN)
    registry._BUILTIN.clear()
    custom = Backend("custom_first", "test", Capabilities(True, False, False, False),
                     lambda m, o: None, lambda: "1")  # type: ignore[arg-type, return-value]
    try:
        registry.register(custom)
        assert registry.get_backend("highs").name == "highs"
        assert {"highs", "flow", "custom_first"} <= {b.name for b in registry.all_backends()}
        assert registry.get_backend("custom_first") is custom
    finally:
        registry._CUSTOM.pop("custom_first", None)
        registry._BUILTIN.update(saved)
    assert "custom_first" not in {b.name for b in registry.all_backends()}
