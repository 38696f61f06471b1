"""What is modelled: needs, phases, the in-scope Jan 2025 plans by need and phase, and the
base-year totals by kind of provision (DfE SEN2, S1)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kentbuild.common import (
    IN_SCOPE,
    INDEPENDENT_ROWS,
    NEED_CODES,
    NEEDS,
    PACK_NEED,
    PHASE_CODES,
    PHASES,
    SCOPE_ROWS,
    SRP_ROWS,
    STATE_SPECIAL_ROWS,
    apportion,
)
from kentbuild.pack import Pack


def needs_table() -> pd.DataFrame:
    """The 12 DfE primary-need codes."""
    return pd.DataFrame(NEEDS, columns=["need", "name"])


def phases_table() -> pd.DataFrame:
    """Primary [4,11), secondary [11,16), post-16 [16,19)."""
    return pd.DataFrame(PHASES, columns=["phase", "name", "min_age", "max_age"])



def in_scope_by_need(pack: Pack) -> tuple[pd.DataFrame, int]:
    """In-scope Jan 2025 plans by need (mainstream + special placements), Unknown spread.

    Returns the derivation frame (one row per need) and the in-scope total.
    """
    for total, parts in IN_SCOPE.items():
        assert pack.placement_total(total) == sum(pack.placement_total(p) for p in parts), total
    mainstream = pack.placement(["Mainstream - total"])
    special = pack.placement(["Special - total"])
    in_scope = mainstream + special
    total = int(in_scope.sum())
    known = in_scope.drop("Unknown").rename(PACK_NEED)
    known = known.reindex(list(NEED_CODES))
    counts = apportion(total, known.to_numpy())
    frame = pd.DataFrame({
        "need": NEED_CODES,
        "mainstream_2025": mainstream.drop("Unknown").rename(PACK_NEED).reindex(NEED_CODES).to_numpy(),
        "special_2025": special.drop("Unknown").rename(PACK_NEED).reindex(NEED_CODES).to_numpy(),
        "in_scope_known": known.to_numpy(),
        "unknown_spread": counts - known.to_numpy(),
        "in_scope": counts,
    })
    for col in ("mainstream_2025", "special_2025", "in_scope_known", "unknown_spread"):
        frame[col] = frame[col].astype(np.int64)
    frame.attrs["unknown"] = int(in_scope["Unknown"])
    return frame, total


def phase_split(pack: Pack, need_frame: pd.DataFrame) -> pd.DataFrame:
    """Split each need's in-scope count over the phases by its age profile (all plans, Jan 2025).

    Primary = ages 4-10, secondary = ages 11-15. Post-16 *in school* is approximated as the plans
    aged 16-18 less the need's further-education plans apportioned to ages 16-18 by the need's
    ratio of plans aged 16-18 to plans aged 16-25 (FE students are 16-25; schools stop at 19).
    """
    a_p = pack.ages(4, 11).rename(PACK_NEED).reindex(NEED_CODES).fillna(0)
    a_s = pack.ages(11, 16).rename(PACK_NEED).reindex(NEED_CODES).fillna(0)
    a_16 = pack.ages(16, 19).rename(PACK_NEED).reindex(NEED_CODES).fillna(0)
    a_16_25 = pack.ages(16, 26).rename(PACK_NEED).reindex(NEED_CODES).fillna(0)
    fe = pack.placement(["FE - total"]).rename(PACK_NEED).reindex(NEED_CODES).fillna(0)
    fe_16 = np.where(a_16_25 > 0, fe * a_16 / a_16_25.where(a_16_25 > 0, 1), 0.0)
    post16 = np.maximum(a_16.to_numpy() - fe_16, 0.0)
    out = need_frame.copy()
    out["age_4_10"] = a_p.to_numpy(np.int64)
    out["age_11_15"] = a_s.to_numpy(np.int64)
    out["age_16_18"] = a_16.to_numpy(np.int64)
    out["age_16_25"] = a_16_25.to_numpy(np.int64)
    out["fe_plans"] = fe.to_numpy(np.int64)
    out["fe_aged_16_18_est"] = np.round(fe_16, 3)
    out["post16_in_school_est"] = np.round(post16, 3)
    weights = np.column_stack([a_p.to_numpy(), a_s.to_numpy(), post16])
    shares = weights / weights.sum(axis=1, keepdims=True)
    for j, phase in enumerate(PHASE_CODES):
        out[f"share_{phase}"] = np.round(shares[:, j], 6)
    split = np.vstack([apportion(int(n), w) for n, w in zip(out["in_scope"], weights, strict=True)])
    for j, phase in enumerate(PHASE_CODES):
        out[phase] = split[:, j]
    return out



@dataclass(frozen=True)
class Capacities:
    """Base-year capacity totals by kind (Jan 2025 EHC plans, S1)."""

    state_special: int
    srp: int
    mainstream: int
    independent: int


def capacity_totals(pack: Pack) -> Capacities:
    """State special, SRP, mainstream-without-SRP and independent totals; checked vs the pack."""
    state = sum(pack.placement_total(b) for b in STATE_SPECIAL_ROWS)
    srp = sum(pack.placement_total(b) for b in SRP_ROWS)
    assert state == pack.figure("ehcp_special_la_maintained") + pack.figure("ehcp_special_academy_free")
    assert srp == pack.figure("ehcp_in_mainstream_sen_unit_or_resourced_provision")
    independent = sum(pack.placement_total(b) for b in INDEPENDENT_ROWS)
    assert independent == pack.figure("hnb_pupils_independent_sector", "2024-25")
    mainstream = pack.placement_total("Mainstream - total") - srp
    return Capacities(state_special=state, srp=srp, mainstream=mainstream, independent=independent)


def scope_table(pack: Pack) -> pd.DataFrame:
    """provenance/scope.csv: every Jan 2025 placement group, its count and whether it is modelled."""
    all_plans = int(pack.by_need.loc[pack.by_need["breakdown_topic"] == "All EHC plans",
                                     "ehc_plans"].sum())
    assert all_plans == pack.figure("ehcp_total_kent")
    rows = [(b, pack.placement_total(b), "true" if keep else "false", why) for b, keep, why in SCOPE_ROWS]
    frame = pd.DataFrame(rows, columns=["placement", "ehc_plans_jan_2025", "in_scope", "reason"])
    assert int(frame["ehc_plans_jan_2025"].sum()) == all_plans, "placement groups must add up"
    return frame
