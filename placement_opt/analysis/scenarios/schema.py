"""The scenario file's schema (pydantic, frozen, unknown keys rejected).

A scenario names a base instance and changes it. Every table is optional::

    [scenario]       name, description, base (path or bundled name), base_year
    [demand]         growth rates compounding yearly from the base year: growth (overall),
                     growth_by_need, growth_by_district, growth_by_phase, growth_by_year;
                     mode = "extra" (on top of the instance's projection) or "replace"
    [[provisions.close]]        provision, from_year
    [[provisions.add_places]]   provision, places, from_year, until_year
    [[provisions.redesignate]]  provision, needs | add_needs, remove_needs
    [[provisions.new_site]]     a new (candidate) provision: the provisions table's columns
    [[provisions.expansion]]    provision, increment, capital_cost, max_increments, ...
    [costs]          cost_per_place (GBP by kind), cost_per_place_factor (by kind; scales
                     that kind's tariff lines too), cost_per_place_by_provision,
                     transport_cost_per_km, transport_cost_per_pupil
    [budgets]        revenue / capital (GBP by year), revenue_factor, capital_total
    [policy]         any key of the instance's [policy] (journey limits, weights ...)
    [finance]        any key of the instance's [finance] (opening balance, Safety Valve
                     target: balance_target, target_year, target_mode, shortfall_penalty)
    [locality]       the Locality-Model lever (needs levels of need)
    [solve]          solver options (backend, time_limit, gap, threads, seed ...)
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

__all__ = [
    "AddPlaces",
    "Budgets",
    "Close",
    "Costs",
    "Demand",
    "Expansion",
    "Locality",
    "NewSite",
    "Provisions",
    "Redesignate",
    "Scenario",
    "ScenarioInfo",
]

_STRICT = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)  # numbers finite
Rate = float


def folder_name(name: str) -> str:
    """A name that becomes a folder under ``runs/``: one path part, so nothing is written
    outside it (no ``/`` or ``\\``, not ``.`` or ``..``, no control characters)."""
    if (any(c in name for c in "/\\") or name.strip() in (".", "..")
            or any(ord(c) < 32 or ord(c) == 127 for c in name)):
        raise ValueError("not usable as a folder name (no / or \\, not . or .., no control "
                         "characters)")
    return name


#: A scenario's or sweep's name (it names run folders).
FolderName = Annotated[str, Field(min_length=1), AfterValidator(folder_name)]


class ScenarioInfo(BaseModel):
    """``[scenario]``: what the scenario is called and what it changes."""

    model_config = _STRICT

    name: FolderName = Field(description="Short name (run folders and tables use it).")
    description: str = ""
    base: str = Field(min_length=1, description="Base instance: a path (relative to the scenario "
                                                "file) or a bundled name such as kent.")
    base_year: int | None = Field(None, description="Year growth compounds from (default: the "
                                                    "first year of demand).")


class Demand(BaseModel):
    """``[demand]``: annual growth rates, each compounding from the base year.

    The factor for year t is the product, over the years s after the base year up to t, of
    (1 + growth)(1 + growth_by_need[k])(1 + growth_by_district[z])(1 + growth_by_phase[h])
    (1 + growth_by_year[s]). ``mode = "extra"`` multiplies the instance's demand by it;
    ``"replace"`` sets every year's demand to the base year's times the factor.
    """

    model_config = _STRICT

    mode: Literal["extra", "replace"] = "extra"
    growth: Rate = Field(0.0, gt=-1)
    growth_by_need: dict[str, Rate] = Field(default_factory=dict)
    growth_by_district: dict[str, Rate] = Field(default_factory=dict)
    growth_by_phase: dict[str, Rate] = Field(default_factory=dict)
    growth_by_year: dict[int, Rate] = Field(default_factory=dict)

    def all_rates(self) -> dict[str, dict[Any, float]]:
        """Every keyed rate table by its key name (to check ranges in one place)."""
        return {"growth_by_need": self.growth_by_need, "growth_by_district": self.growth_by_district,
                "growth_by_phase": self.growth_by_phase, "growth_by_year": self.growth_by_year}


class Close(BaseModel):
    """Close a provision from a year: its capacity is 0 from then on."""

    model_config = _STRICT

    provision: str
    from_year: int


class AddPlaces(BaseModel):
    """Add (or, negative, remove) places at a provision in the years from..until (inclusive)."""

    model_config = _STRICT

    provision: str
    places: float
    from_year: int | None = None
    until_year: int | None = None


class Redesignate(BaseModel):
    """Change a provision's designated needs: replace them, or add and remove some."""

    model_config = _STRICT

    provision: str
    needs: list[str] | None = None
    add_needs: list[str] = Field(default_factory=list)
    remove_needs: list[str] = Field(default_factory=list)


class NewSite(BaseModel):
    """A provision to add, by default a candidate SRP site the model may open."""

    model_config = _STRICT

    provision: str = Field(min_length=1)
    name: str | None = None
    kind: str = "srp"
    zone: str
    lat: float | None = None
    lon: float | None = None
    phases: list[str] = Field(min_length=1)
    needs: list[str] = Field(min_length=1)
    capacity: float = Field(ge=0, description="Places (for a candidate: the most it can have).")
    cost_per_place: float = Field(ge=0)
    candidate: bool = True
    opening_cost: float | None = Field(None, ge=0)
    capital_per_place: float | None = Field(None, ge=0)
    min_places: float | None = Field(None, ge=0)
    earliest_year: int | None = None


class Expansion(BaseModel):
    """A modular expansion option for an existing provision (the expansions table's row)."""

    model_config = _STRICT

    provision: str
    increment: float = Field(gt=0)
    capital_cost: float = Field(ge=0)
    max_increments: int = Field(1, ge=0)
    earliest_year: int | None = None
    lead_time: int = Field(0, ge=0)


class Provisions(BaseModel):
    """``[provisions]``: closures, places, redesignations, new sites and expansion options."""

    model_config = _STRICT

    close: list[Close] = Field(default_factory=list)
    add_places: list[AddPlaces] = Field(default_factory=list)
    redesignate: list[Redesignate] = Field(default_factory=list)
    new_site: list[NewSite] = Field(default_factory=list)
    expansion: list[Expansion] = Field(default_factory=list)


class Costs(BaseModel):
    """``[costs]``: cost per place by kind (set, or scaled) or by provision; transport rates."""

    model_config = _STRICT

    cost_per_place: dict[str, float] = Field(default_factory=dict)
    cost_per_place_factor: dict[str, float] = Field(default_factory=dict)
    cost_per_place_by_provision: dict[str, float] = Field(default_factory=dict)
    transport_cost_per_km: float | None = Field(None, ge=0)
    transport_cost_per_pupil: float | None = Field(None, ge=0)


class Budgets(BaseModel):
    """``[budgets]``: revenue and capital budgets by year, a revenue scale, a capital total."""

    model_config = _STRICT

    revenue: dict[int, float] = Field(default_factory=dict)
    capital: dict[int, float] = Field(default_factory=dict)
    revenue_factor: float | None = Field(None, ge=0)
    capital_total: float | None = Field(None, ge=0)


class Locality(BaseModel):
    """``[locality]``: the Locality-Model lever. A share of the demand at levels that need a
    special school is met at ``to_level`` (a level mainstream or SRP may serve), ramping by year
    (the share of a year between two given years is interpolated; after the last, held)."""

    model_config = _STRICT

    share: dict[int, float] = Field(min_length=1)
    from_levels: list[str] | None = None
    to_level: str | None = None


class Scenario(BaseModel):
    """A whole scenario file."""

    model_config = _STRICT

    scenario: ScenarioInfo
    demand: Demand = Field(default_factory=lambda: Demand())
    provisions: Provisions = Field(default_factory=lambda: Provisions())
    costs: Costs = Field(default_factory=lambda: Costs())
    budgets: Budgets = Field(default_factory=lambda: Budgets())
    policy: dict[str, Any] = Field(default_factory=dict)
    finance: dict[str, Any] = Field(default_factory=dict)
    locality: Locality | None = None
    solve: dict[str, Any] = Field(default_factory=dict)
