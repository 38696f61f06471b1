"""benchmarks/time_budget.py: the bound, the case list and one real case in a fresh process."""

from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

import time_budget  # noqa: E402
from named import NAMED  # noqa: E402


def test_the_bound_is_limit_times_1_1_plus_5() -> None:
    assert time_budget.within(71.0, 60.0) and not time_budget.within(71.01, 60.0)


def test_every_named_size_is_a_case() -> None:
    assert set(NAMED) <= set(time_budget.CASES)


def test_one_case_runs_and_the_table_shows_it() -> None:
    result = time_budget.run_case("kent_infeasible", 30.0)
    assert result["status"] == "infeasible"
    assert [s["stage"] for s in result["stages"]] == ["solve", "diagnosis"]
    row = {"case": "kent_infeasible", "limit": 30.0, "within": True, "result": result}
    failed = {"case": "fine_kent", "limit": 30.0, "within": False,
              "result": {"error": "no answer within 210 s (killed)"}}
    lines = time_budget.table([row, failed]).splitlines()
    assert lines[2].startswith("| kent_infeasible | 30 | 38 | ") and "| infeasible | – |" in lines[2]
    assert "**no** | no answer within 210 s (killed)" in lines[3]
