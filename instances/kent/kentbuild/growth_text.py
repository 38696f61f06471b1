"""The data-card text of the growth model (:meth:`kentbuild.growth.GrowthModel.markdown`)."""

from __future__ import annotations

from typing import Protocol

import pandas as pd


class GrowthModel(Protocol):
    """What the text reads of :class:`kentbuild.growth.GrowthModel` (so this module does not
    import it back)."""

    overall: float
    long_rate: float
    kappa: float
    tau2: float
    rates: pd.DataFrame
    needs: pd.DataFrame
    phases: pd.DataFrame
    fits: pd.DataFrame
    series: pd.DataFrame

    @property
    def bounds(self) -> tuple[float, float]: ...

__all__ = ["growth_markdown"]


def _pct(x: float, digits: int = 2) -> str:
    return f"{100 * x:.{digits}f}%"


def _table(frame: pd.DataFrame) -> str:
    head = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "|".join("---" if i == 0 else "---:" for i in range(len(frame.columns))) + "|"
    body = ["| " + " | ".join(map(str, row)) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([head, rule, *body])


def _fits(model: GrowthModel) -> str:
    f = model.fits
    rows = [(r.series, f"{r.first}–{r.last}", _pct(r.annual_rate), _pct(r.rmse_log),
             "**used**" if r.used else "") for r in f.itertuples()]
    return _table(pd.DataFrame(rows, columns=["series", "window", "annual rate", "RMSE (log)", ""]))


def _backtest(model: GrowthModel) -> str:
    b = model.series[model.series["series"] == "in_scope_backtest"]
    rows = [(r.window, r.year, f"{r.fitted:,.0f}", f"{r.observed:,}",
             f"{100 * (r.fitted / r.observed - 1):+.1f}%") for r in b.itertuples()]
    return _table(pd.DataFrame(rows, columns=["4-year fit", "year", "predicted", "observed", "error"]))


def _needs(model: GrowthModel) -> str:
    n = model.needs
    rows = [(r.need, f"{r.stock_2025:,.0f}", f"{r.new_2024:,.0f}", _pct(r.raw_ratio, 1),
             f"{r.shrink_weight:.2f}", _pct(r.eb_ratio, 1), f"{r.need_index:.3f}")
            for r in n.itertuples()]
    cols = ["need", "plans Jan 2025", "new plans 2024", "raw ratio", "EB weight", "shrunk ratio",
            "need index"]
    return _table(pd.DataFrame(rows, columns=cols))


def _phases(model: GrowthModel) -> str:
    p = model.phases
    end = next(c for c in p.columns if c.startswith("plans_") and c != "plans_2025")
    rows = [(r["phase"], f"{r['plans_2025']:,.0f}", f"{r[end]:,.0f}", _pct(r["cohort_rate"]),
             f"{r['phase_index']:.3f}") for _, r in p.iterrows()]
    cols = ["phase", "plans 2025 (ages)", f"{end.removeprefix('plans_')} (ageing)", "rate", "phase index"]
    return _table(pd.DataFrame(rows, columns=cols))


def _rates(model: GrowthModel) -> str:
    wide = model.rates.pivot(index="need", columns="phase", values="annual_rate")
    order = list(model.needs["need"])
    phases = list(model.phases["phase"])
    wide = wide.reindex(index=order, columns=phases)
    rows = [(need, *(_pct(v) for v in wide.loc[need])) for need in order]
    return _table(pd.DataFrame(rows, columns=["need", *phases]))


def growth_markdown(model: GrowthModel) -> str:
    """Method, evidence, fit errors and the rates table, as Markdown."""
    lo, hi = model.bounds
    g, gl = model.overall, model.long_rate
    county = model.needs.attrs.get("county_ratio", float("nan"))
    bounded = int(model.rates["bounded"].sum())
    unknown = model.needs.attrs.get("unknown", (float("nan"), float("nan")))
    w, r = model.rates["weight_2025"], model.rates["annual_rate"]
    total, cells = float(w.sum()), float((w * (1 + r) ** 5).sum())
    drift = 100 * (cells / (total * (1 + g) ** 5) - 1)
    additive = g + model.needs["eb_ratio"] - county  # the equal-exit-rate alternative
    low = model.needs.loc[additive.idxmin(), "need"]
    neg = ", ".join(model.needs.loc[additive < 0, "need"])
    return f"""\
### Growth by need × phase (`kentbuild/growth.py`) — every rate is an **estimate**

Rate of a (need, phase) cell = κ × g × need index × phase index, bounded to
[{_pct(lo)}, {_pct(hi)}] and calibrated (κ = {model.kappa:.4f}) so the mean rate weighted by the
Jan 2025 in-scope pupils of each cell (rule D1 weights, unrounded) equals g. The same rate applies in
every district. Source: S1 via `ehcp_caseload_by_setting.csv`, `ehcp_by_need.csv`,
`ehcp_flows_kent.csv` (`ehcp_trend_kent.csv` is checked to give the same in-scope totals).

**1. Overall rate g = {_pct(g, 3)}** — least-squares line through log(in-scope placements)
(mainstream + special school plans) over January 2022–2025. The 2019–2025 fit gives
{_pct(gl, 2)}, but its residuals are systematic (negative at both ends, +6% in 2022: growth slowed
from 11–17% a year in 2020–2022 to 4–8% in 2023–2025), and 4-year fits of the older years
overshoot every later year (backtest below). The 2019–2025 rate is kept as the **upper bound**:
no cell is projected to grow faster than the county's in-scope total did over 2019–2025.
The lower bound 0 says no cell declines (the multiplicative form cannot go below 0 anyway).

{_fits(model)}

Backtest (fit 4 consecutive years, project from the last one):

{_backtest(model)}

**2. Need index** — new plans in calendar 2024 over the Jan 2025 stock of plans, by need (all
plans, ages 0–25; county ratio {_pct(county, 1)}). A need whose share of new plans exceeds its
share of the stock grows faster; growth is taken proportional to the ratio (each need keeps the
county's share of its inflow as net growth, i.e. exits in proportion to entries). The additive
alternative (equal exit rates: g + shrunk ratio − county ratio) would give {_pct(additive.min())}
for {low} and a decline for {neg or "none"}. Exits (ceased plans) by need are not in the pack,
so neither form can be tested; the proportional one is used because it keeps every rate positive
without leaning on the floor. One year of
flows is noisy, so each ratio is shrunk toward the county ratio by Marshall's global empirical
Bayes estimator (Applied Statistics 40:283–294, 1991): between-need variance
τ² = {model.tau2:.6f} (weighted variance of the raw ratios less the Poisson noise county ratio /
mean stock); a need's weight on its own ratio is τ² / (τ² + county ratio / its stock). MSI (27
plans) and OTH (4 plans) therefore stay near the county ratio. `Unknown`
({unknown[0]:,.0f} plans, {unknown[1]:,.0f} new) is left out of both counts, consistent with
build.py spreading it pro rata over the known needs.
The pack has no need series before Jan 2025 (its Missing #6), so this is a one-year signal.

{_needs(model)}

**3. Phase index** — an ageing (cohort) projection of the Jan 2025 plans by single year of age
4–18 (all plans): a cohort's change from age a to a + 1 is the cross-sectional ratio
N(a+1)/N(a) × (1 + {_pct(gl, 2)}), i.e. the 2025 age profile is read as the cross-section of a stock
that grew at the 2019–2025 rate; the entry age (4) grows at g. Over 2025–2030 the larger cohorts
already in the system carry the past growth into secondary and post-16, while primary is fed by
the slower new entry. The index is each phase's fitted 2025–2030 rate over the all-age rate; it
is the same for every need (single-need age profiles are too small for MSI, OTH, VI, HI).
Secondary and post-16 come out equal: within five years the slower entry reaches age 9 only.
Were past growth equal to g, every index would be 1 (no phase effect).
One cross-section cannot separate cohort from period effects. The setting series do not map onto
phases (mainstream and special schools take every age; the FE series, ages 16–25 and out of scope,
breaks in Jan 2024 when its general-FE count falls as "placement unknown" rises), so the age
profile is the only phase signal in the pack.

{_phases(model)}

**4. Rates used** (annual; {bounded} cell(s) at a bound). Calibration is on one year, so the
cells' 2030 total, {cells:,.0f} from {total:,.0f} in 2025 (known needs), is {drift:+.2f}%
from the uniform-rate total (faster cells compound); post-16 *in school* takes the rate of ages
16–18, its 2025 share of them held fixed.

{_rates(model)}

**Districts.** The pack has no district series (SEN2 is published per local authority;
`districts.csv` has the all-age 2020 population only, its Missing #5), so the rate is the same in
every district. District growth would need plans by district of residence over several years
(KCC school census / SEN2 returns by postcode) or at least ONS sub-national population
projections of ages 4–18 by district.
"""
