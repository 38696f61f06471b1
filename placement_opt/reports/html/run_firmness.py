"""The run page's "How firm is this plan?" section: the cost of reversing each decision, the
near-optimal alternatives and the decisions they all share (``models/decisions.md``). It is
built from the firmness tables as written to the run folder (``decisions.csv``,
``alternatives.csv``, ``firm_decisions.csv``), so the reports need nothing from the
analysis that made them."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from placement_opt.reports.format import DASH, fmt_gbp, fmt_share
from placement_opt.reports.html.run_context import Context
from placement_opt.reports.html.templating import Cell, num

__all__ = ["FIRM_SHARE", "FirmnessTables", "firmness_sentence", "firmness_view"]

#: A decision costing less than this share of the objective to reverse is "not firm".
FIRM_SHARE = 0.001


@dataclass(frozen=True)
class FirmnessTables:
    """The firmness tables of a run: ``decisions`` (one row per decision with its cost to
    reverse), ``alternatives`` (the best plan and each alternative), ``firm`` (the decisions
    every plan takes alike) and ``within`` (the share the alternatives could be above the
    best)."""

    decisions: pd.DataFrame
    alternatives: pd.DataFrame
    firm: pd.DataFrame
    within: float


def _value(v: object) -> float | None:
    """A finite float, or None for a blank or missing cell."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    return float(v)  # type: ignore[arg-type]


def firmness_sentence(tables: FirmnessTables, objective: float, gap: float | None) -> str:
    """How many decisions cost less than :data:`FIRM_SHARE` of the objective to reverse, and
    how that compares with the plan's proven gap."""
    cost = pd.to_numeric(tables.decisions["cost_to_reverse"], errors="coerce")
    cheap = int((cost < FIRM_SHARE * abs(objective)).sum())
    n = len(tables.decisions)
    text = (f"{cheap} of {n} decisions cost less than {fmt_share(FIRM_SHARE, 1)} of the "
            f"objective ({fmt_gbp(FIRM_SHARE * abs(objective))}) to reverse")
    saving = cost[cost < 0]
    if len(saving):
        text += (f"; {len(saving)} reversal(s) find a cheaper plan, by up to "
                 f"{fmt_gbp(-float(saving.min()))}: the plan is not optimal, only within its gap")
    if gap is not None:
        text += (f"; the plan is proven within {fmt_share(gap, 3)} "
                 f"({fmt_gbp(gap * abs(objective))}) of the best possible, so a reversal "
                 "cheaper than that is within the solver's tolerance")
    return text + "."


def firmness_view(ctx: Context, tables: FirmnessTables | None) -> dict[str, Any]:
    """What the section shows: ``state`` (absent, unsolved or shown) and, when shown, the
    sentence and the three tables."""
    if tables is None:
        return {"state": "absent"}
    r = ctx.result
    if not ctx.solved or r.objective is None:
        return {"state": "unsolved"}
    objective = float(r.objective)
    d = tables.decisions.assign(
        _cost=pd.to_numeric(tables.decisions["cost_to_reverse"], errors="coerce"))
    d = d.sort_values(["_cost", "decision"], na_position="last", kind="stable")
    rows: list[list[Cell | str]] = []
    for rec in d.to_dict("records"):
        cost = _value(rec["cost_to_reverse"])
        held, low = _value(rec["cost_held"]), _value(rec["cost_lower_bound"])
        soft = cost is not None and cost < FIRM_SHARE * abs(objective)
        rows.append([
            str(rec["decision"]), str(rec["provision_name"]), ctx.zone_label(str(rec["zone"])),
            "yes" if bool(rec["in_plan"]) else "no", str(rec["reversal"]),
            num(fmt_gbp(cost) if cost is not None else DASH, "over" if soft else "", bold=soft),
            num(fmt_share(cost / abs(objective), 3) if cost is not None else DASH),
            num(fmt_gbp(held) if held is not None else "infeasible"),
            num(fmt_gbp(low) if low is not None else DASH),
            str(rec["also_changes"]) if isinstance(rec["also_changes"], str) else ""])
    head: list[Cell | str] = ["Decision", "Provision", "District", "In plan", "Reversal",
                              Cell("Cost to reverse", "num"), Cell("Share", "num"),
                              Cell("Others held", "num"), Cell("Lower bound", "num"),
                              "Also changes"]
    alt_rows: list[list[Cell | str]] = [
        [str(int(a["plan"])) if int(a["plan"]) else "best", num(fmt_gbp(float(a["objective"]))),
         num(fmt_gbp(float(a["above_best"]))),
         num(fmt_share(float(a["share_above_best"]), 3)), str(a["status"]),
         str(a["differs_by"]) if isinstance(a["differs_by"], str) else ""]
        for a in tables.alternatives.to_dict("records")]
    alt_head: list[Cell | str] = ["Plan", Cell("Objective", "num"), Cell("Above best", "num"),
                                  Cell("Share", "num"), "Status", "Decisions that differ"]
    firm = [f"{rec['decision']} ({'in the plan' if bool(rec['in_plan']) else 'not taken'})"
            for rec in tables.firm.to_dict("records")]
    return {"state": "shown", "sentence": firmness_sentence(tables, objective, r.gap),
            "head": head, "rows": rows, "alt_head": alt_head, "alt_rows": alt_rows,
            "n_alternatives": len(alt_rows) - 1, "within": fmt_share(tables.within, 2),
            "firm": firm, "n_decisions": len(tables.decisions)}
