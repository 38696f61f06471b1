"""Monte Carlo over demand: the fitted distribution, seeded samples, shortfall probabilities."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_scenarios import base_instance
from typer.testing import CliRunner

from placement_opt import Instance
from placement_opt.analysis.scenarios import scenario_from_mapping
from placement_opt.analysis.uncertainty.distribution import (
    DemandDistribution,
    fit_growth,
    fit_trend_csv,
    sample_factors,
)
from placement_opt.analysis.uncertainty.montecarlo import run_montecarlo
from placement_opt.cli import app
from placement_opt.errors import InstanceError

KENT = Path(__file__).resolve().parents[1] / "instances" / "kent"


def test_fit_growth_by_hand() -> None:
    steady = fit_growth([2020, 2021, 2022, 2023], [100.0, 110.0, 121.0, 133.1], "t")
    assert steady.mean == pytest.approx(math.log(1.1)) and steady.sd == pytest.approx(0.0, abs=1e-12)
    up_down = fit_growth([2021, 2020, 2022], [200.0, 100.0, 100.0], "t")  # sorted by year
    assert up_down.mean == pytest.approx(0.0, abs=1e-12)
    assert up_down.sd == pytest.approx(math.sqrt(2) * math.log(2))


@pytest.mark.parametrize(("years", "values"), [([2020, 2021], [1.0, 2.0]),
                                               ([2020, 2021, 2023], [1.0, 2.0, 3.0]),
                                               ([2020, 2021, 2022], [1.0, 0.0, 3.0])])
def test_fit_growth_refuses(years: list[int], values: list[float]) -> None:
    with pytest.raises(InstanceError, match="cannot fit growth"):
        fit_growth(years, values, "t")


def test_both_trend_formats_give_the_same_fit(tmp_path: Path) -> None:
    pack = tmp_path / "trend.csv"
    pack.write_text("census_january,establishment_group,statements,ehc_plans,"
                    "statements_plus_ehc_plans,source\n"
                    + "".join(f"{y},Total,,,{v},S1\n{y},Special school,,,{v / 2},S1\n"
                              for y, v in [(2018, 50), (2019, 100), (2020, 120), (2021, 150)]))
    growth = tmp_path / "growth.csv"
    growth.write_text("kind,year,in_scope_placements,all_plans,note\n"
                      "observed,2019,1,100,x\nobserved,2020,1,120,x\nobserved,2021,1,150,x\n"
                      "projected,2022,1,,x\n")
    a, b = fit_trend_csv(pack), fit_trend_csv(growth)
    assert (a.mean, a.sd) == pytest.approx((b.mean, b.sd))
    assert a.years == (2019, 2020, 2021)  # 2018 is outside 2019-2025
    assert a.mean == pytest.approx(math.log(1.5) / 2)


def test_not_a_trend_file(tmp_path: Path) -> None:
    bad = tmp_path / "x.csv"
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(InstanceError, match="not a trend file"):
        fit_trend_csv(bad)


def test_kent_fit_matches_the_published_series() -> None:
    """Kent EHC plans (DfE SEN2, data card): 11,763 in Jan 2019 and 20,635 in Jan 2025."""
    fit = fit_trend_csv(KENT / "provenance" / "growth.csv")
    assert fit.years == tuple(range(2019, 2026))
    assert fit.mean == pytest.approx(math.log(20635 / 11763) / 6)
    assert fit.sd == pytest.approx(0.0500, abs=5e-5)


def test_need_sd_keeps_the_county_sd() -> None:
    assert DemandDistribution(0.05, correlation=1.0).need_sd(np.array([0.5, 0.5])) == 0.05
    two = DemandDistribution(0.05, correlation=0.0).need_sd(np.array([0.5, 0.5]))
    assert two == pytest.approx(0.05 * math.sqrt(2))
    with pytest.raises(ValueError):
        DemandDistribution(0.05, correlation=1.5)


def test_samples_are_seeded_and_start_at_one() -> None:
    inst = base_instance()
    dist = DemandDistribution(0.1)
    a, b = sample_factors(inst, dist, 5, seed=3), sample_factors(inst, dist, 5, seed=3)
    assert a == b and a != sample_factors(inst, dist, 5, seed=4)
    assert all(f[k][2026] == 1.0 for f in a for k in f)
    together = sample_factors(inst, DemandDistribution(0.1, correlation=1.0), 3, seed=0)
    assert all(f["ASD"] == f["SLD"] for f in together)


def test_sample_spread_matches_the_distribution() -> None:
    one_need = base_instance()
    dist = DemandDistribution(0.05, correlation=0.3, drift=0.02)
    shares = np.array([0.5, 0.5])
    logs = np.log([f["ASD"][2028] for f in sample_factors(one_need, dist, 4000, seed=11)])
    # two annual steps: mean 2 * drift, sd sqrt(2) * sigma_k
    assert logs.mean() == pytest.approx(0.04, abs=0.005)
    assert logs.std() == pytest.approx(math.sqrt(2) * dist.need_sd(shares), rel=0.05)


def _one_school(tmp_path: Path) -> Path:
    """Zone A: 20 ASD primary pupils a year, one special school with 22 places, an independent."""
    tables = {
        "needs": pd.DataFrame({"need": ["ASD"]}),
        "phases": pd.DataFrame({"phase": ["primary"], "min_age": [4], "max_age": [11]}),
        "zones": pd.DataFrame({"zone": ["A"], "lat": [51.3], "lon": [0.5]}),
        "provisions": pd.DataFrame([
            {"provision": "S", "kind": "special", "zone": "A", "phases": "primary", "needs": "ASD",
             "capacity": 22.0, "cost_per_place": 20_000.0},
            {"provision": "I", "kind": "independent", "zone": "A", "phases": "primary",
             "needs": "ASD", "capacity": 100.0, "cost_per_place": 50_000.0}]),
        "demand": pd.DataFrame({"zone": "A", "need": "ASD", "phase": "primary",
                                "year": [2026, 2027, 2028], "pupils": 20.0}),
    }
    folder = tmp_path / "one"
    Instance.from_tables(tables, {"instance": {"name": "one"}}).to_path(folder)
    return folder


def test_shortfall_probability_is_the_share_of_samples_over_capacity(tmp_path: Path) -> None:
    loaded = scenario_from_mapping({"scenario": {"name": "one", "base": str(_one_school(tmp_path))}},
                                   "one")
    mc = run_montecarlo(loaded, DemandDistribution(0.1), 12, 5, tmp_path / "mc", executor="serial")
    assert mc.solved == 12
    factors = mc.factors.set_index(["sample", "year"])["factor"]
    short = mc.shortfall.set_index("year")
    for year in (2027, 2028):
        over = (20 * factors.xs(year, level="year") > 22 + 1e-6).mean()
        assert short.loc[year, "p_shortfall"] == pytest.approx(over)
        assert short.loc[year, "samples"] == 12
    assert short.loc[2026, "p_shortfall"] == 0.0
    cost = mc.cost_samples[(mc.cost_samples["kpi"] == "objective") & (mc.cost_samples["year"] == "all")]
    by_hand = [sum(20_000 * min(20 * f, 22) + 50_000 * max(20 * f - 22, 0)
                   for f in factors.xs(s, level="sample")) for s in range(12)]
    assert cost.sort_values("sample")["value"].tolist() == pytest.approx(by_hand)


def test_fixed_seed_reproduces(tmp_path: Path) -> None:
    folder = tmp_path / "base"
    base_instance().to_path(folder)
    loaded = scenario_from_mapping({"scenario": {"name": "b", "base": str(folder)}}, "b")
    dist = DemandDistribution(0.08, correlation=0.2)
    one = run_montecarlo(loaded, dist, 4, 1, tmp_path / "a", executor="serial")
    two = run_montecarlo(loaded, dist, 4, 1, tmp_path / "b", executor="serial")
    other = run_montecarlo(loaded, dist, 4, 2, tmp_path / "c", executor="serial")
    for name in ("shortfall.csv", "cost_samples.csv", "cost_summary.csv", "demand_factors.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert not one.cost_samples.equals(other.cost_samples)
    assert two.cost_summary.equals(one.cost_summary)


def test_cli_montecarlo(tmp_path: Path) -> None:
    out = tmp_path / "mc"
    result = CliRunner().invoke(app, ["montecarlo", str(_one_school(tmp_path)), "--samples", "3",
                                      "--sd", "0.1", "--executor", "serial", "--out", str(out)],
                                env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "3 of 3 samples solved" in result.output
    for name in ("shortfall.csv", "cost_summary.csv", "montecarlo.xlsx", "montecarlo.json"):
        assert (out / name).exists()
    no_trend = CliRunner().invoke(app, ["montecarlo", str(_one_school(tmp_path / "x")),
                                        "--samples", "2", "--out", str(tmp_path / "m2")],
                                  env={"COLUMNS": "200"})
    assert no_trend.exit_code == 2 and "--trend" in no_trend.output
