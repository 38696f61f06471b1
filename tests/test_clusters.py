"""Cluster budgets (``models/continuum.md``, *Cluster budgets*): a hand-checked tiny case, the
default clusters, the pinned columns, and reconciliation to the penny on the Kent instance."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from _tiny import tiny

from placement_opt import Instance, Result, solve
from placement_opt.reports.budget import budget_export
from placement_opt.reports.clusters import (
    CLUSTER_COLUMNS,
    cluster_budgets,
    cluster_summary,
    provision_clusters,
    zone_clusters,
)
from placement_opt.results.run import RunData

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def small() -> RunData:
    """Zones A and B in cluster North, C on its own (blank cluster: itself). Mainstream MA in A
    (4 places, 12,000), SRP SB in B (3 places, 16,000, cluster given as South), special SC in C
    (20 places, 24,252); 0 km within a zone, 20 km between zones, at 100 GBP/km. Demand: A 5,
    B 2, C 3. MA is worth most to A (its alternative, SB, costs 18,000): A takes its 4 places;
    A's 5th pupil (18,000) and B's 2 (16,000) fill SB; C's 3 go to SC. Transport: 1 x 2,000."""
    inst = tiny([{"provision": "MA", "kind": "mainstream", "zone": "A", "capacity": 4,
                  "cost_per_place": 12_000},
                 {"provision": "SB", "kind": "srp", "zone": "B", "capacity": 3,
                  "cost_per_place": 16_000, "cluster": "South"},
                 {"provision": "SC", "kind": "special", "zone": "C", "capacity": 20,
                  "cost_per_place": 24_252}],
                [("A", 5), ("B", 2), ("C", 3)],
                journeys={(z, p): (10.0, 0.0 if p[1] == z else 20.0) for z in "ABC"
                          for p in ("MA", "SB", "SC")},
                policy={"transport_cost_per_km": 100.0})
    zones = inst.zones.assign(cluster=["North", "North", None])
    inst = inst.replace(zones=zones)
    return RunData.from_result(solve(inst), inst)


def test_default_clusters(small: RunData) -> None:
    assert zone_clusters(small.instance).to_dict() == {"A": "North", "B": "North", "C": "C"}
    assert provision_clusters(small.instance).to_dict() == {"MA": "North", "SB": "South",
                                                            "SC": "C"}


def test_cluster_budgets_by_hand(small: RunData) -> None:
    table = cluster_budgets(small).set_index(["cluster", "budget_line"])
    assert table.loc[("North", "mainstream_support"), "amount_gbp"] == 4 * 12_000
    assert table.loc[("North", "srp_support"), "amount_gbp"] == 3 * 16_000
    assert table.loc[("North", "srp_support"), "places_in_cluster"] == 0  # SB is in South
    assert table.loc[("North", "mainstream_support"), "demand"] == 7
    assert table.loc[("C", "srp_support"), "amount_gbp"] == 0
    assert table.loc[("central", "special_placements"), "amount_gbp"] == 3 * 24_252
    assert table.loc[("central", "transport"), "amount_gbp"] == 2_000
    assert table.loc[("central", "reconciliation"), "amount_gbp"] == 0
    assert table.loc[("central", "high_needs_total"), "amount_gbp"] == (
        48_000 + 48_000 + 72_756 + 2_000)
    assert table.loc[("North", "mainstream_support"), "county_amount_gbp"] == 48_000
    summary = cluster_summary(cluster_budgets(small)).set_index("cluster_or_line")
    assert summary.loc["North", "2026"] == 96_000


def test_cluster_columns_are_pinned(small: RunData) -> None:
    """The clusters sheet of the budget export (schema 1.1): change it only with a version bump."""
    assert CLUSTER_COLUMNS == ["schema_version", "year", "cluster", "held", "budget_line", "pupils",
                               "demand", "county_demand", "places_in_cluster", "amount_gbp",
                               "county_amount_gbp"]
    table = cluster_budgets(small)
    assert list(table.columns) == CLUSTER_COLUMNS
    assert set(table["schema_version"]) == {"1.1"}


@pytest.fixture(scope="module")
def kent() -> tuple[Instance, Result]:
    inst = Instance.from_path(ROOT / "instances" / "kent")
    return inst, solve(inst, time_limit=60)


def test_kent_cluster_budgets_reconcile_to_the_penny(kent: tuple[Instance, Result]) -> None:
    """Kent's clusters are its 12 districts (data card; its small-area zones take their
    district's cluster). Every year, in whole pence, the 12
    cluster budgets (mainstream + SRP support of their children) + the central lines +
    reconciliation = the high-needs total; the total is the total_cost KPI and the in-objective
    revenue lines of the budget export; reconciliation is only rounding (half a penny a line)."""
    inst, result = kent
    run = RunData.from_result(result, inst)
    table = cluster_budgets(run)
    export = budget_export(run)
    revenue = export[export["in_objective"] & (export["funding_line"] != "capital")]
    districts = set(inst.zones.loc[inst.zones["area"] != "Out of county", "district"])
    assert set(table.loc[table["held"] == "cluster", "cluster"]) == districts
    assert len(districts) == 12
    for year, rows in table.groupby("year"):
        pence = (rows["amount_gbp"] * 100).round().astype("int64")
        total = int(pence[rows["held"] == "total"].iloc[0])
        assert int(pence[rows["held"] != "total"].sum()) == total
        assert total == round(result.kpi("total_cost", int(year)) * 100)
        assert total == round(revenue.loc[revenue["year"] == year, "amount_gbp"].sum() * 100)
        lines = int((rows["held"].isin(["cluster", "central"])).sum())
        assert abs(int(pence[rows["held"] == "reconciliation"].iloc[0])) <= lines / 2
        clusters = rows[rows["held"] == "cluster"]
        alloc = run.allocations[(run.allocations["year"] == year)
                                & run.allocations["kind"].isin(["mainstream", "srp"])]
        assert clusters["amount_gbp"].sum() == pytest.approx(alloc["place_cost"].sum(), abs=0.06)
        demand = clusters.drop_duplicates("cluster")["demand"].sum()
        assert demand == inst.demand.loc[inst.demand["year"] == year, "pupils"].sum()


def test_kent_budget_workbook_has_the_cluster_sheet(kent: tuple[Instance, Result],
                                                    tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from placement_opt.reports.files import write_budget

    inst, result = kent
    write_budget(RunData.from_result(result, inst), tmp_path)
    book = load_workbook(tmp_path / "budget_export.xlsx", read_only=True)
    assert "clusters" in book.sheetnames and "cluster_summary" in book.sheetnames
    book.close()
    csv = pd.read_csv(tmp_path / "budget_clusters.csv")
    assert list(csv.columns) == CLUSTER_COLUMNS
