"""Implied bounds of the restricted LPs and the dual shift that undoes them
(placement_opt/solvers/pricing_boxes.py): hand-computed cases, and on a generated instance
the priced duals certify the LP without the bounds even where a column ends at its bound."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from test_pricing import ON, _certified, _generate

from placement_opt import build_allocation_model
from placement_opt.model.matrix import MatrixModel
from placement_opt.solvers.pricing import reduced_costs, solve_by_pricing
from placement_opt.solvers.pricing_boxes import implied_boxes, shift_duals

INF = np.inf


def _lp() -> MatrixModel:
    """Columns x1, x2, u, s. Row 0: x1 + x2 + u = 5 (a demand row); row 1: x1 <= 10;
    row 2: x2 - s = 0 (a negative entry: no box); row 3: 2 x2 + u = 0 (rhs 0: no box)."""
    a = sp.csr_matrix(np.array([[1.0, 1, 1, 0], [1, 0, 0, 0], [0, 1, 0, -1], [0, 2, 1, 0]]))
    return MatrixModel(formulation="test", c=np.array([1.0, 2, 10, 0]), A=a,
                       row_lower=np.array([5.0, -INF, 0, 0]), row_upper=np.array([5.0, 10, 0, 0]),
                       col_lower=np.zeros(4), col_upper=np.full(4, INF),
                       integrality=np.zeros(4, dtype=bool), blocks=(), column_keys={}, labels={})


def test_implied_bounds_come_from_equality_rows_with_nonnegative_entries() -> None:
    model = _lp()
    boxes = implied_boxes(model, sp.csc_matrix(model.A))
    assert boxes.rows.tolist() == [True, False, False, False]
    assert boxes.upper.tolist() == [5.0, 5.0, 5.0, INF]
    assert boxes.restricted_upper(model, np.array([0, 3])).tolist() == [5.0, INF]


def test_the_shift_makes_a_column_at_its_bound_dual_feasible() -> None:
    """x1 = 5 at its bound with the demand dual 10 (u's cost): rc(x1) = -9, rc(x2) = -8. The
    shift lowers the dual by 9, to x1's cost: rc = 0 (x1), 1 (x2), 9 (u)."""
    model = _lp()
    csc = sp.csc_matrix(model.A)
    boxes = implied_boxes(model, csc)
    y = shift_duals(model, csc, boxes, np.arange(3), np.array([10.0, 0, 0, 0]))
    assert y.tolist() == [1.0, 0, 0, 0]
    assert reduced_costs(model, y)[:3].tolist() == [0.0, 1.0, 9.0]
    assert shift_duals(model, csc, boxes, np.arange(3), y).tolist() == y.tolist()


def test_priced_duals_certify_the_lp_without_the_bounds() -> None:
    """On a generated instance some columns end at their implied bound: the shifted duals still
    certify the optimum of the LP as built (no bounds)."""
    model = build_allocation_model(_generate().make_instance(30, 14, 5, 0))
    priced = solve_by_pricing(model, ON)
    assert priced.x is not None
    boxes = implied_boxes(model, sp.csc_matrix(model.A))
    at_bound = np.isfinite(boxes.upper) & (priced.x >= boxes.upper - 1e-9) & (boxes.upper > 0)
    assert at_bound.any()
    _certified(model, priced)


def test_a_column_at_a_bound_of_its_own_keeps_its_reduced_cost() -> None:
    """With x1 <= 2 of its own (tighter than its box, 5), only x2 and u count: the shift is
    x2's rc (-8), and x1 keeps rc 1 - 2 = -1 (at its own bound, a legitimate optimum)."""
    from dataclasses import replace

    model = _lp()
    model = replace(model, col_upper=np.array([2.0, INF, INF, INF]))
    csc = sp.csc_matrix(model.A)
    y = shift_duals(model, csc, implied_boxes(model, csc), np.arange(3),
                    np.array([10.0, 0, 0, 0]))
    assert y.tolist() == [2.0, 0, 0, 0]
