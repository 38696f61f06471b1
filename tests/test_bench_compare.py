"""``benchmarks/compare_revisions.py``: the before/after summary, and one small real run against
HEAD in a temporary worktree (removed afterwards). No timed assertions."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

import compare_revisions  # noqa: E402


def _record(peak: float, total: float) -> dict[str, float]:
    return {"peak_rss_mb": peak, "rss_ready_mb": 100.0, "data": 0.1, "arcs": 0.1,
            "build": total / 2, "handoff": total / 2 - 0.2, "total": total}


def test_summary_is_medians_and_ratios() -> None:
    runs = {"before": [_record(520, 1.0), _record(530, 3.0), _record(500, 2.0)],
            "after": [_record(460, 1.0), _record(455, 2.2), _record(470, 1.5)]}
    out = compare_revisions.summarise(runs)
    assert out["median"]["before"]["peak_rss_mb"] == 520
    assert out["median"]["after"]["peak_rss_mb"] == 460
    assert out["after_over_before"]["peak_rss_mb"] == pytest.approx(460 / 520)
    assert out["after_over_before"]["total"] == pytest.approx(1.5 / 2.0)


def _worktrees() -> int:
    listing = subprocess.run(["git", "-C", str(ROOT), "worktree", "list", "--porcelain"],
                             capture_output=True, text=True, check=True).stdout
    return listing.count("worktree ")


def test_small_run_against_head_writes_json_and_removes_its_worktree(tmp_path: Path) -> None:
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    before = _worktrees()
    out_file = tmp_path / "compare.json"
    out = compare_revisions.main(["--base", "HEAD", "--target", "2000", "--rounds", "1",
                                  "--json", str(out_file)])
    assert _worktrees() == before
    saved = json.loads(out_file.read_text())
    assert saved["base"] == "HEAD" and saved["rounds"] == 1
    for side in ("before", "after"):
        assert len(saved["runs"][side]) == 1
        assert all(math.isfinite(v) and v >= 0 for v in saved["median"][side].values())
    assert out["median"]["before"]["peak_rss_mb"] > 0


def test_a_failing_case_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="the case failed in"):
        compare_revisions._run(tmp_path, {"case": "build"})
