"""Rows of the report's plan tables for closures, reductions and redesignations
(``models/changes.md``) and for the solved phase transfers (``models/transfers.md``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from placement_opt.reports.format import fmt_gbp, fmt_number
from placement_opt.reports.html.templating import Cell, num

__all__ = ["changes_view", "transfers_rows"]


def changes_view(changes: pd.DataFrame, options: int, zone_label: Callable[[str], str]) -> dict[str, Any]:
    """The changes taken (``rows``) out of the ``options`` offered."""
    rows: list[list[Cell | str]] = []
    for r in changes.sort_values(["year", "provision"], kind="stable").to_dict("records"):
        what = str(r["action"])
        if what == "reduce":
            what += f" by {fmt_number(float(r['places_removed']))} places"
        if what == "redesignate":
            what += f" to {r['new_needs']}"
        rows.append([str(r["provision"]), str(r["provision_name"]), str(r["kind"]),
                     zone_label(str(r["zone"])), what, str(int(r["year"])),
                     num(fmt_gbp(float(r["one_off_cost"]))), num(fmt_gbp(float(r["saving_per_year"]))),
                     num(fmt_gbp(float(r["saving_over_horizon"])))])
    return {"options": options, "rows": rows}


def transfers_rows(transfers: pd.DataFrame, zone_label: Callable[[str], str]) -> list[list[Cell | str]]:
    """Leavers moving on by district (``zone_label``: zone → its district's name) and year:
    continuing in the district, elsewhere, or with no continuation (no rows when transfers
    were not modelled)."""
    if transfers.empty:
        return []
    # ``local`` is the one definition (models/allocation.md, *Met locally*); rows by district.
    t = transfers.assign(
        zone=transfers["zone"].astype(str).map(zone_label),
        where=lambda f: f["to_kind"].where(f["to_kind"] == "break",
                                           f["local"].map({True: "in district", False: "elsewhere"})))
    table = t.pivot_table(index=["zone", "year"], columns="where", values="pupils",
                          aggfunc="sum", fill_value=0.0)
    table = table.reindex(columns=["in district", "elsewhere", "break"], fill_value=0.0)
    return [[str(key[0]), str(int(key[1])), *(num(fmt_number(v)) for v in values)]
            for key, values in zip(table.index.tolist(), table.to_numpy(float).tolist(), strict=True)]
