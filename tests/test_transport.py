"""Transport cost eta_kind x (phi + tau x km) (models/allocation.md, *Worked example:
the transport term*) by hand, its use in every place the cost is counted, and its settings errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from _tiny import tiny

from placement_opt import Instance, InstanceError, solve
from placement_opt.errors import Severity
from placement_opt.model.data import ModelData
from placement_opt.model.transport import kind_shares, provision_shares, transport_cost
from placement_opt.schema.settings import Policy
from placement_opt.schema.tables import KINDS

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "instances" / "demo"

#: The worked example's transport policies: (phi, eta_mainstream) -> (objective, pupils at M,
#: transport cost, pupils transported).
WORKED = {
    "default": ({}, 210_800.0, 4.0, 6_800.0, 10.0),
    "fixed cost only": ({"transport_cost_per_pupil": 3_000}, 240_800.0, 4.0, 36_800.0, 10.0),
    "share only": ({"transported_share": {"mainstream": 0.25}}, 210_200.0, 4.0, 6_200.0, 7.0),
    "both": ({"transport_cost_per_pupil": 3_000, "transported_share": {"mainstream": 0.25}},
             218_000.0, 10.0, 8_000.0, 2.5),
}


def worked(**policy: Any) -> Instance:
    """Zone A, 10 ASD pupils; special S (6 places, £20,000, 10 km) and mainstream M (10 places,
    £21,000, 2 km); tau = £100 per km."""
    return tiny([{"provision": "S", "kind": "special", "zone": "A", "capacity": 6,
                  "cost_per_place": 20_000},
                 {"provision": "M", "kind": "mainstream", "zone": "A", "capacity": 10,
                  "cost_per_place": 21_000}],
                [("A", 10)], journeys={("A", "S"): (20, 10), ("A", "M"): (5, 2)},
                policy={"transport_cost_per_km": 100, **policy})


@pytest.mark.parametrize("case", list(WORKED), ids=list(WORKED))
def test_worked_example(case: str) -> None:
    """kappa_S = 20,000 + phi + 1,000 and kappa_M = 21,000 + eta (phi + 200). Default: 21,000 <
    21,200, S full: 6 x 21,000 + 4 x 21,200. phi = 3,000: 24,000 < 24,200, S still full.
    eta_M = 0.25: 21,000 < 21,050, S still full: 6 x 21,000 + 4 x 21,050. Both: 21,800 <
    24,000, all 10 at M: 218,000; transport 10 x 800; 2.5 pupils transported."""
    policy, objective, at_m, transport, transported = WORKED[case]
    r = solve(worked(**policy))
    assert r.objective == pytest.approx(objective, rel=1e-12)
    alloc = r.allocations.set_index("provision")
    assert alloc.loc["M", "pupils"] == pytest.approx(at_m)
    assert r.kpi("transport_cost") == pytest.approx(transport)
    assert r.kpi("pupils_transported") == pytest.approx(transported)
    assert r.kpi("pupils_transported", 2026) == pytest.approx(transported)
    assert r.kpi("total_cost") == pytest.approx(objective)


def test_transport_cost_by_zone_and_provision() -> None:
    """Element-wise and as a zone x provision matrix (broadcasting), with kind shares."""
    inst = worked(transport_cost_per_pupil=3_000, transported_share={"mainstream": 0.25})
    data = ModelData.from_instance(inst)
    s, m = data.provisions.index("S"), data.provisions.index("M")
    assert transport_cost(data, inst.policy, [0, 0], [s, m]).tolist() == [4_000.0, 800.0]
    matrix = transport_cost(data, inst.policy, np.array([0])[:, None],
                            np.arange(len(data.provisions))[None, :])
    assert matrix.shape == (1, 2) and matrix[0, m] == 800.0
    assert provision_shares(data, inst.policy)[[s, m]].tolist() == [1.0, 0.25]
    assert kind_shares(Policy()).tolist() == [1.0] * len(KINDS)


def test_defaults_leave_the_demo_unchanged() -> None:
    """phi = 0 and every share 1 give tau x km: the demo's objective and transport cost are
    those of the per-km model (computed from the allocations' km)."""
    inst = Instance.from_path(DEMO)
    r = solve(inst)
    explicit = solve(inst.replace(settings=inst.settings.model_copy(update={
        "policy": inst.policy.model_copy(update={
            "transport_cost_per_pupil": 0.0, "transported_share": dict.fromkeys(KINDS, 1.0)})})))
    assert explicit.objective == r.objective
    a = r.allocations
    assert r.kpi("transport_cost") == pytest.approx(
        float((inst.policy.transport_cost_per_km * a["km"] * a["pupils"]).sum()), rel=1e-12)
    assert r.objective == pytest.approx(12_440_120.862951204, rel=1e-12)  # as before (edb70ba)
    assert r.kpi("pupils_transported") == pytest.approx(r.kpi("placed"))


def test_existing_cohort_and_revenue_budget_count_the_transport() -> None:
    """The worked example ("both") with 2 existing pupils at S (4,000 transport each, fixed, in
    the offset) and a revenue budget of 200,000 at overspend penalty 1. New pupils: 8, all at
    M (21,800). Spend 2 x 24,000 + 8 x 21,800 = 222,400; overspend 22,400; objective 244,800."""
    inst = worked(transport_cost_per_pupil=3_000, transported_share={"mainstream": 0.25},
                  overspend_penalty=1.0)
    inst = inst.replace(
        existing=pd.DataFrame([{"provision": "S", "zone": "A", "need": "ASD",
                                "phase": "primary", "pupils": 2.0}]),
        budgets=pd.DataFrame([{"year": 2026, "revenue": 200_000.0, "capital": np.nan}]))
    r = solve(inst)
    assert r.objective == pytest.approx(244_800)
    use = r.budget_use.set_index("year").loc[2026]
    assert use["revenue_spent"] == pytest.approx(222_400)
    assert use["overspend"] == pytest.approx(22_400)
    assert r.kpi("transport_cost") == pytest.approx(2 * 4_000 + 8 * 800)


def test_settings_round_trip(tmp_path: Path) -> None:
    """The new settings survive a CSV folder (TOML), a workbook (settings sheet) and JSON."""
    inst = worked(transport_cost_per_pupil=3_000, transported_share={"mainstream": 0.25,
                                                                      "special": 0.9})
    for target in ("folder", "t.xlsx", "t.json"):
        back = Instance.from_path(inst.to_path(tmp_path / target))
        assert back.policy.transported_share == {"mainstream": 0.25, "special": 0.9}
        assert back.policy.transport_cost_per_pupil == 3_000


def _issue(raw: dict[str, Any], path: Path | None = None) -> str:
    if path is None:
        with pytest.raises(InstanceError) as info:
            Instance.from_tables(worked().tables(), raw)
    else:
        with pytest.raises(InstanceError) as info:
            Instance.from_path(path)
    [issue] = [i for i in info.value.issues if i.severity is Severity.ERROR]
    return str(issue)


def test_unknown_kind_names_the_setting_the_key_and_the_kinds() -> None:
    text = _issue({"policy": {"transported_share": {"minestream": 0.5}}})
    assert "column 'policy.transported_share.minestream'" in text and "'minestream'" in text
    assert "not a provision kind" in text
    assert ("expected did you mean 'mainstream'? a provision kind: one of special, srp, "
            "independent, mainstream, ap") in text


def test_share_above_one_names_the_setting_and_value() -> None:
    text = _issue({"policy": {"transported_share": {"mainstream": 1.5}}})
    assert "policy.transported_share.mainstream" in text and "1.5" in text


def test_negative_fixed_cost_is_refused() -> None:
    text = _issue({"policy": {"transport_cost_per_pupil": -1}})
    assert "policy.transport_cost_per_pupil" in text and "-1" in text


def test_unknown_kind_in_a_workbook_settings_sheet(tmp_path: Path) -> None:
    """The settings sheet's flat key is named, with the workbook as the source."""
    path = worked().to_path(tmp_path / "t.xlsx")
    from openpyxl import load_workbook

    book = load_workbook(path)
    book["settings"].append(["policy.transported_share.bus", 0.5])
    book.save(path)
    text = _issue({}, path)
    assert "t.xlsx (sheet settings), column 'policy.transported_share.bus'" in text
    assert "not a provision kind" in text


def test_scenario_sets_the_fixed_cost() -> None:
    """``[costs] transport_cost_per_pupil`` and ``[policy] transported_share`` reach the policy."""
    from placement_opt.analysis.scenarios.check import merged_policy
    from placement_opt.analysis.scenarios.load import LoadedScenario
    from placement_opt.analysis.scenarios.schema import Scenario

    sc = Scenario.model_validate({"scenario": {"name": "t", "base": "x"},
                                  "costs": {"transport_cost_per_pupil": 2_500.0},
                                  "policy": {"transported_share": {"srp": 0.5}}})
    pol = merged_policy(LoadedScenario(sc, "test"), worked(transported_share={"ap": 0.1}))
    assert pol.transport_cost_per_pupil == 2_500.0
    assert pol.transported_share == {"ap": 0.1, "srp": 0.5}


def test_scenario_unknown_kind_is_located(tmp_path: Path) -> None:
    """A scenario's ``[policy] transported_share`` key that is not a kind: file, line, key."""
    from placement_opt.analysis.scenarios import ScenarioError, apply_scenario, load_scenario

    base = worked().to_path(tmp_path / "base")
    file = tmp_path / "s.toml"
    file.write_text(f'[scenario]\nname = "s"\nbase = "{base}"\n[policy]\n'
                    "transported_share = { bus = 0.5 }\n", encoding="utf-8")
    loaded = load_scenario(file)
    with pytest.raises(ScenarioError) as err:
        apply_scenario(loaded, Instance.from_path(base))
    found = [str(i) for i in err.value.issues]
    assert any("s.toml, line 5, column 'policy.transported_share.bus'" in p
               and "not a provision kind" in p for p in found), found


def test_plan_alternatives_price_transport_with_the_shares() -> None:
    """Candidate SRP C (8 places, £16,000, opening £10,000) or independent I (£50,000); 8 pupils,
    0 km, £4,000 per transported pupil, half the independent pupils transported. C opens: its
    pupils cost 8 x 20,000; their alternative, I, 8 x (50,000 + 0.5 x 4,000) = 416,000."""
    from placement_opt.reports.plan import investments
    from placement_opt.results.run import RunData

    inst = tiny([{"provision": "C", "kind": "srp", "zone": "A", "capacity": 8,
                  "cost_per_place": 16_000, "candidate": True, "opening_cost": 10_000},
                 {"provision": "I", "kind": "independent", "zone": "A", "capacity": 100,
                  "cost_per_place": 50_000}],
                [("A", 8)], policy={"transport_cost_per_pupil": 4_000,
                                    "transported_share": {"independent": 0.5}})
    result = solve(inst)
    assert result.objective == pytest.approx(8 * 20_000 + 10_000)
    c = investments(RunData.from_result(result, inst)).set_index("provision").loc["C"]
    assert c["revenue_cost"] == pytest.approx(160_000)
    assert c["alternative"] == "independent"
    assert c["alternative_cost"] == pytest.approx(416_000)
