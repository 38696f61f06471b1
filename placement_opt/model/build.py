"""Build the core allocation model as a MatrixModel (formulation: ``models/allocation.md``)."""

from __future__ import annotations

import numpy as np

from placement_opt.instance import Instance
from placement_opt.model.arcs import Arcs, eligible_arcs
from placement_opt.model.changes import add_change_rows, plan_changes
from placement_opt.model.columns import (
    ROLES,
    ColumnLayout,
    Role,
    block,
    join_columns,
    number_columns,
)
from placement_opt.model.core_columns import demand_row_columns, investment_columns
from placement_opt.model.core_rows import add_candidate_rows, add_core_rows, held_places
from placement_opt.model.data import ModelData
from placement_opt.model.investment import add_investment_rows
from placement_opt.model.layout import ModelLayout
from placement_opt.model.matrix import MatrixModel
from placement_opt.model.occupancy import Occupancy, occupancy
from placement_opt.model.rows import RowAccumulator, concat_float
from placement_opt.model.safety_valve import add_safety_valve_rows, plan_safety_valve
from placement_opt.model.transfer_cells import CellPlan, add_transfer_cell_rows, plan_transfer_cells
from placement_opt.model.transfers import TransferPlan, add_transfer_rows, plan_transfers
from placement_opt.model.transport import transport_cost

__all__ = ["FORMULATION", "ROLES", "build_allocation_model", "build_from_data"]

FORMULATION = ("models/allocation.md + models/openings.md + models/planning.md"
               " + models/changes.md + models/transfers.md + models/continuum.md"
               " + models/high_needs.md")
#: Use the cell formulation when transfers cost nothing per minute (tests switch it off to
#: check both give the same optimum).
TRANSFER_CELLS = True


def build_allocation_model(instance: Instance) -> MatrixModel:
    """The allocation LP/MIP of ``models/allocation.md`` for every year of ``instance``.

    Columns, one block per :class:`~placement_opt.model.columns.Role` in that order: one per
    eligible arc, one unmet column per demand row with pupils > 0, for candidate sites
    (``models/openings.md``) an open column per year and a size column, then the expansion,
    overspend, surplus, change and transfer blocks where the instance has them, and with a
    Safety Valve target (``models/high_needs.md``) the shortfall (soft) and commissioned
    (funded candidates) blocks.
    Row blocks, in order: ``demand`` (1), ``capacity`` (2), ``need_capacity`` (3),
    ``local_share`` (4), ``independent_cap`` (5), then the candidate blocks
    ``candidate_size``, ``arc_open``, ``size_max``, ``size_min``, ``opening_order`` and
    ``openings``, the budget blocks, and with a target ``commissioned_places`` and
    ``safety_valve``.
    """
    data = ModelData.from_instance(instance)
    return build_from_data(data, eligible_arcs(data), instance)


def build_from_data(data: ModelData, arcs: Arcs, instance: Instance) -> MatrixModel:
    """Assemble the sparse model from coded data and an arc table (all vectorised): make every
    column block, number them once (:class:`Role` order), then write the rows against that
    numbering."""
    pol = instance.policy
    # Occupancy: the years in which each arc's placements hold a place (models/planning.md,
    # continuity); without continuity, only the arc's own year, with weight 1.
    occ = occupancy(data, arcs, pol.continuity)
    held = held_places(data, arcs, occ, pol.continuity)
    a_p = arcs.provision
    minutes = data.minutes[held.a_z, a_p]
    # Transport cost per pupil-year (models/allocation.md, the transport term).
    travel = transport_cost(data, pol, held.a_z, a_p)
    e_travel = transport_cost(data, pol, held.e_z, held.e_p)
    # Place cost of each year held: the tariff line in effect then (models/continuum.md).
    o_place = data.place_cost(held.o_p, held.o_k, held.o_l, occ.year)
    e_place = data.place_cost(held.e_p, held.e_k, held.e_l, held.e_t)
    e_unit = e_place + e_travel + pol.journey_cost_per_min * data.minutes[held.e_z, held.e_p]
    unit = travel + pol.journey_cost_per_min * minutes
    n_a = len(arcs)
    arc_cost = unit * np.bincount(occ.arc, weights=occ.weight, minlength=n_a) \
        + np.bincount(occ.arc, weights=occ.weight * o_place, minlength=n_a)
    cand = np.flatnonzero(data.candidate)
    budget_years = np.flatnonzero(~np.isnan(data.revenue_budget)).astype(np.int64)
    changes = plan_changes(data, instance)
    transfers = _plan_transfers(data, arcs, occ, instance)
    valve, valve_blocks = plan_safety_valve(data, instance)
    blocks = [
        block(Role.ARC, arc_cost, integer=pol.integer_pupils, year=held.a_t, zone=held.a_z,
              need=held.a_k, phase=held.a_h, provision=a_p, demand_row=arcs.demand),
        demand_row_columns(data, Role.UNMET, pol.unmet_penalty),
        *investment_columns(data, pol, cand, budget_years),
        *([demand_row_columns(data, Role.SURPLUS, 0.0)] if pol.continuity else []),
        *([changes.columns] if changes is not None else []),
        *([transfers.flows, transfers.breaks] if transfers is not None else []),
        *valve_blocks,
    ]
    columns = number_columns(blocks)
    rows = RowAccumulator()
    add_core_rows(rows, data, pol, held, columns, changes)
    add_candidate_rows(rows, data, pol, arcs, held, columns)
    revenue_cost = o_place + occ.per_entry(travel)  # per occupancy entry
    e_revenue = np.bincount(held.e_t, weights=held.e_n * (e_place + e_travel),
                            minlength=len(data.years)).astype(np.float64)
    add_investment_rows(rows, data, pol, occ, revenue_cost, e_revenue, cand, columns,
                        budget_years)
    if valve is not None:  # the Safety Valve target (models/high_needs.md)
        valve = add_safety_valve_rows(rows, valve, data, occ.arc, held.o_p, occ.year,
                                      occ.weight, o_place, held.e_p, held.e_t, held.e_n,
                                      e_place, pol.place_funding_per_place, changes, columns)
    if changes is not None:
        add_change_rows(rows, changes, data, arcs, held.existing_at(data),
                        columns.start(Role.CHANGE))
    if transfers is not None:
        _add_transfer_rows(rows, transfers, data, arcs, instance, columns)
    matrix = rows.matrix(columns.n_cols)
    arrays = join_columns(blocks)
    labels: dict[str, tuple[object, ...]] = {
        "role": ROLES, "year": data.years, "zone": data.zones, "district": data.districts,
        "need": data.needs,
        "phase": data.phases, "provision": data.provisions, "level": data.levels,
    }
    return MatrixModel(
        formulation=FORMULATION, c=arrays.cost, A=matrix,
        row_lower=concat_float(rows.lo), row_upper=concat_float(rows.hi),
        col_lower=np.zeros(columns.n_cols), col_upper=arrays.upper,
        integrality=arrays.integer, blocks=tuple(rows.blocks), column_keys=arrays.keys,
        labels=labels, offset=float(np.sum(e_unit * held.e_n)),
        layout=ModelLayout(columns, int(data.d_pupils.size), occ, pol.continuity, budget_years,
                           changes, transfers, valve),
    )


def _plan_transfers(data: ModelData, arcs: Arcs, occ: Occupancy,
                    instance: Instance) -> TransferPlan | CellPlan | None:
    """Phase transfers (models/transfers.md): by cell when transfers cost nothing per minute
    (the same optimum with far fewer columns), else one flow per (provision, arc) pair."""
    pol = instance.policy
    if not pol.pathway_flows:
        return None
    if pol.transfer_cost_per_min == 0 and TRANSFER_CELLS:
        return plan_transfer_cells(data, arcs, occ, instance)
    return plan_transfers(data, arcs, occ, instance)


def _add_transfer_rows(rows: RowAccumulator, plan: TransferPlan | CellPlan, data: ModelData,
                       arcs: Arcs, instance: Instance, columns: ColumnLayout) -> None:
    if isinstance(plan, CellPlan):
        add_transfer_cell_rows(rows, plan, data, instance, columns)
    else:
        add_transfer_rows(rows, plan, data, arcs, instance, columns)
