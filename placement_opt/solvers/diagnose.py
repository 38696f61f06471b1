"""Why a scenario is infeasible, in planner terms.

The hard planning rules (minimum local share, independent cap, capital budgets, the number of
sites to open, a hard Safety Valve target) are the only rows that can make the model
infeasible: unmet-demand columns keep demand rows satisfiable. Each hard row gets an elastic
slack column; minimising the total slack finds the least relaxation that makes the model
feasible, and every row whose slack is positive is a rule that would have to give, by that
much (for the Safety Valve: the least shortfall, so the highest balance any plan reaches).

Rules are in different units (pupils, pounds, sites), so one family at a time is relaxed
first: each family that could make the model feasible on its own is reported as an option
(column ``option``). Only when no single family suffices are all relaxed together
(``option = "combined"``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from placement_opt.budget import Deadline, Outcome
from placement_opt.model.matrix import MatrixModel
from placement_opt.options import SolveOptions
from placement_opt.status import Status

__all__ = ["HARD_FAMILIES", "diagnose_infeasibility", "diagnose_within", "elastic_model"]

#: Constraint families that are planning rules (may be relaxed in a diagnosis).
HARD_FAMILIES = ("local_share", "independent_cap", "capital_budget", "capital_total",
                 "openings", "pathway_local", "safety_valve")
_TOL = 1e-7
DIAGNOSIS_COLUMNS = ["family", "zone", "district", "need", "phase", "provision", "year",
                     "required", "limit", "shortfall", "explanation"]


def elastic_model(model: MatrixModel, families: tuple[str, ...] = HARD_FAMILIES,
                  ) -> tuple[MatrixModel, np.ndarray, np.ndarray]:
    """``model`` with a slack column on each row of ``families``; objective = total slack.

    Returns the elastic model, the row of each slack column and its sign (+1 helps a lower
    bound, -1 helps an upper bound).
    """
    rows: list[np.ndarray] = []
    signs: list[np.ndarray] = []
    for block in model.blocks:
        if block.family not in families:
            continue
        idx = np.arange(block.start, block.stop)
        lower = idx[np.isfinite(model.row_lower[idx])]
        upper = idx[np.isfinite(model.row_upper[idx])]
        rows += [lower, upper]
        signs += [np.ones(lower.size), -np.ones(upper.size)]
    slack_row = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    slack_sign = np.concatenate(signs) if signs else np.zeros(0)
    n = slack_row.size
    extra = sp.csr_matrix((slack_sign, (slack_row, np.arange(n))), shape=(model.n_rows, n))
    elastic = MatrixModel(
        formulation=model.formulation + " (elastic)",
        c=np.concatenate([np.zeros(model.n_cols), np.ones(n)]),
        A=sp.hstack([model.A, extra], format="csr"),
        row_lower=model.row_lower, row_upper=model.row_upper,
        col_lower=np.concatenate([model.col_lower, np.zeros(n)]),
        col_upper=np.concatenate([model.col_upper, np.full(n, np.inf)]),
        integrality=np.concatenate([model.integrality, np.zeros(n, dtype=bool)]),
        blocks=model.blocks, column_keys={}, labels=model.labels,
    )
    return elastic, slack_row.astype(np.int64), slack_sign


def diagnose_infeasibility(model: MatrixModel, options: SolveOptions) -> pd.DataFrame:
    """Rules that must give to make ``model`` feasible, and by how much (empty if none can)."""
    return diagnose_within(model, options, Deadline.after(options.time_limit))[0]


def diagnose_within(model: MatrixModel, options: SolveOptions, deadline: Deadline
                    ) -> tuple[pd.DataFrame, Outcome]:
    """:func:`diagnose_infeasibility` within ``deadline``: each elastic re-solve gets the time
    left, and none starts without time. The outcome is ``skipped`` when none ran,
    ``cut_short`` when one was stopped or not started (the options found so far are kept)."""
    present = tuple(f for f in HARD_FAMILIES if model.block(f) is not None)
    table = model.row_table()
    found: list[pd.DataFrame] = []
    ran, cut = 0, False
    for families, option in [*(((f,), f) for f in present), (present, "combined")]:
        if option == "combined" and (found or cut):
            break
        if deadline.expired():
            cut = True
            break
        given = deadline.remaining()
        relaxed, stopped = _relax(model, table, families, option, deadline.options_for(options))
        ran += 1
        cut = cut or (stopped and deadline.ran_out(given))
        if relaxed is not None and len(relaxed):
            found.append(relaxed)
    outcome: Outcome = "skipped" if ran == 0 and cut else ("cut_short" if cut else "done")
    if not found:
        return pd.DataFrame(columns=["option", *DIAGNOSIS_COLUMNS]), outcome
    return pd.concat(found, ignore_index=True), outcome


def _relax(model: MatrixModel, table: pd.DataFrame, families: tuple[str, ...], option: str,
           options: SolveOptions) -> tuple[pd.DataFrame | None, bool]:
    """Rows of ``families`` that must give, with the least total slack (None: still infeasible
    or not solved), and whether the re-solve stopped at a limit."""
    from placement_opt.solvers.highs import solve_highs

    elastic, slack_row, slack_sign = elastic_model(model, families)
    if slack_row.size == 0:
        return None, False
    raw = solve_highs(elastic, options.model_copy(update={"backend": "highs"}))
    stopped = raw.status in (Status.FEASIBLE_AT_LIMIT, Status.NO_SOLUTION_AT_LIMIT)
    if raw.status is not Status.OPTIMAL or raw.x is None:
        return None, stopped
    slack = raw.x[model.n_cols:]
    used = np.flatnonzero(slack > _TOL)
    out = table.iloc[slack_row[used]].copy()
    out["required"] = np.where(slack_sign[used] > 0, out["lower"], np.nan)
    out["limit"] = np.where(slack_sign[used] < 0, out["upper"], np.nan)
    out["shortfall"] = slack[used]
    for key in ("zone", "district", "need", "phase", "provision", "year"):
        if key not in out:
            out[key] = None
    out["explanation"] = [_explain({str(k): v for k, v in r.items()}, model)
                          for r in out.to_dict("records")]
    out.insert(0, "option", option)
    return out[["option", *DIAGNOSIS_COLUMNS]].reset_index(drop=True), False


def _gbp(amount: float) -> str:
    """``-£1.2m`` from a million up, else ``-£12,345``."""
    sign = "\u2212" if amount < -0.5 else ""
    size = abs(amount)
    return f"{sign}£{size / 1e6:,.1f}m" if size >= 1e6 else f"{sign}£{size:,.0f}"


def _explain(row: dict[str, object], model: MatrixModel) -> str:
    shortfall = float(row["shortfall"])  # type: ignore[arg-type]
    valve = model.layout.safety_valve if model.layout is not None else None
    if row["family"] == "safety_valve" and valve is not None:
        best = valve.target - shortfall
        how = (", even leaving pupils without a place," if valve.unmet_cost == 0
               else f" (a pupil without a place counted at {_gbp(valve.unmet_cost)} a year)")
        return (f"The Safety Valve target (balance \u2265 {_gbp(valve.target)} by the end of "
                f"{valve.label}) cannot be met: the highest cumulative balance reachable{how} "
                f"is {_gbp(best)} (short by {_gbp(shortfall)})")
    if row["family"] == "local_share":
        required = float(row["required"])  # type: ignore[arg-type]
        return (f"minimum local share for {row['district']} {row['year']}: {required:,.1f} pupils must "
                f"be placed in the district but at most {required - shortfall:,.1f} can be; the "
                f"rule would have to fall {shortfall:,.1f} pupils short")
    if row["family"] in ("capital_budget", "capital_total"):
        when = f"in {row['year']}" if row["family"] == "capital_budget" else "over the horizon"
        return f"capital budget {when} would have to rise by £{shortfall:,.0f}"
    if row["family"] == "openings":
        if not pd.isna(row["required"]):  # type: ignore[call-overload]
            return (f"the rule to open at least {float(row['required']):,.0f} candidate sites "  # type: ignore[arg-type]
                    f"would have to drop by {shortfall:,.0f}")
        return (f"the rule to open at most {float(row['limit']):,.0f} candidate sites would "  # type: ignore[arg-type]
                f"have to rise by {shortfall:,.0f}")
    if row["family"] == "pathway_local":
        return (f"local pathway share for {row['district']} {row['year']}: {shortfall:,.1f} more of "
                f"the district's leavers would have to continue outside it")
    if row["family"] == "independent_cap":
        return (f"cap on independent placements in {row['year']} would have to rise by "
                f"{shortfall:,.1f} pupils")
    keys = ", ".join(f"{k} {row[k]}" for k in ("zone", "need", "phase", "provision", "year")
                     if row.get(k) is not None and not pd.isna(row.get(k)))  # type: ignore[call-overload]
    return f"{row['family']} rule ({keys}) would have to give by {shortfall:,.1f}"
