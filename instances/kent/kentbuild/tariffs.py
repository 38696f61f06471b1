"""The tariff: what the high-needs block pays per pupil-year, by level and kind."""

from __future__ import annotations

import pandas as pd

from kentbuild.common import (
    BASE_YEAR,
    F_FIG,
    LEVELS,
    MAINSTREAM_THRESHOLD,
    MAINSTREAM_TOP_UP,
    SRP_PLACE_FUNDING,
    SRP_TOP_UP,
    pack_ref,
)

SPECIAL_PLACE_FUNDING = 10_000


def tariffs_table(cost_special: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """tariffs.csv and its provenance: one line per level x kind the levels allow, except
    independent (own cost_per_place, sourced). Totals equal the provisions' cost_per_place;
    Kent's own banded rates are not in the pack."""
    special_top_up = cost_special - SPECIAL_PLACE_FUNDING
    rates = {
        "mainstream": (0, MAINSTREAM_TOP_UP,
                       "place_funding = 0: the first GBP "
                       f"{MAINSTREAM_THRESHOLD:,} (notional SEN) is met by the school from its own "
                       "budget, not by the high-needs block (national rule, not in the pack); "
                       f"top_up ESTIMATE: ASSUMED average GBP {MAINSTREAM_TOP_UP:,} (Kent's "
                       "mainstream top-up rates are not in the pack)"),
        "srp": (SRP_PLACE_FUNDING, SRP_TOP_UP,
                f"place_funding = GBP {SRP_PLACE_FUNDING:,} national high-needs place funding "
                f"(ESFA rule, not in the pack); top_up ESTIMATE: ASSUMED average GBP {SRP_TOP_UP:,}"),
        "special": (SPECIAL_PLACE_FUNDING, special_top_up,
                    f"place_funding = GBP {SPECIAL_PLACE_FUNDING:,} national high-needs place "
                    f"funding (ESFA rule, not in the pack); top_up = GBP {cost_special:,} KCC "
                    "2024-25 cost per pupil in a maintained special school ("
                    + pack_ref(F_FIG, "hnb_cost_per_pupil_maintained_special") + f") - "
                    f"{SPECIAL_PLACE_FUNDING:,} = GBP {special_top_up:,} (derived)"),
    }
    rows, prov = [], []
    for level, _, _, kinds in LEVELS:
        for kind in kinds.split(";"):
            if kind not in rates:
                continue
            funding, top_up, how = rates[kind]
            rows.append((level, kind, None, BASE_YEAR, funding, top_up))
            prov.append((len(rows), level, kind, funding + top_up, True,
                         how + "; the same rate at every level: Kent's banded tariff by level "
                         "is not in the pack (ESTIMATE of the banding)"))
    table = pd.DataFrame(rows, columns=["level", "kind", "need", "effective_year", "place_funding",
                                        "top_up"])
    provenance = pd.DataFrame(prov, columns=["line", "level", "kind", "total", "estimated",
                                             "method_or_source"])
    return table, provenance


# --------------------------------------------------------------------------------------------
# Provisions
