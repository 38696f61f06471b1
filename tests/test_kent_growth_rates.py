"""Growth by need x phase for the Kent instance (``instances/kent/kentbuild/growth.py``).

Published figures the checks rest on (DfE SEN2 via the pack): in-scope school placements
(mainstream + special plans) 12,988, 14,016, 14,623 and 15,502 in January 2022-2025, whose
log-linear fit is 5.90% a year (the rate of ``instances/kent/README.md`` rule D2); 8,804 in
January 2019, so the 2019-2025 fit is about 10.1%; MSI has 27 plans and 5 new plans in 2024.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
KENT = ROOT / "instances" / "kent"
DATA = ROOT.parent / "shared" / "data" / "kent"
NEEDS_PACK = pytest.mark.skipif(not DATA.exists(), reason=f"data pack not found at {DATA}")
if str(KENT) not in sys.path:
    sys.path.insert(0, str(KENT))

from kentbuild.growth import (  # noqa: E402
    NEEDS,
    PHASES,
    GrowthModel,
    calibrate,
    fit_growth,
    need_index,
    phase_index,
)
from kentbuild.packfiles import PackError  # noqa: E402

PHASE_CODES = [p for p, _, _ in PHASES]


@pytest.fixture(scope="module")
def model() -> GrowthModel:
    if not DATA.exists():
        pytest.skip(f"data pack not found at {DATA}")
    return fit_growth(DATA)


@NEEDS_PACK
def test_overall_rate_is_the_2022_2025_fit(model: GrowthModel) -> None:
    years = np.arange(2022, 2026)
    expected = np.expm1(np.polyfit(years, np.log([12_988, 14_016, 14_623, 15_502]), 1)[0])
    assert model.overall == pytest.approx(expected, abs=1e-12)
    assert model.overall == pytest.approx(0.058997, abs=1e-6)
    assert model.long_rate == pytest.approx(0.1006, abs=5e-4)


@NEEDS_PACK
def test_weighted_rates_reproduce_the_overall_growth(model: GrowthModel) -> None:
    assert model.weighted_rate() == pytest.approx(model.overall, abs=1e-9)
    demand = pd.read_csv(KENT / "demand.csv")
    base = demand[demand["year"] == 2025].groupby(["zone", "need", "phase"], as_index=False)["pupils"].sum()
    assert int(base["pupils"].sum()) == 15_502
    # the instance's rounded, Unknown-spread cells weight the rates almost exactly as the pack does
    assert model.weighted_rate(base) == pytest.approx(model.overall, abs=2e-4)


@NEEDS_PACK
def test_rates_are_within_bounds_and_cover_every_cell(model: GrowthModel) -> None:
    table = model.rates_table()
    assert list(table.columns) == ["need", "phase", "annual_rate", "method", "estimated", "source"]
    assert len(table) == len(NEEDS) * len(PHASES)
    assert set(zip(table["need"], table["phase"], strict=True)) == {(n, p) for n in NEEDS
                                                                    for p in PHASE_CODES}
    lo, hi = model.bounds
    assert (lo, hi) == (0.0, model.long_rate)
    assert table["annual_rate"].between(lo, hi).all()
    assert table["estimated"].all()
    assert table["method"].str.startswith("ESTIMATE").all()
    assert table["annual_rate"].nunique() > 1  # no longer one rate for everything


@NEEDS_PACK
def test_small_needs_are_shrunk_toward_the_county_ratio(model: GrowthModel) -> None:
    n = model.needs.set_index("need")
    county = model.needs.attrs["county_ratio"]
    assert n.loc["MSI", "stock_2025"] == 27 and n.loc["MSI", "new_2024"] == 5
    # the weight on a need's own ratio grows with its stock
    order = n.sort_values("stock_2025")
    assert order["shrink_weight"].is_monotonic_increasing
    assert n.loc["ASD", "shrink_weight"] > 0.95
    for small in ("MSI", "OTH"):
        assert n.loc[small, "shrink_weight"] < 0.2
        assert abs(n.loc[small, "eb_ratio"] - county) < 0.25 * abs(n.loc[small, "raw_ratio"] - county)
    # OTH: 3 new plans on 4 (75%) would give an absurd rate unshrunk
    assert model.rate("OTH", "secondary") < 1.25 * model.overall


@NEEDS_PACK
def test_need_and_phase_effects_point_the_documented_way(model: GrowthModel) -> None:
    assert model.rate("SLCN", "primary") > model.rate("ASD", "primary") > model.rate("PMLD", "primary")
    assert model.rate("ASD", "secondary") > model.rate("ASD", "primary")
    assert model.rate("ASD", "secondary") == pytest.approx(model.rate("ASD", "post16"))


@NEEDS_PACK
def test_fit_errors_are_reported(model: GrowthModel) -> None:
    fits = model.fits.set_index(["series", "first"])
    assert fits.loc[("in_scope", 2022), "used"]
    assert fits.loc[("in_scope", 2022), "rmse_log"] < fits.loc[("in_scope", 2019), "rmse_log"]
    s = model.series_table()
    assert {"series", "window", "year", "observed", "fitted", "residual_log"} <= set(s.columns)
    used = s[(s["series"] == "in_scope") & (s["window"] == "2022-2025")]
    assert np.allclose(np.log(used["observed"] / used["fitted"]), used["residual_log"])
    back = s[s["series"] == "in_scope_backtest"]
    assert (back["fitted"] > back["observed"]).all()  # the old trend overshoots every later year


@NEEDS_PACK
def test_fit_is_deterministic(model: GrowthModel) -> None:
    again = fit_growth(DATA)
    pd.testing.assert_frame_equal(again.rates_table(), model.rates_table())
    pd.testing.assert_frame_equal(again.series_table(), model.series_table())
    assert again.markdown() == model.markdown()


@NEEDS_PACK
def test_markdown_names_method_and_rates(model: GrowthModel) -> None:
    text = model.markdown()
    for phrase in ("2022–2025", "empirical", "ageing", "Districts", "| SLCN |", "estimate"):
        assert phrase in text
    assert f"{100 * model.rate('SLCN', 'secondary'):.2f}%" in text


@NEEDS_PACK
def test_projection_arithmetic_on_a_tiny_base(model: GrowthModel) -> None:
    base = pd.DataFrame({"zone": ["A", "A", "B"], "need": ["ASD", "SLCN", "ASD"],
                         "phase": ["primary", "secondary", "post16"], "pupils": [100, 10, 7]})
    out = model.project(base, [2025, 2026, 2030])
    assert list(out.columns) == ["zone", "need", "phase", "year", "pupils"]
    assert len(out) == 9
    assert out[out["year"] == 2025]["pupils"].tolist() == [100.0, 10.0, 7.0]
    for y in (2026, 2030):
        rows = out[out["year"] == y].reset_index(drop=True)
        for i, r in base.iterrows():
            expected = r["pupils"] * (1 + model.rate(r["need"], r["phase"])) ** (y - 2025)
            assert rows.loc[i, "pupils"] == pytest.approx(expected, rel=1e-12)
    assert out["pupils"].round().ne(out["pupils"]).any()  # not rounded: the integrator rounds
    levelled = model.project(base.assign(level="L1", year=2025), [2027])
    assert list(levelled.columns) == ["zone", "need", "phase", "level", "year", "pupils"]
    assert levelled["year"].eq(2027).all()
    with pytest.raises(KeyError, match="no growth rate"):
        model.rate("XYZ", "primary")
    with pytest.raises(ValueError, match="lacks column"):
        model.project(base.drop(columns="zone"), [2026])


def _pack_copy(tmp_path: Path) -> Path:
    pack = tmp_path / "pack"
    shutil.copytree(DATA, pack, ignore=shutil.ignore_patterns("raw"))
    return pack


@NEEDS_PACK
def test_a_missing_pack_file_stops_with_one_line(tmp_path: Path) -> None:
    pack = _pack_copy(tmp_path)
    (pack / "ehcp_flows_kent.csv").unlink()
    with pytest.raises(PackError, match=r"ehcp_flows_kent\.csv: file not found") as err:
        fit_growth(pack)
    assert "\n" not in str(err.value.code)


@NEEDS_PACK
def test_a_missing_pack_column_is_named(tmp_path: Path) -> None:
    pack = _pack_copy(tmp_path)
    frame = pd.read_csv(pack / "ehcp_caseload_by_setting.csv").drop(columns="value")
    frame.to_csv(pack / "ehcp_caseload_by_setting.csv", index=False)
    with pytest.raises(PackError, match=r"ehcp_caseload_by_setting\.csv: expected column\(s\) value"):
        fit_growth(pack)


@NEEDS_PACK
def test_a_need_missing_from_the_flows_is_named_not_zeroed(tmp_path: Path) -> None:
    pack = _pack_copy(tmp_path)
    flows = pd.read_csv(pack / "ehcp_flows_kent.csv")
    flows[flows["measure"] != "new_plans_primary_need_MSI"].to_csv(pack / "ehcp_flows_kent.csv", index=False)
    with pytest.raises(PackError, match=r"ehcp_flows_kent\.csv: expected .* primary need\(s\) MSI"):
        fit_growth(pack)


# ------------------------------------------------------------------------------------------
# The estimators on made-up numbers (no pack needed)
# ------------------------------------------------------------------------------------------


def test_equal_inflow_ratios_give_no_need_effect() -> None:
    stock = np.array([1000.0, 200.0, 50.0, 5.0, 1000.0, 400.0, 300.0, 100.0, 90.0, 80.0, 70.0, 60.0])
    frame, tau2 = need_index(stock, 0.1 * stock)
    assert tau2 == 0.0
    assert np.allclose(frame["need_index"], 1.0)


def test_shrinkage_pulls_a_tiny_need_harder_than_a_big_one() -> None:
    stock = np.array([5000.0, 3000.0, 2000.0, 800.0, 600.0, 400.0, 300.0, 200.0, 100.0, 50.0, 20.0, 4.0])
    rng = np.random.default_rng(0)
    new = np.round(stock * rng.uniform(0.05, 0.25, len(stock)))
    new[-1] = 3.0  # 75% on 4 plans
    frame, tau2 = need_index(stock, new)
    assert tau2 > 0
    assert frame["shrink_weight"].is_monotonic_decreasing
    county = frame.attrs["county_ratio"]
    assert abs(frame["eb_ratio"].iloc[-1] - county) < 0.1 * abs(frame["raw_ratio"].iloc[-1] - county)


def test_ageing_at_one_rate_keeps_every_phase_at_that_rate() -> None:
    by_age = pd.Series(np.linspace(600, 1700, 15), index=range(4, 19))
    frame = phase_index(by_age, 0.06, 0.06)
    assert np.allclose(frame["cohort_rate"], 0.06)
    assert np.allclose(frame["phase_index"], 1.0)


def test_calibration_hits_the_target_with_a_binding_bound() -> None:
    raw = np.array([0.01, 0.05, 0.30])
    weights = np.array([10.0, 10.0, 1.0])
    kappa, rates = calibrate(raw, weights, 0.05, 0.12)
    assert rates.max() == pytest.approx(0.12)
    assert float((weights * rates).sum() / weights.sum()) == pytest.approx(0.05, abs=1e-12)
    assert kappa > 0
    with pytest.raises(ValueError, match="above the bound"):
        calibrate(raw, weights, 0.2, 0.12)
