"""Monte Carlo over demand: solve every sample (with any sweep executor) and report, by
district × need × phase × year, the probability of a shortfall of local places and of unmet
demand, and the distribution of cost.

A **shortfall of local places** in a sample is ``places_local < demand`` in the sufficiency
table (places in the district's special schools, SRPs and mainstream support, apportioned as
the sufficiency report does, against the district's demand).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from placement_opt.analysis.scenarios import LoadedScenario
from placement_opt.analysis.sweep.run import OnDone, execute, point_key
from placement_opt.analysis.sweep.worker import PointTask
from placement_opt.analysis.uncertainty.distribution import DemandDistribution, GrowthFit, sample_factors
from placement_opt.errors import OutputError
from placement_opt.instance import Instance
from placement_opt.io.atomic import neutralise_text, write_text_atomic
from placement_opt.options import SolveOptions
from placement_opt.progress import Reporter

__all__ = ["COST_KPIS", "MARKER", "MonteCarlo", "montecarlo_tasks", "run_montecarlo",
           "scenario_samples", "write_montecarlo"]

MARKER = "montecarlo.json"
#: KPIs whose distribution over the samples is reported.
COST_KPIS = ("objective", "total_cost", "place_cost", "transport_cost", "capital_cost",
             "unmet_penalty", "overspend", "unmet", "placed_independent")
_TOL = 1e-6
_KEYS = ["district", "need", "phase", "year"]


@dataclass(frozen=True)
class MonteCarlo:
    """Samples, their records, and the summaries (see :func:`summarise`)."""

    distribution: DemandDistribution
    fit: GrowthFit | None
    seed: int
    factors: pd.DataFrame
    records: list[dict[str, Any]]
    shortfall: pd.DataFrame
    cost_samples: pd.DataFrame
    cost_summary: pd.DataFrame

    @property
    def solved(self) -> int:
        """Samples with a solution."""
        return sum(1 for r in self.records if "detail" in r)


def scenario_samples(loaded: LoadedScenario, dist: DemandDistribution, samples: int,
                     seed: int) -> list[Instance]:
    """The scenario's instance with each of ``samples`` seeded demand samples applied (the same
    samples :func:`run_montecarlo` solves for the same seed)."""
    from placement_opt.analysis.scenarios import apply_scenario

    base = Instance.from_path(loaded.base_path())
    factors = sample_factors(apply_scenario(loaded, base), dist, samples, seed)
    return [apply_scenario(loaded, base, f) for f in factors]


def montecarlo_tasks(loaded: LoadedScenario, dist: DemandDistribution, samples: int, seed: int,
                     options: SolveOptions) -> tuple[list[PointTask], pd.DataFrame]:
    """One task per sample (demand factors on the scenario's instance) and the factors table."""
    from placement_opt.analysis.scenarios import apply_scenario

    base_path = loaded.base_path()
    base = Instance.from_path(base_path)
    factors = sample_factors(apply_scenario(loaded, base), dist, samples, seed)
    opts = options.model_dump(mode="json", exclude={"log_file", "verbose"})
    fingerprint = base.fingerprint()
    tasks = [PointTask(key=point_key(fingerprint, loaded.canonical(), opts, f),
                       name=f"sample-{s:04d}", params={"sample": s, "seed": seed},
                       mapping=loaded.mapping(), source=loaded.source, base_path=str(base_path),
                       options=opts, demand_factors=f, detail=True,
                       meta={"base_fingerprint": fingerprint, "scenario_sha256": loaded.digest()})
             for s, f in enumerate(factors)]
    table = pd.DataFrame([(s, k, t, v) for s, f in enumerate(factors) for k, years in f.items()
                          for t, v in years.items()], columns=["sample", "need", "year", "factor"])
    return tasks, table


def run_montecarlo(loaded: LoadedScenario, dist: DemandDistribution, samples: int, seed: int,
                   folder: Path, executor: str = "local", workers: int = 2,
                   scheduler: str | None = None, options: SolveOptions | None = None,
                   fit: GrowthFit | None = None, on_done: OnDone | None = None,
                   progress: Reporter | None = None) -> MonteCarlo:
    """Solve ``samples`` demand samples of ``loaded`` into ``folder`` (re-runs skip samples
    already solved) and write the report files. ``options`` default to the scenario's
    ``[solve]``. ``progress`` hears the samples finished (stage ``montecarlo``, done of
    ``samples``)."""
    if folder.exists() and any(folder.iterdir()) and not (folder / MARKER).exists():
        raise OutputError(f"{folder} is not empty and holds no {MARKER}: choose another --out")
    from placement_opt.analysis.scenarios.check import solve_options

    tasks, factors = montecarlo_tasks(loaded, dist, samples, seed, options or solve_options(loaded))
    outcome = execute(tasks, folder, executor, workers, scheduler, on_done, progress,
                      "montecarlo")
    shortfall, cost_samples, cost_summary = summarise(outcome.records)
    mc = MonteCarlo(dist, fit, seed, factors, outcome.records, shortfall, cost_samples, cost_summary)
    write_montecarlo(mc, folder, loaded)
    return mc


def summarise(records: Sequence[dict[str, Any]]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(shortfall by district × need × phase × year, cost KPIs per sample, their summary)."""
    details = [pd.DataFrame(r["detail"]).assign(sample=r["params"]["sample"])
               for r in records if "detail" in r]
    if details:
        detail = pd.concat(details, ignore_index=True)
        detail["short"] = detail["surplus_deficit"] < -_TOL
        detail["unmet_any"] = detail["unmet"] > _TOL
        grouped = detail.groupby(_KEYS)
        shortfall = grouped.agg(
            samples=("sample", "nunique"), p_shortfall=("short", "mean"),
            p_unmet=("unmet_any", "mean"), demand_mean=("demand", "mean"),
            demand_p5=("demand", lambda s: s.quantile(0.05)),
            demand_p95=("demand", lambda s: s.quantile(0.95)),
            places_local_mean=("places_local", "mean"), surplus_mean=("surplus_deficit", "mean"),
            surplus_p5=("surplus_deficit", lambda s: s.quantile(0.05)),
            unmet_mean=("unmet", "mean")).reset_index()
        shortfall = shortfall.sort_values(["p_shortfall", *_KEYS], ascending=[False, True, True,
                                                                             True, True])
    else:
        shortfall = pd.DataFrame(columns=[*_KEYS, "samples", "p_shortfall", "p_unmet"])
    rows = [(r["params"]["sample"], kpi, year, value) for r in records for kpi, year, value in
            r["kpis"] if kpi in COST_KPIS]
    costs = pd.DataFrame(rows, columns=["sample", "kpi", "year", "value"])
    summary = costs.groupby(["kpi", "year"])["value"].agg(
        samples="count", mean="mean", sd="std", min="min",
        p5=lambda s: s.quantile(0.05), p50="median", p95=lambda s: s.quantile(0.95),
        max="max").reset_index()
    summary["kpi"] = pd.Categorical(summary["kpi"], categories=list(COST_KPIS), ordered=True)
    summary = summary.sort_values(["kpi", "year"]).reset_index(drop=True)
    summary["kpi"] = summary["kpi"].astype(str)
    return shortfall.reset_index(drop=True), costs, summary


def write_montecarlo(mc: MonteCarlo, folder: Path, loaded: LoadedScenario) -> None:
    """``shortfall.csv``, ``cost_samples.csv``, ``cost_summary.csv``, ``demand_factors.csv``,
    ``montecarlo.xlsx`` and ``montecarlo.json`` (distribution, fit, seed, counts)."""

    from placement_opt.analysis.scenarios.manifest import versions
    from placement_opt.io.workbook import write_workbook

    tables = {"shortfall": mc.shortfall, "cost_summary": mc.cost_summary,
              "cost_samples": mc.cost_samples, "demand_factors": mc.factors}
    for name, frame in tables.items():
        write_text_atomic(folder / f"{name}.csv", neutralise_text(frame).to_csv(index=False))

    write_workbook(folder / "montecarlo.xlsx", tables)
    failed = [{"name": r["name"], "error": r["error"]} for r in mc.records if r["status"] == "error"]
    about = {
        "scenario": loaded.name, "scenario_sha256": loaded.digest(),
        "samples": len(mc.records), "solved": mc.solved, "failed": failed, "seed": mc.seed,
        "distribution": {**mc.distribution.__dict__,
                         "correlation_note": "ASSUMPTION: no by-need growth history to fit it"},
        "fit": None if mc.fit is None else mc.fit.as_dict(),
        "method": "log demand of each need follows the instance's projection plus a random walk "
                  "with annual shocks drift + sigma_k * (sqrt(rho) common + sqrt(1-rho) own); "
                  "see models/robust.md",
        "versions": versions(),
    }
    write_text_atomic(folder / MARKER, json.dumps(about, indent=2, default=_plain) + "\n")


def _plain(value: object) -> object:
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(type(value).__name__)
