"""OR-Library benchmarks (benchmarks/orlib.py): the project's own model reproduces every published
optimum in ``shared/bench/orlib/optima.csv``; file parsing rules; the command line."""

from __future__ import annotations

import csv
import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from placement_opt import Instance

ORLIB_PY = Path(__file__).resolve().parents[1] / "benchmarks" / "orlib.py"
ORLIB_DIR = Path(__file__).resolve().parents[2] / "shared" / "bench" / "orlib"
NO_DATA = f"OR-Library benchmark files not found at {ORLIB_DIR}"
REL_TOL = 1e-6
#: optima.csv family → the converter's family.
FAMILY = {"orlib-cap-ms": "cap", "orlib-uncap": "cap", "orlib-pmed": "pmed"}


def _load_orlib() -> ModuleType:
    """Import benchmarks/orlib.py (``benchmarks`` is a folder of scripts, not a package)."""
    spec = importlib.util.spec_from_file_location("benchmarks_orlib", ORLIB_PY)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being created
    spec.loader.exec_module(module)
    return module


orlib = _load_orlib()


def _optima() -> list[Any]:
    """One pytest param per row of optima.csv, or one skipped param when the folder is absent."""
    table = ORLIB_DIR / "optima.csv"
    if not table.is_file():
        return [pytest.param(None, marks=pytest.mark.skip(reason=NO_DATA), id="no-data")]
    with table.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [pytest.param(row, id=f"{row['instance']}-{row['problem']}") for row in rows]


@pytest.mark.parametrize("row", _optima())
def test_published_optimum(row: dict[str, str]) -> None:
    """Convert, solve with HiGHS (1 thread) and match the published optimum within 1e-6.

    UFLP rows are solved with every capacity set to the total demand (``--capacity``), so the
    capacities cannot bind: the uncapacitated problem.
    """
    path = ORLIB_DIR / row["file"]
    family = FAMILY[row["family"]]
    capacity = None
    if row["problem"] == "UFLP":
        capacity = float(orlib.parse_cap(path).demand.sum())
    report = orlib.run(path, family, capacity=capacity, backend="highs", threads=1)
    optimum = float(row["optimal_value"])
    assert report["status"] == "optimal"
    assert report["unmet_pupils"] == pytest.approx(0.0, abs=1e-6)
    assert report["objective"] == pytest.approx(optimum, rel=REL_TOL)
    if capacity is None:
        assert report["optimum_published"] == optimum
        assert report["rel_error"] <= REL_TOL


@pytest.mark.skipif(not (ORLIB_DIR / "cap" / "cap41.txt").is_file(), reason=NO_DATA)
def test_cli_json_is_one_object() -> None:
    out = subprocess.run(
        [sys.executable, str(ORLIB_PY), str(ORLIB_DIR / "cap" / "cap41.txt"), "--family", "cap",
         "--json"], capture_output=True, text=True, check=True, timeout=120,
    )
    report = json.loads(out.stdout)  # the whole output is one JSON value
    assert isinstance(report, dict)
    assert {"instance", "family", "objective", "status", "seconds"} <= report.keys()
    assert report["instance"] == "cap41" and report["family"] == "cap"
    assert report["status"] == "optimal"
    assert report["objective"] == pytest.approx(1040444.375, rel=REL_TOL)
    assert report["optimum_published"] == pytest.approx(1040444.375)
    assert report["arcs"] == 16 * 50


#: Two warehouses whose capacity is the word ``capacity``; three customers, the third with no
#: demand (and no cost), numbers written as OR-Library does (``10.``, ``.5``, ``.00000``).
CAP_WORD = """ 2 3
 capacity 10.
 capacity 20.
 5 1. 2.
 5 3. .5
 0 .00000 0.
"""


def test_capacity_word_needs_capacity(tmp_path: Path) -> None:
    path = tmp_path / "capx.txt"
    path.write_text(CAP_WORD)
    with pytest.raises(orlib.OrlibFormatError, match="--capacity"):
        orlib.parse_cap(path)
    out = subprocess.run([sys.executable, str(ORLIB_PY), str(path), "--family", "cap", "--json"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode != 0
    assert "capacity" in out.stderr and "--capacity" in out.stderr
    assert out.stdout == ""


def test_capacity_option_and_zero_demand(tmp_path: Path) -> None:
    """Capacity 10: W1 alone serves both customers, 10 + 1 + 3 = 14. Capacity 5: both must
    open, each customer at its cheaper warehouse, 30 + 1 + 0.5 = 31.5. The zero-demand customer
    has no demand row and changes nothing."""
    path = tmp_path / "capx.txt"
    path.write_text(CAP_WORD)
    data = orlib.parse_cap(path, capacity=10)
    assert data.capacity_word and data.m == 2 and data.n == 3
    inst = orlib.cap_instance(data)
    assert isinstance(inst, Instance)
    assert len(inst.demand) == 2
    assert orlib.run(path, "cap", capacity=10)["objective"] == pytest.approx(14.0)
    report = orlib.run(path, "cap", capacity=5)
    assert report["objective"] == pytest.approx(31.5)
    assert report["opened"] == 2 and report["optimum_published"] is None


#: Three vertices; edge 1-2 appears twice, the last (length 5) longer than the first (1).
PMED_DUP = """3 4 1
1 2 1
2 3 1
1 3 10
1 2 5
"""


def test_pmed_duplicate_edge_last_wins(tmp_path: Path) -> None:
    """Last wins: d(1,2) = 5, d(2,3) = 1, d(1,3) = 6; the best single median is vertex 2 with
    5 + 0 + 1 = 6 (taking the minimum would give d(1,2) = 1 and an optimum of 2). With p = 2,
    {1, 2} or {1, 3} leave one vertex at distance 1."""
    path = tmp_path / "pmedx.txt"
    path.write_text(PMED_DUP)
    data = orlib.parse_pmed(path)
    assert data.p == 1
    assert data.edge_length[0, 1] == data.edge_length[1, 0] == 5
    np.testing.assert_allclose(data.distance, [[0, 5, 6], [5, 0, 1], [6, 1, 0]])
    inst = orlib.pmed_instance(data)
    km = inst.journeys.set_index(["zone", "provision"])["km"]
    assert km[("V1", "S2")] == 5 and km[("V2", "S1")] == 5
    assert orlib.run(path, "pmed")["objective"] == pytest.approx(6.0)
    assert orlib.run(path, "pmed", p=2)["objective"] == pytest.approx(1.0)
