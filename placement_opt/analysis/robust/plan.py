"""The robust plan: openings, expansions and closure options decided once for every demand
sample, placements adapting to each (two-stage sample-average model, ``models/robust.md``);
compared with the plan for mean demand, both evaluated on the same samples.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from placement_opt.analysis.robust.stack import (
    FIRST_STAGE_ROLES,
    check_first_stage,
    first_stage_mask,
    stack_models,
)
from placement_opt.errors import PlacementOptError
from placement_opt.instance import Instance
from placement_opt.model.arcs import eligible_arcs
from placement_opt.model.build import build_from_data
from placement_opt.model.data import ModelData
from placement_opt.model.matrix import MatrixModel
from placement_opt.options import SolveOptions
from placement_opt.progress import Reporter, Steps, heartbeat, steps
from placement_opt.results.result import Result, make_result
from placement_opt.solvers.base import RawSolution
from placement_opt.solvers.registry import get_backend
from placement_opt.status import Status

__all__ = ["RobustResult", "evaluate_plan", "fix_first_stage", "mean_instance", "robust_plan",
           "robust_tables", "write_robust"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class RobustResult:
    """The robust (sample-average) plan against the mean-demand plan.

    ``decisions``: every first-stage column (role, provision, year) with its value in each
    plan. ``costs``: per sample, the objective with each plan's decisions fixed (the
    placements re-optimised). ``robust`` / ``mean``: the mean instance solved with each plan's
    decisions fixed (its openings, expansions and capital tables show the plans).
    """

    samples: int
    status: Status
    objective: float | None
    gap: float | None
    decisions: pd.DataFrame
    costs: pd.DataFrame
    robust: Result
    mean: Result
    seconds: dict[str, float]

    @property
    def expected_robust(self) -> float:
        """Mean over the samples of the robust plan's cost."""
        return float(self.costs["robust"].mean())

    @property
    def expected_mean_plan(self) -> float:
        """Mean over the samples of the mean-demand plan's cost."""
        return float(self.costs["mean_plan"].mean())

    @property
    def value_of_stochastic_solution(self) -> float:
        """What planning for the samples saves in expectation over planning for mean demand."""
        return self.expected_mean_plan - self.expected_robust


def mean_instance(samples: Sequence[Instance]) -> Instance:
    """The first sample with each demand row's pupils averaged over the samples."""
    stacked = np.stack([s.demand["pupils"].to_numpy(float) for s in samples])
    first = samples[0]
    keys = [c for c in first.demand.columns if c != "pupils"]
    for other in samples[1:]:
        if not first.demand[keys].equals(other.demand[keys]):
            raise PlacementOptError("the samples' demand tables have different rows")
    demand = first.demand.copy()
    demand["pupils"] = stacked.mean(axis=0)
    return first.replace(demand=demand)


def _model(inst: Instance) -> tuple[ModelData, MatrixModel]:
    data = ModelData.from_instance(inst)
    return data, build_from_data(data, eligible_arcs(data), inst)


def _solve(model: MatrixModel, options: SolveOptions) -> RawSolution:
    return get_backend(options.backend).run(model, options)


def fix_first_stage(model: MatrixModel, values: FloatArray,
                    roles: Sequence[str] = FIRST_STAGE_ROLES) -> MatrixModel:
    """``model`` with its first-stage columns fixed at ``values`` (whole where integer)."""
    mask = first_stage_mask(model, roles)
    lower, upper = model.col_lower.copy(), model.col_upper.copy()
    fixed = np.where(model.integrality[mask], np.round(values), values)
    lower[mask] = fixed
    upper[mask] = fixed
    return replace(model, col_lower=lower, col_upper=upper)


def evaluate_plan(models: Sequence[MatrixModel], values: FloatArray, options: SolveOptions,
                  roles: Sequence[str] = FIRST_STAGE_ROLES,
                  each: Callable[[int], object] | None = None) -> FloatArray:
    """Each sample's optimal cost with the first-stage decisions fixed at ``values`` (inf
    where that leaves the sample infeasible); ``each(s)`` after sample ``s`` is solved."""
    out = np.full(len(models), np.inf)
    for s, model in enumerate(models):
        raw = _solve(fix_first_stage(model, values, roles), options)
        if raw.status.has_solution and raw.objective is not None:
            out[s] = raw.objective
        if each is not None:
            each(s)
    return out


def robust_plan(samples: Sequence[Instance], options: SolveOptions | None = None,
                roles: Sequence[str] = FIRST_STAGE_ROLES,
                progress: Reporter | None = None) -> RobustResult:
    """Solve the sample-average model over ``samples`` (equal weights), solve the mean-demand
    instance, and evaluate both plans on every sample. ``progress`` hears every model built
    and every solve (stage ``robust``, done of ``3 * samples + 4``), with the solver's own
    figures during each solve."""
    opts = options or SolveOptions()
    n = len(samples)
    counter = steps(progress, "robust", 3 * n + 4)
    if counter.clock is not None:
        opts = opts.model_copy(update={"progress": counter.clock})
    with heartbeat(counter.clock):
        return _robust_plan(samples, opts, roles, counter)


def _robust_plan(samples: Sequence[Instance], opts: SolveOptions, roles: Sequence[str],
                 counter: Steps) -> RobustResult:
    n = len(samples)
    start = time.perf_counter()
    counter.advance(0, "building the sample models")
    built = []
    for s in samples:
        built.append(_model(s))
        counter.advance(len(built), "building the sample models")
    models = [m for _, m in built]
    stacked = stack_models(models, roles)
    counter.advance(n, "solving the sample-average model")
    raw = _solve(stacked.model, opts)
    counter.advance(n + 1, "solving the mean-demand model")
    saa_at = time.perf_counter()
    if not raw.status.has_solution or raw.x is None:
        raise PlacementOptError(f"the sample-average model has no solution ({raw.status.value}: "
                                f"{raw.message})")
    robust_values = raw.x[:stacked.n_first]
    mean_inst = mean_instance(samples)
    mean_data, mean_model = _model(mean_inst)
    check_first_stage([models[0], mean_model], roles)
    mask = first_stage_mask(mean_model, roles)
    mean_raw = _solve(mean_model, opts)
    if mean_raw.x is None:
        raise PlacementOptError(f"the mean-demand model has no solution ({mean_raw.status.value})")
    mean_values = mean_raw.x[mask]
    says = ("evaluating the robust plan on the samples",
            "evaluating the mean-demand plan on the samples")
    counter.advance(n + 2, says[0])
    robust_costs = evaluate_plan(models, robust_values, opts, roles,
                                 lambda s: counter.advance(n + 3 + s, says[0]))
    counter.advance(2 * n + 2, says[1])
    mean_costs = evaluate_plan(models, mean_values, opts, roles,
                               lambda s: counter.advance(2 * n + 3 + s, says[1]))
    costs = pd.DataFrame({"sample": np.arange(n), "robust": robust_costs,
                          "mean_plan": mean_costs})
    eval_at = time.perf_counter()
    results = {}
    for i, (name, values) in enumerate((("robust", robust_values), ("mean", mean_values))):
        counter.advance(3 * n + 2 + i, f"the {name} plan on mean demand")
        fixed = fix_first_stage(mean_model, values, roles)
        results[name] = make_result(mean_inst, mean_data, fixed, _solve(fixed, opts), [], 0.0)
    counter.advance(3 * n + 4, "done")
    decisions = mean_model.column_table()[mask].reset_index(drop=True)
    decisions = decisions[["role", "provision", "year"]].astype(object)
    decisions["robust"] = np.round(robust_values, 9) + 0.0  # no -0.0
    decisions["mean_plan"] = np.round(mean_values, 9) + 0.0
    decisions["difference"] = decisions["robust"] - decisions["mean_plan"]
    return RobustResult(len(samples), raw.status, raw.objective, raw.gap, decisions, costs,
                        results["robust"], results["mean"],
                        {"sample_average": saa_at - start, "evaluation": eval_at - saa_at,
                         "total": time.perf_counter() - start})


def robust_tables(res: RobustResult) -> dict[str, pd.DataFrame]:
    """The report's tables: decisions, openings and expansions of both plans, sample costs."""
    def side_by_side(table: str, keys: list[str]) -> pd.DataFrame:
        robust, mean = getattr(res.robust, table), getattr(res.mean, table)
        if robust.empty and mean.empty:
            return pd.DataFrame(columns=keys)
        return pd.DataFrame(robust.merge(mean, on=keys, how="outer",
                                         suffixes=("_robust", "_mean_plan")))

    return {
        "decisions": res.decisions,
        "openings": side_by_side("openings", ["provision", "provision_name", "kind", "zone"]),
        "expansions": side_by_side("expansions", ["provision", "provision_name", "kind", "zone",
                                                  "year_in_use"]),
        "costs": res.costs,
    }


def write_robust(res: RobustResult, folder: Path, about: dict[str, object],
                 overwrite: bool = False) -> list[Path]:
    """``robust_<table>.csv``, ``robust.xlsx`` and ``robust_summary.json`` (``about`` plus the
    expected costs); refuses existing files unless ``overwrite``."""

    from placement_opt.io.atomic import ensure_new_file, neutralise_text, write_text_atomic
    from placement_opt.io.workbook import write_workbook

    tables = robust_tables(res)
    targets = [folder / f"robust_{n}.csv" for n in tables] + [folder / "robust.xlsx",
                                                               folder / "robust_summary.json"]
    for target in targets:
        ensure_new_file(target, overwrite)
    folder.mkdir(parents=True, exist_ok=True)
    for frame, target in zip(tables.values(), targets, strict=False):
        write_text_atomic(target, neutralise_text(frame).to_csv(index=False))

    write_workbook(targets[-2], tables)
    summary = {**about, "samples": res.samples, "status": res.status.value,
               "sample_average_objective": res.objective, "gap": res.gap,
               "expected_cost_robust": res.expected_robust,
               "expected_cost_mean_plan": res.expected_mean_plan,
               "value_of_stochastic_solution": res.value_of_stochastic_solution,
               "seconds": {k: round(v, 3) for k, v in res.seconds.items()},
               "formulation": "models/robust.md"}
    write_text_atomic(targets[-1], json.dumps(summary, indent=2, default=str) + "\n")
    return targets
