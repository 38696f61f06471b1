"""Demand growth by need x phase for the Kent instance, fitted to the data pack's 2019-2025 series.

The annual rate of a (need, phase) cell is ``kappa * g * need_index * phase_index``, bounded to
``[0, g_long]`` and calibrated (``kappa``) so the 2025-weighted mean rate equals ``g``:

* ``g``: log-linear fit of in-scope school placements (mainstream + special, S1) over Jan
  2022-2025; ``g_long``, the same fit over 2019-2025, is the upper bound (method in
  :meth:`GrowthModel.markdown`).
* need index: 2024 new plans / Jan 2025 plans by need, shrunk toward the county ratio (Marshall's
  global empirical Bayes), over the county ratio.
* phase index: an ageing (cohort) projection of the Jan 2025 age profile, whose cohorts carry the
  2019-2025 growth forward while the entry age grows at ``g``.

The same rate applies in every district: the pack has no district series.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .common import BASE_YEAR, NEED_CODES, PACK_NEED
from .growth_text import growth_markdown
from .packfiles import PackError, read_pack_csv

__all__ = ["BASE_YEAR", "NEEDS", "PHASES", "GrowthModel", "fit_growth"]

#: The instance's need codes (kentbuild.common) and the pack's names.
NEEDS = NEED_CODES
#: Phase, ages [low, high): as instances/kent/phases.csv.
PHASES = (("primary", 4, 11), ("secondary", 11, 16), ("post16", 16, 19))
WINDOW = (2022, 2025)
LONG_WINDOW = (2019, 2025)
F_SETTING = "ehcp_caseload_by_setting.csv"
F_TREND = "ehcp_trend_kent.csv"
F_NEED = "ehcp_by_need.csv"
F_FLOWS = "ehcp_flows_kent.csv"
SOURCE = (f"shared/data/kent {F_SETTING} (mainstream_total + special_total, S1), {F_NEED} "
          f"(Jan 2025 by need, placement and age, S1), {F_FLOWS} (2024 new plans by need, S1)")


@dataclass(frozen=True, eq=False)
class GrowthModel:
    """Fitted annual growth rates by (need, phase), with the evidence they rest on."""

    overall: float  # g, the calibration target
    long_rate: float  # the 2019-2025 fit: the upper bound
    kappa: float
    rates: pd.DataFrame  # need, phase, weight_2025, need_index, phase_index, annual_rate, bounded
    needs: pd.DataFrame  # the need index derivation
    phases: pd.DataFrame  # the phase index derivation
    fits: pd.DataFrame  # series, first, last, annual_rate, rmse_log, used
    series: pd.DataFrame = field(repr=False)  # observed, fitted and residuals
    tau2: float = 0.0

    @property
    def bounds(self) -> tuple[float, float]:
        """The documented range of every rate: no decline, no faster than 2019-2025."""
        return 0.0, self.long_rate

    def rate(self, need: str, phase: str) -> float:
        """Annual growth rate of one (need, phase) cell."""
        hit = self.rates[(self.rates["need"] == need) & (self.rates["phase"] == phase)]
        if len(hit) != 1:
            raise KeyError(f"no growth rate for need {need!r}, phase {phase!r}")
        return float(hit["annual_rate"].iloc[0])

    def weighted_rate(self, weights: pd.DataFrame | None = None) -> float:
        """Mean rate weighted by ``weights`` (need, phase, pupils); default the 2025 pack weights."""
        if weights is None:
            w = self.rates["weight_2025"].to_numpy(float)
            return float((w * self.rates["annual_rate"].to_numpy()).sum() / w.sum())
        cells = weights.groupby(["need", "phase"], as_index=False)["pupils"].sum()
        r = np.array([self.rate(n, p) for n, p in zip(cells["need"], cells["phase"], strict=True)])
        w = cells["pupils"].to_numpy(float)
        return float((w * r).sum() / w.sum())

    def rates_table(self) -> pd.DataFrame:
        """need, phase, annual_rate, method, estimated, source: one row per cell."""
        method = [f"ESTIMATE: {self.kappa:.6f} x g {self.overall:.6f} x need index {u:.4f} x phase "
                  f"index {v:.4f}" + (f", bounded to [0, {self.long_rate:.4f}]" if b else "")
                  + "; same in every district"
                  for u, v, b in zip(self.rates["need_index"], self.rates["phase_index"],
                                     self.rates["bounded"], strict=True)]
        out = self.rates[["need", "phase", "annual_rate"]].copy()
        return out.assign(method=method, estimated=True, source=SOURCE)

    def series_table(self) -> pd.DataFrame:
        """Observed series 2019-2025 with each window's fitted values and log residuals."""
        return self.series.copy()

    def project(self, base: pd.DataFrame, years: Sequence[int]) -> pd.DataFrame:
        """``base`` (zone, need, phase, pupils in 2025) grown to each of ``years``, unrounded.

        Other key columns of ``base`` (e.g. level) are kept; a ``year`` column is replaced.
        """
        missing = [c for c in ("zone", "need", "phase", "pupils") if c not in base.columns]
        if missing:
            raise ValueError(f"base lacks column(s) {', '.join(missing)}")
        keys = [c for c in base.columns if c not in ("year", "pupils")]
        rate = np.array([self.rate(n, p) for n, p in zip(base["need"], base["phase"], strict=True)])
        frames = [base[keys].assign(
            year=int(y), pupils=base["pupils"].to_numpy(float) * (1 + rate) ** (int(y) - BASE_YEAR))
            for y in years]
        return pd.concat(frames, ignore_index=True)

    def markdown(self) -> str:
        """The method, fit errors and rates, for the data card."""
        return growth_markdown(self)


# --------------------------------------------------------------------------------------------
# Fitting
# --------------------------------------------------------------------------------------------


def loglin(years: np.ndarray, values: np.ndarray) -> tuple[float, np.ndarray]:
    """Least-squares line through log(values): annual rate exp(slope) - 1, and (intercept, slope)."""
    slope, icept = np.polyfit(years.astype(float), np.log(values.astype(float)), 1)
    return float(np.expm1(slope)), np.array([icept, slope])


def settings_series(data: Path) -> pd.DataFrame:
    """Kent plans by year 2019-2025: in scope (mainstream + special), mainstream, special, all."""
    raw = read_pack_csv(data, F_SETTING, ["census_january", "setting", "value", "is_percent"])
    cols = {"mainstream_total": "mainstream", "special_total": "special", "ehcplans": "all_plans"}
    rows = raw[(raw["is_percent"] == 0) & raw["setting"].isin(list(cols))]
    wide = rows.pivot_table(index="census_january", columns="setting", values="value", aggfunc="sum")
    lacking = [c for c in cols if c not in wide.columns]
    if lacking or wide.isna().any().any():
        raise PackError(data / F_SETTING, f"expected settings {', '.join(cols)} for every year")
    wide = wide.rename(columns=cols)
    wide["in_scope"] = wide["mainstream"] + wide["special"]
    out = wide[["in_scope", "mainstream", "special", "all_plans"]].reset_index()
    out = out.rename(columns={"census_january": "year"}).astype(np.int64)
    if not set(range(LONG_WINDOW[0], LONG_WINDOW[1] + 1)) <= set(out["year"]):
        raise PackError(data / F_SETTING, f"expected Jan {LONG_WINDOW[0]}-{LONG_WINDOW[1]}")
    _check_trend(data, out)
    return out[out["year"] >= LONG_WINDOW[0]].reset_index(drop=True)


def _check_trend(data: Path, series: pd.DataFrame) -> None:
    """ehcp_trend_kent.csv (S2 to 2022, S1 after) must give the same in-scope totals."""
    t = read_pack_csv(data, F_TREND, ["census_january", "establishment_group",
                                      "statements_plus_ehc_plans"])
    t = t[t["establishment_group"].isin(["Mainstream school", "Special school"])]
    trend = t.groupby("census_january")["statements_plus_ehc_plans"].sum()
    for year, value in zip(series["year"], series["in_scope"], strict=True):
        if year in trend.index and int(trend[year]) != int(value):
            raise PackError(data / F_TREND, f"in-scope {year} is {int(trend[year])}, but "
                            f"{F_SETTING} gives {value}")


def fit_table(series: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fits of each series over both windows, and the fitted values with log residuals."""
    fits, rows = [], []
    for col in ("in_scope", "mainstream", "special", "all_plans"):
        for first, last in (LONG_WINDOW, WINDOW):
            s = series[(series["year"] >= first) & (series["year"] <= last)]
            rate, coef = loglin(s["year"].to_numpy(), s[col].to_numpy())
            fitted = np.exp(coef[0] + coef[1] * s["year"].to_numpy(float))
            resid = np.log(s[col].to_numpy(float)) - np.log(fitted)
            used = col == "in_scope" and (first, last) == WINDOW
            fits.append({"series": col, "first": first, "last": last, "annual_rate": rate,
                         "rmse_log": float(np.sqrt(np.mean(resid ** 2))), "used": used})
            rows += [{"series": col, "window": f"{first}-{last}", "year": int(y), "observed": int(o),
                      "fitted": float(f), "residual_log": float(r)}
                     for y, o, f, r in zip(s["year"], s[col], fitted, resid, strict=True)]
    return pd.DataFrame(fits), pd.DataFrame(rows)


def backtest(series: pd.DataFrame, length: int = 4) -> pd.DataFrame:
    """Fit ``length``-year windows of the in-scope series and score their later years."""
    rows = []
    years, values = series["year"].to_numpy(), series["in_scope"].to_numpy(float)
    for i in range(len(years) - length):
        rate, _ = loglin(years[i:i + length], values[i:i + length])
        last = years[i + length - 1]
        for j in range(i + length, len(years)):
            pred = values[i + length - 1] * (1 + rate) ** (years[j] - last)
            rows.append({"fit": f"{years[i]}-{last}", "annual_rate": rate, "year": int(years[j]),
                         "predicted": pred, "observed": int(values[j]),
                         "error_pct": 100 * (pred / values[j] - 1)})
    return pd.DataFrame(rows)


def _codes(s: pd.Series, path: Path, what: str) -> pd.Series:
    """Pack need -> instance code, Unknown dropped; every need must be there (no silent zeros)."""
    lacking = [n for n in PACK_NEED if n not in s.index]
    if lacking:
        raise PackError(path, f"expected {what} for primary need(s) {', '.join(lacking)}")
    return s.drop("Unknown", errors="ignore").rename(PACK_NEED).reindex(list(NEEDS))


def _by_need(frame: pd.DataFrame, topic: str, labels: Sequence[str]) -> pd.Series:
    rows = frame[(frame["breakdown_topic"] == topic) & frame["breakdown"].isin(list(labels))]
    return rows.groupby("primary_need")["ehc_plans"].sum().astype(float)


def pack_tables(data: Path) -> tuple[pd.DataFrame, pd.Series]:
    """Jan 2025 by need: all plans, in scope, phase weights; and all plans by single age."""
    raw = read_pack_csv(data, F_NEED, ["geography", "breakdown_topic", "breakdown", "primary_need",
                                       "ehc_plans"])
    kent = raw[raw["geography"] == "Kent"]
    if kent.empty:
        raise PackError(data / F_NEED, "expected rows with geography == Kent")
    if kent["ehc_plans"].isna().any():
        raise PackError(data / F_NEED, f"{int(kent['ehc_plans'].isna().sum())} Kent ehc_plans "
                        "blank (suppressed); the growth fit needs every Kent count")
    age = "Child or young persons age"

    def need(topic: str, labels: Sequence[str]) -> pd.Series:
        return _codes(_by_need(kent, topic, labels), data / F_NEED, f"Kent {topic} rows")

    out = pd.DataFrame({
        "need": NEEDS,
        "stock_2025": need("All EHC plans", ["All EHC plans"]).to_numpy(),
        "in_scope_2025": need("Type of placement", ["Mainstream - total", "Special - total"]).to_numpy(),
    })
    out.attrs["unknown_stock"] = float(_by_need(kent, "All EHC plans", ["All EHC plans"]).get("Unknown", 0))
    if out["stock_2025"].sum() == 0 or out["in_scope_2025"].sum() == 0:
        raise PackError(data / F_NEED, "expected Kent 'All EHC plans' and placement totals by need")
    a = {k: need(age, [f"age {x}" for x in range(lo, hi)]).to_numpy() for k, lo, hi in
         (("p", 4, 11), ("s", 11, 16), ("a16", 16, 19), ("a16_25", 16, 26))}
    fe = need("Type of placement", ["FE - total"]).to_numpy()
    fe16 = np.where(a["a16_25"] > 0, fe * a["a16"] / np.where(a["a16_25"] > 0, a["a16_25"], 1), 0.0)
    w = np.column_stack([a["p"], a["s"], np.maximum(a["a16"] - fe16, 0.0)])  # build.py rule D1
    w = w / np.where(w.sum(axis=1, keepdims=True) > 0, w.sum(axis=1, keepdims=True), 1)
    for j, (phase, _, _) in enumerate(PHASES):
        out[f"w_{phase}"] = out["in_scope_2025"] * w[:, j]
    ages = kent[kent["breakdown_topic"] == age].groupby("breakdown")["ehc_plans"].sum()
    by_age = pd.Series({x: float(ages.get(f"age {x}", 0.0)) for x in range(4, 19)})
    if (by_age <= 0).any():
        raise PackError(data / F_NEED, "expected Kent plans for every age 4-18")
    return out, by_age


def new_plans_by_need(data: Path) -> pd.Series:
    """Calendar-2024 new plans by instance need code (Unknown left out, as build.py spreads it)."""
    raw = read_pack_csv(data, F_FLOWS, ["calendar_year", "measure", "value"])
    prefix = "new_plans_primary_need_"
    rows = raw[raw["measure"].astype(str).str.startswith(prefix)]
    if rows.empty:
        raise PackError(data / F_FLOWS, f"expected {prefix}<NEED> rows")
    rows = rows[rows["calendar_year"] == rows["calendar_year"].max()]
    s = rows.set_index(rows["measure"].str.removeprefix(prefix))["value"].astype(float)
    s.attrs["unknown"] = float(s.get("Unknown", 0.0))
    return _codes(s, data / F_FLOWS, f"{prefix}<NEED> rows")


def need_index(stock: np.ndarray, new: np.ndarray) -> tuple[pd.DataFrame, float]:
    """Inflow ratio by need shrunk toward the county ratio (Marshall 1991, global EB).

    tau^2 = weighted variance of the raw ratios less their Poisson noise (county ratio / mean
    stock); a need's weight on its own ratio is tau^2 / (tau^2 + county ratio / its stock).
    """
    ratio = float(new.sum() / stock.sum())
    raw = np.where(stock > 0, new / np.where(stock > 0, stock, 1), ratio)
    s2 = float((stock * (raw - ratio) ** 2).sum() / stock.sum())
    tau2 = max(0.0, s2 - ratio / float(stock.mean()))
    weight = np.where(stock > 0, tau2 / (tau2 + ratio / np.where(stock > 0, stock, 1)), 0.0)
    shrunk = ratio + weight * (raw - ratio)
    frame = pd.DataFrame({"need": NEEDS, "stock_2025": stock, "new_2024": new, "raw_ratio": raw,
                          "shrink_weight": weight, "eb_ratio": shrunk, "need_index": shrunk / ratio})
    frame.attrs["county_ratio"] = ratio
    return frame, tau2


def phase_index(by_age: pd.Series, g: float, g_long: float, horizon: int = 5) -> pd.DataFrame:
    """Ageing projection of the Jan 2025 age profile (ages 4-18, all plans) over ``horizon`` years.

    Cohort change ratio a -> a+1 = N(a+1)/N(a) x (1 + g_long): the cross-section of a stock that
    grew at g_long. Age 4 grows at g. Index = phase's fitted rate / the all-phase fitted rate.
    """
    n0 = by_age.to_numpy(float)
    ccr = n0[1:] / n0[:-1] * (1 + g_long)
    cur, path = n0.copy(), [n0.copy()]
    for k in range(1, horizon + 1):
        nxt = np.empty_like(cur)
        nxt[0] = n0[0] * (1 + g) ** k
        nxt[1:] = cur[:-1] * ccr
        cur = nxt
        path.append(cur)
    arr, years = np.array(path), np.arange(horizon + 1)
    ages = by_age.index.to_numpy()
    rows = []
    for phase, lo, hi in PHASES:
        total = arr[:, (ages >= lo) & (ages < hi)].sum(axis=1)
        rows.append({"phase": phase, "plans_2025": total[0], f"plans_{BASE_YEAR + horizon}": total[-1],
                     "cohort_rate": loglin(years, total)[0]})
    frame = pd.DataFrame(rows)
    overall = loglin(years, arr.sum(axis=1))[0]
    frame["phase_index"] = frame["cohort_rate"] / overall
    frame.attrs["overall_cohort_rate"] = overall
    return frame


def calibrate(raw: np.ndarray, weights: np.ndarray, target: float, hi: float) -> tuple[float, np.ndarray]:
    """kappa with mean(clip(kappa x raw, 0, hi)) = target (weighted); bisection, deterministic."""
    def mean(k: float) -> float:
        return float((weights * np.clip(k * raw, 0.0, hi)).sum() / weights.sum())
    lo_k, hi_k = 0.0, 1.0
    while mean(hi_k) < target:
        hi_k *= 2
        if hi_k > 1e6:
            raise ValueError(f"target {target} above the bound {hi}")
    for _ in range(200):
        mid = (lo_k + hi_k) / 2
        lo_k, hi_k = (mid, hi_k) if mean(mid) < target else (lo_k, mid)
    kappa = (lo_k + hi_k) / 2
    return kappa, np.clip(kappa * raw, 0.0, hi)


def fit_growth(data: Path) -> GrowthModel:
    """Fit the need x phase growth rates to the data pack in ``data`` (see the module docstring)."""
    series = settings_series(data)
    fits, fitted = fit_table(series)
    pick = fits.set_index(["series", "first"])["annual_rate"]
    g, g_long = float(pick[("in_scope", WINDOW[0])]), float(pick[("in_scope", LONG_WINDOW[0])])
    base, by_age = pack_tables(data)
    new = new_plans_by_need(data)
    needs, tau2 = need_index(base["stock_2025"].to_numpy(), new.to_numpy())
    needs.attrs["unknown"] = (base.attrs["unknown_stock"], new.attrs["unknown"])
    phases = phase_index(by_age, g, g_long)
    cells = [(n, p, float(base.loc[i, f"w_{p}"]), float(needs.loc[i, "need_index"]), float(v))
             for i, n in enumerate(NEEDS) for p, v in zip(phases["phase"], phases["phase_index"],
                                                            strict=True)]
    rates = pd.DataFrame(cells, columns=["need", "phase", "weight_2025", "need_index", "phase_index"])
    raw = g * rates["need_index"].to_numpy() * rates["phase_index"].to_numpy()
    kappa, r = calibrate(raw, rates["weight_2025"].to_numpy(), g, g_long)
    rates["annual_rate"] = r
    rates["bounded"] = ~np.isclose(r, kappa * raw)
    back = backtest(series)
    fitted = pd.concat([fitted, back.assign(series="in_scope_backtest", window=back["fit"],
                                            fitted=back["predicted"],
                                            residual_log=np.log(back["observed"] / back["predicted"]))
                        [list(fitted.columns)]], ignore_index=True)
    return GrowthModel(overall=g, long_rate=g_long, kappa=kappa, rates=rates, needs=needs,
                       phases=phases, fits=fits, series=fitted, tau2=tau2)
