"""Instance settings: identity and policy (pydantic v2, frozen, unknown keys rejected)."""

from __future__ import annotations

import math
import typing
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from placement_opt.errors import Issue
from placement_opt.schema.names import canonical, model_keys, unknown_expected
from placement_opt.schema.numbers import number_hint, parse_numbers
from placement_opt.schema.tables import KINDS

__all__ = ["DEFAULT_MAX_JOURNEY_MIN", "Finance", "InstanceInfo", "Policy", "Settings", "settings_issues"]

#: Usual statutory-guidance journey limits in minutes (45 primary, 75 secondary and post-16).
DEFAULT_MAX_JOURNEY_MIN: dict[str, float] = {"primary": 45.0, "secondary": 75.0, "post16": 75.0}

#: Numbers must be finite (an infinite rate or penalty gives no meaningful plan); a journey
#: limit alone may be infinite (no limit, as a phase not listed).
_FROZEN = ConfigDict(frozen=True, extra="forbid", validate_default=True, allow_inf_nan=False)


def _split_list(value: Any) -> Any:
    """A list setting may be given as ``"a;b"`` text (a workbook cell)."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(";") if part.strip()]
    return value


def _not_nan(value: float) -> float:
    if math.isnan(value):
        raise ValueError("not a number (NaN)")
    return value


#: A journey limit in minutes, or infinite (no limit).
_Limit = Annotated[float, Field(allow_inf_nan=True), AfterValidator(_not_nan)]


def _known_kind(kind: str) -> str:
    """A provision kind in its canonical spelling (``Special`` → ``special``)."""
    spelt = canonical(kind, KINDS)
    if spelt is None:
        raise ValueError("not a provision kind")
    return spelt


def _folded_choice(value: Any) -> Any:
    """A word setting matched ignoring case and spaces (``Hard`` → ``hard``)."""
    return " ".join(value.split()).lower() if isinstance(value, str) else value


class Policy(BaseModel):
    """Planning policy: journey limits, cost rates and the local-provision rules.

    Formulation: ``models/allocation.md`` (symbols L_h, tau, phi, eta_j, omega, pi, s_z, I_max,
    sigma).
    """

    model_config = _FROZEN

    max_journey_min: dict[str, _Limit] = Field(
        default_factory=lambda: dict(DEFAULT_MAX_JOURNEY_MIN),
        description="Maximum one-way journey in minutes, by phase; a phase not listed has no limit.",
    )
    transport_cost_per_km: float = Field(
        0.0, ge=0, description="GBP per transported pupil per year for each km of one-way "
        "journey."
    )
    transport_cost_per_pupil: float = Field(
        0.0, ge=0, description="GBP per transported pupil per year, whatever the distance."
    )
    transported_share: dict[Annotated[str, AfterValidator(_known_kind)],
                            Annotated[float, Field(ge=0, le=1)]] = Field(
        default_factory=dict,
        description="Share of pupils transported, by provision kind (a kind not listed: 1).",
    )
    journey_cost_per_min: float = Field(
        0.0, ge=0, description="GBP per pupil per year for each minute of journey (secondary objective)."
    )
    unmet_penalty: float = Field(
        1_000_000.0, gt=0, description="GBP per pupil per year left without a place."
    )
    min_local_share: float = Field(
        0.0, ge=0, le=1, description="Share of each zone's demand to place within the zone."
    )
    max_independent_share: float | None = Field(
        None, ge=0, le=1, description="Cap on independent placements as a share of the year's demand."
    )
    max_independent_pupils: float | None = Field(
        None, ge=0, description="Cap on independent placements in pupils per year."
    )
    road_factor: float = Field(
        1.3, ge=1, description="Road distance over straight-line distance, when journeys are computed."
    )
    speed_kmh: float = Field(30.0, gt=0, description="Average door-to-door speed, when computed.")
    own_district_kinds: Annotated[list[Annotated[str, AfterValidator(_known_kind)]],
                                  BeforeValidator(_split_list)] = Field(
        default_factory=list, description="Provision kinds that serve only pupils living in "
        "their own district (e.g. mainstream: support at a local school).")
    integer_pupils: bool = Field(False, description="Whole pupils only (a MIP); otherwise an LP.")
    continuity: bool = Field(
        False, description="Pupils stay where they are placed until they leave their phase "
        "(uniform year groups); the existing table's pupils are never moved.")
    min_openings: int | None = Field(
        None, ge=0, description="Fewest candidate sites to open over the horizon.")
    max_openings: int | None = Field(
        None, ge=0, description="Most candidate sites to open over the horizon.")
    overspend_penalty: float = Field(
        1.0, ge=0, description="Objective GBP per GBP spent above a year's revenue budget.")
    capital_budget_total: float | None = Field(
        None, ge=0, description="GBP of capital over the whole horizon.")
    pathway_flows: bool = Field(
        False, description="Decide phase-transfer flows: each year's leavers of a phase move on "
        "to placements of the next phase for the same need (models/transfers.md).")
    transfer_from_phases: str = Field(
        "primary", description="Phases (separated by ';') whose leavers' next placements are "
        "decided (pathway_flows); each moves on to the phase starting at its first age past it.")
    pathway_break_penalty: float = Field(
        1.0, ge=0, description="Objective weight per leaver with no continuation in the next "
        "phase (a weight, not a cost; keep it above transfer_cost_per_min x long journeys).")
    transfer_cost_per_min: float = Field(
        0.0, ge=0, description="Objective weight per pupil-minute between a leaver's provision "
        "and the next phase's provision (penalises long transfers).")
    min_pathway_local_share: float = Field(
        0.0, ge=0, le=1, description="Share of each zone's leavers whose next placement must be "
        "in the zone (needs pathway_flows).")
    place_funding_per_place: float = Field(
        10_000.0, ge=0,
        description="GBP place funding per place in special schools and SRPs (budget export only; "
        "the rest of cost_per_place is top-up).",
    )

    @model_validator(mode="after")
    def _limits_positive(self) -> Policy:
        if (self.min_openings is not None and self.max_openings is not None
                and self.min_openings > self.max_openings):
            raise ValueError("min_openings must not exceed max_openings")
        if self.min_pathway_local_share > 0 and not self.pathway_flows:
            raise ValueError("min_pathway_local_share needs pathway_flows = true")
        for phase, minutes in self.max_journey_min.items():
            if not (minutes > 0) or math.isnan(minutes):
                raise ValueError(f"max_journey_min.{phase} must be > 0, got {minutes}")
        return self

    def transfer_phases(self) -> list[str]:
        """The phases of ``transfer_from_phases``."""
        return [p.strip() for p in self.transfer_from_phases.split(";") if p.strip()]

    def journey_limit(self, phase: str) -> float:
        """Maximum journey minutes for ``phase`` (infinite when the policy sets none)."""
        return self.max_journey_min.get(phase, math.inf)


class InstanceInfo(BaseModel):
    """Name and description of an instance."""

    model_config = _FROZEN

    name: str = Field("instance", min_length=1)
    description: str = ""


class Finance(BaseModel):
    """The high-needs account and the Safety Valve target.

    Balances are cumulative DSG balances (negative: a deficit) at the end of a financial year
    (31 March); a financial year is named by its first year (2025: April 2025 to March 2026).
    """

    model_config = _FROZEN

    opening_balance: float = Field(
        0.0, description="GBP cumulative DSG balance on 1 April of the first financial year "
        "(negative: a deficit).")
    balance_target: float | None = Field(
        None, description="GBP cumulative DSG balance to reach by the end of target_year "
        "(0: balanced; blank: no target).")
    target_year: int | None = Field(
        None, ge=2000, le=2100, description="Financial year (by its first year) whose closing "
        "balance must reach balance_target.")
    target_mode: Annotated[Literal["hard", "soft"], BeforeValidator(_folded_choice)] = Field(
        "soft", description="hard: the plan must reach the target (infeasible otherwise, with a "
        "diagnosis); soft: a shortfall is allowed, reported and charged shortfall_penalty.")
    shortfall_penalty: float = Field(
        1.0, ge=0, description="Objective GBP per GBP of balance short of the target (soft).")
    unmet_cost_per_pupil: float = Field(
        0.0, ge=0, description="GBP of high-needs spend per pupil-year the plan leaves without a "
        "place: the council must still place them (most often in the independent sector), so "
        "the account and the Safety Valve target count them at this rate (0: not counted).")

    @model_validator(mode="after")
    def _target_complete(self) -> Finance:
        if (self.balance_target is None) != (self.target_year is None):
            raise ValueError("balance_target and target_year go together: set both or neither")
        return self


class Settings(BaseModel):
    """Everything in ``instance.toml`` (or the ``settings`` sheet, or JSON ``settings``)."""

    model_config = _FROZEN

    instance: InstanceInfo = Field(default_factory=lambda: InstanceInfo())
    policy: Policy = Field(default_factory=lambda: Policy())
    finance: Finance = Field(default_factory=lambda: Finance())


def _types(annotation: object) -> set[object]:
    """The plain types an annotation admits (``float | None`` → float and NoneType)."""
    args = typing.get_args(annotation)
    if not args:
        return {annotation}
    return set().union(*(_types(arg) for arg in args))


def _typed_cell(value: Any, annotation: object) -> Any:
    """A text setting as a cell is typed: ``£570`` or ``24,000`` for a number (as table cells,
    :mod:`placement_opt.schema.numbers`), `` true `` for a flag; anything else as it is."""
    if not isinstance(value, str):
        return value
    kinds = _types(annotation)
    if bool in kinds:
        return value.strip()
    if kinds & {float, int}:
        number = float(parse_numbers(np.array([value.strip()], dtype=object))[0])
        if math.isfinite(number):
            return int(number) if int in kinds and float not in kinds and number.is_integer() \
                else number
    return value


def _typed_cells(raw: dict[str, Any]) -> dict[str, Any]:
    """``raw`` with each text value of a number or flag setting typed (:func:`_typed_cell`)."""
    out: dict[str, Any] = {}
    for section, values in raw.items():
        field = Settings.model_fields.get(section)
        model = field.annotation if field is not None else None
        if not (isinstance(values, dict) and isinstance(model, type)
                and issubclass(model, BaseModel)):
            out[section] = values
            continue
        fields = model.model_fields
        out[section] = {key: _typed_cell(value, fields[key].annotation) if key in fields
                        else value for key, value in values.items()}
    return out


def settings_issues(raw: dict[str, Any], source: str) -> tuple[Settings | None, list[Issue]]:
    """Validate raw settings; return the model or the list of located problems. Text values
    of number and flag settings are read as table cells are (``£570``, `` yes ``)."""
    try:
        return Settings.model_validate(_typed_cells(raw)), []
    except ValidationError as exc:
        issues = []
        for err in exc.errors():
            # A mapping's key error is located at the key (``...transported_share.bus``).
            key = ".".join(str(part) for part in err["loc"] if part != "[key]") or "(settings)"
            value = err.get("input")
            shown = None if isinstance(value, dict) else repr(value)
            message = str(err["msg"]).removeprefix("Value error, ")
            expected = _expected(err["type"])
            hint = number_hint(value) if isinstance(value, str) and err["type"] in (
                "float_parsing", "int_parsing") else ""
            if hint:
                expected = f"{expected}; {hint}"
            if err["type"] == "extra_forbidden":
                message, expected = "unknown setting key", _key_expected(err["loc"])
            elif "[key]" in err["loc"] and "transported_share" in err["loc"]:
                expected = unknown_expected(str(err["loc"][-2]), KINDS, "a provision kind")
            elif err["loc"][:2] == ("policy", "own_district_kinds") and isinstance(value, str):
                expected = unknown_expected(value, KINDS, "a provision kind")
            issues.append(
                Issue(
                    source=source,
                    column=key,
                    message=message,
                    value=shown,
                    expected=expected,
                )
            )
        return None, issues


def _key_expected(loc: tuple[int | str, ...]) -> str:
    """An unknown setting key's expected text: the closest keys, and the keys when few."""
    keys = model_keys(Settings, loc)
    if not keys:
        return "one of the documented setting keys"
    what = "a section" if len(loc) == 1 else "a key of [" + ".".join(map(str, loc[:-1])) + "]"
    return unknown_expected(str(loc[-1]), keys, what, limit=12)


def _expected(error_type: str) -> str | None:
    return {
        "extra_forbidden": "one of the documented setting keys",
        "float_parsing": "a number",
        "float_type": "a number",
        "finite_number": "a finite number",
        "bool_parsing": "true or false",
        "bool_type": "true or false",
        "greater_than_equal": "a number within the documented range",
        "less_than_equal": "a number within the documented range",
        "greater_than": "a positive number",
        "string_too_short": "a non-empty text",
    }.get(error_type)
