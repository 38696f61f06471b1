"""How a :class:`~placement_opt.results.result.Result` shows itself: one line of text
(``repr``) and, in a notebook, a small HTML table of status, objective, gap and the horizon's
KPIs (``_repr_html_``)."""

from __future__ import annotations

from html import escape
from typing import Protocol

import pandas as pd

from placement_opt.errors import Issue
from placement_opt.reports.format import DASH, fmt_gbp, fmt_share, fmt_unit
from placement_opt.status import Status


class Result(Protocol):
    """What of a Result is shown (a protocol, so that this module needs no import of
    ``result.py``, which imports it); read-only, as a frozen Result's fields are."""

    @property
    def status(self) -> Status: ...

    @property
    def objective(self) -> float | None: ...

    @property
    def bound(self) -> float | None: ...

    @property
    def gap(self) -> float | None: ...

    @property
    def backend(self) -> str: ...

    @property
    def solve_seconds(self) -> float: ...

    @property
    def build_seconds(self) -> float: ...

    @property
    def kpis(self) -> pd.DataFrame: ...

    @property
    def warnings(self) -> tuple[Issue, ...]: ...

    @property
    def instance_name(self) -> str: ...

    @property
    def model_size(self) -> dict[str, int]: ...


    @property
    def cut_short(self) -> tuple[str, ...]: ...

__all__ = ["result_html", "result_text"]

#: KPIs over the horizon shown in the notebook table, in order (those the result has).
SHOWN_KPIS = ("total_cost", "capital_cost", "unmet_penalty", "demand", "placed", "unmet",
              "share_met_locally", "openings", "places_added", "mean_journey_min")


def _money(value: float | None) -> str:
    return DASH if value is None else fmt_gbp(value)


def _share(value: float | None) -> str:
    return DASH if value is None else fmt_share(value, 4)


def result_text(result: Result) -> str:
    """``Result(kent: optimal, objective £3,551,894,892, gap 0.0000%, highs, 5.7 s)``."""
    return (f"Result({result.instance_name}: {result.status.value}, objective "
            f"{_money(result.objective)}, gap {_share(result.gap)}, {result.backend}, "
            f"{result.solve_seconds:.1f} s)")


def result_html(result: Result) -> str:
    """A small HTML table: instance, status, objective, bound, gap, model size, timings and
    the horizon's main KPIs (values escaped)."""
    rows: list[tuple[str, str]] = [
        ("status", result.status.value),
        ("objective", _money(result.objective)),
        ("bound", _money(result.bound)),
        ("gap", _share(result.gap)),
        ("backend", result.backend),
        ("variables / constraints", f"{result.model_size.get('columns', 0):,} / "
                                    f"{result.model_size.get('rows', 0):,}"),
        ("build + solve (s)", f"{result.build_seconds:.2f} + {result.solve_seconds:.2f}"),
    ]
    if result.cut_short:
        rows.append(("cut short", ", ".join(result.cut_short)))
    kpis = result.kpis
    if len(kpis):
        horizon = kpis[kpis["year"].astype(str) == "all"]
        found = {str(k): (float(v), str(u)) for k, v, u in
                 zip(horizon["kpi"], horizon["value"], horizon["unit"], strict=True)}
        for name in SHOWN_KPIS:
            if name in found:
                value, unit = found[name]
                rows.append((f"{name} ({unit})", fmt_unit(value, unit)))
    if result.warnings:
        rows.append(("warnings", f"{len(result.warnings)}"))
    body = "".join(f"<tr><th style=\"text-align:left\">{escape(k)}</th>"
                   f"<td style=\"text-align:right\">{escape(v)}</td></tr>" for k, v in rows)
    return (f"<table class=\"placement-opt-result\"><caption>{escape(result.instance_name)}"
            f"</caption><tbody>{body}</tbody></table>")
