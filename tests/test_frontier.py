"""The frontier of cost against a metric (models/frontier.md): the metrics' coefficients match
the KPIs, the worked example solved by hand, and the properties of every frontier."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from _tiny import tiny

import placement_opt
from placement_opt import Instance, SolveOptions, Status
from placement_opt.analysis.frontier import METRICS, FrontierError, metric_for, metric_from_result
from placement_opt.analysis.frontier.points import with_dominance
from placement_opt.analysis.frontier.trace import epsilons, trace_frontier
from placement_opt.results.result import make_result
from placement_opt.solve import build_checked
from placement_opt.solvers.highs import solve_highs

ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]


def example(policy: dict[str, Any] | None = None) -> Instance:
    """models/frontier.md, worked example: 10 pupils in A; P1 (special, A) 6 places at
    £10,000, 20 min; P2 (special, A) 10 at £12,000, 10 min; P3 (independent, in B) 4 at
    £8,000, 70 min."""
    provisions = [
        {"provision": "P1", "kind": "special", "zone": "A", "capacity": 6, "cost_per_place": 10_000},
        {"provision": "P2", "kind": "special", "zone": "A", "capacity": 10,
         "cost_per_place": 12_000},
        {"provision": "P3", "kind": "independent", "zone": "B", "capacity": 4,
         "cost_per_place": 8_000},
    ]
    journeys = {(z, p): (m, 0.0) for z in ("A", "B")
                for p, m in (("P1", 20.0), ("P2", 10.0), ("P3", 70.0))}
    return tiny(provisions, [("A", 10)], journeys=journeys,
                policy={"max_journey_min": {"primary": 90.0}, **(policy or {})})


def continuity_instance() -> Instance:
    """Two years, a two-year phase (continuity weights 1 and 1/2), an existing cohort at the
    far independent school: the metrics count every pupil-year the tables do."""
    inst = example({"continuity": True})
    demand = pd.DataFrame([{"zone": z, "need": "ASD", "phase": "primary", "year": y,
                            "pupils": n} for z, y, n in (("A", 2026, 9.0), ("A", 2027, 7.0),
                                                         ("B", 2027, 3.0))])
    existing = pd.DataFrame([{"provision": "P3", "zone": "A", "need": "ASD", "phase": "primary",
                              "pupils": 2.0}])
    return inst.replace(demand=demand, existing=existing,
                        phases=pd.DataFrame({"phase": ["primary"], "min_age": [4],
                                             "max_age": [6]}))


@pytest.mark.parametrize("name", list(METRICS))
@pytest.mark.parametrize("make", [example, continuity_instance])
def test_coefficients_match_the_tables(name: str, make: Any) -> None:
    """The metric of a solved plan, from its Result's tables, equals coefficients @ x +
    offset (over divisor), for a plan of the model and one of a variant."""
    inst = make()
    data, model, _ = build_checked(inst)
    m = metric_for(name, data, model)
    for c in (model.c, -m.coefficients if m.minimised else m.coefficients):
        variant = model if c is model.c else __import__("dataclasses").replace(model, c=c)
        raw = solve_highs(variant, SolveOptions())
        assert raw.status is Status.OPTIMAL and raw.x is not None
        result = make_result(inst, data, model, raw, [], 0.0)
        assert m.value(raw.x) == pytest.approx(metric_from_result(name, result), abs=1e-7)


def test_the_worked_example_of_the_formulation() -> None:
    """models/frontier.md: pupil-minutes 400 .. 100 in five points; each the least cost for
    its epsilon: 92,000, 97,000, 102,000, 107,000, 120,000."""
    f = placement_opt.frontier(example(), "pupil_minutes", points=5)
    pts = f.points
    assert list(pts["role"]) == ["min_cost", "epsilon", "epsilon", "epsilon", "best_metric"]
    assert pts["epsilon"].tolist() == pytest.approx([400, 325, 250, 175, 100], abs=1e-6)
    assert pts["metric"].tolist() == pytest.approx([400, 325, 250, 175, 100], abs=1e-6)
    assert pts["objective"].tolist() == pytest.approx([92_000, 97_000, 102_000, 107_000, 120_000])
    assert (pts["status"] == "optimal").all() and not pts["dominated"].any()
    plan = f.allocations.set_index(["point", "provision"])["pupils"]
    assert plan[(1, "P3")] == pytest.approx(2.75) and plan[(1, "P2")] == pytest.approx(1.25)
    assert plan[(4, "P2")] == pytest.approx(10)
    text = (ROOT / "models" / "frontier.md").read_text(encoding="utf-8")
    for figure in ("92,000", "97,000", "102,000", "107,000", "120,000", "2.75", "1.25"):
        assert figure in text


@pytest.mark.parametrize(("metric", "values", "costs"), [
    ("over_60", [4, 2, 0], [92_000, 100_000, 108_000]),
    ("independent", [4, 2, 0], [92_000, 100_000, 108_000]),
    ("local_share", [0.6, 0.8, 1.0], [92_000, 100_000, 108_000]),
    ("over_75", [0, 0, 0], [92_000, 92_000, 92_000]),  # nothing to trade: one point, thrice
])
def test_each_metric_by_hand(metric: str, values: list[float], costs: list[float]) -> None:
    """P3 is the only journey over 60 minutes, the only independent school and the only
    provision outside A's district: moving a pupil from P3 to P2 costs 4,000 (P1 is full);
    the best end holds the metric there at least cost (P1 6, P2 4: 108,000, not 120,000)."""
    pts = placement_opt.frontier(example(), metric, points=3).points
    assert pts["metric"].tolist() == pytest.approx(values, abs=1e-7)
    assert pts["objective"].tolist() == pytest.approx(costs)
    assert not pts["dominated"].any()


def test_no_pupil_loses_a_place_to_shorten_journeys() -> None:
    """With a penalty below the saving, leaving pupils unmet would cut pupil-minutes to 0;
    the frontier holds unmet at the minimum-cost plan's (here 0)."""
    pts = placement_opt.frontier(example({"unmet_penalty": 50_000}), "pupil_minutes", 3).points
    assert pts["unmet"].tolist() == pytest.approx([0, 0, 0], abs=1e-6)
    assert pts["metric"].iloc[-1] == pytest.approx(100)


def test_properties_on_the_demo(demo_path: Any) -> None:
    """Cost never falls as epsilon tightens; each point's metric is within its epsilon; every
    point optimal and none dominated; the instance is left as it was."""
    inst = Instance.from_path(demo_path)
    before = inst.fingerprint()
    for metric in ("pupil_minutes", "local_share"):
        f = trace_frontier(inst, metric, 4, SolveOptions(gap=0.0))
        pts = f.points
        sign = 1.0 if f.minimised else -1.0
        assert (np.diff(pts["objective"]) >= -1e-6 * pts["objective"].abs().max()).all()
        assert (sign * (pts["metric"] - pts["epsilon"]) <= 1e-6 * max(1.0, pts["metric"].abs().max())).all()
        assert (sign * np.diff(pts["epsilon"]) <= 0).all()
        assert (pts["status"] == "optimal").all() and not pts["dominated"].any()
        assert len(f.results) == 4 and f.openings.columns[0] == "point"
    assert inst.fingerprint() == before


def test_same_input_same_points(demo_path: Any) -> None:
    inst = Instance.from_path(demo_path)
    a = trace_frontier(inst, "over_60", 3).points
    b = trace_frontier(Instance.from_path(demo_path), "over_60", 3).points
    pd.testing.assert_frame_equal(a, b)


def test_epsilons_are_evenly_spaced() -> None:
    assert epsilons(10.0, 4.0, 4) == [10.0, 8.0, 6.0, 4.0]
    assert epsilons(0.5, 1.0, 2) == [0.5, 1.0]


def test_dominance_is_marked() -> None:
    """A point another beats on both counts (only possible within a gap) is marked."""
    pts = pd.DataFrame([{"point": i, "metric": m, "objective": c}
                        for i, (m, c) in enumerate([(10.0, 100.0), (8.0, 99.0), (6.0, 120.0),
                                                    (6.0, 120.0 + 1e-9)])])
    for col in ("role", "epsilon", "status", "gap", "bound", "total_cost", "capital_cost",
                "unmet", "placed", "openings", "places_added", "mean_journey_min",
                "share_met_locally", "placed_independent", *METRICS):
        pts[col] = 0.0
    out = with_dominance(pts, minimised=True)
    assert out["dominated"].tolist() == [True, False, False, False]
    assert out["dominated_by"].iloc[0] == 1
    flipped = with_dominance(pts.assign(metric=-pts["metric"]), minimised=False)
    assert flipped["dominated"].tolist() == [True, False, False, False]


@pytest.mark.parametrize(("metric", "points", "match"), [
    ("travel", 5, "unknown metric 'travel': one of pupil_minutes"),
    ("pupil_minutes", 1, "points must be at least 2"),
])
def test_bad_arguments_are_refused(metric: str, points: int, match: str) -> None:
    with pytest.raises(FrontierError, match=match):
        placement_opt.frontier(example(), metric, points)


def test_chart_marks_dominated_points_and_tells_ticks_apart() -> None:
    """Costs of a few billion pounds a few hundred thousand apart still get distinct ticks;
    each point is a labelled marker, a dominated one hollow and named."""
    import re

    from placement_opt.analysis.frontier.chart import frontier_svg

    pts = pd.DataFrame({"point": [0, 1, 2], "role": ["min_cost", "epsilon", "best_metric"],
                        "metric": [1.641e6, 1.637e6, 1.633e6],
                        "objective": [3.2465e9, 3.2459e9, 3.2483e9],
                        "dominated": [True, False, False],
                        "dominated_by": pd.array([1, None, None], dtype="Int64")})
    svg = str(frontier_svg(pts, "pupil_minutes", "pupil-min"))
    assert svg.count("<circle") == 3 and svg.count('stroke="#D55E00"') == 1
    assert "0 (dominated)" in svg and "dominated by point 1" in svg
    ticks = re.findall(r'<text class="tick"[^>]*>([^<]*)</text>', svg)
    assert len(ticks) == len(set(ticks)) >= 6
