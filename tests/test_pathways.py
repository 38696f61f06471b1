"""The pathway network and pathway gaps on a crafted instance."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest
from _tiny import pathway_instance
from typer.testing import CliRunner

from placement_opt import solve
from placement_opt.cli import app
from placement_opt.cli.common import console
from placement_opt.reports.pathways import pathway_gaps, pathway_graph
from placement_opt.results.run import RunData

runner = CliRunner()


def _run() -> RunData:
    """A: primary ASD SRP (PA), secondary ASD SRP (SA) in A; B: primary ASD SRP (PB) but its
    nearest secondary ASD provision is SA, 50 min away (secondary limit 75: in reach, not
    local); B also has a primary SEMH SRP (QB) with no secondary SEMH provision anywhere.
    14 ASD primary pupils in B, 7 SEMH primary pupils in B (7 years of primary)."""
    inst = pathway_instance()
    return RunData.from_result(solve(inst), inst)


def test_gaps_in_district_and_in_reach() -> None:
    gaps = pathway_gaps(_run()).set_index(["district", "need"])
    a = gaps.loc[("A", "ASD")]
    assert not a["gap_in_district"] and not a["gap_in_reach"]
    b = gaps.loc[("B", "ASD")]
    assert b["gap_in_district"] and not b["gap_in_reach"]
    assert b["nearest_secondary"] == "SA"
    assert b["nearest_secondary_min"] == pytest.approx(50)
    assert b["expected_transfers_per_year"] == pytest.approx(14 / 7)
    assert b["transfers_without_local_continuation"] == pytest.approx(2)
    semh = gaps.loc[("B", "SEMH")]
    assert semh["gap_in_reach"] and semh["secondary_in_reach"] == 0
    assert semh["nearest_secondary"] is None


def test_graph_nodes_edges_and_exports(tmp_path: Path) -> None:
    graph = pathway_graph(_run())
    assert graph.nodes["PB"]["kind"] == "srp"
    assert graph.edges["district:B", "PB"]["pupils"] == pytest.approx(14)
    route = graph.edges["PB", "SA"]
    assert route["type"] == "transfer_route" and not route["local"]
    assert route["journey_min"] == pytest.approx(50)
    assert not graph.has_edge("QB", "SA")
    path = tmp_path / "g.graphml"
    nx.write_graphml(graph, path)
    assert nx.read_graphml(path).number_of_edges() == graph.number_of_edges()


def test_pathways_command(tmp_path: Path) -> None:
    console.width = 300
    run = _run()
    run_dir = tmp_path / "run"
    from placement_opt.results.run import write_result

    write_result(solve(run.instance), run_dir, instance=run.instance)
    res = runner.invoke(app, ["pathways", str(run_dir)])
    assert res.exit_code == 0, res.output
    assert "2 of 3 district-needs" in res.output
    for name in ("pathway_gaps.csv", "pathways.graphml", "pathways.json"):
        assert (run_dir / name).exists()
    assert runner.invoke(app, ["pathways", str(run_dir)]).exit_code == 1
