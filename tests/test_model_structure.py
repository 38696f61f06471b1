"""The MatrixModel's structure, checked without solving."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from _tiny import tiny

from placement_opt import Instance, build_allocation_model, solve

ROOT = Path(__file__).resolve().parent.parent
WORKED = ROOT / "models" / "examples" / "allocation_worked"


def test_worked_example_structure() -> None:
    """A reaches only P1 (45-min limit); B reaches P1, P2, P3: 4 arcs + 2 unmet columns.
    Rows: 2 demand, 3 capacity, 1 local share (zone A)."""
    model = build_allocation_model(Instance.from_path(WORKED))
    cols = model.column_table()
    arcs = cols[cols["role"] == "arc"]
    assert sorted(zip(arcs["zone"], arcs["provision"], strict=True)) == [
        ("A", "P1"), ("B", "P1"), ("B", "P2"), ("B", "P3")]
    assert (cols["role"] == "unmet").sum() == 2
    assert [(b.family, b.size) for b in model.blocks] == [
        ("demand", 2), ("capacity", 3), ("local_share", 1)]
    rows = model.row_table()
    local = rows[rows["family"] == "local_share"].iloc[0]
    assert local["zone"] == "A"
    assert local["lower"] == pytest.approx(0.8 * 15)
    # Arc costs: c_p + tau * km (tau = 100).
    cost = dict(zip(zip(arcs["zone"], arcs["provision"], strict=True), arcs["cost"], strict=True))
    assert cost[("A", "P1")] == pytest.approx(20_000 + 100 * 18)
    assert cost[("B", "P3")] == pytest.approx(45_000 + 100 * 10)
    assert not model.is_mip


def test_zero_capacity_and_zero_demand_make_no_columns() -> None:
    """A provision with no places that year gets no arcs; a zero-demand row gets no columns."""
    inst = tiny([{"provision": "P", "kind": "special", "zone": "A", "capacity": 0,
                  "cost_per_place": 1},
                 {"provision": "Q", "kind": "special", "zone": "A", "capacity": 4,
                  "cost_per_place": 1}],
                [("A", "ASD", 3), ("A", "SLD", 0)])
    model = build_allocation_model(inst)
    cols = model.column_table()
    assert cols["provision"].dropna().tolist() == ["Q"]
    assert model.n_cols == 2


def test_model_build_is_deterministic() -> None:
    inst = Instance.from_path(ROOT / "instances" / "demo")
    a, b = build_allocation_model(inst), build_allocation_model(inst)
    assert np.array_equal(a.c, b.c)
    assert (a.A != b.A).nnz == 0


def test_solve_leaves_the_instance_unchanged() -> None:
    inst = Instance.from_path(ROOT / "instances" / "demo")
    before = inst.fingerprint()
    solve(inst)
    assert inst.fingerprint() == before


def test_unreachable_demand_is_a_planner_warning() -> None:
    """SLD is designated nowhere near: the warning names pupils, need, phase, zone and year."""
    inst = tiny([{"provision": "P", "kind": "special", "zone": "A", "capacity": 5,
                  "cost_per_place": 1, "needs": "ASD;SLD"}],
                [("A", "ASD", 2), ("A", "SLD", 12)], journeys={("A", "P"): (52, 30)})
    r = solve(inst)
    texts = [w.message for w in r.warnings]
    assert ("no eligible provision within 45 min for 12 SLD primary pupils in A 2026 "
            "(nearest designated: P at 52 min)") in texts
    assert r.kpi("unmet") == pytest.approx(14)


def test_row_accumulator_matrix_sums_duplicates_and_releases_its_triplets() -> None:
    """Duplicates are summed; the accumulator keeps no triplets once the matrix is built (its
    row bounds stay)."""
    from placement_opt.model.rows import RowAccumulator

    rows = RowAccumulator()
    rows.add("a", {"year": np.array([0, 1])}, np.array([0, 1, 1]), np.array([0, 3, 1]),
             np.array([1.0, 2.0, 3.0]), np.zeros(2), np.ones(2))
    rows.add("b", {"year": np.array([0])}, np.array([0, 0]), np.array([4, 4]),
             np.array([4.0, 5.0]), np.zeros(1), np.ones(1))
    dense = rows.matrix(5).toarray()
    assert dense.tolist() == [[1, 0, 0, 0, 0], [0, 3, 0, 2, 0], [0, 0, 0, 0, 9]]
    assert rows.r == [] and rows.c == [] and rows.v == []
    assert len(rows.lo) == 2 and rows.n == 3


def test_occupancy_without_continuity_shares_the_arc_arrays() -> None:
    """Without continuity each arc is its own occupancy entry: per-entry values are the arc
    arrays themselves (no copy); with continuity they are gathered by entry."""
    from placement_opt.model.arcs import eligible_arcs
    from placement_opt.model.data import ModelData
    from placement_opt.model.occupancy import occupancy

    data = ModelData.from_instance(Instance.from_path(WORKED))
    arcs = eligible_arcs(data)
    values = np.arange(len(arcs)) * 10
    plain = occupancy(data, arcs, continuity=False)
    assert plain.per_entry(values) is values
    held = occupancy(data, arcs, continuity=True)
    assert held.per_entry(values).tolist() == values[held.arc].tolist()


def test_column_blocks_are_numbered_once_in_role_order() -> None:
    """Blocks given in any order are numbered by role; a role without a block has no columns;
    the joined arrays follow the numbering, with -1 for keys a block does not have."""
    from placement_opt.model.columns import Role, block, join_columns, number_columns

    blocks = [block(Role.SURPLUS, np.zeros(2), year=np.array([0, 1])),
              block(Role.ARC, np.array([5.0, 6.0, 7.0]), integer=True,
                    provision=np.array([2, 0, 1])),
              block(Role.OPEN, np.array([9.0]), np.array([1.0]), True)]
    layout = number_columns(blocks)
    assert [(s.role, s.start, s.size) for s in layout.spans] == [
        (Role.ARC, 0, 3), (Role.OPEN, 3, 1), (Role.SURPLUS, 4, 2)]
    assert layout.n_cols == 6
    assert layout.index(Role.SURPLUS).tolist() == [4, 5]
    assert layout.span(Role.CHANGE) == slice(6, 6)
    arrays = join_columns(blocks)
    assert arrays.cost.tolist() == [5, 6, 7, 9, 0, 0]
    assert arrays.upper.tolist() == [np.inf, np.inf, np.inf, 1.0, np.inf, np.inf]
    assert arrays.integer.tolist() == [True, True, True, True, False, False]
    assert arrays.keys["role"].tolist() == [0, 0, 0, 2, 6, 6]
    assert arrays.keys["provision"].tolist() == [2, 0, 1, -1, -1, -1]
    assert arrays.keys["year"].tolist() == [-1, -1, -1, -1, 0, 1]
    with pytest.raises(ValueError, match="one column block per role"):
        number_columns([blocks[0], blocks[0]])


def test_model_layout_locates_every_role() -> None:
    """The typed layout's spans agree with the column table's roles."""
    from placement_opt.model.columns import ROLES, Role

    model = build_allocation_model(Instance.from_path(ROOT / "instances" / "demo"))
    assert model.layout is not None
    roles = model.column_keys["role"]
    for role in Role:
        span = model.layout.columns.span(role)
        assert np.all(roles[span] == role)
        assert int((roles == role).sum()) == span.stop - span.start
    assert model.layout.n_arcs == int((roles == Role.ARC).sum())
    assert model.labels["role"] == ROLES
