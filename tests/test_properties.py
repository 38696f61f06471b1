"""Property tests of ``solve`` on small random instances (hypothesis, derandomized).

Every instance goes through ``Instance.from_tables``; every OPTIMAL result is checked against
the instance tables directly (never against the package's model): capacities, per-need caps,
demand conservation, arc eligibility, the objective, the local-share rule and the independent
cap. A second test compares the optimum of tiny instances with ``scipy.optimize.linprog`` on
a dense formulation written here from ``models/allocation.md``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any, TypeVar

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from placement_opt import Instance, Result, solve
from placement_opt.status import Status

T = TypeVar("T")
Draw = Callable[[st.SearchStrategy[T]], T]

TOL = 1e-6
#: The default relative MIP gap of SolveOptions.
MIP_GAP = 1e-4
EARTH_RADIUS_KM = 6371.0088
NEEDS = ("ASD", "SEMH", "SLD")
PHASES = {"primary": (4, 11), "secondary": (11, 16)}
KINDS = ("special", "srp", "independent", "mainstream")
KEYS = ["zone", "need", "phase", "year"]
#: Provision age ranges [min_age, max_age): some overlap no phase ((2, 4) ends where primary
#: starts; (11, 16) starts where primary ends).
AGE_RANGES = [(4, 19), (4, 11), (11, 19), (11, 16), (16, 19), (2, 4), (7, 13)]
#: Costs per place (Kent-like, and a cheap one).
COSTS = [24_252.0, 16_000.0, 49_259.0, 12_000.0, 1_000.0]
#: Listed journey minutes, several exactly at a journey limit.
MINUTES = [10.0, 30.0, 45.0, 50.0, 0.0, 75.0, 100.0]
PROPERTY_SETTINGS = settings(derandomize=True, max_examples=40, deadline=None,
                             suppress_health_check=[HealthCheck.too_slow])


# ============================================================================ strategies
@dataclass(frozen=True)
class Shape:
    """The index sets of one random instance."""

    zones: list[str]
    needs: list[str]
    phases: list[str]
    years: list[int]
    provisions: list[str]


def _maybe(draw: Draw[Any], strategy: st.SearchStrategy[T], chance_none: int = 2) -> T | None:
    """``None`` with probability about ``(chance_none - 1) / chance_none``, else a drawn value."""
    if draw(st.integers(1, chance_none)) != chance_none:
        return None
    value: T = draw(strategy)
    return value


def _shape(draw: Draw[Any], zones: tuple[int, int], provisions: tuple[int, int],
           max_needs: int, max_phases: int, max_years: int) -> Shape:
    """Index sets with a drawn number of elements in each given (inclusive) range."""
    phase_sets = [["primary"], ["secondary"]] + ([["primary", "secondary"]] if max_phases > 1
                                                 else [])
    return Shape(
        zones=[f"Z{i}" for i in range(draw(st.integers(*zones)))],
        needs=list(NEEDS[: draw(st.integers(1, max_needs))]),
        phases=draw(st.sampled_from(phase_sets)),
        years=[2026 + i for i in range(draw(st.integers(1, max_years)))],
        provisions=[f"P{i}" for i in range(draw(st.integers(*provisions)))],
    )


def _zones_table(draw: Draw[Any], shape: Shape, provisions: pd.DataFrame,
                 shares: bool) -> pd.DataFrame:
    """Random centroids. If ``shares``: a min_local_share for the first provision's zone and
    for some other zones hosting a provision with places (a zone without one could only make
    the model infeasible)."""
    share = st.sampled_from([0.1, 0.25, 0.0, 1.0])
    hosts = set(provisions.loc[provisions["capacity"] > 0, "zone"])
    first = provisions["zone"].iloc[0]
    rows = []
    for z in shape.zones:
        own = None
        if shares and z == first:
            own = draw(st.sampled_from([0.1, 0.25, 0.5, 1.0]))
        elif shares and z in hosts:
            own = _maybe(draw, share, 2)
        rows.append({"zone": z, "lat": draw(st.floats(51.0, 51.5)),
                     "lon": draw(st.floats(0.1, 1.45)), "min_local_share": own})
    return pd.DataFrame(rows)


def _provision_row(draw: Draw[Any], shape: Shape, pid: str) -> dict[str, Any]:
    """Kind, zone, optional coordinates, phases (list or age range), needs, places, cost."""
    row: dict[str, Any] = {
        "provision": pid,
        "kind": draw(st.sampled_from(KINDS)),
        "zone": draw(st.sampled_from(shape.zones)),
        "needs": ";".join(draw(st.lists(st.sampled_from(shape.needs), min_size=1,
                                        unique=True))),
        "capacity": draw(st.sampled_from([5.0, 8.0, 2.0, 0.0, 3.0])),
        "cost_per_place": draw(st.sampled_from(COSTS)),
        "lat": None, "lon": None, "phases": None, "min_age": None, "max_age": None,
    }
    if draw(st.booleans()):
        row["lat"], row["lon"] = draw(st.floats(51.0, 51.5)), draw(st.floats(0.1, 1.45))
    if draw(st.booleans()):
        row["phases"] = ";".join(draw(st.lists(st.sampled_from(shape.phases), min_size=1,
                                               unique=True)))
    else:
        row["min_age"], row["max_age"] = draw(st.sampled_from(AGE_RANGES))
    return row


def _capacity_table(draw: Draw[Any], shape: Shape, provisions: pd.DataFrame,
                    need_caps: bool) -> pd.DataFrame:
    """Some year-specific totals (zero allowed) and, if ``need_caps``, some per-need caps."""
    rows: list[dict[str, Any]] = []
    for pid, needs in zip(provisions["provision"], provisions["needs"], strict=True):
        for year in shape.years:
            total = _maybe(draw, st.sampled_from([6, 0, 3]), 3)
            if total is not None:
                rows.append({"provision": pid, "year": year, "need": None,
                             "places": float(total)})
            for need in needs.split(";") if need_caps else []:
                cap = _maybe(draw, st.sampled_from([2, 0, 4]), 3)
                if cap is not None:
                    rows.append({"provision": pid, "year": year, "need": need,
                                 "places": float(cap)})
    return pd.DataFrame(rows, columns=["provision", "year", "need", "places"])


def _demand_table(draw: Draw[Any], shape: Shape, pupils: st.SearchStrategy[float]) -> pd.DataFrame:
    """Every zone × need × phase × year, zeros allowed; at least one row is positive (all-zero
    demand is :func:`test_all_zero_demand_solves`)."""
    demand = pd.DataFrame([
        {"zone": z, "need": k, "phase": h, "year": t, "pupils": draw(pupils)}
        for z in shape.zones for k in shape.needs for h in shape.phases for t in shape.years
    ])
    if not (demand["pupils"] > 0).any():
        demand.loc[draw(st.integers(0, len(demand) - 1)), "pupils"] = 1.0
    return demand


def _journeys_table(draw: Draw[Any], shape: Shape, every_pair: bool) -> pd.DataFrame:
    """Listed journeys for some (or every) zone-provision pair; the rest are computed."""
    rows = [
        {"zone": z, "provision": p, "minutes": draw(st.sampled_from(MINUTES)),
         "km": float(draw(st.integers(0, 60)))}
        for z in shape.zones for p in shape.provisions
        if every_pair or draw(st.booleans())
    ]
    return pd.DataFrame(rows, columns=["zone", "provision", "minutes", "km"])


def _policy(draw: Draw[Any], shape: Shape, local_share: bool) -> dict[str, Any]:
    """Journey limits, cost rates, penalty and the optional rules.

    Every phase gets a limit, 10,000 minutes standing for "none": a phase without a limit
    crashes the pre-solve checks (:func:`test_phase_without_journey_limit_solves`).
    """
    limit = st.sampled_from([20.0, 30.0, 45.0, 75.0, 10_000.0])
    limits = {h: draw(limit) for h in shape.phases}
    policy: dict[str, Any] = {
        "max_journey_min": limits,
        "transport_cost_per_km": draw(st.sampled_from([0.0, 100.0, 570.0])),
        "journey_cost_per_min": draw(st.sampled_from([0.0, 10.0])),
        "unmet_penalty": draw(st.sampled_from([100_000.0, 1_000_000.0, 30_000.0])),
        "speed_kmh": draw(st.sampled_from([30.0, 60.0])),
        "integer_pupils": draw(st.sampled_from([False, False, True])),
    }
    if local_share:
        share = _maybe(draw, st.sampled_from([0.05, 0.2]), 4)
        if share is not None:
            policy["min_local_share"] = share
    independent_pupils = _maybe(draw, st.sampled_from([3, 0, 5]), 3)
    if independent_pupils is not None:
        policy["max_independent_pupils"] = float(independent_pupils)
    share_cap = _maybe(draw, st.sampled_from([0.0, 0.25, 0.5]), 3)
    if share_cap is not None:
        policy["max_independent_share"] = share_cap
    return policy


def _instance(tables: dict[str, pd.DataFrame], policy: dict[str, Any]) -> Instance:
    return Instance.from_tables(tables, {"instance": {"name": "property"}, "policy": policy})


@st.composite
def random_instances(draw: Draw[Any], local_share: bool | None = None) -> Instance:
    """2–4 zones, 2–5 provisions, 1–3 needs, 1–2 phases, 1–2 years; zero capacities and zero
    demand allowed; per-need caps only sometimes; local-share rules sometimes (``None``),
    always (``True``) or never (``False``)."""
    shape = _shape(draw, zones=(2, 4), provisions=(2, 5), max_needs=3, max_phases=2, max_years=2)
    rows = [_provision_row(draw, shape, p) for p in shape.provisions]
    if local_share is None:
        local_share = draw(st.booleans())
    if local_share:  # a school for every need and phase, so the rule is often satisfiable
        rows[0].update(needs=";".join(shape.needs), phases=None, min_age=4, max_age=19,
                       lat=None, lon=None, capacity=draw(st.sampled_from([8.0, 4.0])))
    provisions = pd.DataFrame(rows)
    pupils = st.sampled_from([2.0, 0.0, 1.0, 4.0, 6.0, 0.5, 2.25])
    tables = {
        "needs": pd.DataFrame({"need": shape.needs}),
        "phases": pd.DataFrame([{"phase": h, "min_age": PHASES[h][0], "max_age": PHASES[h][1]}
                                for h in shape.phases]),
        "zones": _zones_table(draw, shape, provisions, local_share),
        "provisions": provisions,
        "capacity": _capacity_table(draw, shape, provisions, need_caps=draw(st.booleans())),
        "demand": _demand_table(draw, shape, pupils),
        "journeys": _journeys_table(draw, shape, every_pair=False),
    }
    return _instance(tables, _policy(draw, shape, local_share))


@st.composite
def tiny_instances(draw: Draw[Any]) -> Instance:
    """≤ 3 zones × ≤ 3 provisions, one need, one phase, one year, integer demand ≤ 4, every
    journey listed; LP only."""
    shape = _shape(draw, zones=(1, 3), provisions=(1, 3), max_needs=1, max_phases=1, max_years=1)
    provisions = pd.DataFrame([_provision_row(draw, shape, p) for p in shape.provisions])
    local_share = draw(st.booleans())
    tables = {
        "needs": pd.DataFrame({"need": shape.needs}),
        "phases": pd.DataFrame([{"phase": h, "min_age": PHASES[h][0], "max_age": PHASES[h][1]}
                                for h in shape.phases]),
        "zones": _zones_table(draw, shape, provisions, local_share),
        "provisions": provisions,
        "capacity": _capacity_table(draw, shape, provisions, need_caps=True),
        "demand": _demand_table(draw, shape, st.sampled_from([2.0, 4.0, 1.0, 0.0, 3.0])),
        "journeys": _journeys_table(draw, shape, every_pair=True),
    }
    policy = {**_policy(draw, shape, local_share), "integer_pupils": False}
    return _instance(tables, policy)


# ============================================================================ reference data
def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of ``frame`` as dicts (column → value)."""
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]



def _haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, max(0.0, a))))


@dataclass(frozen=True)
class Reference:
    """The instance's data, recomputed here from its tables (independent of the model code)."""

    inst: Instance

    @cached_property
    def _zones(self) -> dict[str, Any]:
        return {str(row["zone"]): row for row in _records(self.inst.zones)}

    @cached_property
    def _provisions(self) -> dict[str, Any]:
        return {str(row["provision"]): row for row in _records(self.inst.provisions)}

    @cached_property
    def _phases(self) -> dict[str, Any]:
        return {str(row["phase"]): row for row in _records(self.inst.phases)}

    @cached_property
    def _journeys(self) -> dict[tuple[str, str], tuple[float, float]]:
        return {(str(j["zone"]), str(j["provision"])): (float(j["minutes"]), float(j["km"]))
                for j in _records(self.inst.journeys)}

    @cached_property
    def _places(self) -> dict[tuple[str, int], float]:
        totals = self.inst.capacity[self.inst.capacity["need"].isna()]
        return {(str(c["provision"]), int(c["year"])): float(c["places"])
                for c in _records(totals)}

    def journey(self, zone: str, provision: str) -> tuple[float, float]:
        """(minutes, km): the listed journey, else road km from coordinates at the speed."""
        if (zone, provision) in self._journeys:
            return self._journeys[zone, provision]
        z, p = self._zones[zone], self._provisions[provision]
        home = self._zones[str(p["zone"])]
        lat = home["lat"] if pd.isna(p["lat"]) else p["lat"]
        lon = home["lon"] if pd.isna(p["lon"]) else p["lon"]
        pol = self.inst.policy
        km = _haversine_km(float(z["lat"]), float(z["lon"]), float(lat), float(lon))
        km *= pol.road_factor
        return km / pol.speed_kmh * 60.0, km

    def places(self, provision: str, year: int) -> float:
        """Shared places: the capacity row with a blank need, else the provision's default."""
        default = float(self._provisions[provision]["capacity"])
        return self._places.get((provision, year), default)

    def need_caps(self) -> list[tuple[str, str, int, float]]:
        """(provision, need, year, places) of every per-need capacity row."""
        caps = self.inst.capacity[self.inst.capacity["need"].notna()]
        return [(str(c["provision"]), str(c["need"]), int(c["year"]), float(c["places"]))
                for c in _records(caps)]

    def phase_ok(self, phase: str, provision: str) -> bool:
        """The phase is listed, or the provision's ages [min, max) overlap the phase's."""
        p, ph = self._provisions[provision], self._phases[phase]
        if isinstance(p["phases"], str):
            return phase in p["phases"].split(";")
        return bool(p["min_age"] < ph["max_age"] and ph["min_age"] < p["max_age"])

    def eligible(self, zone: str, need: str, phase: str, provision: str, year: int) -> bool:
        """Designated need, compatible phase, journey within the limit, places that year."""
        limit = self.inst.policy.max_journey_min.get(phase, math.inf)
        return (need in str(self._provisions[provision]["needs"]).split(";")
                and self.phase_ok(phase, provision)
                and self.journey(zone, provision)[0] <= limit + 1e-9
                and self.places(provision, year) > 0)

    def arc_cost(self, zone: str, provision: str) -> float:
        """Place cost plus transport and journey-time cost per pupil-year."""
        minutes, km = self.journey(zone, provision)
        pol = self.inst.policy
        cost = float(self._provisions[provision]["cost_per_place"])
        return cost + pol.transport_cost_per_km * km + pol.journey_cost_per_min * minutes

    def kind(self, provision: str) -> str:
        """The provision's kind."""
        return str(self._provisions[provision]["kind"])

    def home(self, provision: str) -> str:
        """The zone the provision stands in."""
        return str(self._provisions[provision]["zone"])

    def local_share(self, zone: str) -> float:
        """The zone's own share, else the policy's."""
        own = self._zones[zone]["min_local_share"]
        return float(self.inst.policy.min_local_share if pd.isna(own) else own)

    def independent_cap(self, year: int) -> float:
        """min(I_max, sigma × the year's demand), infinite when neither is set."""
        pol = self.inst.policy
        cap = math.inf
        if pol.max_independent_pupils is not None:
            cap = min(cap, pol.max_independent_pupils)
        if pol.max_independent_share is not None:
            demand = self.inst.demand
            cap = min(cap, pol.max_independent_share
                      * float(demand.loc[demand["year"] == year, "pupils"].sum()))
        return cap


# ============================================================================ checks
def _check_capacity(ref: Reference, alloc: pd.DataFrame) -> None:
    used = alloc.groupby(["provision", "year"])["pupils"].sum()
    for row in _records(used.reset_index()):
        provision, year, pupils = str(row["provision"]), int(row["year"]), float(row["pupils"])
        assert pupils <= ref.places(provision, year) + TOL, (provision, year, pupils)


def _check_need_capacity(ref: Reference, alloc: pd.DataFrame) -> None:
    used = alloc.groupby(["provision", "need", "year"])["pupils"].sum()
    for provision, need, year, places in ref.need_caps():
        key = (provision, need, year)
        assert used.get(key, 0.0) <= places + TOL, (key, used.get(key))


def _check_demand(ref: Reference, alloc: pd.DataFrame, unmet: pd.DataFrame) -> None:
    demand = ref.inst.demand.astype({"year": int}).set_index(KEYS)["pupils"]
    placed = alloc.astype({"year": int}).groupby(KEYS)["pupils"].sum()
    missing = unmet.astype({"year": int}).groupby(KEYS)["unmet"].sum()
    assert set(placed.index) <= set(demand.index)
    assert set(missing.index) <= set(demand.index)
    for key, pupils in demand.items():
        total = placed.get(key, 0.0) + missing.get(key, 0.0)
        assert abs(total - pupils) <= TOL, (key, pupils, total)


def _check_eligible(ref: Reference, alloc: pd.DataFrame) -> None:
    for row in _records(alloc):
        assert ref.eligible(str(row["zone"]), str(row["need"]), str(row["phase"]),
                            str(row["provision"]), int(row["year"])), row


def _check_objective(ref: Reference, result: Result) -> None:
    alloc, unmet = result.allocations, result.unmet
    cost = sum(float(row["pupils"]) * ref.arc_cost(str(row["zone"]), str(row["provision"]))
               for row in _records(alloc))
    expected = cost + ref.inst.policy.unmet_penalty * float(unmet["unmet"].sum())
    assert result.objective is not None
    assert abs(result.objective - expected) <= TOL * max(1.0, abs(expected)), (
        result.objective, expected)


def _check_local_share(ref: Reference, alloc: pd.DataFrame) -> None:
    prov_zone = ref.inst.provisions.set_index("provision")["zone"]
    local = alloc[alloc["provision"].map(prov_zone).astype(str) == alloc["zone"].astype(str)]
    for zone in ref.inst.zones["zone"]:
        share = ref.local_share(zone)
        for year in ref.inst.years:
            d = ref.inst.demand
            demand = float(d.loc[(d["zone"] == zone) & (d["year"] == year), "pupils"].sum())
            here = float(local.loc[(local["zone"] == zone) & (local["year"] == year),
                                   "pupils"].sum())
            assert here >= share * demand - TOL, (zone, year, here, share, demand)


def _check_independent(ref: Reference, alloc: pd.DataFrame) -> None:
    ind = alloc[alloc["kind"] == "independent"]
    for year in ref.inst.years:
        pupils = float(ind.loc[ind["year"] == year, "pupils"].sum())
        assert pupils <= ref.independent_cap(year) + TOL, (year, pupils)


def _check_optimum(inst: Instance, result: Result) -> None:
    """The objective is scipy's optimum of the dense model (to the MIP gap for a MIP)."""
    status, optimum = oracle(dense_lp(inst))
    assert status == 0 and optimum is not None and result.objective is not None
    rel = MIP_GAP if inst.policy.integer_pupils else TOL
    assert abs(result.objective - optimum) <= rel * max(1.0, abs(optimum)) + TOL, (
        result.objective, optimum)


def _has_local_rule(ref: Reference) -> bool:
    return any(ref.local_share(z) > 0 for z in ref.inst.zones["zone"])


def check_result(inst: Instance, result: Result) -> None:
    """Every property of an optimal allocation; otherwise, infeasible only under a local-share
    rule (every other row can be met by leaving pupils unmet)."""
    ref = Reference(inst)
    if result.status is not Status.OPTIMAL:
        assert result.status is Status.INFEASIBLE, result.status
        assert _has_local_rule(ref), "infeasible without a local-share rule"
        assert oracle(dense_lp(inst))[0] == 2, "scipy finds a solution"
        return
    alloc = result.allocations
    assert (alloc["pupils"] >= -TOL).all()
    assert (result.unmet["unmet"] >= -TOL).all()
    _check_capacity(ref, alloc)
    _check_need_capacity(ref, alloc)
    _check_demand(ref, alloc, result.unmet)
    _check_eligible(ref, alloc)
    _check_objective(ref, result)
    _check_local_share(ref, alloc)
    _check_independent(ref, alloc)
    _check_optimum(inst, result)


@PROPERTY_SETTINGS
@given(random_instances())
def test_optimal_allocations_respect_every_rule(inst: Instance) -> None:
    check_result(inst, solve(inst))


@PROPERTY_SETTINGS
@given(random_instances(local_share=True))
def test_local_share_rule_holds_or_model_is_infeasible(inst: Instance) -> None:
    check_result(inst, solve(inst))


def test_all_zero_demand_solves() -> None:
    """A valid instance whose demand rows are all zero has nothing to place."""
    result = solve(Instance.from_tables(_one_school(places=5.0, pupils=0.0)))
    assert result.status is Status.OPTIMAL
    assert result.objective == 0.0


def test_phase_without_journey_limit_solves() -> None:
    """A phase missing from max_journey_min has no limit; unreachable demand there is unmet."""
    inst = Instance.from_tables(_one_school(places=0.0, pupils=3.0),
                                {"policy": {"max_journey_min": {}, "unmet_penalty": 1000.0}})
    result = solve(inst)
    assert result.status is Status.OPTIMAL
    assert result.objective == 3_000.0


def _one_school(places: float, pupils: float) -> dict[str, pd.DataFrame]:
    """One zone, one ASD primary school with ``places``, ``pupils`` ASD primary pupils."""
    return {
        "zones": pd.DataFrame({"zone": ["Z0"], "lat": [51.2], "lon": [0.5]}),
        "provisions": pd.DataFrame({"provision": ["P0"], "kind": ["special"], "zone": ["Z0"],
                                    "phases": ["primary"], "needs": ["ASD"],
                                    "capacity": [places], "cost_per_place": [24_252.0]}),
        "demand": pd.DataFrame({"zone": ["Z0"], "need": ["ASD"], "phase": ["primary"],
                                "year": [2026], "pupils": [pupils]}),
    }


# ============================================================================ oracle
@dataclass(frozen=True)
class DenseLp:
    """min c·v s.t. a_ub v <= b_ub, a_eq v = b_eq, 0 <= v <= upper, v[j] whole where
    ``integer[j]``; v = (x[d, p] for demand row d and provision p, row-major; then u[d])."""

    c: np.ndarray
    a_ub: np.ndarray
    b_ub: np.ndarray
    a_eq: np.ndarray
    b_eq: np.ndarray
    upper: np.ndarray
    integer: np.ndarray


def dense_lp(inst: Instance) -> DenseLp:
    """The allocation model of ``models/allocation.md``, written densely from the tables:
    every demand row × provision pair is a variable, ineligible pairs are fixed at 0."""
    ref = Reference(inst)
    provs = np.array(inst.provisions["provision"], dtype=object)
    dem = inst.demand.reset_index(drop=True)
    n_d, n_p = len(dem), len(provs)
    c = np.full(n_d * n_p + n_d, inst.policy.unmet_penalty)
    upper = np.full(n_d * n_p + n_d, np.inf)
    for d, r in enumerate(_records(dem)):
        zone, need, phase, year = str(r["zone"]), str(r["need"]), str(r["phase"]), int(r["year"])
        for j, p in enumerate(provs):
            c[d * n_p + j] = ref.arc_cost(zone, p)
            if not (r["pupils"] > 0 and ref.eligible(zone, need, phase, p, year)):
                upper[d * n_p + j] = 0.0
    a_eq = np.hstack([np.kron(np.eye(n_d), np.ones((1, n_p))), np.eye(n_d)])
    rows = _dense_rows(ref, dem, provs)
    integer = np.zeros(c.size, dtype=bool)
    integer[: n_d * n_p] = inst.policy.integer_pupils
    a_ub = np.array([np.concatenate([m.ravel(), np.zeros(n_d)]) for m, _ in rows])
    return DenseLp(c, a_ub.reshape(len(rows), c.size), np.array([b for _, b in rows]),
                   a_eq, dem["pupils"].to_numpy(float), upper, integer)


def _dense_rows(ref: Reference, dem: pd.DataFrame,
                provs: np.ndarray) -> list[tuple[np.ndarray, float]]:
    """Inequality rows as (demand row × provision coefficient matrix, right-hand side)."""
    zone, need = dem["zone"].to_numpy(object), dem["need"].to_numpy(object)
    year = dem["year"].to_numpy(int)
    kind = np.array([ref.kind(p) for p in provs])
    home = np.array([ref.home(p) for p in provs], dtype=object)
    rows: list[tuple[np.ndarray, float]] = []
    for t in ref.inst.years:
        for p in provs:
            rows.append((np.outer(year == t, provs == p).astype(float), ref.places(p, t)))
        cap = ref.independent_cap(t)
        if math.isfinite(cap):
            rows.append((np.outer(year == t, kind == "independent").astype(float), cap))
        for z in ref.inst.zones["zone"]:
            here = (zone == z) & (year == t)
            total = float(dem.loc[here, "pupils"].sum())
            if ref.local_share(z) > 0 and total > 0:
                rows.append((-np.outer(here, home == z).astype(float),
                             -ref.local_share(z) * total))
    for p, k, t, places in ref.need_caps():
        if t in ref.inst.years:
            rows.append((np.outer((need == k) & (year == t), provs == p).astype(float), places))
    return rows


def oracle(lp: DenseLp) -> tuple[int, float | None]:
    """(status, optimum) from scipy: ``linprog`` for an LP, ``milp`` for a MIP. Status 0 is
    optimal, 2 infeasible."""
    if not lp.integer.any():
        bounds = [(0.0, None if math.isinf(u) else u) for u in lp.upper]
        res = linprog(lp.c, A_ub=lp.a_ub if lp.b_ub.size else None,
                      b_ub=lp.b_ub if lp.b_ub.size else None, A_eq=lp.a_eq, b_eq=lp.b_eq,
                      bounds=bounds, method="highs")
    else:
        constraints = [LinearConstraint(lp.a_eq, lp.b_eq, lp.b_eq)]
        if lp.b_ub.size:
            constraints.append(LinearConstraint(lp.a_ub, -np.inf, lp.b_ub))
        res = milp(lp.c, constraints=constraints, integrality=lp.integer.astype(int),
                   bounds=Bounds(np.zeros(lp.c.size), lp.upper), options={"mip_rel_gap": 1e-9})
    return int(res.status), None if res.fun is None else float(res.fun)


@PROPERTY_SETTINGS
@given(tiny_instances())
def test_optimum_matches_a_dense_linprog(inst: Instance) -> None:
    status, optimum = oracle(dense_lp(inst))
    result = solve(inst)
    assert status in (0, 2)
    if status == 2:
        assert result.status is Status.INFEASIBLE
        return
    assert result.status is Status.OPTIMAL
    assert optimum is not None and result.objective is not None
    assert abs(result.objective - optimum) <= TOL * max(1.0, abs(optimum)), (
        result.objective, optimum)
    check_result(inst, result)
