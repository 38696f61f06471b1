"""Solver options: log file, limits, validation of options, reproducible output files."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from placement_opt import Instance, PlacementOptError, SolveOptions, Status, solve
from placement_opt.results.run import write_result

DEMO = Path(__file__).resolve().parent.parent / "instances" / "demo"


@pytest.fixture(scope="module")
def demo() -> Instance:
    return Instance.from_path(DEMO)


def test_log_file_is_written(demo: Instance, tmp_path: Path) -> None:
    log = tmp_path / "highs.log"
    r = solve(demo, log_file=log)
    assert r.status is Status.OPTIMAL
    assert "HiGHS" in log.read_text()


def test_limits_and_threads_are_accepted(demo: Instance) -> None:
    r = solve(demo, SolveOptions(time_limit=30, gap=1e-3, threads=2, seed=7))
    assert r.status is Status.OPTIMAL
    assert r.gap == 0.0


def test_ipm_and_simplex_agree(demo: Instance) -> None:
    a = solve(demo, lp_method="simplex")
    b = solve(demo, lp_method="ipm")
    assert a.objective == pytest.approx(b.objective, rel=1e-7)


@pytest.mark.parametrize("bad", [{"gap": -1}, {"threads": 0}, {"time_limit": 0},
                                 {"no_such_option": 1}])
def test_bad_options_are_refused(demo: Instance, bad: dict[str, float]) -> None:
    with pytest.raises(ValidationError):
        solve(demo, **bad)


def test_unknown_backend(demo: Instance) -> None:
    with pytest.raises(PlacementOptError, match="unknown backend"):
        solve(demo, backend="gurobi")


def test_same_input_gives_identical_files(demo: Instance, tmp_path: Path) -> None:
    """Same instance, options and seed: every CSV and summary value except timings is equal."""
    first, second = tmp_path / "a", tmp_path / "b"
    write_result(solve(demo), first)
    write_result(solve(demo), second)
    for name in ("allocations.csv", "utilisation.csv", "unmet.csv", "kpis.csv", "duals.csv",
                 "warnings.csv"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_thread_count_can_change_between_solves(demo: Instance) -> None:
    """HiGHS sizes one global thread pool per process; changing threads must still solve."""
    statuses = [solve(demo, threads=t).status for t in (1, 2, 1, 2)]
    assert statuses == [Status.OPTIMAL] * 4


def test_oversized_penalty_is_warned() -> None:
    """Numeric policy: a penalty 1e5 times the dearest placement gets a warning."""
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from _tiny import tiny

    inst = tiny([{"provision": "P", "kind": "special", "zone": "A", "capacity": 5,
                  "cost_per_place": 10.0}], [("A", 3)], policy={"unmet_penalty": 1e7})
    assert any("times the dearest placement" in w.message for w in solve(inst).warnings)
    fine = tiny([{"provision": "P", "kind": "special", "zone": "A", "capacity": 5,
                  "cost_per_place": 10_000.0}], [("A", 3)])
    assert not any("dearest" in w.message for w in solve(fine).warnings)
