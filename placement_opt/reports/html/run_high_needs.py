"""The run page's high-needs block: the account's trajectory chart, its summary in £m by
financial year (estimated years flagged) and a sentence on the Safety Valve target
(:func:`placement_opt.reports.high_needs.run_account`)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from placement_opt.reports.format import fmt_gbp_m
from placement_opt.reports.high_needs import has_account_inputs, run_account
from placement_opt.reports.html.balance_chart import BalanceChart, balance_chart_svg
from placement_opt.reports.html.run_context import Context
from placement_opt.reports.html.templating import Cell, num
from placement_opt.results.run import RunData
from placement_opt.schema.settings import Finance

__all__ = ["high_needs_view", "target_sentence"]


def target_sentence(summary: pd.DataFrame, finance: Finance) -> str:
    """Where the cumulative DSG balance ends against the target, in one sentence."""
    if finance.target_year is None or finance.balance_target is None:
        last = summary.iloc[-1]
        return (f"The cumulative DSG balance is {fmt_gbp_m(float(last['cumulative_balance_gbp']))}"
                f" at 31 March {int(last['financial_year']) + 1}, the end of the horizon; no "
                "Safety Valve target is set ([finance] balance_target and target_year).")
    row = summary[summary["financial_year"] == finance.target_year].iloc[0]
    reached, target = float(row["cumulative_balance_gbp"]), float(finance.balance_target)
    head = (f"The cumulative DSG balance reaches {fmt_gbp_m(reached)} by March "
            f"{finance.target_year + 1}")
    if bool(row["meets_target"]):
        spare = reached - target
        extra = f", {fmt_gbp_m(spare)} better" if spare >= 0.5 else ""
        return f"{head}, meeting the {fmt_gbp_m(target)} target{extra}."
    return f"{head}, short of the {fmt_gbp_m(target)} target by {fmt_gbp_m(target - reached)}."


def high_needs_view(ctx: Context) -> dict[str, Any]:
    """What the section shows: ``state`` (unsolved, no_data or shown) and, when shown, the
    chart, the table rows and the target sentence."""
    if not ctx.solved:
        return {"state": "unsolved"}
    if not has_account_inputs(ctx.instance):
        return {"state": "no_data"}
    finance = ctx.instance.settings.finance
    s = run_account(RunData.from_result(ctx.result, ctx.instance)).summary
    estimated = s["estimated"].astype(bool).tolist()
    labels = [f"{label}{'*' if est else ''}" for label, est
              in zip(s["financial_year_label"].astype(str), estimated, strict=True)]
    years = s["financial_year"].astype(int).tolist()
    target = None
    if finance.target_year is not None and finance.balance_target is not None:
        target = (years.index(finance.target_year), float(finance.balance_target))
    def col(name: str) -> tuple[float, ...]:
        return tuple(float(v) for v in s[name])

    chart = BalanceChart(tuple(labels), col("income_gbp"), col("spend_gbp"),
                         col("in_year_balance_gbp"), col("cumulative_balance_gbp"), target)
    rows: list[list[Cell | str]] = []
    for r, label in zip(s.to_dict("records"), labels, strict=True):
        meets = r["meets_target"]
        short = meets is not pd.NA and not pd.isna(meets) and not bool(meets)
        rows.append([label, *(num(fmt_gbp_m(float(r[c]))) for c in (
            "income_gbp", "spend_gbp", "in_year_balance_gbp")),
            num(fmt_gbp_m(float(r["cumulative_balance_gbp"])), "over" if short else "",
                bold=not pd.isna(r["target_gbp"])),
            num(fmt_gbp_m(float(r["target_gbp"])) if not pd.isna(r["target_gbp"]) else ""),
            num(fmt_gbp_m(float(r["memo_gbp"])))])
    head: list[Cell | str] = ["Financial year", *(Cell(h, "num") for h in (
        "Income", "Spend", "In-year balance", "Cumulative balance (31 March)", "Target",
        "Memo: transport and capital"))]
    return {"state": "shown", "svg": balance_chart_svg(chart), "head": head, "rows": rows,
            "sentence": target_sentence(s, finance), "estimated": any(estimated),
            "opening": fmt_gbp_m(float(finance.opening_balance)), "first": years[0],
            "no_table": len(ctx.instance.high_needs) == 0}
