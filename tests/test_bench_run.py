"""``benchmarks/run.py --quick`` end to end, into a temporary folder (the committed results and
README are left alone): the JSON has its schema, every case ran, every ratio is finite. No
timed assertions."""

from __future__ import annotations

import hashlib
import json
import math
import sys
from pathlib import Path
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

import run  # noqa: E402
from analysis import GOALS  # noqa: E402
from report import BEGIN, END, update_readme  # noqa: E402

COMMITTED = (BENCH / "README.md", BENCH / "results" / "latest.json")


def _digest(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


@pytest.fixture(scope="module")
def quick(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    folder = tmp_path_factory.mktemp("bench")
    before = [_digest(p) for p in COMMITTED]
    payload = run.main(["--quick", "--json", str(folder / "latest.json"),
                        "--readme", str(folder / "README.md")], echo=lambda _: None)
    assert [_digest(p) for p in COMMITTED] == before
    return payload, folder


def _numbers(value: Any) -> list[float]:
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, int | float):
        return [float(value)]
    if isinstance(value, dict):
        return [x for v in value.values() for x in _numbers(v)]
    if isinstance(value, list):
        return [x for v in value for x in _numbers(v)]
    return []


def test_json_schema(quick: tuple[dict[str, Any], Path]) -> None:
    _, folder = quick
    written = json.loads((folder / "latest.json").read_text())
    assert written["schema"] == run.SCHEMA and written["mode"] == "quick"
    assert {"command", "started", "wall_s", "machine", "code", "cases", "ratios", "scaling",
            "goals", "load_average_end"} <= set(written)
    machine = written["machine"]
    assert {"cpu", "cores", "load_average", "packages"} <= set(machine)
    assert set(machine["packages"]) == {"numpy", "scipy", "pandas", "highspy", "ortools", "pulp"}
    assert written["command"].startswith("python benchmarks/run.py --quick")
    assert [g["goal"] for g in written["goals"]] == [key for key, *_ in GOALS]
    sections = {c["section"] for c in written["cases"]}
    assert sections == set(run.SECTIONS)


def test_every_case_ran_or_says_why(quick: tuple[dict[str, Any], Path]) -> None:
    payload, _ = quick
    for case in payload["cases"]:
        if case["skipped"]:
            assert case["result"] is None
            continue
        result = case["result"]
        assert "error" not in result, (case["id"], result.get("error"))
        assert result["peak_rss_mb"] > 0 and result["runs"]
        assert result["arcs"] > 0


def test_ratios_are_finite_and_side_by_side(quick: tuple[dict[str, Any], Path]) -> None:
    payload, _ = quick
    found = payload["ratios"]
    assert all(math.isfinite(x) and x >= 0 for x in _numbers(found))
    ratio_values = [v for rows in found.values() for row in rows for k, v in row.items()
                    if "_over_" in k]
    assert ratio_values and all(v is not None and v > 0 for v in ratio_values)
    build = found["build"]
    assert len(build) == 2
    for row in build:
        assert row["pulp_over_project_total"] is not None
        assert row["project_over_raw_model"] is not None
    assert all(row["same_optimum"] for row in found["flow"])
    assert all(s["slope"] is None or math.isfinite(s["slope"]) for s in payload["scaling"])


def test_same_model_in_every_build_method(quick: tuple[dict[str, Any], Path]) -> None:
    payload, _ = quick
    by_target: dict[int, set[tuple[int, int, int]]] = {}
    for case in payload["cases"]:
        if case["section"] == "build":
            r = case["result"]
            by_target.setdefault(case["target"], set()).add((r["columns"], r["rows"], r["nonzeros"]))
    assert by_target and all(len(sizes) == 1 for sizes in by_target.values())


def test_readme_section_generated(quick: tuple[dict[str, Any], Path]) -> None:
    _, folder = quick
    text = (folder / "README.md").read_text()
    assert text.count(BEGIN) == 1 and text.count(END) == 1
    for title in ("### Goals", "### (a)", "### (b)", "### (c)", "### (d)", "### (e)", "### (f)"):
        assert title in text


def test_update_readme_keeps_the_hand_written_text(quick: tuple[dict[str, Any], Path],
                                                   tmp_path: Path) -> None:
    payload, _ = quick
    path = tmp_path / "README.md"
    path.write_text(f"# B\n\nintro\n\n{BEGIN}\nold tables\n{END}\n\n## OR-Library\n\nkept\n")
    update_readme(path, payload)
    text = path.read_text()
    assert text.startswith("# B\n\nintro\n\n" + BEGIN)
    assert "old tables" not in text and "### Goals" in text
    assert text.endswith(f"{END}\n\n## OR-Library\n\nkept\n")


def test_a_case_that_runs_too_long_is_killed_and_recorded() -> None:
    case = {"params": {"case": "solve", "repeats": 1, "options": {},
                       "spec": {"kind": "named", "name": "national", "seed": 0}}, "timeout": 0.5}
    assert run.run_case(case) == {"error": "no answer within 0 s (killed)"}


def test_a_failing_case_is_recorded_not_raised() -> None:
    result = run.run_case({"params": {"case": "solve", "repeats": 1, "options": {},
                                      "spec": {"kind": "nowhere"}}, "timeout": 120})
    assert result["error"].startswith("exit code 1: ")
    assert "unknown instance kind 'nowhere'" in result["error"]


def test_render_only_regenerates_the_readme(quick: tuple[dict[str, Any], Path],
                                            tmp_path: Path) -> None:
    _, folder = quick
    readme = tmp_path / "README.md"
    run.main(["--render-only", "--json", str(folder / "latest.json"), "--readme", str(readme)],
             echo=lambda _: None)
    assert readme.read_text() == (folder / "README.md").read_text()


def test_render_only_without_results_says_so(tmp_path: Path) -> None:
    missing = tmp_path / "none.json"
    with pytest.raises(SystemExit, match=f"--render-only needs a results file; {missing} does not"):
        run.main(["--render-only", "--json", str(missing), "--readme", str(tmp_path / "R.md")])
