"""``placement-opt compare`` on screen: the runs' KPIs side by side and the biggest differences
by district × need, each change coloured by whether it is better (green) or worse (red), not by
whether it goes up or down."""

from __future__ import annotations

import pandas as pd
from rich.text import Text

from placement_opt.cli.common import console, kpi_label
from placement_opt.cli.tables import Cell, Col, print_fitted
from placement_opt.reports.compare import Comparison, kpi_better, mixed_instances
from placement_opt.reports.format import fmt_signed, fmt_unit

__all__ = ["judged", "print_comparison"]

_STYLE = {True: "green", False: "red", None: ""}


def judged(text: str, kpi: str, change: float) -> Text:
    """``text`` green when ``change`` in ``kpi`` is better, red when worse, plain otherwise."""
    return Text(text, style=_STYLE[kpi_better(kpi, change)])


def _value(value: object) -> float:
    return float(value) if isinstance(value, int | float) else float("nan")


def print_comparison(comp: Comparison, top: int) -> None:
    """The instance warning, the KPI table and the differences of each run from the first."""
    warning = mixed_instances(comp)
    if warning:
        console.print(Text("Warning: " + warning, style="yellow"))
    _print_kpis(comp)
    for name in comp.names[1:]:
        _print_differences(comp, name, top)


def _print_kpis(comp: Comparison) -> None:
    """KPIs over the horizon, a column per run; a ``*_whole`` KPI equal to its fractional one
    in every run left out, KPIs zero in every run named in one line."""
    records = comp.kpis.to_dict("records")
    values = {str(r["kpi"]): [_value(r[n]) for n in comp.names] for r in records}
    units = {str(r["kpi"]): str(r["unit"]) for r in records}
    same = {k for k in values if k.endswith("_whole") and values[k] == values.get(k[:-6])}
    zero = [k for k in values if k not in same and all(v == 0 for v in values[k])]
    rows: list[list[Cell]] = []
    for kpi, row in values.items():
        if kpi in same or kpi in zero:
            continue
        base, unit = row[0], units[kpi]
        rows.append([kpi_label(kpi, unit), Text(fmt_unit(base, unit)),
                     *(judged(fmt_unit(v, unit), kpi, v - base) for v in row[1:])])
    caption = ("Green: better than " + comp.names[0] + "; red: worse (more cost, unmet, "
               "independent placements or travel; fewer places or less met locally)."
               if len(comp.names) > 1 else None)
    if zero:
        caption = ((caption + " " if caption else "") + "Zero in every run: "
                   + ", ".join(kpi_label(k, "") for k in zero) + ".")
    print_fitted(console, "KPIs over the horizon",
                 [Col("kpi"), *(Col(n, number=True) for n in comp.names)], rows, caption=caption)


_DIFF = {"delta_placed_locally": "placed locally", "delta_placed_elsewhere": "elsewhere",
         "delta_placed_independent": "independent", "delta_unmet": "unmet", "delta_cost": "cost"}


def _print_differences(comp: Comparison, name: str, top: int) -> None:
    """The ``top`` largest changes of run ``name`` from the first run by district × need."""
    diff = comp.differences
    diff = diff[(diff["run"] == name)
                & ((diff["change"] > 1e-9) | (diff["delta_cost"].abs() >= 0.5)
                   | (diff["delta_placed_independent"].abs() > 1e-9))]
    if diff.empty:
        console.print(f"{name}: the same placements as {comp.names[0]} in every district and "
                      "need.")
        return
    rows: list[list[Cell]] = []
    for r in diff.head(top).to_dict("records"):
        cells: list[Cell] = [str(r["district"]), str(r["need"])]
        for col in _DIFF:
            change = float(r[col])
            text = fmt_signed(change, "GBP" if col == "delta_cost" else "pupils")
            cells.append(judged(text, col, change))
        rows.append([*cells, "tie"] if bool(r["tie"]) else cells)
    ties = int(pd.Series(diff["tie"]).sum())
    cols = [Col("district"), Col("need"), *(Col(h, number=True) for h in _DIFF.values())]
    if any(len(r) > len(cols) for r in rows):
        cols.append(Col(""))
        rows = [r if len(r) == len(cols) else [*r, ""] for r in rows]
    print_fitted(console, f"Biggest differences from {comp.names[0]}: {name} (pupil-years and "
                          "GBP over the horizon)",
                 cols, rows, key=2,
                 caption=f"The {len(rows)} largest of {len(diff)} district x need changes; "
                         + (f"{ties} marked tie place pupils differently at the same cost "
                            "(the solver's pick among equal plans)." if ties else "no ties."))
