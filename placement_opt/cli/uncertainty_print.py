"""``montecarlo`` and ``robust`` on screen: where local places most likely fall short (ranked by
probability, then by how far short, ties collapsed into one row), the spread of each cost, and
how the robust plan differs from the plan for mean demand."""

from __future__ import annotations

import pandas as pd

from placement_opt.cli.common import console, kpi_label
from placement_opt.cli.tables import Col, print_fitted
from placement_opt.reports.format import fmt_gbp, fmt_number, fmt_share

__all__ = ["print_costs", "print_robust_decisions", "print_shortfall", "shortfall_headline"]

#: Rows of the shortfall headline; more places with the same figures share one row.
SHOWN = 12
#: A collapsed row names its places when there are at most this many.
_NAMED = 3


def _years(years: pd.Series) -> str:
    ys = sorted(int(y) for y in years)
    return str(ys[0]) if len(ys) == 1 else f"{ys[0]}-{ys[-1]}" if ys == list(
        range(ys[0], ys[-1] + 1)) else ", ".join(map(str, ys))


def shortfall_headline(shortfall: pd.DataFrame) -> pd.DataFrame:
    """One row per district × need × phase with any chance of a shortfall: the years with one,
    the highest probability of a shortfall and of unmet demand in any year and the largest mean
    shortfall (places, a year); most likely first, then the furthest short, then by name."""
    short = shortfall[shortfall["p_shortfall"] > 0]
    if short.empty:
        return pd.DataFrame(columns=["where", "years", "p_shortfall", "p_unmet", "short_mean"])
    keys = ["district", "need", "phase"]
    rows = short.assign(short_mean=(-short["surplus_mean"].astype(float)).clip(lower=0.0))
    out = rows.groupby(keys, as_index=False).agg(
        years=("year", _years), p_shortfall=("p_shortfall", "max"), p_unmet=("p_unmet", "max"),
        short_mean=("short_mean", "max"))
    out.insert(0, "where", out["district"].astype(str) + " " + out["need"].astype(str) + " "
               + out["phase"].astype(str))
    out = out.sort_values(["p_shortfall", "short_mean", "p_unmet", "where"],
                          ascending=[False, False, False, True], kind="stable")
    return pd.DataFrame(out[["where", "years", "p_shortfall", "p_unmet", "short_mean"]]
                        .reset_index(drop=True))


def print_shortfall(shortfall: pd.DataFrame) -> None:
    """The headline of :func:`shortfall_headline`: rows whose shown figures are all alike (the
    same probabilities, years and shortfall to a place) collapsed into one."""
    head = shortfall_headline(shortfall)
    if head.empty:
        console.print("No district, need and phase falls short of local places in any sample.")
        return
    shown = head.assign(p=head["p_shortfall"].map(lambda v: f"{v:.0%}"),
                        u=head["p_unmet"].map(lambda v: f"{v:.0%}"),
                        s=head["short_mean"].map(lambda v: f"{v:,.1f}"))
    rows: list[list[str]] = []
    for (years, p, u, s), group in shown.groupby(["years", "p", "u", "s"], sort=False):
        names = list(group["where"])
        where = "; ".join(names) if len(names) <= _NAMED else (
            f"{len(names)} district-needs at these figures: " + "; ".join(names[:2]) + " ...")
        rows.append([where, str(years), str(p), str(u), str(s)])
    total = len(head)
    print_fitted(console, "Where local places may fall short, most likely first",
                 [Col("district, need, phase"), Col("years"), Col("chance of shortfall", True),
                  Col("chance of unmet", True), Col("mean places short", True)],
                 rows[:SHOWN],
                 caption=f"{total} district-need-phase(s) short in some sample; the highest "
                         "chance in any year and the largest mean shortfall a year (places); "
                         "every year in shortfall.csv.")


def print_costs(cost_summary: pd.DataFrame) -> None:
    """Each KPI's distribution over the samples (horizon); KPIs zero in every sample in one
    line."""
    costs = cost_summary[cost_summary["year"].astype(str) == "all"]
    stats = ("mean", "sd", "p5", "p50", "p95")
    zero = [str(r["kpi"]) for r in costs.to_dict("records")
            if all(float(r[c]) == 0 for c in stats)]
    rows = [[kpi_label(str(r["kpi"]), ""), *(fmt_number(float(r[c])) if float(r[c]) < 1e4
                                               else f"{float(r[c]):,.0f}" for c in stats)]
            for r in costs.to_dict("records") if str(r["kpi"]) not in zero]
    print_fitted(console, "Distribution over the samples (horizon; costs in GBP)",
                 [Col("kpi"), *(Col(c, True) for c in stats)], rows,
                 caption=("Zero in every sample: " + ", ".join(kpi_label(k, "") for k in zero))
                 if zero else None)


def print_robust(expected_robust: float, expected_mean: float, vss: float, samples: int) -> None:
    """The expected costs of the two plans and the value of the stochastic solution."""
    rows = [["expected cost, robust plan", fmt_gbp(expected_robust)],
            ["expected cost, mean-demand plan", fmt_gbp(expected_mean)],
            ["value of the stochastic solution", fmt_gbp(vss)],
            ["as a share of the mean-demand plan",
             fmt_share(vss / expected_mean, 2) if expected_mean else "-"]]
    print_fitted(console, f"Robust plan over {samples} samples", [Col(""), Col("", True)], rows)


def print_robust_decisions(decisions: pd.DataFrame, shown: int = 30) -> None:
    """The decisions in which the robust plan and the mean-demand plan differ."""
    changed = decisions[decisions["difference"].abs() > 1e-6]
    if changed.empty:
        console.print("The robust plan takes the same decisions as the mean-demand plan.")
        return
    rows = [[str(r["role"]), str(r["provision"]), str(r["year"]), fmt_number(float(r["robust"])),
             fmt_number(float(r["mean_plan"]))] for r in changed.head(shown).to_dict("records")]
    print_fitted(console, "Where the plans differ",
                 [Col("decision"), Col("provision"), Col("year"), Col("robust", True),
                  Col("mean-demand plan", True)], rows,
                 caption=f"{min(shown, len(changed))} of {len(changed)} differing decisions; "
                         "all in robust_decisions.csv." if len(changed) > shown else None)
