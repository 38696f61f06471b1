"""Budget export funding lines by kind (reports/budget.py): mainstream charges only its tariff
price (no place funding per place), special schools and SRPs split place funding and top-up,
vacant places are special and SRP only, and transport follows the kind shares."""

from __future__ import annotations

import pandas as pd
import pytest
from _tiny import tiny

from placement_opt import solve
from placement_opt.reports.budget import budget_export
from placement_opt.results.run import RunData


@pytest.fixture(scope="module")
def run() -> RunData:
    """Zone A, 17 pupils. Mainstream M: 12 places, cost_per_place 12,000 but tariff 0 + 6,000;
    M2 (mainstream, 5 places) is 50 min away, over the limit: no pupils. SRP R: 4 places at
    16,000, no tariff line (place funding 10,000 per place, top-up 6,000). Special S: 5 places,
    tariff 10,000 + 14,000. Transport: 2,000 per transported pupil, 0 km, a quarter of the
    mainstream pupils transported. Arc costs: M 6,500, R 18,000, S 26,000, so M 12, R 4, S 1:
    objective 78,000 + 72,000 + 26,000 = 176,000."""
    inst = tiny([{"provision": "M", "kind": "mainstream", "zone": "A", "capacity": 12,
                  "cost_per_place": 12_000},
                 {"provision": "M2", "kind": "mainstream", "zone": "A", "capacity": 5,
                  "cost_per_place": 12_000},
                 {"provision": "R", "kind": "srp", "zone": "A", "capacity": 4,
                  "cost_per_place": 16_000},
                 {"provision": "S", "kind": "special", "zone": "A", "capacity": 5,
                  "cost_per_place": 24_000}],
                [("A", 17)], journeys={("A", "M2"): (50.0, 0.0)},
                policy={"transport_cost_per_pupil": 2_000,
                        "transported_share": {"mainstream": 0.25}})
    tariffs = pd.DataFrame([
        {"level": None, "kind": "mainstream", "need": None, "effective_year": None,
         "place_funding": 0.0, "top_up": 6_000.0},
        {"level": None, "kind": "special", "need": None, "effective_year": None,
         "place_funding": 10_000.0, "top_up": 14_000.0}])
    inst = inst.replace(tariffs=tariffs)
    result = solve(inst)
    assert result.objective == pytest.approx(176_000)
    return RunData.from_result(result, inst)


def _amounts(run: RunData) -> dict[tuple[str, str], float]:
    export = budget_export(run)
    return {(str(line), str(kind)): float(amount) for line, kind, amount in zip(
        export["funding_line"], export["provision_kind"], export["amount_gbp"], strict=True)}


def test_mainstream_is_charged_its_tariff_top_up_only(run: RunData) -> None:
    """12 x 6,000 as mainstream_support; no place funding, top-up or vacant places for
    mainstream (place_funding_per_place, 10,000, is for special schools and SRPs)."""
    lines = _amounts(run)
    assert lines[("mainstream_support", "mainstream")] == pytest.approx(72_000)
    assert {line for line, kind in lines if kind == "mainstream"} == {
        "mainstream_support", "transport"}


def test_special_and_srp_split_place_funding_and_top_up(run: RunData) -> None:
    """R: 4 x 10,000 (place_funding_per_place) + 4 x 6,000; S: its tariff line, 10,000 +
    14,000; S has 4 empty places x 10,000; R is full."""
    lines = _amounts(run)
    assert lines[("place_funding", "srp")] == pytest.approx(40_000)
    assert lines[("top_up", "srp")] == pytest.approx(24_000)
    assert lines[("place_funding", "special")] == pytest.approx(10_000)
    assert lines[("top_up", "special")] == pytest.approx(14_000)
    assert lines[("vacant_place_funding", "special")] == pytest.approx(40_000)
    assert ("vacant_place_funding", "srp") not in lines


def test_transport_line_follows_the_kind_shares(run: RunData) -> None:
    """Mainstream 12 x 0.25 x 2,000; SRP 4 x 2,000; special 1 x 2,000; 8 pupils transported."""
    lines = _amounts(run)
    assert lines[("transport", "mainstream")] == pytest.approx(6_000)
    assert lines[("transport", "srp")] == pytest.approx(8_000)
    assert lines[("transport", "special")] == pytest.approx(2_000)
    kpis = run.kpis.set_index(["kpi", "year"])["value"]
    assert kpis[("pupils_transported", "all")] == pytest.approx(8)
    in_objective = budget_export(run).query("in_objective")["amount_gbp"].sum()
    assert in_objective == pytest.approx(176_000)
