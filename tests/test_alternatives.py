"""Near-optimal alternatives and firm decisions: the worked example of models/decisions.md."""

from __future__ import annotations

import numpy as np
import pytest
from test_decision_costs import _two_candidates

from placement_opt.analysis.firmness.alternatives import no_good_row
from placement_opt.analysis.firmness.run import firmness
from placement_opt.model.decisions import decision_set
from placement_opt.solve import build_checked


def test_the_next_plan_opens_the_other_site() -> None:
    """Within 10% of 565,000: C2 instead of C1 (615,000, +50,000); then nothing else is
    within 10% (no SRP: 750,000; both: 770,000), so no decision is firm."""
    f = firmness(_two_candidates(), alternatives=3, within=0.10)
    plans = f.alternatives.plans
    assert plans["objective"].tolist() == pytest.approx([565_000, 615_000])
    assert plans["above_best"].tolist() == pytest.approx([0, 50_000])
    assert plans["share_above_best"].iat[1] == pytest.approx(50_000 / 565_000)
    assert plans["differs_by"].iat[1] == "open C1 1→0; open C2 0→1"
    assert plans["decisions_differing"].tolist() == [0, 2]
    assert f.alternatives.firm.empty
    grid = f.alternatives.decisions.set_index("decision")
    assert grid.loc["open C1", ["plan_0", "plan_1"]].tolist() == [1, 0]
    assert len(f.alternatives.results) == 2


def test_all_decisions_firm_when_no_plan_is_close() -> None:
    """Within 5% (28,250) no other plan exists: both decisions are firm."""
    f = firmness(_two_candidates(), alternatives=3, within=0.05)
    assert len(f.alternatives.plans) == 1
    firm = f.alternatives.firm.set_index("decision")["in_plan"]
    assert firm.to_dict() == {"open C1": True, "open C2": False}


def test_wider_window_finds_more_plans() -> None:
    """Within 40%: C2 only (615,000), no SRP (750,000), both (770,000), in cost order."""
    f = firmness(_two_candidates(), alternatives=5, within=0.40)
    assert f.alternatives.plans["objective"].tolist() == pytest.approx(
        [565_000, 615_000, 750_000, 770_000])


def test_no_good_row_excludes_exactly_the_plan() -> None:
    """The cut is violated by the plan itself and met by any plan with another taken set."""
    inst = _two_candidates()
    data, model, _ = build_checked(inst)
    ds = decision_set(data, model, inst)
    row, lower = no_good_row(ds, np.array([1.0, 0.0]))
    for amounts, ok in (((1, 0), False), ((0, 0), True), ((1, 1), True), ((0, 1), True)):
        x = np.zeros(model.n_cols)
        for d, a in enumerate(amounts):
            x[ds.G[d].indices[0]] = a  # the last year's open column
        assert (float((row @ x)[0]) >= lower - 1e-9) is ok


@pytest.mark.parametrize(("kwargs", "match"), [({"alternatives": -1}, "0 or more"),
                                                ({"within": 1.5}, "share from 0 to 1"),
                                                ({"improve": -1}, "0 or more rounds")])
def test_bad_arguments(kwargs: dict[str, float], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        firmness(_two_candidates(), **kwargs)  # type: ignore[arg-type]


def test_improve_adopts_a_cheaper_reversal() -> None:
    """The first incumbent of a seeded facility MIP (a solution limit of 1) is not optimal;
    one reversal finds a cheaper plan, which becomes the plan: the optimum, no reversal
    cheaper than it, the first plan's bound kept."""
    from _tiny import facility_instance

    from placement_opt import SolveOptions, solve

    inst = facility_instance(60, 25, 3)
    best = solve(inst, gap=0)
    assert best.objective is not None
    first = solve(inst, solution_limit=1)
    assert first.objective is not None and first.objective > best.objective + 1
    f = firmness(inst, SolveOptions(solution_limit=1), alternatives=0, improve=3)
    assert f.improved == 1
    assert f.result.objective == pytest.approx(best.objective)
    assert f.saving == pytest.approx(first.objective - best.objective)
    assert f.costs.decisions["cost_to_reverse"].min() >= 0
    assert f.result.bound == pytest.approx(first.bound)
    assert "improved by the firmness analysis" in f.result.message
    assert firmness(inst, SolveOptions(solution_limit=1), alternatives=0).improved == 0
