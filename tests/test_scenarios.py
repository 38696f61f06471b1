"""Scenario levers on a tiny three-year instance: each changes exactly what it should."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from placement_opt import Instance
from placement_opt.analysis.scenarios import LoadedScenario, apply_scenario, scenario_from_text

YEARS = (2026, 2027, 2028)


def base_instance() -> Instance:
    """Zones A, B; needs ASD, SLD; primary and secondary; 2026-2028; 10 pupils in every cell.
    P1 special in A (ASD;SLD, 50 places), P2 SRP in B (ASD primary, 20), P3 independent in A."""
    demand = pd.DataFrame([(z, k, h, t, 10.0) for z in "AB" for k in ("ASD", "SLD")
                           for h in ("primary", "secondary") for t in YEARS],
                          columns=["zone", "need", "phase", "year", "pupils"])
    provisions = pd.DataFrame([
        {"provision": "P1", "kind": "special", "zone": "A", "phases": "primary;secondary",
         "needs": "ASD;SLD", "capacity": 50.0, "cost_per_place": 20_000.0},
        {"provision": "P2", "kind": "srp", "zone": "B", "phases": "primary", "needs": "ASD",
         "capacity": 20.0, "cost_per_place": 16_000.0},
        {"provision": "P3", "kind": "independent", "zone": "A", "phases": "primary;secondary",
         "needs": "ASD;SLD", "capacity": 100.0, "cost_per_place": 50_000.0},
    ])
    tables = {
        "needs": pd.DataFrame({"need": ["ASD", "SLD"]}),
        "phases": pd.DataFrame({"phase": ["primary", "secondary"], "min_age": [4, 11],
                                "max_age": [11, 16]}),
        "zones": pd.DataFrame({"zone": ["A", "B"], "lat": [51.3, 51.2], "lon": [0.5, 0.6]}),
        "provisions": provisions,
        "capacity": pd.DataFrame({"provision": ["P2"], "year": [2028], "need": [None],
                                  "places": [25.0]}),
        "demand": demand,
        "budgets": pd.DataFrame({"year": [2026], "revenue": [2e6], "capital": [None]}),
    }
    policy = {"max_journey_min": {"primary": 45.0, "secondary": 75.0}, "unmet_penalty": 1e6}
    return Instance.from_tables(tables, {"instance": {"name": "base"}, "policy": policy})


@pytest.fixture(scope="module")
def base_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("scen") / "base"
    base_instance().to_path(folder)
    return folder


@pytest.fixture(scope="module")
def base(base_dir: Path) -> Instance:
    return Instance.from_path(base_dir)


def scenario(body: str, base_dir: Path) -> LoadedScenario:
    text = f'[scenario]\nname = "s"\nbase = "{base_dir}"\n{body}'
    return scenario_from_text(text, "s.toml")


def changed(base: Instance, applied: Instance) -> set[str]:
    """Names of the tables whose contents differ."""
    return {name for name, frame in base.tables().items()
            if frame.to_csv(index=False) != getattr(applied, name).to_csv(index=False)}


def pupils(inst: Instance, **where: object) -> pd.Series:
    d = inst.demand
    for key, value in where.items():
        d = d[d[key] == value]
    return d.set_index(["zone", "need", "phase", "year"])["pupils"]


def test_no_levers_changes_only_the_name(base: Instance, base_dir: Path) -> None:
    applied = apply_scenario(scenario("", base_dir), base)
    assert changed(base, applied) == set()
    assert applied.name == "s" and applied.policy == base.policy


def test_overall_growth_compounds_from_the_first_year(base: Instance, base_dir: Path) -> None:
    applied = apply_scenario(scenario("[demand]\ngrowth = 0.1", base_dir), base)
    assert changed(base, applied) == {"demand"}
    by_year = applied.demand.groupby("year")["pupils"].unique()
    assert by_year[2026].tolist() == [10.0]
    assert by_year[2027] == pytest.approx([11.0]) and by_year[2028] == pytest.approx([12.1])


def test_growth_by_need_district_phase_multiply(base: Instance, base_dir: Path) -> None:
    body = ("[demand]\ngrowth = 0.1\ngrowth_by_need = { ASD = 0.5 }\n"
            "growth_by_district = { B = -0.5 }\ngrowth_by_phase = { secondary = 1.0 }")
    applied = apply_scenario(scenario(body, base_dir), base)
    p = pupils(applied)
    assert p[("A", "SLD", "primary", 2028)] == pytest.approx(10 * 1.1**2)
    assert p[("A", "ASD", "primary", 2028)] == pytest.approx(10 * (1.1 * 1.5) ** 2)
    assert p[("B", "ASD", "secondary", 2027)] == pytest.approx(10 * 1.1 * 1.5 * 0.5 * 2.0)
    assert (p.xs(2026, level="year") == 10.0).all()


def test_growth_by_year_steps_only_from_that_year(base: Instance, base_dir: Path) -> None:
    applied = apply_scenario(scenario("[demand]\ngrowth_by_year = { 2028 = 0.2 }", base_dir), base)
    by_year = applied.demand.groupby("year")["pupils"].unique()
    assert by_year[2027].tolist() == [10.0] and by_year[2028] == pytest.approx([12.0])


def test_base_year_leaves_earlier_years(base: Instance, base_dir: Path) -> None:
    body = "base_year = 2027\n[demand]\ngrowth = 0.5"
    applied = apply_scenario(scenario(body, base_dir), base)
    by_year = applied.demand.groupby("year")["pupils"].unique()
    assert by_year[2026].tolist() == [10.0] and by_year[2027].tolist() == [10.0]
    assert by_year[2028] == pytest.approx([15.0])


def test_replace_mode_projects_from_the_base_year(base: Instance, base_dir: Path) -> None:
    grown = apply_scenario(scenario("[demand]\ngrowth = 1.0", base_dir), base)  # 10, 20, 40
    folder = base_dir.parent / "grown"
    grown.to_path(folder)
    body = '[demand]\nmode = "replace"\ngrowth = 0.1'
    applied = apply_scenario(scenario(body, folder), Instance.from_path(folder))
    by_year = applied.demand.groupby("year")["pupils"].unique()
    assert by_year[2027] == pytest.approx([11.0]) and by_year[2028] == pytest.approx([12.1])


def test_close_sets_capacity_zero_from_the_year(base: Instance, base_dir: Path) -> None:
    body = '[[provisions.close]]\nprovision = "P2"\nfrom_year = 2027'
    applied = apply_scenario(scenario(body, base_dir), base)
    assert changed(base, applied) == {"capacity"}
    cap = applied.capacity.set_index(["provision", "year"])["places"]
    assert cap[("P2", 2027)] == 0.0 and cap[("P2", 2028)] == 0.0
    assert ("P2", 2026) not in cap.index  # 2026 still the provision's own 20 places


def test_add_places_in_a_year_range(base: Instance, base_dir: Path) -> None:
    body = ('[[provisions.add_places]]\nprovision = "P2"\nplaces = 5\nfrom_year = 2027\n'
            "until_year = 2028")
    applied = apply_scenario(scenario(body, base_dir), base)
    assert changed(base, applied) == {"capacity"}
    cap = applied.capacity.set_index(["provision", "year"])["places"]
    assert cap[("P2", 2027)] == 25.0 and cap[("P2", 2028)] == 30.0  # 2028 row was 25
    assert len(applied.capacity) == 2


def test_closure_wins_over_added_places(base: Instance, base_dir: Path) -> None:
    body = ('[[provisions.add_places]]\nprovision = "P1"\nplaces = 5\n'
            '[[provisions.close]]\nprovision = "P1"\nfrom_year = 2028')
    cap = apply_scenario(scenario(body, base_dir), base).capacity.set_index(
        ["provision", "year"])["places"]
    assert cap[("P1", 2026)] == 55.0 and cap[("P1", 2028)] == 0.0


@pytest.mark.parametrize(("body", "needs"), [
    ('needs = ["SLD"]', "SLD"),
    ('add_needs = ["SLD"]', "ASD;SLD"),
])
def test_redesignate(base: Instance, base_dir: Path, body: str, needs: str) -> None:
    text = f'[[provisions.redesignate]]\nprovision = "P2"\n{body}'
    applied = apply_scenario(scenario(text, base_dir), base)
    assert changed(base, applied) == {"provisions"}
    assert applied.provisions.set_index("provision").loc["P2", "needs"] == needs


def test_remove_a_need(base: Instance, base_dir: Path) -> None:
    text = '[[provisions.redesignate]]\nprovision = "P1"\nremove_needs = ["ASD"]'
    applied = apply_scenario(scenario(text, base_dir), base)
    assert applied.provisions.set_index("provision").loc["P1", "needs"] == "SLD"


def test_new_candidate_site(base: Instance, base_dir: Path) -> None:
    body = ('[[provisions.new_site]]\nprovision = "N1"\nzone = "B"\nphases = ["secondary"]\n'
            'needs = ["ASD", "SLD"]\ncapacity = 30\ncost_per_place = 15000\nopening_cost = 1e5\n'
            "min_places = 14\nearliest_year = 2027")
    applied = apply_scenario(scenario(body, base_dir), base)
    assert changed(base, applied) == {"provisions"}
    row = applied.provisions.set_index("provision").loc["N1"]
    assert (row["kind"], row["zone"], row["phases"], row["needs"]) == ("srp", "B", "secondary",
                                                                        "ASD;SLD")
    assert bool(row["candidate"]) and row["opening_cost"] == 1e5 and row["earliest_year"] == 2027


def test_expansion_option(base: Instance, base_dir: Path) -> None:
    body = ('[[provisions.expansion]]\nprovision = "P1"\nincrement = 8\ncapital_cost = 4e5\n'
            "max_increments = 2\nlead_time = 1")
    applied = apply_scenario(scenario(body, base_dir), base)
    assert changed(base, applied) == {"expansions"}
    row = applied.expansions.iloc[0]
    assert (row["provision"], row["increment"], row["max_increments"], row["lead_time"]) == (
        "P1", 8.0, 2, 1)


def test_costs_by_kind_factor_and_provision(base: Instance, base_dir: Path) -> None:
    body = ("[costs]\ncost_per_place = { special = 25000 }\n"
            "cost_per_place_factor = { independent = 1.1 }\n"
            "cost_per_place_by_provision = { P2 = 17000 }\ntransport_cost_per_km = 600")
    applied = apply_scenario(scenario(body, base_dir), base)
    assert changed(base, applied) == {"provisions"}
    cost = applied.provisions.set_index("provision")["cost_per_place"]
    assert cost.to_dict() == pytest.approx({"P1": 25_000.0, "P2": 17_000.0, "P3": 55_000.0})
    assert applied.policy.transport_cost_per_km == 600.0


def test_budgets(base: Instance, base_dir: Path) -> None:
    body = ("[budgets]\nrevenue_factor = 1.5\ncapital = { 2027 = 5e6 }\nrevenue = { 2028 = 4e6 }\n"
            "capital_total = 8e6")
    applied = apply_scenario(scenario(body, base_dir), base)
    assert changed(base, applied) == {"budgets"}
    b = applied.budgets.set_index("year")
    assert b.loc[2026, "revenue"] == 3e6 and b.loc[2028, "revenue"] == 4e6
    assert b.loc[2027, "capital"] == 5e6 and math.isnan(b.loc[2027, "revenue"])
    assert applied.policy.capital_budget_total == 8e6


def test_policy_tables_merge_key_by_key(base: Instance, base_dir: Path) -> None:
    body = "[policy]\nmax_journey_min = { primary = 60.0 }\nunmet_penalty = 5e5"
    applied = apply_scenario(scenario(body, base_dir), base)
    assert changed(base, applied) == set()
    assert applied.policy.max_journey_min == {"primary": 60.0, "secondary": 75.0}
    assert applied.policy.unmet_penalty == 5e5
    assert applied.policy.model_copy(update={"max_journey_min": base.policy.max_journey_min,
                                             "unmet_penalty": 1e6}) == base.policy


def test_base_is_not_modified(base: Instance, base_dir: Path) -> None:
    before = base.fingerprint()
    body = ("[demand]\ngrowth = 0.3\n[[provisions.close]]\nprovision = \"P1\"\nfrom_year = 2026\n"
            "[costs]\ncost_per_place = { srp = 1.0 }")
    apply_scenario(scenario(body, base_dir), base)
    assert base.fingerprint() == before


def test_same_content_same_digest(base_dir: Path) -> None:
    a = scenario("[demand]\ngrowth = 0.1 # ten per cent", base_dir)
    b = scenario("[demand]\n\ngrowth=0.1", base_dir)
    assert a.digest() == b.digest()
    assert a.digest() != scenario("[demand]\ngrowth = 0.2", base_dir).digest()


def test_growth_by_district_names_a_district_of_small_areas(tmp_path: Path) -> None:
    """With small-area zones, ``growth_by_district`` may name a district (every zone in it grows)
    or a zone (that zone only, its own entry winning)."""
    kent = Instance.from_path("kent")
    base = tmp_path / "kent"
    kent.to_path(base)
    body = ('[scenario]\nname = "s"\nbase = "kent"\n[demand]\n'
            'growth_by_district = { Swale = 0.1, "Swale 011" = 0.0 }\n')
    loaded = scenario_from_text(body, tmp_path / "s.toml")
    applied = apply_scenario(loaded, kent)
    district = kent.zones.set_index("zone")["district"]
    before = kent.demand.assign(d=kent.demand["zone"].map(district))
    after = applied.demand.assign(d=applied.demand["zone"].map(district))
    last = kent.years[-1]
    def total(frame: pd.DataFrame, zone_is: bool, zone: str = "Swale 011") -> float:
        rows = frame[(frame["year"] == last) & (frame["d"] == "Swale")]
        rows = rows[(rows["zone"] == zone) == zone_is]
        return float(rows["pupils"].sum())
    grown = (last - kent.years[0])
    assert total(after, False) == pytest.approx(total(before, False) * 1.1 ** grown)
    assert total(after, True) == pytest.approx(total(before, True))
