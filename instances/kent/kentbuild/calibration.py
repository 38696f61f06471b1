"""The calibration table: the 2025 baseline the model makes against Kent's published figures.

Each row is one published figure, the model's value for Jan 2025 / 2025-26, the tolerance the
tests hold it to, and the source. ``tests/test_kent_calibration.py`` re-solves the committed
instance and pins every row.
"""

from __future__ import annotations

import pandas as pd

from kentbuild.common import F_FIG, F_NEED, pack_ref
from kentbuild.pack import Pack

__all__ = ["COLUMNS", "calibration_table"]

COLUMNS = ["indicator", "published", "modelled", "unit", "tolerance", "tolerance_kind", "source",
           "note"]


def calibration_table(pack: Pack, allocations: pd.DataFrame, demand_2025: pd.DataFrame,
                      transported_share: dict[str, float], transport_cost: float) -> pd.DataFrame:
    """Rows of ``provenance/calibration.csv`` from the 2025 baseline's ``allocations``."""
    all_plans = pack.figure("ehcp_total_kent")
    in_scope = float(demand_2025["pupils"].sum())
    placed = allocations.groupby("kind")["pupils"].sum()
    special = pack.figure("ehcp_special_school_total")
    independent = pack.figure("hnb_pupils_independent_sector", "2024-25")
    state = pack.figure("ehcp_special_la_maintained") + pack.figure("ehcp_special_academy_free")
    units = pack.figure("ehcp_in_mainstream_sen_unit_or_resourced_provision")
    asd_scope = float(pack.placement(["Mainstream - total", "Special - total"]).get("ASD", 0.0))
    scope_total = float(pack.placement(["Mainstream - total", "Special - total"]).sum())
    asd_model = float(demand_2025.loc[demand_2025["need"] == "ASD", "pupils"].sum())
    weight = allocations["kind"].map(lambda k: transported_share.get(str(k), 1.0)).astype(float)
    transported = float((weight * allocations["pupils"]).sum())
    dfe = pack_ref(F_NEED, "DfE SEN2 Jan 2025, S1")
    rows = [
        ("ehc_plans_in_scope", scope_total, in_scope, "pupils", 0.0, "absolute",
         dfe + ": mainstream + special school placements", "Unknown need spread pro rata"),
        ("share_in_special_schools", special / all_plans,
         (placed.get("special", 0.0) + placed.get("independent", 0.0)) / all_plans, "share", 0.02,
         "absolute", pack_ref(F_FIG, "ehcp_special_school_total / ehcp_total_kent"),
         "KCC quotes 39%; modelled = pupils placed in state and independent special schools / "
         "all Jan 2025 plans"),
        ("independent_pupils", independent, placed.get("independent", 0.0), "pupils", 0.10,
         "relative", pack_ref(F_FIG, "hnb_pupils_independent_sector 2024-25"),
         "1,487 independent + 136 non-maintained special (S1)"),
        ("sen_transport_gbp", pack.figure("home_to_school_transport_cost_ehcp") * 1e6,
         transport_cost, "GBP", 0.15, "relative",
         pack_ref(F_FIG, "home_to_school_transport_cost_ehcp c.2025 ('nearly GBP 100m')"),
         "news report of KCC figures"),
        ("pupils_transported", 10_500.0, transported, "pupils", 0.15, "relative",
         pack_ref(F_FIG, "home_to_school_transport_cost_ehcp note: about half of 21,000 eligible"),
         "KCC figures, March 2025"),
        ("asd_share_in_scope", asd_scope / scope_total, asd_model / in_scope, "share", 0.01,
         "absolute", dfe + ": ASD in mainstream + special placements", "46.2% of all plans"),
        ("state_special_places_used", state, placed.get("special", 0.0), "pupils", 0.05,
         "relative", pack_ref(F_FIG, "ehcp_special_la_maintained + ehcp_special_academy_free"),
         "capacity = Jan 2025 pupils; the model may leave places empty"),
        ("srp_places_used", units, placed.get("srp", 0.0), "pupils", 0.10, "relative",
         pack_ref(F_FIG, "ehcp_in_mainstream_sen_unit_or_resourced_provision"),
         "EHC plans in SEN units / resourced provision, Jan 2025"),
    ]
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame["published"] = frame["published"].round(6)
    frame["modelled"] = frame["modelled"].round(6)
    return frame
