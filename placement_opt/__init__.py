"""placement_opt: optimisation of specialist school place planning.

>>> from placement_opt import Instance, high_needs_account, solve
>>> result = solve(Instance.from_path("instances/demo"))  # doctest: +SKIP
>>> high_needs_account(result, Instance.from_path("instances/demo")).summary  # doctest: +SKIP
>>> from placement_opt import firmness
>>> firm = firmness(Instance.from_path("instances/kent_growth"), workers=2)  # doctest: +SKIP
>>> firm.costs.decisions[["decision", "cost_to_reverse"]]  # doctest: +SKIP
"""

from placement_opt._version import __version__
from placement_opt.analysis.firmness.run import Firmness, decision_costs, firmness
from placement_opt.analysis.frontier import Frontier, frontier
from placement_opt.errors import InstanceError, Issue, OutputError, PlacementOptError, Severity
from placement_opt.instance import Instance
from placement_opt.model.build import build_allocation_model
from placement_opt.model.matrix import MatrixModel
from placement_opt.options import SolveOptions
from placement_opt.reports.high_needs import high_needs_account
from placement_opt.reports.run_folder import write_run_folder
from placement_opt.results.result import Result
from placement_opt.schema.settings import Policy, Settings
from placement_opt.solve import solve
from placement_opt.status import Status

__all__ = [
    "Firmness",
    "Frontier",
    "Instance",
    "InstanceError",
    "Issue",
    "MatrixModel",
    "OutputError",
    "PlacementOptError",
    "Policy",
    "Result",
    "Settings",
    "Severity",
    "SolveOptions",
    "Status",
    "__version__",
    "build_allocation_model",
    "decision_costs",
    "firmness",
    "frontier",
    "high_needs_account",
    "solve",
    "write_run_folder",
]
