"""The benchmark's baselines build the package's model: the object-per-variable PuLP build and the
bare numpy → CSR → highspy build give the same rows, nonzeros and optimum as ``solve``."""

from __future__ import annotations

import sys
from pathlib import Path

import highspy
import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

from generate import make_instance  # noqa: E402
from named import make_named  # noqa: E402
from pulp_model import build_pulp, handoff_pulp, pulp_size, solve_pulp_cbc, supported  # noqa: E402
from raw_model import build_raw, handoff_raw  # noqa: E402

from placement_opt import Instance, Status, solve  # noqa: E402
from placement_opt.model.arcs import eligible_arcs  # noqa: E402
from placement_opt.model.build import build_from_data  # noqa: E402
from placement_opt.model.data import ModelData  # noqa: E402


@pytest.fixture(scope="module", params=[False, True], ids=["caps", "pure"])
def small(request: pytest.FixtureRequest) -> Instance:
    """20 zones, 12 provisions, 2 years; with per-need and independent caps, or without."""
    return make_instance(20, 12, 2, seed=3, pure=request.param)


def _raw_objective(inst: Instance) -> float:
    data = ModelData.from_instance(inst)
    h = highspy.Highs()  # type: ignore[no-untyped-call]
    h.setOptionValue("output_flag", False)
    handoff_raw(h, build_raw(inst, data, eligible_arcs(data)))
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return float(h.getInfo().objective_function_value)


def test_pulp_and_raw_reach_the_package_optimum(small: Instance) -> None:
    expected = solve(small)
    assert expected.status is Status.OPTIMAL
    data = ModelData.from_instance(small)
    prob, _ = build_pulp(small, data, eligible_arcs(data))
    assert solve_pulp_cbc(prob) == pytest.approx(expected.objective, rel=1e-9)
    assert _raw_objective(small) == pytest.approx(expected.objective, rel=1e-9)


def test_same_rows_and_nonzeros(small: Instance) -> None:
    data = ModelData.from_instance(small)
    arcs = eligible_arcs(data)
    model = build_from_data(data, arcs, small)
    raw = build_raw(small, data, arcs)
    prob, variables = build_pulp(small, data, arcs)
    assert raw.A.shape == (model.n_rows, model.n_cols)
    assert raw.A.nnz == model.A.nnz
    assert len(variables) == model.n_cols
    assert pulp_size(prob) == (model.n_rows, model.A.nnz)


def test_pulp_handoff_writes_mps(small: Instance, tmp_path: Path) -> None:
    data = ModelData.from_instance(small)
    prob, _ = build_pulp(small, data, eligible_arcs(data))
    path = handoff_pulp(prob, tmp_path)
    assert path.read_text().startswith("*SENSE:Minimize")


def test_planning_instance_is_refused() -> None:
    inst = make_named("kent")
    data = ModelData.from_instance(inst)
    reason = supported(inst, data)
    assert reason is not None
    assert "continuity" in reason and "candidate sites" in reason and "expansions" in reason
    with pytest.raises(ValueError, match="not in the PuLP baseline"):
        build_pulp(inst, data, eligible_arcs(data))
    with pytest.raises(ValueError, match="not in the PuLP baseline"):
        build_raw(inst, data, eligible_arcs(data))
