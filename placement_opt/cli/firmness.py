"""``placement-opt firmness``: solve, then test how firm the plan's decisions are."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from placement_opt.cli.common import (
    PLANS,
    app,
    console,
    empty_run_folder,
    load_instance,
    print_summary,
    reported,
)
from placement_opt.cli.tables import Col, print_fitted
from placement_opt.io.bundled import DEFAULT_INSTANCE
from placement_opt.options import SolveOptions
from placement_opt.reports.format import fmt_gbp, fmt_share

if TYPE_CHECKING:
    from placement_opt.analysis.firmness.run import Firmness

__all__ = ["firmness"]

_SHOWN = 15


@app.command(rich_help_panel=PLANS)
def firmness(
    path: Annotated[str, typer.Argument(help="Instance: CSV folder, .xlsx, .json or a bundled "
                                             "name.")] = DEFAULT_INSTANCE,
    alternatives: Annotated[int, typer.Option(min=0, help="Near-optimal plans to look "
                                                          "for.")] = 3,
    within: Annotated[float, typer.Option(min=0.0, max=0.5, help="Alternatives at most this "
                                          "share above the best (0.001 = 0.1%).")] = 0.001,
    reoptimise: Annotated[str, typer.Option(help="held (others kept), local (re-decide what "
                                            "a reversal disturbs) or full.")] = "local",
    workers: Annotated[int, typer.Option(min=1, help="Processes for the re-solves.")] = 2,
    improve: Annotated[int, typer.Option(min=0, help="Rounds in which a cheaper reversal "
                                         "becomes the plan and is tested again.")] = 0,
    out: Annotated[Path | None, typer.Option(help="Result folder (default: a new folder "
                                                  "under runs/).")] = None,
    overwrite: Annotated[bool, typer.Option(help="Allow writing into a non-empty --out.")] = False,
    time_limit: Annotated[float | None, typer.Option(help="Seconds for each solve.")] = None,
    gap: Annotated[float, typer.Option(help="Relative MIP gap.")] = 1e-3,
    threads: Annotated[int, typer.Option(help="Solver threads.")] = 1,
    seed: Annotated[int, typer.Option(help="Solver seed.")] = 0,
) -> None:
    """How firm a plan is: the cost of reversing each decision.

    Solves, then reverses each decision (what doing the opposite costs, by year, and what
    else changes) and looks for near-optimal alternatives; a run folder as `solve` writes,
    with decisions.csv, alternatives.csv, firmness.xlsx and a report section."""
    from placement_opt.analysis.firmness.files import html_tables, write_firmness
    from placement_opt.analysis.firmness.reversal import SCOPES
    from placement_opt.analysis.firmness.run import firmness as run_firmness
    from placement_opt.reports.high_needs import check_account
    from placement_opt.reports.run_folder import write_run

    if reoptimise not in SCOPES:
        console.print(f"[red]--reoptimise {reoptimise!r}: expected one of {', '.join(SCOPES)}[/]")
        raise typer.Exit(2)
    inst = load_instance(path)
    with reported(f"Problems in the high-needs account of {path}", outcome="nothing was solved."):
        check_account(inst)
    with reported(f"Problems in {path}"):
        options = SolveOptions(time_limit=time_limit, gap=gap, threads=threads, seed=seed)
        folder = empty_run_folder(out, inst.name, overwrite)
        f = run_firmness(inst, options, alternatives=alternatives, within=within,
                         reoptimise=reoptimise, workers=workers,  # type: ignore[arg-type]
                         improve=improve)
        write_run(f.result, inst, folder, overwrite, extra=lambda stage: write_firmness(f, stage),
                  firmness=html_tables(f))
    print_summary(f.result)
    _print_firmness(f)
    console.print(f"Results written to [bold]{folder}[/] ({f.seconds:.0f} s)")


def _print_firmness(f: Firmness) -> None:
    """The least firm decisions, the alternatives and the firm count, at 80 columns."""
    from placement_opt.analysis.firmness.files import html_tables
    from placement_opt.reports.html.run_firmness import firmness_sentence

    assert f.result.objective is not None
    d = f.costs.decisions.sort_values("cost_to_reverse", na_position="last", kind="stable")
    if d.empty:
        console.print("The plan takes no decisions to reverse: the instance has no candidate "
                      "sites, expansions or changes.")
        return
    objective = abs(float(f.result.objective))
    rows = []
    for rec in d.head(_SHOWN).to_dict("records"):
        cost = rec["cost_to_reverse"]
        ok = cost is not None and cost == cost
        rows.append([str(rec["decision"]), "yes" if rec["in_plan"] else "no",
                     fmt_gbp(float(cost)) if ok else "-",
                     fmt_share(float(cost) / objective, 3) if ok else "-"])
    print_fitted(console, f"Cost to reverse (the {min(_SHOWN, len(d))} least firm of {len(d)})",
                 [Col("decision"), Col("in plan"), Col("cost", True), Col("share", True)], rows)
    alt = [[str(rec["plan"]), fmt_gbp(float(rec["above_best"])),
            fmt_share(float(rec["share_above_best"]), 3), str(rec["decisions_differing"])]
           for rec in f.alternatives.plans.to_dict("records")]
    print_fitted(console, f"Alternatives within {fmt_share(f.alternatives.within, 2)}",
                 [Col("plan"), Col("above best", True), Col("share", True),
                  Col("decisions that differ")], alt)
    console.print(firmness_sentence(html_tables(f), float(f.result.objective), f.result.gap))
    console.print(f"{len(f.alternatives.firm)} firm decision(s): taken alike by every plan.")
    if f.improved:
        console.print(f"The plan was improved in {f.improved} round(s), by {fmt_gbp(f.saving)}: "
                      "a reversal found a cheaper plan, which is the plan reported.")
