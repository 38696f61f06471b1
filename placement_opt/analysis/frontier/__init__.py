"""Trade-offs: cost against a metric (travel, local share, independent places) by the
epsilon-constraint method (``models/frontier.md``)."""

from placement_opt.analysis.frontier.metrics import METRICS, Metric, metric_for, metric_from_result
from placement_opt.analysis.frontier.trace import Frontier, FrontierError, frontier, trace_frontier

__all__ = ["METRICS", "Frontier", "FrontierError", "Metric", "frontier", "metric_for",
           "metric_from_result", "trace_frontier"]
