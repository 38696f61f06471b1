"""Stable placements: ties broken by the arcs' labels (models/decisions.md)."""

from __future__ import annotations

import numpy as np
import pytest
from _tiny import tiny

from placement_opt import Instance, solve
from placement_opt.model.tie_break import TIE_BREAK_GBP, tie_break_costs
from placement_opt.solve import build_checked


def _tied(extra_zone: bool = False) -> Instance:
    """Zone A: 10 pupils; S1 and S2 each 10 places at 20,000 (a tie). With ``extra_zone``,
    zone B has 6 pupils and its own school T: nothing about A changes."""
    provisions = [{"provision": p, "kind": "special", "zone": "A", "capacity": 10,
                   "cost_per_place": 20_000} for p in ("S1", "S2")]
    demand: list[tuple[str, float]] = [("A", 10)]
    journeys = {("A", "S1"): (10.0, 0.0), ("A", "S2"): (10.0, 0.0)}
    if extra_zone:
        provisions.append({"provision": "T", "kind": "special", "zone": "B", "capacity": 6,
                           "cost_per_place": 30_000})
        demand.append(("B", 6))
        journeys |= {("B", "T"): (10.0, 0.0), ("A", "T"): (90.0, 0.0),
                     ("B", "S1"): (90.0, 0.0), ("B", "S2"): (90.0, 0.0)}
    return tiny(provisions, demand, journeys=journeys)


def _a_placements(inst: Instance, **options: object) -> dict[str, float]:
    alloc = solve(inst, **options).allocations  # type: ignore[arg-type]
    a = alloc[alloc["zone"] == "A"]
    return dict(zip(a["provision"], a["pupils"], strict=True))


def test_the_tie_goes_to_the_arc_with_the_smaller_tie_break() -> None:
    """All 10 pupils of A go to the school whose arc the labels rank first, at 200,000."""
    inst = _tied()
    _, model, _ = build_checked(inst)
    tb = tie_break_costs(model)
    arcs = model.layout.n_arcs if model.layout is not None else 0
    prov = np.asarray(model.labels["provision"], dtype=object)[model.column_keys["provision"][:arcs]]
    first = str(prov[int(np.argmin(tb[:arcs]))])
    r = solve(inst)
    assert r.objective == pytest.approx(200_000)
    assert _a_placements(inst) == {first: 10.0}


def test_unchanged_data_gives_unchanged_placements() -> None:
    """Adding zone B and its school leaves A's placements as they were."""
    assert _a_placements(_tied()) == _a_placements(_tied(extra_zone=True))


def test_tie_break_is_bounded_and_label_based() -> None:
    """Every arc's tie-break is in [0, 0.5); the unmet columns get the most, 0.5, the others
    none; the same arc gets the same amount in both instances, whatever its position."""
    costs = []
    for inst in (_tied(), _tied(extra_zone=True)):
        _, model, _ = build_checked(inst)
        tb = tie_break_costs(model)
        n = model.layout.n_arcs if model.layout is not None else 0
        assert ((tb[:n] >= 0) & (tb[:n] < TIE_BREAK_GBP)).all()
        unmet = model.column_keys["role"] == 1
        assert (tb[unmet] == TIE_BREAK_GBP).all() and (tb[n:][~unmet[n:]] == 0).all()
        keys = model.column_keys
        prov = np.asarray(model.labels["provision"], dtype=object)[keys["provision"][:n]]
        zone = np.asarray(model.labels["zone"], dtype=object)[keys["zone"][:n]]
        costs.append({(z, p): float(v) for z, p, v in zip(zone, prov, tb[:n], strict=True)})
    assert costs[0][("A", "S1")] == costs[1][("A", "S1")]
    assert costs[0][("A", "S2")] == costs[1][("A", "S2")]


def test_duals_and_objective_are_the_first_pass() -> None:
    """The second pass changes the placements only: objective and shadow prices as without."""
    inst = _tied(extra_zone=True)
    on, off = solve(inst), solve(inst, tie_break=False)
    assert on.objective == pytest.approx(off.objective, rel=1e-12)
    assert on.duals["dual"].to_numpy() == pytest.approx(off.duals["dual"].to_numpy())
