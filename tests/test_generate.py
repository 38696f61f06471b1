"""The benchmark instance generator (benchmarks/generate.py): seeded, valid and Kent-like."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from placement_opt import solve
from placement_opt.status import Status

GENERATE = Path(__file__).resolve().parents[1] / "benchmarks" / "generate.py"


def _load_generate() -> ModuleType:
    """Import benchmarks/generate.py (``benchmarks`` is a folder of scripts, not a package)."""
    spec = importlib.util.spec_from_file_location("benchmarks_generate", GENERATE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being created
    spec.loader.exec_module(module)
    return module


gen = _load_generate()


def test_same_seed_gives_identical_instance() -> None:
    a = gen.make_instance(12, 8, 2, seed=7)
    b = gen.make_instance(12, 8, 2, seed=7)
    assert a.fingerprint() == b.fingerprint()


def test_other_seed_gives_another_instance() -> None:
    assert (gen.make_instance(12, 8, 2, seed=7).fingerprint()
            != gen.make_instance(12, 8, 2, seed=8).fingerprint())


def test_instance_is_kent_like() -> None:
    inst = gen.make_instance(40, 30, 3, seed=1)
    lat0, lat1, lon0, lon1 = gen.KENT_BOX
    assert inst.zones["lat"].between(lat0, lat1).all()
    assert inst.zones["lon"].between(lon0, lon1).all()
    assert inst.provisions["lat"].between(lat0, lat1).all()
    assert set(inst.provisions["kind"]) <= {"special", "srp", "independent", "mainstream"}
    special = inst.provisions[inst.provisions["kind"] == "special"]
    assert (special["cost_per_place"] == 24_252.0).all()
    assert inst.years == [2026, 2027, 2028]
    mix = inst.demand.groupby("need")["pupils"].sum() / inst.demand["pupils"].sum()
    assert mix["ASD"] == pytest.approx(0.46, abs=0.05)
    assert mix["SEMH"] == pytest.approx(0.19, abs=0.04)
    assert mix["SLCN"] == pytest.approx(0.17, abs=0.04)


def test_more_provisions_append_to_the_instance() -> None:
    small = gen.make_instance(10, 5, 1, seed=3).provisions
    large = gen.make_instance(10, 9, 1, seed=3).provisions
    for column in ("provision", "kind", "zone", "needs", "capacity", "cost_per_place"):
        assert small[column].tolist() == large[column].iloc[:5].tolist()


def test_generated_instance_solves() -> None:
    result = solve(gen.make_instance(6, 5, 2, seed=2))
    assert result.status is Status.OPTIMAL
    assert result.kpi("placed") > 0


def test_sizes_for_arcs_reaches_the_target() -> None:
    sizes = gen.sizes_for_arcs(5_000, years=2, seed=0)
    assert sizes.arcs == pytest.approx(5_000, rel=0.1)
    inst = gen.make_instance(sizes.n_zones, sizes.n_provisions, sizes.years, sizes.seed)
    assert gen.count_arcs(inst) == sizes.arcs
    assert np.isfinite(inst.provisions["capacity"]).all()
