"""The tariff system (``models/continuum.md``, *Tariff*): which line prices a placement, costs
by year with continuity, re-pricing a solved run with placements held fixed (exact arithmetic),
re-solving under a proposed tariff, and the ``tariff`` command."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from placement_opt import Instance, solve
from placement_opt.cli import app
from placement_opt.model.tariff_grid import TariffGrid
from placement_opt.reports.budget import budget_export
from placement_opt.reports.tariff import priced_placements, tariff_tables
from placement_opt.results.run import RunData, load_run
from placement_opt.schema.continuum import Continuum
from placement_opt.schema.tables import KINDS

ROOT = Path(__file__).resolve().parent.parent
WORKED = ROOT / "models" / "examples" / "continuum_worked"
EXPECTED = json.loads((WORKED / "expected.json").read_text())
runner = CliRunner()


@pytest.fixture(scope="module")
def worked() -> Instance:
    return Instance.from_path(WORKED)


@pytest.fixture(scope="module")
def worked_run(worked: Instance) -> RunData:
    return RunData.from_result(solve(worked), worked)


def _tariffs(rows: list[tuple[str | None, str, str | None, int | None, float, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["level", "kind", "need", "effective_year", "place_funding",
                                       "top_up"])


# ============================================================================ which line
def test_most_specific_line_then_latest_year(worked: Instance) -> None:
    """Need-specific beats every-need; level-specific beats every-level; then the latest
    effective year not after the year."""
    tariffs = _tariffs([(None, "special", None, None, 10_000, 1),
                        ("L3", "special", None, None, 10_000, 2),
                        (None, "special", "ASD", None, 10_000, 3),
                        (None, "special", "ASD", 2027, 10_000, 4),
                        ("L2", "srp", None, 2027, 10_000, 5)])
    grid = TariffGrid.from_table(tariffs, Continuum.from_table(worked.levels), ("ASD", "SLD"),
                                 (2026, 2027))
    sp, srp = KINDS.index("special"), KINDS.index("srp")
    assert grid.line[2, sp, 1].tolist() == [1, 1]  # L3 SLD: the L3 line
    assert grid.line[0, sp, 1].tolist() == [0, 0]  # L1 SLD: the generic line
    assert grid.line[2, sp, 0].tolist() == [2, 3]  # L3 ASD: the ASD lines, 2027 from then on
    assert grid.line[1, srp, 0].tolist() == [-1, 4]  # nothing before the effective year
    assert grid.price(np.array([3, -1]), np.array([0.0, 16_000.0])).tolist() == [10_004.0, 16_000.0]


def test_tariff_changes_the_model_cost_in_the_year_it_takes_effect(worked: Instance) -> None:
    """Continuity over 2026-2027 (primary: 7 years, so 6/7 of a 2026 placement is still there in
    2027). The L3 special line rises from 30,000 to 37,000 in 2027 for pupils placed in 2026 as
    well: the model charges each year held at that year's rate, as the allocations report it."""
    demand = pd.concat([worked.demand, worked.demand.assign(year=2027)], ignore_index=True)
    tariffs = pd.concat([worked.tariffs, _tariffs([("L3", "special", None, 2027, 10_000,
                                                    27_000)])], ignore_index=True)
    inst = worked.replace(demand=demand, tariffs=tariffs,
                          settings=worked.settings.model_copy(update={
                              "policy": worked.policy.model_copy(update={"continuity": True})}))
    result = solve(inst)
    alloc = result.allocations
    sp3 = alloc[(alloc["level"] == "L3") & (alloc["provision"] == "SP")].set_index("year")
    assert (sp3["place_cost"] / sp3["pupils"]).to_dict() == pytest.approx({2026: 30_000,
                                                                           2027: 37_000})
    assert result.kpi("total_cost") == pytest.approx(alloc["cost"].sum())
    assert result.objective == pytest.approx(alloc["cost"].sum()
                                             + result.kpi("unmet_penalty"), rel=1e-9)


def test_no_tariff_table_keeps_the_provisions_costs() -> None:
    inst = Instance.from_path(ROOT / "instances" / "demo")
    alloc = solve(inst).allocations
    cost = alloc["provision"].map(inst.provisions.set_index("provision")["cost_per_place"])
    assert np.allclose(alloc["place_cost"], cost * alloc["pupils"])


# ============================================================================ re-pricing
def test_line_costs_add_up_to_the_run(worked_run: RunData) -> None:
    lines = tariff_tables(worked_run)["lines"]
    every = lines[lines["year"].astype(str) == "all"].set_index("line")
    assert every["cost_gbp"].to_dict() == {"1": 80_000.0, "3": 24_252.0, "4": 210_000.0,
                                           "2": 108_000.0, "own cost_per_place": 98_518.0}
    assert every.loc["4", "top_up_gbp"] == 7 * 20_000
    assert every["cost_gbp"].sum() == worked_run.allocations["place_cost"].sum()


def test_proposed_tariff_on_the_same_placements(worked: Instance, worked_run: RunData) -> None:
    """models/continuum.md: the L3 special top-up falls from 20,000 to 17,000; the 7 L3 pupils in
    SP cost 21,000 less and nothing else changes: 520,770 - 21,000 = 499,770."""
    proposed = worked.replace(tariffs=pd.DataFrame(EXPECTED["proposed_tariffs"]))
    compare = tariff_tables(worked_run, proposed)["compare"]
    total = compare[compare["level"] == "all"].iloc[0]
    assert total["proposed_same_placements_gbp"] == EXPECTED["proposed_same_placements_objective"]
    assert total["difference_gbp"] == -21_000
    changed = compare[compare["difference_gbp"] != 0]
    assert changed[["level", "kind"]].to_dict("records") == [{"level": "L3", "kind": "special"},
                                                             {"level": "all", "kind": "all"}]


@settings(derandomize=True, max_examples=30, deadline=None)
@given(st.lists(st.integers(0, 40_000), min_size=4, max_size=4),
       st.lists(st.sampled_from([None, "L1", "L2", "L3"]), min_size=4, max_size=4))
def test_tariff_change_with_placements_fixed_is_exact(worked: Instance, worked_run: RunData,
                                                      top_ups: list[int],
                                                      levels: list[str | None]) -> None:
    """Any proposed table, placements held fixed: the difference is exactly the sum over the
    placements of pupils x (new rate - old rate), computed here by hand from the tables."""
    proposed_tariffs = pd.DataFrame({"level": levels, "kind": ["special", "srp", "mainstream", "ap"],
                                     "place_funding": 10_000.0,
                                     "top_up": [float(t) for t in top_ups]})
    proposed = worked.replace(tariffs=proposed_tariffs)
    compare = tariff_tables(worked_run, proposed)["compare"]
    got = float(compare.loc[compare["level"] == "all", "difference_gbp"].iloc[0])
    expected = 0
    for row in worked_run.allocations.itertuples():
        old = row.place_cost / row.pupils
        match = proposed_tariffs[(proposed_tariffs["kind"] == row.kind)
                                 & (proposed_tariffs["level"].isna()
                                    | (proposed_tariffs["level"] == row.level))]
        new = (float(match["place_funding"].iloc[0] + match["top_up"].iloc[0]) if len(match)
               else float(worked.provisions.set_index("provision").loc[row.provision,
                                                                       "cost_per_place"]))
        expected += int(row.pupils) * round(new - old)
    assert got == expected


def test_priced_placements_of_a_run_without_levels() -> None:
    """Allocations from before levels (no level column) are priced at the default level."""
    alloc = pd.DataFrame({"year": [2026], "need": ["ASD"], "kind": ["special"],
                          "provision": ["SP"], "pupils": [2.0]})
    prov = pd.DataFrame({"provision": ["SP"], "cost_per_place": [24_252.0]})
    priced = priced_placements(alloc, prov, _tariffs([(None, "special", None, None, 10_000, 5)]),
                               Continuum.from_table(pd.DataFrame()), ("ASD",), (2026,))
    assert priced["place_cost"].tolist() == [20_010.0]


def test_budget_export_takes_place_funding_from_the_tariff(worked_run: RunData) -> None:
    """Special: 8 pupils x 10,000 place funding; top-up 14,252 (L2) + 7 x 20,000 (L3)."""
    export = budget_export(worked_run).set_index(["funding_line", "provision_kind"])
    assert export.loc[("place_funding", "special"), "amount_gbp"] == 80_000
    assert export.loc[("top_up", "special"), "amount_gbp"] == 14_252 + 140_000
    assert export.loc[("place_funding", "srp"), "amount_gbp"] == 60_000


# ============================================================================ command
PROPOSED = "level,kind,need,effective_year,place_funding,top_up\n" \
           "L1,mainstream,,,6000,4000\nL2,srp,,,10000,{srp}\n,special,,,10000,14252\n" \
           "L3,special,,,10000,20000\n"


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    out = tmp_path / "run"
    assert runner.invoke(app, ["solve", str(WORKED), "--out", str(out)]).exit_code == 0
    return out


def test_tariff_command_writes_and_refuses_to_overwrite(run_dir: Path) -> None:
    res = runner.invoke(app, ["tariff", str(run_dir)])
    assert res.exit_code == 0, res.output
    assert (run_dir / "tariff.xlsx").exists() and (run_dir / "tariff_lines.csv").exists()
    before = (run_dir / "tariff_lines.csv").read_bytes()
    assert runner.invoke(app, ["tariff", str(run_dir)]).exit_code == 1
    assert (run_dir / "tariff_lines.csv").read_bytes() == before
    assert runner.invoke(app, ["tariff", str(run_dir), "--overwrite"]).exit_code == 0


def test_tariff_command_resolves_under_the_proposed_prices(run_dir: Path, tmp_path: Path) -> None:
    """The L2 SRP rate rises to 50,000. Same placements: 6 x 32,000 more = 712,770. Re-solved:
    an L2 pupil in SP costs 24,252 plus 19,259 for the L3 pupil it sends to IND (43,511), less
    than 50,000, so all 7 go to SP: 80,000 + 7 x 24,252 + 30,000 + 8 x 49,259 = 673,836."""
    file = tmp_path / "proposed.csv"
    file.write_text(PROPOSED.format(srp=40_000))
    res = runner.invoke(app, ["tariff", str(run_dir), "--proposed", str(file), "--resolve"])
    assert res.exit_code == 0, res.output
    compare = pd.read_csv(run_dir / "tariff_compare.csv")
    total = compare[compare["level"] == "all"].iloc[0]
    assert total["current_gbp"] == 520_770
    assert total["proposed_same_placements_gbp"] == 712_770
    assert total["resolved_gbp"] == 673_836
    assert (total["resolved_gbp"] + total["resolved_travel_gbp"]
            <= total["proposed_same_placements_gbp"] + total["current_travel_gbp"])
    l2 = compare[(compare["level"] == "L2") & (compare["kind"] == "special")].iloc[0]
    assert l2["resolved_pupils"] == 7


def test_tariff_command_names_the_bad_row_of_a_proposed_file(run_dir: Path, tmp_path: Path) -> None:
    file = tmp_path / "proposed.csv"
    file.write_text("level,kind,place_funding,top_up\nL1,mainstream,6000,4000\nL9,srp,1,1\n")
    res = runner.invoke(app, ["tariff", str(run_dir), "--proposed", str(file)], terminal_width=300)
    assert res.exit_code == 2
    assert "proposed.csv" in res.output and "L9" in res.output and "unknown level" in res.output
    assert not (run_dir / "tariff.xlsx").exists()


def test_tariff_command_resolve_needs_a_proposal(run_dir: Path) -> None:
    res = runner.invoke(app, ["tariff", str(run_dir), "--resolve"])
    assert res.exit_code == 2
    assert "--proposed" in res.output


def test_tariff_command_missing_proposed_file(run_dir: Path, tmp_path: Path) -> None:
    res = runner.invoke(app, ["tariff", str(run_dir), "--proposed", str(tmp_path / "none.csv")],
                        terminal_width=300)
    assert res.exit_code == 2
    assert "no such file" in res.output


def test_load_run_reads_levels_as_text(run_dir: Path) -> None:
    assert set(load_run(run_dir).allocations["level"]) == {"L1", "L2", "L3"}
