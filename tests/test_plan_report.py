"""The planner's plan (``placement_opt.reports.plan``) on a hand-solved instance.

Zones A and B, ASD primary, 2026 only: 16 pupils in A, 6 in B. Every journey is 10 minutes;
0 km within a zone and 2 km across, at GBP 1,000 per km, so a cross-zone pupil costs GBP 2,000
more a year.

| provision | kind | zone | places | GBP a place | option |
|---|---|---|---|---|---|
| S | special | A | 10 | 20,000 | expansion: 2 places for 50,000 (max 1, lead 0) |
| I | independent | A | 100 | 50,000 | – |
| C | srp, candidate | B | up to 8 | 16,000 | opening cost 60,000 |

Hand solution. C opens (it saves 32,000-34,000 a pupil, 8 pupils, for 60,000): B's 6 pupils
(16,000) and 2 of A's (18,000 with transport). The expansion saves 2 x (50,000 - 20,000) =
60,000 for 50,000, so S has 12 places for A; A's last 2 go to I. Objective
12(20,000) + 2(18,000) + 6(16,000) + 2(50,000) + 60,000 + 50,000 = 582,000.

The plan's reasons. C: pupils from B 6 and A 2; their cost 6(16,000) + 2(18,000) = 132,000;
in the cheapest eligible place with room elsewhere (S is full), I: 6(52,000) + 2(50,000) = 412,000;
saving 280,000, net of capital 220,000, payback 60/280 years; one more place at C moves an A
pupil from I (50,000) to C (18,000): shadow price -32,000. S: 2 of its 12 places are added, so
2/12 of its 12 pupils: cost 40,000 against 2(50,000); saving 60,000, net 10,000; shadow price
-30,000 (one more pupil from I). Places by district: A has demand 16 and 12 local places of
which 2 added, so the deficit is 6 without the investment and 4 after; B has demand 6 and 8
places, all added: deficit 6 without, 0 after.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from _tiny import pathway_instance, tiny
from typer.testing import CliRunner

from placement_opt import Instance, solve
from placement_opt.cli import app
from placement_opt.cli import common as cli_app
from placement_opt.reports.files import PLAN_FILES, write_plan, write_reports
from placement_opt.reports.html.run_page import render_html_report
from placement_opt.reports.plan import (
    added_places,
    closed_sites,
    has_investments,
    investments,
    places_added,
    plan_report,
)
from placement_opt.results.run import RunData, load_run, write_result

runner = CliRunner()


def _instance(expansion: bool = True) -> Instance:
    journeys = {(z, p): (10.0, 0.0 if z == home else 2.0)
                for z in ("A", "B") for p, home in (("S", "A"), ("I", "A"), ("C", "B"))}
    inst = tiny(
        [{"provision": "S", "kind": "special", "zone": "A", "capacity": 10, "cost_per_place": 20_000},
         {"provision": "I", "kind": "independent", "zone": "A", "capacity": 100,
          "cost_per_place": 50_000},
         {"provision": "C", "kind": "srp", "zone": "B", "capacity": 8, "cost_per_place": 16_000,
          "candidate": True, "opening_cost": 60_000}],
        [("A", 16.0), ("B", 6.0)], journeys=journeys,
        policy={"transport_cost_per_km": 1000.0, "unmet_penalty": 1e6})
    if not expansion:
        return inst
    options = pd.DataFrame([{"provision": "S", "increment": 2.0, "capital_cost": 50_000.0,
                             "max_increments": 1, "lead_time": 0}])
    return inst.replace(expansions=options)


@pytest.fixture(scope="module")
def run() -> RunData:
    inst = _instance()
    result = solve(inst)
    assert result.objective == pytest.approx(582_000)
    return RunData.from_result(result, inst)


def test_added_places(run: RunData) -> None:
    added = added_places(run).set_index("provision")
    assert added.loc["C", "added"] == pytest.approx(8)
    assert added.loc["C", "share"] == pytest.approx(1)
    assert added.loc["S", "added"] == pytest.approx(2)
    assert added.loc["S", "share"] == pytest.approx(2 / 12)
    assert "I" not in added.index


def test_investment_reasons_new_site(run: RunData) -> None:
    c = investments(run).set_index("provision").loc["C"]
    assert c["what"] == "new site" and c["district"] == "B" and c["first_year"] == 2026
    assert c["places"] == pytest.approx(8)
    assert c["capital"] == pytest.approx(60_000)
    assert c["pupils_last_year"] == pytest.approx(8)
    assert c["from_districts"] == "B 6.0; A 2.0"
    assert c["pupil_needs"] == "ASD"
    assert c["share_local"] == pytest.approx(0.75)
    assert c["revenue_cost"] == pytest.approx(132_000)
    assert c["alternative"] == "independent"
    assert c["alternative_cost"] == pytest.approx(412_000)
    assert c["saving"] == pytest.approx(280_000)
    assert c["net_saving"] == pytest.approx(220_000)
    assert c["payback_years"] == pytest.approx(60 / 280)
    assert c["shadow_price_last_year"] == pytest.approx(-32_000)
    assert "saves £280,000 for £60,000 of capital" in c["reason"]
    assert "one more place in 2026 would save £32,000" in c["reason"]


def test_investment_reasons_expansion(run: RunData) -> None:
    s = investments(run).set_index("provision").loc["S"]
    assert s["what"] == "expansion" and s["district"] == "A"
    assert s["places"] == pytest.approx(2)
    assert s["capital"] == pytest.approx(50_000)
    assert s["pupils_last_year"] == pytest.approx(2)
    assert s["revenue_cost"] == pytest.approx(40_000)
    assert s["alternative_cost"] == pytest.approx(100_000)
    assert s["net_saving"] == pytest.approx(10_000)
    assert s["payback_years"] == pytest.approx(50 / 60)
    assert s["shadow_price_last_year"] == pytest.approx(-30_000)


def test_places_added_against_the_deficit(run: RunData) -> None:
    table = places_added(run).set_index("district")
    a, b = table.loc["A"], table.loc["B"]
    assert (a["demand"], a["places_local"], a["places_added"]) == pytest.approx((16, 12, 2))
    assert (a["deficit_without_investment"], a["deficit_after"], a["deficit_met"]) == pytest.approx(
        (6, 4, 2))
    assert a["placed_independent"] == pytest.approx(2)
    assert (b["demand"], b["places_without_investment"], b["places_added"]) == pytest.approx((6, 0, 8))
    assert (b["deficit_without_investment"], b["deficit_after"]) == pytest.approx((6, 0))
    county = plan_report(run)["county"].iloc[0]
    assert county["places_added"] == pytest.approx(10)
    assert county["deficit_met"] == pytest.approx(8)


def test_a_dearer_special_place_with_room_is_the_alternative() -> None:
    """Add S2, a special school in A with 100 places at GBP 45,000 (no expansion option): A's
    overflow goes to S2, not I, and S2 has room, so it is where C's pupils would otherwise be:
    6(45,000 + 2,000) + 2(45,000) = 372,000 against their 132,000 at C."""
    inst = _instance(expansion=False)
    s2 = pd.DataFrame([{"provision": "S2", "kind": "special", "zone": "A", "phases": "primary",
                        "needs": "ASD", "capacity": 100.0, "cost_per_place": 45_000.0}])
    trips = pd.DataFrame([("A", "S2", 10.0, 0.0), ("B", "S2", 10.0, 2.0)],
                         columns=["zone", "provision", "minutes", "km"])
    inst = inst.replace(provisions=pd.concat([inst.provisions, s2], ignore_index=True),
                        journeys=pd.concat([inst.journeys, trips], ignore_index=True))
    run = RunData.from_result(solve(inst), inst)
    c = investments(run).set_index("provision").loc["C"]
    assert c["alternative"] == "special"
    assert c["alternative_cost"] == pytest.approx(372_000)
    assert c["saving"] == pytest.approx(240_000)
    assert "in special schools" in c["reason"]


def _without_independent() -> Instance:
    inst = _instance(expansion=False)
    return inst.replace(provisions=inst.provisions[inst.provisions["provision"] != "I"],
                        journeys=inst.journeys[inst.journeys["provision"] != "I"])


def test_no_place_with_room_prices_the_displacement() -> None:
    """Without I, and S full, no place has room: 4 of A's pupils are unmet (penalty 1,000,000),
    so a place at C is worth 1,000,000 - 18,000 = 982,000 (its shadow price). A pupil at C
    would have displaced another: its cost here plus 982,000, i.e. 6(16,000 + 982,000) +
    2(18,000 + 982,000) = 7,988,000."""
    run = RunData.from_result(solve(_without_independent()), _without_independent())
    c = investments(run).set_index("provision").loc["C"]
    assert c["shadow_price_last_year"] == pytest.approx(-982_000)
    assert c["alternative"] == "displaced"
    assert c["alternative_cost"] == pytest.approx(7_988_000)
    assert "displacing other pupils" in c["reason"]


def test_without_duals_the_unmet_penalty_stands_in() -> None:
    inst = _without_independent()
    run = RunData.from_result(solve(inst, mip_duals=False), inst)
    c = investments(run).set_index("provision").loc["C"]
    assert c["alternative"] == "unmet"
    assert c["alternative_cost"] == pytest.approx(8 * 1_000_000)


def test_no_investment_options_no_plan(demo_path: Path, tmp_path: Path) -> None:
    inst = Instance.from_path(demo_path)
    run = RunData.from_result(solve(inst), inst)
    assert not has_investments(run)
    assert write_plan(run, tmp_path) == []
    assert not any((tmp_path / name).exists() for name in PLAN_FILES)


def test_plan_files_written_and_refused(run: RunData, tmp_path: Path) -> None:
    written = {p.name for p in write_reports(run, tmp_path)}
    assert set(PLAN_FILES) <= written
    from openpyxl import load_workbook

    book = load_workbook(tmp_path / "plan.xlsx", read_only=True)
    assert book.sheetnames == ["investments", "places_added", "by_district", "by_need", "county",
                               "notes", "schema"]
    book.close()
    back = pd.read_csv(tmp_path / "plan_investments.csv").set_index("provision")
    assert back.loc["C", "net_saving"] == pytest.approx(220_000)
    with pytest.raises(Exception, match="--overwrite"):
        write_plan(run, tmp_path)


def test_plan_from_a_run_folder_matches(run: RunData, tmp_path: Path) -> None:
    """The report command reads the run folder back: same investments."""
    inst = run.instance
    write_result(solve(inst), tmp_path / "run", instance=inst)
    back = investments(load_run(tmp_path / "run")).set_index("provision")
    assert back.loc["C", "saving"] == pytest.approx(280_000)
    assert back.loc["S", "saving"] == pytest.approx(60_000)


def test_html_report_has_the_plan(run: RunData) -> None:
    inst = run.instance
    html = render_html_report(solve(inst), inst)
    assert "Why each investment" in html
    assert "Places added against the deficit, 2026" in html


def test_closed_candidates_are_no_pathway(tmp_path: Path) -> None:
    """A secondary ASD candidate in B that the plan leaves closed (no secondary demand) must
    not hide B's ASD pathway gap: the pathways command leaves it out."""
    inst = pathway_instance()
    site = pd.DataFrame([{"provision": "SB", "kind": "srp", "zone": "B", "phases": "secondary",
                          "needs": "ASD", "capacity": 20.0, "cost_per_place": 16_000.0,
                          "candidate": True, "opening_cost": 100_000.0}])
    inst = inst.replace(provisions=pd.concat([inst.provisions, site], ignore_index=True))
    result = solve(inst)
    run = RunData.from_result(result, inst)
    assert closed_sites(run) == ("SB",)
    run_dir = tmp_path / "run"
    write_result(result, run_dir, instance=inst)
    cli_app.console.width = 300
    res = runner.invoke(app, ["pathways", str(run_dir)])
    assert res.exit_code == 0, res.output
    assert "2 of 3 district-needs" in res.output
    assert "1 candidate site(s) the plan leaves closed are left out" in res.output
