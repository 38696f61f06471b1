"""The planner's plan: places added against the deficit, and each investment with its reasons.

Two tables, read from a solved run (:class:`placement_opt.results.run.RunData`):

* :func:`places_added` — by district × need × phase × year: demand, the state places located in
  the district without the plan's investments and with them, the places the plan adds, and the
  deficit (demand above places) without and with the investment. Places are split over need and
  phase as in the sufficiency report (``place_apportionment``); an added place takes the share of
  its provision's places that were added (all of a new site's, ``added / capacity`` of an
  expanded school's). Deficits are clipped at zero per need and phase before they are summed,
  so a surplus of one need never hides another's deficit.
* :func:`investments` — one row per candidate site opened and per provision expanded: capital,
  places, the pupils in the added places (in the last year and over the horizon) and the
  districts they come from, their place and transport cost, the cost those pupil-years would have
  had **elsewhere**: in the cheapest eligible place (need, phase, level of need, journey limit;
  priced as the model prices it) at another provision with a place free that year in the
  solved plan — in Kent mostly the independent sector, where the overflow goes when state
  places are full. Where no place has room, the pupil would have displaced another: the cost
  here plus the place's marginal value (minus its shadow price; the unmet penalty when the run
  has no duals). A first-order counterfactual: per-need caps and later years are not checked.
  Then the saving, the saving net of capital, the payback, and the marginal value of one more place
  (the utilisation shadow price: a marginal value at the optimum, with the integer decisions
  fixed). Pupils of an expanded school are counted in its added places in proportion
  ``added / capacity``.

Formulations: ``models/openings.md``, ``models/planning.md``.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from placement_opt.model.data import ModelData
from placement_opt.model.transport import transport_cost
from placement_opt.reports.sufficiency import place_apportionment, sufficiency_table
from placement_opt.results.run import RunData
from placement_opt.schema.tables import KINDS

__all__ = ["INVESTMENT_COLUMNS", "PLACES_COLUMNS", "added_places", "closed_sites", "has_investments",
           "investments", "places_added", "plan_report", "rollup_places"]

KEYS = ["district", "need", "phase", "year"]
#: Columns of :func:`places_added` after the keys.
PLACES_COLUMNS = ["demand", "places_without_investment", "places_added", "places_local",
                  "deficit_without_investment", "deficit_after", "deficit_met", "placed_independent",
                  "unmet"]
INVESTMENT_COLUMNS = [
    "provision", "provision_name", "what", "kind", "district", "pupil_needs", "phases", "first_year",
    "places", "capital", "pupils_last_year", "pupil_years", "from_districts", "share_local",
    "revenue_cost", "alternative", "alternative_cost", "saving", "net_saving", "saving_last_year",
    "payback_years", "shadow_price_last_year", "shadow_price_sum", "reason",
]
_TOL = 1e-9
#: A provision is somewhere else a pupil could have gone when it had at least this many places
#: free that year in the solved plan.
SPARE_MIN = 1.0
_CHUNK = 4096
_ELSEWHERE = {"independent": "in the independent sector", "unmet": "as unmet demand (penalty)",
              "displaced": "displacing other pupils (the place's marginal value)",
              "special": "in special schools", "srp": "in other SRPs",
              "mainstream": "in mainstream support"}


def has_investments(run: RunData) -> bool:
    """Whether the instance offers candidate sites or expansions (so a plan exists)."""
    inst = run.instance
    candidate = inst.provisions["candidate"].fillna(False).astype(bool)
    return bool(candidate.any()) or len(inst.expansions) > 0


def closed_sites(run: RunData) -> tuple[str, ...]:
    """Candidate sites the plan leaves closed (no places in any year; all of them when the run
    has no utilisation): they are no one's pathway."""
    prov = run.instance.provisions
    candidates = set(prov.loc[prov["candidate"].fillna(False).astype(bool), "provision"].astype(str))
    util = run.utilisation
    if util.empty or "capacity" not in util:
        return tuple(sorted(candidates))
    opened = set(util.loc[util["capacity"] > _TOL, "provision"].astype(str))
    return tuple(sorted(candidates - opened))


def added_places(run: RunData) -> pd.DataFrame:
    """Places the plan adds per provision-year: provision, year, capacity, added, share.

    A candidate's places are all added (0 while closed); an expanded provision's added places
    are its capacity above the instance's. Only provisions with added places appear.
    """
    data = run.data
    util = run.utilisation[["provision", "year", "capacity"]].copy()
    index = {p: i for i, p in enumerate(data.provisions)}
    year_index = {y: i for i, y in enumerate(data.years)}
    p = util["provision"].astype(str).map(index).to_numpy(np.int64)
    t = util["year"].astype(int).map(year_index).to_numpy(np.int64)
    cap = util["capacity"].to_numpy(float)
    expandable = np.zeros(len(data.provisions), dtype=bool)
    expandable[data.exp_prov] = True
    base = np.where(data.candidate[p], 0.0, data.cap_total[p, t])
    added = np.where(data.candidate[p] | expandable[p], np.maximum(cap - base, 0.0), 0.0)
    util["added"] = added
    util["share"] = np.divide(added, cap, out=np.zeros_like(added), where=cap > _TOL)
    return util[util["added"] > _TOL].reset_index(drop=True)


def places_added(run: RunData) -> pd.DataFrame:
    """Places added against the deficit without investment, by district × need × phase × year."""
    detail = sufficiency_table(run)
    added = added_places(run)
    split = place_apportionment(run).merge(added[["provision", "year", "share"]],
                                           on=["provision", "year"], how="inner")
    split = split[split["kind"].isin(("special", "srp", "mainstream"))]
    split["places_added"] = split["places"] * split["share"]
    by_group = split.groupby(KEYS, as_index=False)["places_added"].sum()
    table = detail[[*KEYS, "demand", "places_local", "placed_independent", "unmet"]].merge(
        by_group, on=KEYS, how="left")
    table["places_added"] = table["places_added"].fillna(0.0)
    return _deficits(table)


def _deficits(table: pd.DataFrame) -> pd.DataFrame:
    out = table.copy()
    out["places_without_investment"] = out["places_local"] - out["places_added"]
    out["deficit_without_investment"] = (out["demand"] - out["places_without_investment"]).clip(lower=0)
    out["deficit_after"] = (out["demand"] - out["places_local"]).clip(lower=0)
    out["deficit_met"] = out["deficit_without_investment"] - out["deficit_after"]
    return out[KEYS + PLACES_COLUMNS].sort_values(KEYS).reset_index(drop=True)


def rollup_places(detail: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Sum :func:`places_added` over everything but ``keys`` (deficits stay clipped per group)."""
    return detail.groupby(keys, as_index=False)[PLACES_COLUMNS].sum()


def _alternatives(run: RunData, data: ModelData, alloc: pd.DataFrame,
                  invested: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per allocation row: the cheapest place + transport cost per pupil-year at an eligible
    provision (need, phase, level, journey limit; tariff price) other than those the plan adds
    places to, with at least :data:`SPARE_MIN` places free that year in the solved plan; and
    that provision's kind (``unmet``, at the unmet penalty, where there is none). Per-need caps
    are not checked."""
    pol = run.instance.policy
    n_p, n_t = len(data.provisions), len(data.years)
    pi = {v: i for i, v in enumerate(data.provisions)}
    ti = {v: i for i, v in enumerate(data.years)}
    spare = np.zeros((n_p, n_t))
    util = run.utilisation
    spare[util["provision"].astype(str).map(pi).to_numpy(np.int64),
          util["year"].astype(int).map(ti).to_numpy(np.int64)] = util["spare"].to_numpy(float)
    other = np.ones(n_p, dtype=bool)
    other[invested] = False
    z, k, h, lv = (_codes(alloc[col], labels) for col, labels in (
        ("zone", data.zones), ("need", data.needs), ("phase", data.phases), ("level", data.levels)))
    t = alloc["year"].astype(int).map(ti).to_numpy(np.int64)
    best = np.full(len(alloc), np.inf)
    where = np.zeros(len(alloc), dtype=np.int64)
    prov = np.arange(n_p, dtype=np.int64)
    for lo in range(0, len(alloc), _CHUNK):  # rows x provisions, a block at a time
        r = slice(lo, lo + _CHUNK)
        ok = (data.designated[:, k[r]].T & data.phase_ok[:, h[r]].T & other[None, :]
              & data.level_kinds[lv[r]][:, data.kind]
              & (data.minutes[z[r], :] <= data.limit[h[r]][:, None])
              & (spare[:, t[r]].T >= SPARE_MIN))
        rows = np.flatnonzero(ok.any(axis=1))
        unit = np.full(ok.shape, np.inf)
        if rows.size:  # priced by the tariff, as the model does, where a place is possible
            kk, ll, tt = (np.repeat(c[r][rows], n_p).astype(np.int64) for c in (k, lv, t))
            price = data.place_cost(np.tile(prov, rows.size), kk, ll, tt).reshape(rows.size, n_p)
            travel = transport_cost(data, pol, z[r][rows][:, None], prov[None, :])
            unit[rows] = np.where(ok[rows], price + travel, np.inf)
        where[r] = unit.argmin(axis=1)
        best[r] = unit[np.arange(len(unit)), where[r]]
    found = np.isfinite(best)
    kind = np.where(found, np.asarray(KINDS, dtype=object)[data.kind[where]], "unmet")
    return np.where(found, best, pol.unmet_penalty), kind


def investments(run: RunData) -> pd.DataFrame:
    """Each opening and expansion with its reasons (see the module docstring)."""
    added = added_places(run)
    if added.empty:
        return pd.DataFrame(columns=INVESTMENT_COLUMNS)
    data = run.data
    last = max(data.years)
    alloc = _pupils_in_added(run, data, added)
    final = alloc[alloc["year"] == last]
    per = alloc.groupby("provision").agg(
        pupil_years=("in_added", "sum"), revenue_cost=("revenue", "sum"),
        alternative_cost=("alternative", "sum"),
        phases=("phase", lambda s: ";".join(sorted(set(map(str, s)), key=data.phases.index))))
    per_last = final.groupby("provision").agg(
        pupils_last_year=("in_added", "sum"), revenue_last=("revenue", "sum"),
        alternative_last=("alternative", "sum"))
    util = run.utilisation[["provision", "year", "shadow_price"]].merge(
        added[["provision", "year"]], on=["provision", "year"]).sort_values(["provision", "year"])
    shadow = util.groupby("provision")["shadow_price"].agg(["last", "sum"])
    frame = added.groupby("provision").agg(first_year=("year", "min"), places=("added", "max"))
    frame = frame.join(per).join(per_last).join(shadow)
    prov = run.instance.provisions.set_index("provision")
    frame = frame.join(prov[["name", "kind", "zone", "candidate"]])
    capital = run.capital.groupby("provision")["amount"].sum() if len(run.capital) else None
    frame["capital"] = 0.0 if capital is None else capital.reindex(frame.index).fillna(0.0)
    numeric = ["pupil_years", "revenue_cost", "alternative_cost", "pupils_last_year",
               "revenue_last", "alternative_last"]
    frame[numeric] = frame[numeric].astype(float).fillna(0.0)
    from_text, local = _sources(final, prov["zone"])
    out = pd.DataFrame({
        "provision": frame.index.astype(str),
        "provision_name": frame["name"].where(frame["name"].notna(), frame.index.to_series()),
        "what": np.where(frame["candidate"].fillna(False).astype(bool), "new site", "expansion"),
        "kind": frame["kind"], "district": frame["zone"],
        "pupil_needs": _needs_text(final).reindex(frame.index).fillna(""),
        "phases": frame["phases"].fillna(""), "first_year": frame["first_year"].astype(int),
        "places": frame["places"], "capital": frame["capital"],
        "pupils_last_year": frame["pupils_last_year"], "pupil_years": frame["pupil_years"],
        "from_districts": from_text.reindex(frame.index).fillna(""),
        "share_local": np.divide(local.reindex(frame.index).fillna(0.0).to_numpy(float),
                                 frame["pupils_last_year"].to_numpy(float),
                                 out=np.zeros(len(frame)), where=frame["pupils_last_year"] > 0),
        "revenue_cost": frame["revenue_cost"],
        "alternative": _alternative_text(alloc).reindex(frame.index).fillna(""),
        "alternative_cost": frame["alternative_cost"],
    }).reset_index(drop=True)
    saving_last = (frame["alternative_last"] - frame["revenue_last"]).to_numpy(float)
    out["saving"] = out["alternative_cost"] - out["revenue_cost"]
    out["net_saving"] = out["saving"] - out["capital"]
    out["saving_last_year"] = saving_last
    out["payback_years"] = np.divide(out["capital"].to_numpy(float), saving_last,
                                     out=np.full(len(out), np.nan), where=saving_last > 0)
    out["shadow_price_last_year"] = frame["last"].to_numpy(float)
    out["shadow_price_sum"] = frame["sum"].to_numpy(float)
    out["reason"] = [_reason(r, last) for r in out.to_dict("records")]
    return out[INVESTMENT_COLUMNS].sort_values(["first_year", "district", "provision"],
                                               kind="stable").reset_index(drop=True)


def _pupils_in_added(run: RunData, data: ModelData, added: pd.DataFrame) -> pd.DataFrame:
    """Allocation rows at provisions with added places, with the pupils, revenue cost and
    alternative cost that fall in the added places (share ``added / capacity``)."""
    alloc = run.allocations.merge(added[["provision", "year", "share"]], on=["provision", "year"],
                                  how="inner").reset_index(drop=True)
    invested = np.flatnonzero(np.isin(np.asarray(data.provisions, dtype=object),
                                      added["provision"].astype(str).unique()))
    unit, kind = _alternatives(run, data, alloc, invested)
    # No place with room elsewhere: the pupil would have displaced someone, which the place's
    # marginal value (its shadow price) prices; without duals, the unmet penalty stands in.
    shadow = alloc.merge(run.utilisation[["provision", "year", "shadow_price"]],
                         on=["provision", "year"], how="left")["shadow_price"].to_numpy(float)
    here = np.divide((alloc["place_cost"] + alloc["transport_cost"]).to_numpy(float),
                     alloc["pupils"].to_numpy(float), out=np.zeros(len(alloc)),
                     where=alloc["pupils"].to_numpy(float) > 0)
    displaced = (kind == "unmet") & np.isfinite(shadow)
    unit = np.where(displaced, here + np.maximum(-shadow, 0.0), unit)
    alloc["in_added"] = alloc["pupils"] * alloc["share"]
    alloc["revenue"] = (alloc["place_cost"] + alloc["transport_cost"]) * alloc["share"]
    alloc["alternative"] = unit * alloc["in_added"]
    alloc["alternative_kind"] = np.where(displaced, "displaced", kind)
    return alloc


def _alternative_text(alloc: pd.DataFrame) -> pd.Series:
    """Per provision: the kind of the alternative, or ``"independent 140.0; special 10.0"``
    (pupil-years in its added places by the kind they would otherwise have had) when mixed."""
    by = alloc.groupby(["provision", "alternative_kind"], as_index=False)["in_added"].sum()
    by = by[by["in_added"] >= 0.05].sort_values(["provision", "in_added", "alternative_kind"],
                                                ascending=[True, False, True], kind="stable")
    label = by["alternative_kind"].astype(str) + " " + by["in_added"].map(lambda v: f"{v:.1f}")
    many = by.groupby("provision")["alternative_kind"].transform("size") > 1
    label = label.where(many, by["alternative_kind"].astype(str))
    text: pd.Series = label.groupby(by["provision"]).agg("; ".join)
    return text


def _sources(final: pd.DataFrame, home: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Per provision: ``"Swale 24.0; Maidstone 6.0"`` (pupils in its added places by home
    district, largest first, 0.1 and more) and the pupils from its own district."""
    src = final.groupby(["provision", "zone"], as_index=False)["in_added"].sum()
    src = src[src["in_added"] >= 0.05].sort_values(["provision", "in_added", "zone"],
                                                   ascending=[True, False, True], kind="stable")
    label = src["zone"].astype(str) + " " + src["in_added"].map(lambda v: f"{v:.1f}")
    text = label.groupby(src["provision"]).agg("; ".join)
    own = src[src["zone"].astype(str) == src["provision"].map(home).astype(str)]
    return text, own.groupby("provision")["in_added"].sum()


def _codes(column: pd.Series, labels: tuple[str, ...]) -> np.ndarray:
    """The position of each value of ``column`` in ``labels``."""
    return column.astype(str).map({v: i for i, v in enumerate(labels)}).to_numpy(np.int64)


def _needs_text(final: pd.DataFrame) -> pd.Series:
    """Per provision: the needs of the pupils in its added places, largest first (``ASD/SLD``)."""
    by = final.groupby(["provision", "need"], as_index=False)["in_added"].sum()
    by = by[by["in_added"] >= 0.5].sort_values(["provision", "in_added", "need"],
                                               ascending=[True, False, True], kind="stable")
    text: pd.Series = by["need"].astype(str).groupby(by["provision"]).agg("/".join)
    return text


def _money(x: float) -> str:
    if abs(x) >= 1e6:
        return f"£{x / 1e6:,.2f}m"
    return f"£{x:,.0f}"


def _reason(r: Mapping[Hashable, Any], last: int) -> str:
    """One sentence a planner can read: who it takes, what it saves, what it costs."""
    pupils = float(r["pupils_last_year"])
    text = (f"{'Opens' if r['what'] == 'new site' else 'Adds places'} from {r['first_year']}: "
            f"{pupils:.0f} {r['pupil_needs'] or 'no'} pupils in its added places in {last}")
    if r["from_districts"]:
        text += f" (from {r['from_districts']})"
    alt = _ELSEWHERE.get(str(r["alternative"]), f"elsewhere ({r['alternative']} pupil-years)")
    text += (f"; their place and transport cost {_money(float(r['revenue_cost']))} over the "
             f"horizon against {_money(float(r['alternative_cost']))} {alt}: saves "
             f"{_money(float(r['saving']))} for {_money(float(r['capital']))} of capital")
    payback = float(r["payback_years"])
    if np.isfinite(payback):
        text += f" (payback {payback:.1f} years at the {last} saving)"
    shadow = float(r["shadow_price_last_year"])
    if np.isfinite(shadow) and shadow < -0.5:
        text += f"; one more place in {last} would save {_money(-shadow)} (marginal value)"
    return text + "."


def plan_report(run: RunData) -> dict[str, pd.DataFrame]:
    """The plan's tables by sheet name: investments, places added (detail and roll-ups)."""
    detail = places_added(run)
    return {
        "investments": investments(run),
        "places_added": detail,
        "by_district": rollup_places(detail, ["district", "year"]),
        "by_need": rollup_places(detail, ["need", "phase", "year"]),
        "county": rollup_places(detail, ["year"]),
    }
