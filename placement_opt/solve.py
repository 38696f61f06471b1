"""``solve(instance)``: build, check, hand to a backend, and return a new Result."""

from __future__ import annotations

import time
from typing import Any

from placement_opt.checks import presolve_checks
from placement_opt.errors import PlacementOptError
from placement_opt.instance import Instance
from placement_opt.model.arcs import eligible_arcs
from placement_opt.model.build import build_from_data
from placement_opt.model.data import ModelData
from placement_opt.options import SolveOptions
from placement_opt.result import Result, make_result
from placement_opt.solvers.highs import solve_highs

__all__ = ["solve"]


def solve(instance: Instance, options: SolveOptions | None = None, **overrides: Any) -> Result:
    """Solve the allocation model of ``models/allocation.md`` for ``instance``.

    ``options`` (or keyword overrides such as ``time_limit=10``, ``gap=1e-3``, ``threads=2``)
    set the solver. The instance is not modified.
    """
    opts = options or SolveOptions()
    if overrides:
        opts = SolveOptions.model_validate({**opts.model_dump(), **overrides})
    if opts.backend != "highs":
        raise PlacementOptError(f"unknown backend {opts.backend!r}; available: highs")
    start = time.perf_counter()
    data = ModelData.from_instance(instance)
    arcs = eligible_arcs(data)
    model = build_from_data(data, arcs, instance)
    warnings = presolve_checks(data, arcs)
    build_seconds = time.perf_counter() - start
    raw = solve_highs(model, opts)
    return make_result(instance, data, model, raw, warnings, build_seconds)
