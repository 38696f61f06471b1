"""SEN home-to-school transport, calibrated to Kent's published figures.

The model charges a placement ``share[kind] × (fixed + per_km × road km)`` a year
(``models/allocation.md``). The three parts are found in turn:

* **T1, who is transported.** KCC (March 2025, via ``kent_figures.csv``
  ``home_to_school_transport_cost_ehcp``) says about half of its ~21,000 EHCP pupils are
  eligible for home-to-school transport: ~10,500. The shares of special-school and
  independent pupils (0.95) and of SRP pupils (0.75) are ASSUMPTIONS (KCC runs a door-to-door
  taxi service; almost every special-school pupil lives beyond walking distance of a school
  serving their need); the mainstream share is then what makes the Jan 2025 in-scope pupils
  add up to the ~10,500.
* **T2, what it costs.** "Nearly £100m a year" (same row) over the pupils transported: the
  cost per transported pupil-year. It is split into a fixed part and a part per road km by the
  ASSUMPTION that half of it follows distance (contract prices per route combine a daily charge
  for vehicle, driver and escort with a mileage charge; no Kent split is published, Missing #7).
* **T3, the distance.** The per-km rate is fitted to the 2025 placements the model itself
  makes (the first year solved alone), so the baseline reproduces the published spend: the
  km term carries half of it at the model's own journeys.

The model's pupils carry the whole published spend: the pack has no split of transport
between school-age pupils and the post-16 students outside the model's scope.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from kentbuild.common import F_FIG, pack_ref

__all__ = ["ASSUMED_SHARES", "DISTANCE_SHARE", "ELIGIBLE_PUPILS", "TransportModel",
           "fit_per_km", "transported_shares"]

#: ~half of ~21,000 EHCP pupils eligible for transport (KCC figures, March 2025, as quoted in
#: the note of kent_figures.csv home_to_school_transport_cost_ehcp).
ELIGIBLE_PUPILS = 10_500
#: ASSUMED shares of pupils transported, by kind (the mainstream share is derived).
ASSUMED_SHARES: Mapping[str, float] = {"special": 0.95, "independent": 0.95, "srp": 0.75}
#: ASSUMED share of the cost per transported pupil that follows distance.
DISTANCE_SHARE = 0.5
FIGURE = pack_ref(F_FIG, "home_to_school_transport_cost_ehcp, c.2025: 'nearly GBP 100m a year'; "
                         "'about half of 21,000 EHCP pupils eligible for HST (KCC figures, March "
                         "2025)'")


@dataclass(frozen=True)
class TransportModel:
    """The calibrated transport settings and how each was found."""

    shares: dict[str, float]
    per_pupil: float
    per_km: float
    spend: float
    transported_2025: float
    km_2025: float

    def policy(self) -> dict[str, object]:
        """The policy settings (instance.toml)."""
        return {"transport_cost_per_pupil": self.per_pupil, "transport_cost_per_km": self.per_km,
                "transported_share": dict(self.shares)}

    def provenance(self) -> list[tuple[str, str, bool, str]]:
        """(key, value, estimated, method) rows for provenance/settings_provenance.csv."""
        unit = self.spend / self.transported_2025
        shares = ";".join(f"{k}={v:g}" for k, v in sorted(self.shares.items()))
        return [
            ("transported_share", shares, True,
             "ESTIMATE (rule T1): special and independent 0.95, SRP 0.75 ASSUMED; mainstream "
             f"derived so that the Jan 2025 in-scope pupils give {ELIGIBLE_PUPILS:,} transported "
             f"({FIGURE})"),
            ("transport_cost_per_pupil", f"{self.per_pupil:.0f}", True,
             f"ESTIMATE (rule T2): GBP {self.spend / 1e6:.0f}m / {self.transported_2025:,.0f} "
             f"pupils transported in the 2025 baseline = GBP {unit:,.0f} per pupil-year, of which "
             f"{1 - DISTANCE_SHARE:.0%} fixed (ASSUMED split; no Kent figure, pack Missing #7)"),
            ("transport_cost_per_km", f"{self.per_km:.1f}", True,
             f"ESTIMATE (rule T3): {DISTANCE_SHARE:.0%} of GBP {self.spend / 1e6:.0f}m over the "
             f"{self.km_2025:,.0f} transported pupil-km (one way) of the 2025 baseline solved "
             "alone, so the baseline reproduces the published spend"),
        ]


def transported_shares(pupils_by_kind: Mapping[str, float],
                       eligible: float = ELIGIBLE_PUPILS) -> dict[str, float]:
    """Shares by kind (rule T1): the assumed ones, and mainstream as the remainder."""
    assumed = sum(ASSUMED_SHARES[k] * pupils_by_kind.get(k, 0.0) for k in ASSUMED_SHARES)
    mainstream = pupils_by_kind.get("mainstream", 0.0)
    rest = (eligible - assumed) / mainstream if mainstream > 0 else 0.0
    if not 0.0 <= rest <= 1.0:
        raise ValueError(f"transport calibration: the mainstream share would be {rest:.3f}; "
                         "revisit the assumed shares")
    return {**ASSUMED_SHARES, "mainstream": round(rest, 4)}


def fit_per_km(allocations: pd.DataFrame, shares: Mapping[str, float], spend: float,
               distance_share: float = DISTANCE_SHARE) -> TransportModel:
    """Rules T2 and T3 on a solved year's ``allocations`` (columns kind, pupils, km)."""
    weight = allocations["kind"].map(lambda k: shares.get(str(k), 1.0)).astype(float)
    transported = float((weight * allocations["pupils"]).sum())
    km = float((weight * allocations["pupils"] * allocations["km"]).sum())
    if transported <= 0 or km <= 0:
        raise ValueError("transport calibration: the baseline transports nobody")
    return TransportModel(
        shares=dict(shares), per_pupil=round((1 - distance_share) * spend / transported),
        per_km=round(distance_share * spend / km, 1), spend=spend,
        transported_2025=transported, km_2025=km)
