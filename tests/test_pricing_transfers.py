"""Pricing with phase-transfer flows (placement_opt/solvers/pricing.py, models/transfers.md):
on random planning instances (test_planning_properties.py), the priced LP with dominated
flows left out reaches the optimum of the full LP with every flow, with a certificate."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_planning_properties import planning_instances
from test_pricing import _certified

from placement_opt import Instance, Status, build_allocation_model
from placement_opt.model import transfers
from placement_opt.model.matrix import MatrixModel
from placement_opt.options import SolveOptions
from placement_opt.solvers.highs import solve_highs
from placement_opt.solvers.pricing import pricing_groups, solve_by_pricing

ON = SolveOptions(pricing="on")
OFF = SolveOptions(pricing="off")


def _with(inst: Instance, **update: Any) -> Instance:
    policy = inst.policy.model_copy(update=update)
    return inst.replace(settings=inst.settings.model_copy(update={"policy": policy}))


def _relaxed(model: MatrixModel) -> MatrixModel:
    """The LP relaxation (change options are whole decisions; pricing takes LPs only)."""
    return replace(model, integrality=np.zeros(model.n_cols, dtype=bool))


@settings(derandomize=True, max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(planning_instances(), st.sampled_from([1000.0, 120.0, 20.0]))
def test_priced_reduced_flows_reach_the_full_optimum(inst: Instance, penalty: float) -> None:
    """A break penalty of 120 or 20 (5 a minute) makes a break cheaper than the longer flows:
    those are left out; pricing defers the rest and their rows to a second phase."""
    inst = _with(inst, transfer_cost_per_min=5.0, pathway_break_penalty=penalty)
    transfers.DROP_DOMINATED = False
    try:
        full_model = _relaxed(build_allocation_model(inst))
    finally:
        transfers.DROP_DOMINATED = True
    model = _relaxed(build_allocation_model(inst))
    full = solve_highs(full_model, OFF)
    priced = solve_by_pricing(model, ON)
    assert model.n_cols <= full_model.n_cols
    if full.status is not Status.OPTIMAL:
        assert priced.status is full.status
        return
    assert priced.objective == pytest.approx(full.objective, rel=1e-9, abs=1e-6)
    if pricing_groups(model) is not None:  # an LP with arcs (else solved plainly)
        assert "column pricing" in priced.message
    if model.n_cols:
        _certified(model, priced)


def test_the_warm_up_is_reported() -> None:
    """The Kent-like path: a model with flows is priced in a warm-up without them first."""
    from test_transfers import _instance

    model = build_allocation_model(_instance())
    priced = solve_by_pricing(model, ON)
    assert "warm-up" in priced.message
    assert priced.objective == pytest.approx(160_200)
    assert np.isfinite(priced.row_dual).all()  # type: ignore[union-attr]
